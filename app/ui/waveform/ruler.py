"""The time ruler above the lanes: h:mm:ss.mmm labels, ticks that adapt to the zoom."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QRectF, QSizeF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsWidget

from app.core.timefmt import format_ms
from app.ui.waveform import theme
from app.ui.waveform.timescale import TimeWindow, tick_spacing, tick_values


class TimeRuler(QGraphicsWidget):
    def __init__(self, window: TimeWindow, parent=None) -> None:
        super().__init__(parent)
        self._window = window
        self._font = theme.ruler_font()
        self._metrics = QFontMetricsF(self._font)
        self.setMinimumHeight(theme.RULER_HEIGHT)
        self.setMaximumHeight(theme.RULER_HEIGHT)
        self.setPreferredSize(QSizeF(100, theme.RULER_HEIGHT))

    @staticmethod
    def label(ms: int) -> str:
        return format_ms(ms)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        width, height = self.size().width(), self.size().height()
        painter.fillRect(QRectF(0, 0, width, height), theme.RULER_BACKGROUND)
        painter.setPen(QPen(theme.RULER_BORDER, 0))
        painter.drawLine(QLineF(0, height - 0.5, width, height - 0.5))
        window = self._window
        if window.span <= 0 or width <= 0:
            return
        label_px = self._metrics.horizontalAdvance("0:00:00.000") + 30
        major, minor = tick_spacing(window.span, width, label_px)
        painter.setPen(QPen(theme.RULER_TICK, 0))
        if minor:
            for value in tick_values(window.start, window.end, minor):
                if value % major:
                    x = math.floor(window.x_of(value, width)) + 0.5
                    painter.drawLine(QLineF(x, height - 5, x, height - 1))
        painter.setFont(self._font)
        for value in tick_values(window.start, window.end, major):
            x = math.floor(window.x_of(value, width)) + 0.5
            painter.setPen(QPen(theme.RULER_TICK, 0))
            painter.drawLine(QLineF(x, 3, x, height - 1))
            text = self.label(value)
            text_width = self._metrics.horizontalAdvance(text)
            if x + 4 + text_width > width:
                continue
            painter.setPen(theme.RULER_TEXT)
            painter.drawText(QRectF(x + 4, 1, text_width + 2, height - 7),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
