"""The playhead: a thin line with a head, moved by ``setPos`` alone (it is set at ~60 Hz)."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from app.ui.waveform import theme


class PlayheadItem(QGraphicsItem):
    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._height = 0.0
        self._head = QPolygonF([QPointF(-5, 0), QPointF(5, 0), QPointF(0, 6)])
        self.paint_count = 0
        self.setZValue(50)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresParentOpacity, True)

    def set_height(self, height: float) -> None:
        if height != self._height:
            self.prepareGeometryChange()
            self._height = height

    def boundingRect(self) -> QRectF:
        return QRectF(-6, 0, 12, self._height)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(theme.PLAYHEAD, 0))
        painter.drawLine(QLineF(0.5, 0, 0.5, self._height))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(theme.PLAYHEAD))
        painter.drawPolygon(self._head.translated(0.5, 0))
        self.paint_count += 1
