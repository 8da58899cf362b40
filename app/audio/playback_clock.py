"""Maps output frame numbers (ring indices) back to file time.

The feeder adds a marker whenever the relation between what goes to the device and
the file jumps: a seek, a loop wrap, a speed change, a new play. Between markers the
relation is linear: ``file_frame = marker.file_frame + (k - marker.out_index) * step``
with ``step`` = file frames per output frame (rate ratio times speed). The marker
tuple is replaced, never mutated, so readers in other threads need no lock.
"""

from __future__ import annotations

from typing import NamedTuple


class Marker(NamedTuple):
    out_index: float   # output frame number where this stretch starts
    file_frame: int    # file frame heard at that output frame
    step: float        # file frames per output frame
    limit: int         # file frame the stretch never passes (its range end)


class Timeline:
    """Markers in output order; ``file_frame_at(k)`` for any output frame ``k``."""

    KEEP = 64

    def __init__(self) -> None:
        self.markers: tuple[Marker, ...] = ()

    def add(self, marker: Marker) -> None:
        markers = self.markers
        if len(markers) >= self.KEEP:
            markers = markers[-(self.KEEP // 2):]
        self.markers = markers + (marker,)

    def reset(self) -> None:
        self.markers = ()

    def file_frame_at(self, out_index: float) -> float | None:
        markers = self.markers
        if not markers:
            return None
        chosen = markers[0]
        for marker in reversed(markers):
            if marker.out_index <= out_index:
                chosen = marker
                break
        offset = max(0.0, out_index - chosen.out_index)
        return min(chosen.file_frame + offset * chosen.step, float(chosen.limit))
