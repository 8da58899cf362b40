"""A message shown right next to the field it is about (error, warning or note), with an
optional one-click action, so dialogs never need a popup to explain a problem."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStyle, QWidget

ERROR = "error"
WARNING = "warning"
NOTE = "note"

_TEXT_COLORS = {ERROR: "#B3261E", WARNING: "#7A5200", NOTE: "#4A5563"}
_ICONS = {
    ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
    WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    NOTE: QStyle.StandardPixmap.SP_MessageBoxInformation,
}


class InlineMessage(QWidget):
    """Icon, word-wrapped text and an optional action button; hidden while empty."""

    action_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind: str | None = None
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.button = QPushButton(self)
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.action_clicked)
        self.button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def sizeHint(self) -> QSize:
        # QLabel's word-wrapped size hint assumes a narrow column (too tall); forms that
        # ignore height-for-width then leave a gap, so answer for the width we really have.
        hint = super().sizeHint()
        width = self.width() if self.width() > hint.width() else max(hint.width(), 420)
        return QSize(hint.width(), self.layout().heightForWidth(width))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()

    def text(self) -> str:
        return self.label.text() if self.kind else ""

    def show_message(self, kind: str, text: str, action: str | None = None) -> None:
        self.kind = kind
        size = self.fontMetrics().height()
        self.icon.setPixmap(self.style().standardIcon(_ICONS[kind]).pixmap(size, size))
        self.label.setText(text)
        self.label.setStyleSheet(f"color: {_TEXT_COLORS[kind]};")
        self.button.setVisible(action is not None)
        if action is not None:
            self.button.setText(action)
        self.show()
        self.updateGeometry()

    def clear(self) -> None:
        self.kind = None
        self.label.clear()
        self.button.hide()
        self.hide()
