"""Confirmation before a dataset is deleted: what goes (audio files, annotation sets with
how many are published, annotations), that it cannot be undone, and that models on the
platform are not touched. The user confirms by typing the dataset's name; the destructive
button is never the default."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.core.datasets import DeletionSummary
from app.core.entities import Dataset
from app.core.errors import DomainError
from app.ui.dialogs.inline_message import ERROR, InlineMessage
from app.ui.store import Store


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def duration_text(ms: int) -> str:
    """A total duration for people: ``2 s``, ``3 min 12 s``, ``1 h 02 min``."""
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s" if seconds or not ms else "under 1 s"


def deletion_lines(summary: DeletionSummary, total_duration_ms: int) -> list[str]:
    """The bullet points of the confirmation, e.g. ``2 annotation sets (1 published)``."""
    audio = _count(summary.audio_count, "audio file")
    if summary.audio_count:
        audio += f" ({duration_text(total_duration_ms)} of audio)"
    sets = _count(summary.annotation_set_count, "annotation set")
    if summary.annotation_set_count:
        sets += f" ({summary.published_set_count} published)"
    return [audio, sets, _count(summary.annotation_count, "annotation")]


class DeleteDatasetDialog(QDialog):
    """Deletes the dataset through the store when confirmed; errors stay in the dialog."""

    def __init__(self, store: Store, dataset: Dataset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.dataset = store.dataset(dataset.id)
        self.summary = store.deletion_summary(dataset.id)
        self.result_summary: DeletionSummary | None = None
        self.setWindowTitle("Delete dataset")

        icon = QLabel(self)
        size = self.fontMetrics().height() * 3
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        title = QLabel(f"Delete the dataset '{self.summary.dataset_name}'?", self)
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)

        intro = QLabel("This permanently deletes the dataset and everything in it:", self)
        self.count_labels = []
        items = QVBoxLayout()
        items.setSpacing(2)
        items.setContentsMargins(12, 0, 0, 0)
        for text in deletion_lines(self.summary, self.dataset.total_duration_ms):
            label = QLabel(f"•  {text}", self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.count_labels.append(label)
            items.addWidget(label)
        note = QLabel(
            "This cannot be undone. Models trained on the platform are not touched. Your "
            "original audio files stay where they are; the app's copies are removed unless "
            "another dataset uses them.", self)
        note.setWordWrap(True)

        self.confirm_label = QLabel(
            f"Type <b>{_html_escape(self.summary.dataset_name)}</b> to confirm:", self)
        self.confirm_edit = QLineEdit(self)
        self.confirm_label.setBuddy(self.confirm_edit)
        self.error_message = InlineMessage(self)

        self.cancel_button = QPushButton("Cancel", self)
        self.delete_button = QPushButton("Delete dataset", self)
        self.delete_button.setObjectName("destructive")
        self.delete_button.setStyleSheet(
            "QPushButton#destructive:enabled { background: #B3261E; color: white; "
            "border: 1px solid #8C1D18; border-radius: 3px; padding: 5px 14px; }"
            "QPushButton#destructive:enabled:hover { background: #9A2019; }"
            "QPushButton#destructive:enabled:focus { border: 2px solid #3B1210; }")
        for button in (self.cancel_button, self.delete_button):
            button.setDefault(False)
            button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.delete_button.clicked.connect(self.accept)
        self.confirm_edit.textChanged.connect(self._update_state)
        self.confirm_edit.returnPressed.connect(self._enter_pressed)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.delete_button)

        body = QVBoxLayout()
        body.setSpacing(8)
        body.addWidget(title)
        body.addWidget(intro)
        body.addLayout(items)
        body.addSpacing(4)
        body.addWidget(note)
        body.addSpacing(6)
        body.addWidget(self.confirm_label)
        body.addWidget(self.confirm_edit)
        body.addWidget(self.error_message)

        top = QHBoxLayout()
        top.setSpacing(16)
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(body, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 14)
        layout.setSpacing(16)
        layout.addLayout(top)
        layout.addLayout(buttons)

        QWidget.setTabOrder(self.confirm_edit, self.cancel_button)
        QWidget.setTabOrder(self.cancel_button, self.delete_button)
        self.confirm_edit.setFocus()
        self.setMinimumWidth(500)
        self.resize(540, self.sizeHint().height())
        self._update_state()

    def confirmed(self) -> bool:
        return self.confirm_edit.text().strip() == self.summary.dataset_name

    def _update_state(self) -> None:
        self.delete_button.setEnabled(self.confirmed())

    def _enter_pressed(self) -> None:
        # Typing the name and pressing Enter is the explicit confirmation; Enter with the
        # name not (yet) typed does nothing rather than cancel what the user is doing.
        if self.confirmed():
            self.accept()

    def accept(self) -> None:
        if not self.confirmed():
            return
        try:
            self.result_summary = self.store.delete_dataset(self.dataset.id)
        except DomainError as error:
            self.error_message.show_message(ERROR, f"Not deleted: {error}")
            return
        super().accept()


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def confirm_delete_dataset(store: Store, dataset: Dataset, parent: QWidget | None) -> bool:
    """Ask, and delete through the store when confirmed. True if the dataset was deleted."""
    try:
        dialog = DeleteDatasetDialog(store, dataset, parent)
    except DomainError as error:   # e.g. deleted meanwhile from the command line
        QMessageBox.warning(parent, "Delete dataset", str(error))
        return False
    return dialog.exec() == QDialog.DialogCode.Accepted
