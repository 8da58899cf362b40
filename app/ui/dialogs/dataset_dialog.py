"""Create or edit a dataset: name, labeling guidelines and the ordered artifact types.

Everything is checked while the user types (messages next to the fields, the save button
disabled while something is wrong) and saved through the store in one call, so one
transaction. If the service still refuses (say a CLI run added annotations meanwhile), the
refusal is shown inside the dialog, which stays open with everything the user typed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.entities import Dataset
from app.core.errors import ConflictError, DomainError
from app.core.rules import DATASET_NAME_MAX
from app.ui.dialogs.inline_message import ERROR, InlineMessage
from app.ui.dialogs.type_editor import ArtifactTypeEditor
from app.ui.store import Store


class DatasetDialog(QDialog):
    """``dataset=None`` creates a dataset; otherwise edits it. After ``accept()`` the saved
    dataset is in ``result_dataset``."""

    def __init__(self, store: Store, dataset: Dataset | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.result_dataset: Dataset | None = None
        self._name_touched = False
        if dataset is not None:
            dataset = store.dataset(dataset.id)   # the types as stored now, not as listed
        self.dataset = dataset
        editing = dataset is not None
        self.setWindowTitle(f"Edit dataset '{dataset.name}'" if editing else "New dataset")
        self.setObjectName("DatasetDialog")

        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(DATASET_NAME_MAX + 50)   # room to see the "too long" error
        self.name_edit.setPlaceholderText("e.g. TTS Glitches")
        self.name_message = InlineMessage(self)
        self.guidelines_edit = QPlainTextEdit(self)
        self.guidelines_edit.setTabChangesFocus(True)
        self.guidelines_edit.setPlaceholderText(
            "Labeling guidelines: what counts as each artifact, edge cases, how to place "
            "the boundaries (optional)")
        line = self.guidelines_edit.fontMetrics().lineSpacing()
        self.guidelines_edit.setFixedHeight(line * 5 + 12)

        self.type_editor = ArtifactTypeEditor(self)
        types_box = QGroupBox("Artifact types", self)
        types_intro = QLabel("Types 1-9 are bound to the number keys 1-9 while labeling, so "
                             "the order matters.", types_box)
        types_intro.setWordWrap(True)
        types_intro.setStyleSheet("color: #4A5563;")
        types_layout = QVBoxLayout(types_box)
        types_layout.setSpacing(8)
        types_layout.addWidget(types_intro)
        types_layout.addWidget(self.type_editor, 1)

        self.save_message = InlineMessage(self)   # refusals from the service
        self.status_label = QLabel(self)          # why the save button is disabled
        self.status_label.setStyleSheet("color: #4A5563;")
        self.status_label.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save" if editing else "Create dataset")
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        name_field = QWidget(self)
        name_layout = QVBoxLayout(name_field)
        name_layout.setContentsMargins(0, 0, 0, 0)
        name_layout.setSpacing(4)
        name_layout.addWidget(self.name_edit)
        name_layout.addWidget(self.name_message)
        form.addRow("&Name:", name_field)
        form.addRow("&Guidelines:", self.guidelines_edit)

        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignBottom)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(12)
        layout.addLayout(form)
        layout.addWidget(types_box, 1)
        layout.addWidget(self.save_message)
        layout.addLayout(bottom)

        QShortcut(QKeySequence("Ctrl+Return"), self, self._accept_if_enabled)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self._accept_if_enabled)

        if dataset is not None:
            self.name_edit.setText(dataset.name)
            self.guidelines_edit.setPlainText(dataset.description or "")
            self.guidelines_edit.moveCursor(QTextCursor.MoveOperation.End)   # to add to them
            self.type_editor.set_types(dataset.artifact_types, store.type_usage(dataset.id))
        self._other_names = {d.name for d in store.datasets()
                             if dataset is None or d.id != dataset.id}

        self.name_edit.textEdited.connect(self._name_edited)
        self.name_edit.editingFinished.connect(self._name_left)
        self.type_editor.changed.connect(self._revalidate)
        QWidget.setTabOrder(self.name_edit, self.guidelines_edit)
        QWidget.setTabOrder(self.guidelines_edit, self.type_editor.table)
        QWidget.setTabOrder(self.type_editor.description_edit, self.ok_button)
        QWidget.setTabOrder(self.ok_button, self.cancel_button)
        self.name_edit.setFocus()
        self.resize(760, 720)
        self._revalidate()

    # -- validation -------------------------------------------------------------------------

    def name_error(self) -> str | None:
        name = self.name_edit.text().strip()
        if not name:
            return f"Enter a name for the dataset (1-{DATASET_NAME_MAX} characters)."
        if len(name) > DATASET_NAME_MAX:
            return f"The name is {len(name)} characters long; the limit is {DATASET_NAME_MAX}."
        if name in self._other_names:
            return f"A dataset named '{name}' already exists; choose another name."
        return None

    def is_valid(self) -> bool:
        return self.name_error() is None and self.type_editor.is_valid()

    def _name_edited(self, _text: str) -> None:
        self._name_touched = True
        self._revalidate()

    def _name_left(self) -> None:
        self._name_touched = self._name_touched or bool(self.name_edit.text())
        self._revalidate()

    def _revalidate(self) -> None:
        name_error = self.name_error()
        # An empty name is only an error once the user has been there; before that the
        # status line says what is missing, in a neutral tone.
        if name_error and (self._name_touched or self.name_edit.text().strip()):
            self.name_message.show_message(ERROR, name_error)
        else:
            self.name_message.clear()
        problems = self.type_editor.problems()
        if name_error:
            status = ("Enter a name to create the dataset." if not self.name_edit.text().strip()
                      else "Fix the dataset name to save.")
        elif problems:
            status = (f"Fix {len(problems)} problem{'s' if len(problems) > 1 else ''} in the "
                      f"artifact types to save (marked in the list).")
        else:
            status = ""
        self.status_label.setText(status)
        self.status_label.setToolTip("\n".join(problems))
        self.ok_button.setEnabled(self.is_valid())

    # -- saving -----------------------------------------------------------------------------

    def _accept_if_enabled(self) -> None:
        if self.ok_button.isEnabled():
            self.accept()

    def accept(self) -> None:
        if not self.is_valid():
            return
        name = self.name_edit.text().strip()
        guidelines = self.guidelines_edit.toPlainText()
        try:
            if self.dataset is None:
                saved = self.store.create_dataset(name, guidelines,
                                                  self.type_editor.artifact_types())
            else:
                saved = self.store.update_dataset(self.dataset.id, name=name,
                                                  description=guidelines,
                                                  artifact_types=self.type_editor.type_edits())
        except ConflictError as error:
            self._refused(error, conflict=True)
            return
        except DomainError as error:
            self._refused(error, conflict=False)
            return
        self.result_dataset = saved
        super().accept()

    def _refused(self, error: DomainError, conflict: bool) -> None:
        """Show the service's message here and bring what changed underneath into view."""
        message = f"Not saved: {error}"
        if conflict:
            self._other_names = {d.name for d in self.store.datasets()
                                 if self.dataset is None or d.id != self.dataset.id}
            if self.dataset is not None:
                try:
                    restored = self.type_editor.apply_usage(self.store.type_usage(self.dataset.id))
                except DomainError:
                    restored = []
                if restored:
                    names = ", ".join(f"'{name}'" for name in restored)
                    message += (f" {names} {'was' if len(restored) == 1 else 'were'} put back "
                                f"into the list.")
        self.save_message.show_message(ERROR, message)
        self._revalidate()
