"""The overview strip: the whole file, its annotations, the visible window (draggable).

The envelope and the annotation band are rendered once into images (per size, pyramid
and annotation change), so moving the window or the playhead only blits them.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ui.waveform import theme
from app.ui.waveform.annotation_index import AnnotationIndex
from app.ui.waveform.annotation_layer import AnnotationLayer
from app.ui.waveform.timescale import TimeWindow
from app.ui.waveform.wave_item import WaveformSource

BAND_HEIGHT = 4


class OverviewStrip(QWidget):
    view_start_requested = Signal(float)        # new window start, ms (width unchanged)
    wheel = Signal(QWheelEvent, float)          # the event and the time under the pointer

    def __init__(self, window: TimeWindow, source: WaveformSource, index: AnnotationIndex,
                 layer: AnnotationLayer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._window, self._source, self._index, self._layer = window, source, index, layer
        self._wave_image: QImage | None = None
        self._wave_key: tuple | None = None
        self._band_image: QImage | None = None
        self._band_key: tuple | None = None
        self._band_generation = 0
        self._playhead = 0.0
        self._grab_offset: float | None = None
        self.setFixedHeight(theme.OVERVIEW_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setToolTip("Overview of the whole file: drag the window to move the view")

    # --- state from the editor ----------------------------------------------------------

    def annotations_changed(self) -> None:
        self._band_generation += 1
        self.update()

    def set_playhead(self, ms: float) -> None:
        old = self._x_of(self._playhead)
        self._playhead = ms
        new = self._x_of(ms)
        if int(old) != int(new):
            self.update(QRect(int(old) - 1, 0, 3, self.height()))
            self.update(QRect(int(new) - 1, 0, 3, self.height()))

    def _x_of(self, ms: float) -> float:
        duration = self._window.duration
        return ms * self.width() / duration if duration > 0 else 0.0

    def _ms_at(self, x: float) -> float:
        return x * self._window.duration / max(self.width(), 1)

    def window_rect(self) -> QRectF:
        """The visible window in this widget's pixels."""
        x0 = self._x_of(self._window.start)
        x1 = self._x_of(self._window.end)
        return QRectF(x0, 0, max(x1 - x0, 3.0), self.height())

    # --- cached images ------------------------------------------------------------------

    def _wave(self) -> QImage | None:
        source = self._source
        key = (self.width(), self.height(), source.generation, source.channels)
        if key == self._wave_key:
            return self._wave_image
        self._wave_key = key
        self._wave_image = None
        pyramid = source.pyramid
        width, height = self.width(), self.height() - BAND_HEIGHT
        if pyramid is None or width <= 0 or height <= 0:
            return None
        lo = np.full(width, np.inf, dtype=np.float32)
        hi = np.full(width, -np.inf, dtype=np.float32)
        for lane in range(pyramid.channels):
            a, b = pyramid.envelope(lane, 0, pyramid.frames, width)
            lo = np.fmin(lo, a)
            hi = np.fmax(hi, b)
        center, half = height / 2, height / 2 - 2
        top = np.floor(center - np.clip(np.nan_to_num(hi, nan=0.0), -1, 1) * half).astype(int)
        bottom = np.floor(center - np.clip(np.nan_to_num(lo, nan=0.0), -1, 1) * half).astype(int)
        bottom = np.maximum(bottom, top)
        rows = np.arange(height)[:, None]
        mask = (rows >= top[None, :]) & (rows <= bottom[None, :]) & np.isfinite(hi)[None, :]
        pixels = np.empty((height, width, 4), dtype=np.uint8)
        bg, fg = theme.OVERVIEW_BACKGROUND, theme.OVERVIEW_WAVE
        pixels[:] = (bg.red(), bg.green(), bg.blue(), 255)
        pixels[mask] = (fg.red(), fg.green(), fg.blue(), 255)
        image = QImage(pixels.data, width, height, width * 4, QImage.Format.Format_RGBA8888)
        self._wave_image = image.copy()
        return self._wave_image

    def _band(self) -> QImage | None:
        width = self.width()
        key = (width, self._band_generation, self._window.duration)
        if key == self._band_key:
            return self._band_image
        self._band_key = key
        self._band_image = None
        index, duration = self._index, self._window.duration
        if not len(index) or width <= 0 or duration <= 0:
            return None
        p0 = np.clip(np.floor(index.starts * width / duration), 0, width - 1).astype(np.int64)
        p1 = np.clip(np.maximum(np.ceil(index.ends * width / duration), p0 + 1), 1,
                     width).astype(np.int64)
        ntypes = len(index.type_names)
        stride = width + 1
        types = index.types.astype(np.int64)
        counts = (np.bincount(types * stride + p0, minlength=ntypes * stride)
                  - np.bincount(types * stride + p1, minlength=ntypes * stride))
        cover = np.cumsum(counts.reshape(ntypes, stride), axis=1)[:, :width]
        covered = cover.max(axis=0) > 0
        winner = cover.argmax(axis=0)
        row = np.zeros((1, width, 4), dtype=np.uint8)
        for t, name in enumerate(index.type_names):
            c = self._layer.style(name).color
            row[0, covered & (winner == t)] = (c.red(), c.green(), c.blue(), 255)
        image = QImage(row.data, width, 1, width * 4, QImage.Format.Format_RGBA8888)
        self._band_image = image.copy()
        return self._band_image

    # --- painting -----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        width, height = self.width(), self.height()
        painter.fillRect(self.rect(), theme.OVERVIEW_BACKGROUND)
        wave = self._wave()
        if wave is not None:
            painter.drawImage(QPointF(0, 0), wave)
        band = self._band()
        if band is not None:
            painter.drawImage(QRectF(0, height - BAND_HEIGHT, width, BAND_HEIGHT), band)
        if self._window.duration > 0:
            rect = self.window_rect()
            painter.fillRect(QRectF(0, 0, rect.left(), height), theme.OVERVIEW_DIM)
            painter.fillRect(QRectF(rect.right(), 0, width - rect.right(), height),
                             theme.OVERVIEW_DIM)
            painter.fillRect(rect, theme.OVERVIEW_WINDOW_FILL)
            painter.setPen(QPen(theme.OVERVIEW_WINDOW_EDGE, 1))
            painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
            x = math.floor(self._x_of(self._playhead)) + 0.5
            painter.setPen(QPen(theme.PLAYHEAD, 0))
            painter.drawLine(QLineF(x, 0, x, height))
        painter.setPen(QPen(theme.RULER_BORDER, 0))
        painter.drawLine(QLineF(0, height - 0.5, width, height - 0.5))
        painter.end()

    # --- mouse --------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._window.duration <= 0:
            return
        ms = self._ms_at(event.position().x())
        if self.window_rect().contains(event.position()):
            self._grab_offset = ms - self._window.start
        else:
            self._grab_offset = self._window.span / 2
            self.view_start_requested.emit(ms - self._grab_offset)
        self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._grab_offset is not None:
            self.view_start_requested.emit(self._ms_at(event.position().x()) - self._grab_offset)
        elif self.window_rect().contains(event.position()):
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._grab_offset is not None:
            self._grab_offset = None
            self.setCursor(Qt.CursorShape.OpenHandCursor)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.wheel.emit(event, self._ms_at(event.position().x()))
        event.accept()
