"""Dialogs of the set lifecycle: a new version (empty or a copy), and publishing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.entities import AnnotationSet
from app.core.timefmt import format_ms


class NewVersionDialog(QDialog):
    """Choose between an empty draft and a copy of any existing set."""

    def __init__(self, sets: list[AnnotationSet], selected: AnnotationSet | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New annotation set version")
        next_version = max((s.version for s in sets), default=0) + 1
        intro = QLabel(f"Version v{next_version} starts as a draft you can edit.")
        self.empty_radio = QRadioButton("Empty")
        self.copy_radio = QRadioButton("Copy of")
        self.source_combo = QComboBox()
        for annotation_set in sets:
            self.source_combo.addItem(
                f"v{annotation_set.version} ({annotation_set.status}, "
                f"{annotation_set.stats.total_annotations} annotations)", annotation_set.id)
        self._sets = {s.id: s for s in sets}
        group = QButtonGroup(self)
        group.addButton(self.empty_radio)
        group.addButton(self.copy_radio)
        if selected is not None and sets:
            self.copy_radio.setChecked(True)
            self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(selected.id)))
        else:
            self.empty_radio.setChecked(True)
        self.copy_radio.setEnabled(bool(sets))
        self.source_combo.setEnabled(self.copy_radio.isChecked())
        self.copy_radio.toggled.connect(self.source_combo.setEnabled)
        grid = QGridLayout()
        grid.addWidget(self.empty_radio, 0, 0)
        grid.addWidget(self.copy_radio, 1, 0)
        grid.addWidget(self.source_combo, 1, 1)
        grid.setColumnStretch(1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(f"Create v{next_version}")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def source(self) -> AnnotationSet | None:
        if not self.copy_radio.isChecked():
            return None
        return self._sets.get(self.source_combo.currentData())


def publish_message(annotation_set: AnnotationSet) -> str:
    stats = annotation_set.stats
    by_type = "".join(f"<li>{name}: {count}</li>" for name, count in stats.annotations_by_type.items())
    return (f"<p>Publish <b>v{annotation_set.version}</b>?</p>"
            f"<p>{stats.total_annotations} annotations, "
            f"{format_ms(stats.total_positive_duration_ms)} labeled in all"
            f"{':' if by_type else '.'}</p>{'<ul>' + by_type + '</ul>' if by_type else ''}"
            f"<p><b>Publishing cannot be undone.</b> The set becomes read-only for good "
            f"(here, on the command line and on the platform) and is fit for training. "
            f"To change labels later, create a new version from it.</p>")


def confirm_publish(annotation_set: AnnotationSet, parent: QWidget | None) -> bool:
    box = QMessageBox(parent)
    box.setWindowTitle(f"Publish v{annotation_set.version}")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(publish_message(annotation_set))
    publish = box.addButton(f"Publish v{annotation_set.version}",
                            QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is publish
