"""Streaming sample-rate conversion (file rate -> device rate) with soxr.

soxr's stream compensates its filter delay, so output frame ``j`` lines up with input
time ``j / out_rate``: the playback clock can map output frames to file time with the
rate ratio alone, and a streamed range equals ``soxr.resample`` of the whole range.
"""

from __future__ import annotations

import numpy as np
import soxr


class StreamResampler:
    """(n, channels) float32 blocks in at ``in_rate``, out at ``out_rate``."""

    def __init__(self, in_rate: int, out_rate: int, channels: int, quality: str = "HQ"):
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.ratio = out_rate / in_rate
        self._stream = None
        if in_rate != out_rate:
            self._stream = soxr.ResampleStream(in_rate, out_rate, channels,
                                               dtype="float32", quality=quality)

    @property
    def active(self) -> bool:
        return self._stream is not None

    def process(self, frames: np.ndarray, last: bool = False) -> np.ndarray:
        if self._stream is None:
            return frames
        return self._stream.resample_chunk(np.ascontiguousarray(frames, dtype=np.float32),
                                           last=last)
