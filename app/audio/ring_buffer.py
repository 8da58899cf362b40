"""A single-producer / single-consumer frame ring buffer that needs no lock.

The feeder thread is the only writer and the audio callback the only reader. Indices
are monotonic frame counts (never wrapped), so ``write_index - read_index`` is the
fill and an index doubles as the "output frame number" the playback clock maps back
to file time.

The writer publishes ``(write_index, discard_before, end_index)`` as one tuple: a
single attribute store is atomic under the GIL, so the reader always sees a
consistent triple. A flush (seek) does not touch the reader's index: the writer
appends the new audio after the old and sets ``discard_before`` to where it starts;
the reader jumps there on its next call. Because the writer never writes over frames
between the reader's index and its own, a callback that is mid-copy is never
clobbered, and the high-water mark (half the capacity) guarantees room for the new
audio right away.
"""

from __future__ import annotations

import numpy as np


class FrameRing:
    """Lock-free SPSC ring of float32 frames, ``capacity`` frames of ``channels``."""

    def __init__(self, capacity: int, channels: int):
        if capacity <= 0 or channels <= 0:
            raise ValueError("capacity and channels must be positive")
        self.capacity = capacity
        self.channels = channels
        self.high_water = capacity // 2
        self.buffer = np.zeros((capacity, channels), dtype=np.float32)
        #: (write_index, discard_before, end_index or None) -- written by the producer
        self.published: tuple[int, int, int | None] = (0, 0, None)
        #: frames consumed so far -- written by the consumer only
        self.read_index = 0

    # -- producer side -------------------------------------------------------------
    @property
    def write_index(self) -> int:
        return self.published[0]

    def fill(self) -> int:
        """Frames queued that the reader will still play (stale frames excluded)."""
        write, discard, _ = self.published
        return max(0, write - max(self.read_index, discard))

    def free(self) -> int:
        """Frames that can be written now without touching unread (even stale) frames."""
        return self.capacity - (self.published[0] - self.read_index)

    def write(self, frames: np.ndarray) -> int:
        """Append up to ``len(frames)`` frames; returns how many were taken."""
        write, discard, end = self.published
        count = min(len(frames), self.free())
        if count <= 0:
            return 0
        self._copy_in(write, frames[:count])
        self.published = (write + count, discard, end)
        return count

    def flush_and_write(self, frames: np.ndarray) -> tuple[int, int]:
        """Drop everything queued and make ``frames`` the next thing the reader plays.

        Returns ``(start_index, taken)``: the output index of the first new frame and
        how many frames fit.
        """
        write, _, _ = self.published
        count = min(len(frames), self.free())
        if count > 0:
            self._copy_in(write, frames[:count])
        # One store: the reader sees the skip and the new frames together.
        self.published = (write + max(count, 0), write, None)
        return write, max(count, 0)

    def mark_end(self, at: int | None = None) -> None:
        """Playback ends at index ``at`` (default: after the frames written so far);
        frames queued beyond it are never played."""
        write, discard, _ = self.published
        self.published = (write, discard, write if at is None else min(at, write))

    def clear_end(self) -> None:
        write, discard, _ = self.published
        self.published = (write, discard, None)

    def _copy_in(self, start: int, frames: np.ndarray) -> None:
        position = start % self.capacity
        first = min(len(frames), self.capacity - position)
        self.buffer[position:position + first] = frames[:first]
        if first < len(frames):
            self.buffer[:len(frames) - first] = frames[first:]

    # -- consumer side ---------------------------------------------------------------
    def read_into(self, out: np.ndarray, volume: float = 1.0) -> tuple[int, int, bool]:
        """Copy up to ``len(out)`` frames into ``out`` (scaled by ``volume``), zero the rest.

        Returns ``(first_index, copied, reached_end)``. Allocation-free apart from the
        array views; this is what the audio callback runs.
        """
        write, discard, end = self.published
        read = self.read_index
        if read < discard:
            read = discard
        wanted = len(out)
        count = (write if end is None else end) - read
        if count > wanted:
            count = wanted
        if count > 0:
            position = read % self.capacity
            first = self.capacity - position
            buffer = self.buffer
            if count <= first:
                _copy(out[:count], buffer[position:position + count], volume)
            else:
                _copy(out[:first], buffer[position:], volume)
                _copy(out[first:count], buffer[:count - first], volume)
        else:
            count = 0
        if count < wanted:
            out[count:] = 0.0
        self.read_index = read + count
        return read, count, end is not None and read + count >= end


def _copy(dst: np.ndarray, src: np.ndarray, volume: float) -> None:
    if volume == 1.0:
        np.copyto(dst, src)
    else:
        np.multiply(src, volume, out=dst)
