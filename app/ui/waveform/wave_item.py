"""The waveform lanes: one vertical min/max segment per pixel, raw samples when zoomed in.

Everything is drawn in device pixels of the lane area (no scene transform), so each
segment lands on exactly one pixel column. The segments of the current window are kept
until the window, the size or the data change, so a playhead frame costs a blit.
"""

from __future__ import annotations

import math

import numpy as np
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from app.audio.peaks import BIN_FRAMES, PeakError, PeakPyramid, SampleWindowReader, reduce_bins
from app.ui.waveform import theme
from app.ui.waveform.timescale import TimeWindow, tick_spacing, tick_values

LINE_BELOW_FPP = 2.0      # fewer frames per pixel than this: draw the samples as a line
DOTS_BELOW_FPP = 1 / 6    # and mark each sample when they are 6+ pixels apart


class WaveformSource:
    """What the lanes draw from: the pyramid (or its sketch) and a raw-sample reader."""

    def __init__(self) -> None:
        self.generation = 0
        self.reader: SampleWindowReader | None = None
        self._reset()

    def _reset(self) -> None:
        self.pyramid: PeakPyramid | None = None
        self.reader = None
        self.channels = 0
        self.sample_rate = 0
        self.frames = 0
        self.error = ""
        self.generation += 1          # whatever was drawn from the old data is stale

    @property
    def loaded(self) -> bool:
        return self.channels > 0

    @property
    def state(self) -> str:
        """'empty', 'sketch' (approximate), or 'fine'."""
        if self.pyramid is None:
            return "empty"
        return "sketch" if self.pyramid.approximate else "fine"

    def set_pyramid(self, pyramid: PeakPyramid | None) -> None:
        self.pyramid = pyramid
        self.generation += 1

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        self._reset()

    def frame_of(self, ms: float) -> float:
        return ms * self.sample_rate / 1000.0

    def raw_window(self, start_frame: float, end_frame: float) -> tuple[int, np.ndarray] | None:
        if self.reader is None:
            return None
        try:
            return self.reader.read(math.floor(start_frame), math.ceil(end_frame) + 1)
        except PeakError as error:
            self.error = str(error)
            self.reader = None
            return None


class WaveLanes(QGraphicsItem):
    """Lane backgrounds, grid, center lines and the waveform of every channel."""

    def __init__(self, window: TimeWindow, source: WaveformSource,
                 parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._source = source
        self._size = (0, 0)
        self._key: tuple | None = None
        self._segments = PrimitiveArray(QLineF, 4)
        self._dots = PrimitiveArray(QPointF, 2)
        self._antialias = False
        self._dot_count = 0
        self.placeholder = "No audio loaded"
        self.paint_count = 0
        self.painted_state = "empty"      # what the last paint showed (benchmarks read it)

    def set_size(self, width: int, height: int) -> None:
        if (width, height) != self._size:
            self.prepareGeometryChange()
            self._size = (width, height)
            self._key = None

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._size[0], self._size[1])

    def lane_count(self) -> int:
        return max(self._source.channels, 1)

    def lane_geometry(self, lane: int) -> tuple[float, float, float]:
        """(top, center, half-height) of a lane in local pixels."""
        height = self._size[1] / self.lane_count()
        top = lane * height
        return top, top + height / 2, max(height / 2 - 4, 1)

    # --- geometry of the samples --------------------------------------------------------

    def _rebuild(self, width: int) -> None:
        source, window = self._source, self._window
        self._antialias = False
        self._dot_count = 0
        if not source.loaded or width <= 0 or window.span <= 0:
            self._segments.resize(0)
            return
        f0, f1 = source.frame_of(window.start), source.frame_of(window.end)
        fpp = (f1 - f0) / width
        pyramid = source.pyramid
        # Past the finest level, read the samples of the visible window only.
        raw = source.raw_window(f0, f1) if fpp < BIN_FRAMES else None
        parts = []
        if raw is not None and fpp < LINE_BELOW_FPP:
            parts = self._sample_lines(raw, f0, fpp)
            self._antialias = True
        elif raw is not None:
            first, samples = raw
            for lane in range(source.channels):
                column = samples[:, lane]
                lo, hi = reduce_bins(column, column, 1.0, len(column), f0 - first, fpp, width)
                # Join each column to the next so a steep slope does not break up.
                lo[:-1] = np.fmin(lo[:-1], hi[1:])
                hi[:-1] = np.fmax(hi[:-1], lo[1:])
                parts.append(self._columns(lane, lo, hi))
        elif pyramid is not None:
            for lane in range(source.channels):
                lo, hi = pyramid.envelope(lane, f0, f1, width)
                parts.append(self._columns(lane, lo, hi))
        segments = np.concatenate(parts) if parts else np.zeros((0, 4))
        self._segments.resize(len(segments))
        if len(segments):
            self._segments.ndarray()[:] = segments

    def _columns(self, lane: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        _, center, half = self.lane_geometry(lane)
        valid = np.isfinite(lo) & np.isfinite(hi)
        xs = np.flatnonzero(valid).astype(np.float64) + 0.5
        top = np.floor(center - np.clip(hi[valid], -1, 1) * half) + 0.5
        bottom = np.floor(center - np.clip(lo[valid], -1, 1) * half) + 0.5
        bottom = np.maximum(bottom, top + 1.0)
        out = np.empty((len(xs), 4))
        out[:, 0] = xs
        out[:, 1] = top
        out[:, 2] = xs
        out[:, 3] = bottom
        return out

    def _sample_lines(self, raw: tuple[int, np.ndarray], f0: float,
                      fpp: float) -> list[np.ndarray]:
        first, samples = raw
        xs = (first + np.arange(len(samples)) - f0) / fpp
        parts, dots = [], []
        for lane in range(self._source.channels):
            _, center, half = self.lane_geometry(lane)
            ys = center - np.clip(samples[:, lane], -1, 1) * half
            if len(xs) >= 2:
                seg = np.empty((len(xs) - 1, 4))
                seg[:, 0], seg[:, 1], seg[:, 2], seg[:, 3] = xs[:-1], ys[:-1], xs[1:], ys[1:]
                parts.append(seg)
            if fpp < DOTS_BELOW_FPP:
                dots.append(np.column_stack([xs, ys]))
        if dots:
            stacked = np.concatenate(dots)
            self._dots.resize(len(stacked))
            self._dots.ndarray()[:] = stacked
            self._dot_count = len(stacked)
        return parts

    # --- painting -----------------------------------------------------------------------

    def paint(self, painter: QPainter, option, widget=None) -> None:
        width, height = self._size
        rect = QRectF(0, 0, width, height)
        painter.fillRect(rect, theme.LANE_BACKGROUND)
        window, source = self._window, self._source
        key = (window.start, window.end, width, height, source.generation, source.channels,
               source.reader is not None)
        if key != self._key:
            self._rebuild(width)
            self._key = key
        lanes = self.lane_count()

        if window.span > 0 and width > 0:
            major, _ = tick_spacing(window.span, width)
            painter.setPen(QPen(theme.GRID, 0))
            for value in tick_values(window.start, window.end, major):
                x = math.floor(window.x_of(value, width)) + 0.5
                painter.drawLine(QLineF(x, 0, x, height))

        for lane in range(lanes):
            top, center, _ = self.lane_geometry(lane)
            painter.setPen(QPen(theme.CENTER_LINE, 0))
            painter.drawLine(QLineF(0, math.floor(center) + 0.5, width, math.floor(center) + 0.5))
            if lane:
                painter.setPen(QPen(theme.LANE_SEPARATOR, 0))
                painter.drawLine(QLineF(0, math.floor(top) + 0.5, width, math.floor(top) + 0.5))

        if len(self._segments):
            color = theme.WAVE_SKETCH if source.state == "sketch" else theme.WAVE
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, self._antialias)
            painter.setPen(QPen(color, 1.3 if self._antialias else 0))
            painter.drawLines(*self._segments.drawargs())
            if self._dot_count:
                pen = QPen(color, 5)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                painter.drawPoints(*self._dots.drawargs())
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            self.painted_state = source.state if not self._antialias else "fine"
        else:
            self.painted_state = "empty"

        if lanes > 1:
            names = ["L", "R"] if lanes == 2 else [str(i + 1) for i in range(lanes)]
            painter.setPen(theme.LANE_LABEL)
            painter.setFont(theme.ruler_font())
            for lane in range(lanes):
                top, _, _ = self.lane_geometry(lane)
                painter.drawText(QRectF(width - 26, top + height / lanes - 18, 20, 16),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 names[lane])
        if not source.loaded or source.error:
            painter.setPen(theme.PLACEHOLDER)
            font = theme.ruler_font()
            font.setPixelSize(13)
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                             source.error or self.placeholder)
        self.paint_count += 1
