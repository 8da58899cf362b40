"""The waveform editor widget and its parts (lanes, regions, ruler, overview, playhead)."""

from app.ui.waveform.editor import WaveformEditor

__all__ = ["WaveformEditor"]
