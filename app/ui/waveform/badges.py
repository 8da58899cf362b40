"""Small overlays on the waveform: the read-only badge and the peak-progress note."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QWidget

from app.ui.waveform import theme


class LockBadge(QWidget):
    """A padlock and a short reason ("v2 published - read-only"); ignores the mouse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._font = QFont()
        self._font.setPixelSize(12)
        self._font.setBold(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, True)
        self.hide()

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text
        self.setToolTip(text)
        self.resize(self.sizeHint())
        self.update()

    def sizeHint(self) -> QSize:
        width = QFontMetricsF(self._font).horizontalAdvance(self._text)
        return QSize(int(width) + 40, 24)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(theme.BADGE_BORDER, 1))
        painter.setBrush(theme.BADGE_BACKGROUND)
        painter.drawRoundedRect(rect, 5, 5)
        # padlock: shackle arc over a body
        painter.setPen(QPen(theme.BADGE_TEXT, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        shackle = QPainterPath()
        shackle.moveTo(QPointF(11.5, 12))
        shackle.lineTo(QPointF(11.5, 9))
        shackle.arcTo(QRectF(11.5, 5, 7, 8), 180, -180)
        shackle.lineTo(QPointF(18.5, 12))
        painter.drawPath(shackle)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.BADGE_TEXT)
        painter.drawRoundedRect(QRectF(9.5, 11.5, 11, 8), 1.5, 1.5)
        painter.setPen(theme.BADGE_TEXT)
        painter.setFont(self._font)
        painter.drawText(QRectF(27, 0, rect.width() - 30, rect.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._text)
        painter.end()


class StatusNote(QLabel):
    """Bottom-left note while the fine waveform is computed, or when it cannot be."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setStyleSheet("QLabel { background: rgba(20, 22, 27, 215); color: #c8ced8;"
                           " border: 1px solid #343a45; border-radius: 4px;"
                           " padding: 2px 7px; font-size: 11px; }")
        self.hide()

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.adjustSize()
        self.setVisible(bool(text))
