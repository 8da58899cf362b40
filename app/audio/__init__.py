"""Decoding, peak pyramid, analysis and playback. No Qt widgets."""
