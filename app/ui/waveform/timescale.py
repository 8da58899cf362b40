"""The visible time window (milliseconds <-> pixels, zoom, pan) and ruler tick choice.

Pure arithmetic, no Qt: the editor, the ruler, the overview and the tests share it, so a
pixel always maps to the same millisecond everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

ZOOM_STEP = 1.5

# Major tick spacings (ms) and the minor subdivision that goes with each.
_SPACINGS: tuple[tuple[int, int], ...] = (
    (1, 0), (2, 1), (5, 1), (10, 2), (20, 5), (50, 10), (100, 20), (200, 50), (500, 100),
    (1_000, 200), (2_000, 500), (5_000, 1_000), (10_000, 2_000), (15_000, 5_000),
    (30_000, 5_000), (60_000, 10_000), (120_000, 30_000), (300_000, 60_000),
    (600_000, 120_000), (900_000, 300_000), (1_800_000, 300_000), (3_600_000, 600_000),
    (7_200_000, 1_800_000), (14_400_000, 3_600_000), (36_000_000, 7_200_000),
)


def tick_spacing(span_ms: float, width_px: float, min_label_px: float = 110.0) -> tuple[int, int]:
    """(major, minor) spacing in ms so that major labels are at least ``min_label_px`` apart."""
    if width_px <= 0 or span_ms <= 0:
        return _SPACINGS[-1]
    ms_per_px = span_ms / width_px
    for major, minor in _SPACINGS:
        if major / ms_per_px >= min_label_px:
            return major, minor
    return _SPACINGS[-1]


def tick_values(start_ms: float, end_ms: float, spacing: int) -> list[int]:
    """Multiples of ``spacing`` within [start, end]."""
    if spacing <= 0:
        return []
    first = -(-int(start_ms) // spacing) * spacing
    if first < start_ms:
        first += spacing
    return list(range(first, int(end_ms) + 1, spacing))


@dataclass
class TimeWindow:
    """The visible window ``[start, end)`` in ms over a file of ``duration`` ms."""

    duration: float = 0.0
    start: float = 0.0
    end: float = 0.0
    min_span: float = 2.0

    @property
    def span(self) -> float:
        return self.end - self.start

    def clamped(self, start: float, end: float) -> tuple[float, float]:
        """The closest valid window: inside the file, no narrower than ``min_span``."""
        if self.duration <= 0:
            return 0.0, 0.0
        span = min(max(end - start, min(self.min_span, self.duration)), self.duration)
        start = min(max(start, 0.0), self.duration - span)
        return start, start + span

    def zoomed(self, factor: float, anchor: float) -> tuple[float, float]:
        """Window ``factor`` times narrower, ``anchor`` staying at the same screen fraction."""
        if self.span <= 0:
            return self.start, self.end
        fraction = (anchor - self.start) / self.span
        span = self.span / factor
        start = anchor - fraction * span
        return self.clamped(start, start + span)

    def panned(self, delta_ms: float) -> tuple[float, float]:
        return self.clamped(self.start + delta_ms, self.end + delta_ms)

    def x_of(self, ms: float, width_px: float) -> float:
        if self.span <= 0:
            return 0.0
        return (ms - self.start) * width_px / self.span

    def ms_at(self, x: float, width_px: float) -> float:
        if width_px <= 0:
            return self.start
        return self.start + x * self.span / width_px
