"""The artifact-type palette: one button per type with its color and number key; the
checked one is the "current type" used by Enter and drag-to-create."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QWidget

from app.core.entities import ArtifactType


def swatch_icon(color: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(color))
    painter.setPen(QColor(color).darker(160))
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pixmap)


class TypePalette(QWidget):
    type_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("typePalette")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 0, 4, 0)
        self._layout.setSpacing(2)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._buttons: dict[str, QToolButton] = {}
        self._empty = QLabel("No artifact types: edit the dataset to add some")
        self._empty.setObjectName("emptyHint")
        self._layout.addWidget(self._empty)

    def set_types(self, types: tuple[ArtifactType, ...] | list[ArtifactType], current: str | None) -> None:
        for button in self._buttons.values():
            self._group.removeButton(button)
            button.deleteLater()
        self._buttons.clear()
        self._empty.setVisible(not types)
        for number, artifact_type in enumerate(types, start=1):
            key = f"{number} " if number <= 9 else ""
            button = QToolButton(self)
            button.setObjectName(f"typeButton_{artifact_type.name}")
            button.setText(f"{key}{artifact_type.name}")
            button.setIcon(swatch_icon(artifact_type.color))
            button.setIconSize(QSize(14, 14))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setAutoRaise(True)
            tip = artifact_type.description or artifact_type.name
            if number <= 9:
                tip += f"\nKey {number}: create / retype as {artifact_type.name}"
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, name=artifact_type.name: self.type_chosen.emit(name))
            self._group.addButton(button)
            self._layout.addWidget(button)
            self._buttons[artifact_type.name] = button
        self.set_current(current)

    def set_current(self, name: str | None) -> None:
        button = self._buttons.get(name or "")
        if button is not None:
            button.setChecked(True)

    def current(self) -> str | None:
        button = self._group.checkedButton()
        for name, candidate in self._buttons.items():
            if candidate is button:
                return name
        return None
