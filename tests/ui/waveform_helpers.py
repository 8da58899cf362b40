"""Shared pieces of the waveform editor tests: generated audio, annotations, real drags."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import QPoint, Qt

from app.core.entities import Annotation, AudioFile

TYPES = {"glitch": "#FF4444", "long_pause": "#4444FF", "hallucination": "#44FF44"}


def make_audio(tmp_path: Path, seconds: float = 10.0, rate: int = 16000, channels: int = 1,
               name: str = "clip.wav", amplitudes: tuple[float, ...] = (0.6, 0.6)) -> tuple[Path, AudioFile]:
    """A WAV of noise bursts and the AudioFile entity describing it."""
    frames = int(seconds * rate)
    rng = np.random.default_rng(5)
    t = np.arange(frames) / rate
    envelope = 0.25 + 0.75 * np.sin(np.pi * t / 1.3) ** 2
    lanes = [(amplitudes[c] * envelope * np.sin(2 * np.pi * 220 * t)
              + 0.05 * rng.standard_normal(frames)).astype(np.float32) for c in range(channels)]
    data = lanes[0] if channels == 1 else np.stack(lanes, axis=1)
    path = tmp_path / name
    sf.write(path, data, rate, subtype="PCM_16")
    audio = AudioFile(id="audio-1", dataset_id="ds-1", original_filename=name,
                      sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                      format="WAV", subtype="PCM_16", sample_rate=rate, channels=channels,
                      frames=frames, duration_ms=int(round(seconds * 1000)),
                      size_bytes=path.stat().st_size, created_at=datetime.now(timezone.utc))
    return path, audio


def ann(annotation_id: str, type_name: str, start: int, end: int) -> Annotation:
    return Annotation(annotation_id, "set-1", "audio-1", type_name, start, end)


def point(editor, ms: float, fraction: float = 0.6) -> QPoint:
    """The viewport pixel at ``ms``, ``fraction`` of the way down the lanes."""
    lanes = editor.lanes_rect()
    return QPoint(int(round(editor.x_for_ms(ms))), int(lanes.top() + fraction * lanes.height()))


def ms_at(editor, pos: QPoint) -> int:
    """What the editor maps this pixel to, to the millisecond."""
    return int(round(editor.ms_for_x(pos.x())))


def drag(qtbot, editor, start: QPoint, end: QPoint, modifier=Qt.KeyboardModifier.NoModifier,
         steps: int = 6) -> None:
    """A real press, several moves and a release on the waveform's viewport."""
    viewport = editor.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, start)
    for i in range(1, steps + 1):
        x = start.x() + (end.x() - start.x()) * i // steps
        y = start.y() + (end.y() - start.y()) * i // steps
        qtbot.mouseMove(viewport, QPoint(x, y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, end)


def click(qtbot, editor, pos: QPoint, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton, modifier, pos)
