"""File > Export Annotations: write the open set (the current audio file or all of them) in
another tool's format, in the background with progress; report the files written, with a
button that opens their folder."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.entities import AudioFile
from app.core.errors import DomainError
from app.formats.exporter import ExportResult, export_annotations
from app.formats.registry import EXPORT_FORMATS, FORMATS, FormatSpec
from app.ui.dialogs.annotation_import import (
    SUCCESS,
    Message,
    NoteLabel,
    format_short_name,
    plural,
)
from app.ui.dialogs.inline_message import ERROR, NOTE, WARNING
from app.ui.store import Store
from app.ui.tasks import Task, TaskRunner

log = logging.getLogger(__name__)

SETTINGS_FORMAT = "annotation_io/export_format"
SETTINGS_DIR = "annotation_io/export_dir"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_EXPORT_EXTENSIONS = {e.lower() for name in EXPORT_FORMATS for e in FORMATS[name].extensions}


def safe_file_name(text: str) -> str:
    """A name every file system takes: no path separators or reserved characters."""
    cleaned = _UNSAFE.sub("_", text).strip(" .")
    return cleaned or "annotations"


def export_summary(result: ExportResult) -> str:
    """One line for the status bar and the dialog's report."""
    spec = FORMATS[result.format]
    what = (f"{plural(result.annotation_count, 'annotation')} of "
            f"{plural(result.audio_count, 'audio file')}")
    if not result.paths:
        return f"Exported {what}: no file was written."
    if spec.per_audio_file:
        return (f"Exported {what} ({format_short_name(spec)}): "
                f"{plural(len(result.paths), 'file')} in {result.paths[0].parent}.")
    return f"Exported {what} ({format_short_name(spec)}) to {result.paths[0]}."


class ExportAnnotationsDialog(QDialog):
    """Export the set ``set_id``; ``audio_id`` is the window's current file (may be None).

    ``finished_export`` is emitted with the ExportResult, or None after a failure or a
    cancel; ``exported`` only on success.
    """

    exported = Signal(object)           # ExportResult
    finished_export = Signal(object)    # ExportResult | None

    def __init__(self, store: Store, tasks: TaskRunner, dataset_id: str, set_id: str,
                 audio_id: str | None = None, parent: QWidget | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportAnnotationsDialog")
        self.store = store
        self.tasks = tasks
        self.settings = settings
        self.dataset = store.dataset(dataset_id)
        self.annotation_set = store.annotation_set(set_id)
        self.audio_files = store.audio_files(dataset_id)
        self.current_audio: AudioFile | None = next(
            (a for a in self.audio_files if a.id == audio_id), None)
        self.counts = store.counts_by_audio(set_id)
        self.result: ExportResult | None = None
        self._task: Task | None = None
        self._destination_edited = False
        self.setWindowTitle(f"Export Annotations of {self.dataset.name} "
                            f"v{self.annotation_set.version}")
        self._build()
        self._format_changed()

    # ==================================================================================
    # construction
    # ==================================================================================

    def _build(self) -> None:
        annotation_set = self.annotation_set
        self.source_label = QLabel(
            f"From <b>{self.dataset.name}</b>, annotation set <b>v{annotation_set.version}</b> "
            f"({annotation_set.status}, "
            f"{plural(annotation_set.stats.total_annotations, 'annotation')}).")
        self.source_label.setObjectName("sourceLabel")
        self.source_label.setTextFormat(Qt.TextFormat.RichText)
        self.source_label.setWordWrap(True)

        self.format_combo = QComboBox()
        self.format_combo.setObjectName("formatCombo")
        for name in EXPORT_FORMATS:
            spec = FORMATS[name]
            self.format_combo.addItem(f"{spec.title} — {', '.join(spec.extensions)}", name)
        remembered = self.settings.value(SETTINGS_FORMAT) if self.settings else None
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(remembered)))
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.format_note = NoteLabel()
        self.format_note.setObjectName("formatNote")

        current = self.current_audio
        if current is not None:
            current_text = (f"&Current file only: {current.original_filename}, "
                            f"{plural(self.counts.get(current.id, 0), 'annotation')}")
        else:
            current_text = "&Current file only (no file is open)"
        self.current_radio = QRadioButton(current_text)
        self.current_radio.setObjectName("currentFileRadio")
        self.current_radio.setEnabled(current is not None)
        total = sum(self.counts.get(a.id, 0) for a in self.audio_files)
        self.all_radio = QRadioButton(f"&All audio files: {plural(len(self.audio_files), 'file')}"
                                      f", {plural(total, 'annotation')}")
        self.all_radio.setObjectName("allFilesRadio")
        self.all_radio.setChecked(True)
        scope_group = QButtonGroup(self)
        scope_group.addButton(self.current_radio)
        scope_group.addButton(self.all_radio)
        self.all_radio.toggled.connect(self._scope_changed)
        scope = QVBoxLayout()
        scope.setSpacing(4)
        scope.addWidget(self.all_radio)
        scope.addWidget(self.current_radio)

        self.destination_edit = QLineEdit()
        self.destination_edit.setObjectName("destinationEdit")
        self.destination_edit.setClearButtonEnabled(True)
        self.destination_edit.textEdited.connect(self._destination_typed)
        self.destination_edit.textChanged.connect(self._check_destination)
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setObjectName("browseButton")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.browse)
        destination_row = QHBoxLayout()
        destination_row.setSpacing(6)
        destination_row.addWidget(self.destination_edit, 1)
        destination_row.addWidget(self.browse_button)
        self.destination_message = Message()
        self.destination_message.setObjectName("destinationMessage")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(8)
        format_label = QLabel("&Format:")
        format_label.setBuddy(self.format_combo)
        self.destination_label = QLabel()
        self.destination_label.setBuddy(self.destination_edit)
        form.addRow(format_label, self.format_combo)
        form.addRow("", self.format_note)
        form.addRow("Audio files:", scope)
        form.addRow(self.destination_label, destination_row)
        form.addRow("", self.destination_message)
        form.itemAt(2, QFormLayout.ItemRole.LabelRole).setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("exportProgress")
        self.progress_bar.setTextVisible(False)
        self.status_label = QLabel()
        self.status_label.setObjectName("exportStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.status_label, 1)
        progress_row.addWidget(self.progress_bar)
        self.progress_widget = QWidget()
        self.progress_widget.setLayout(progress_row)
        progress_row.setContentsMargins(0, 0, 0, 0)
        self.progress_widget.hide()

        self.result_message = Message()
        self.result_message.setObjectName("resultMessage")
        self.result_message.action_clicked.connect(self.open_folder)
        self.written_list = QListWidget()
        self.written_list.setObjectName("writtenList")
        self.written_list.setAlternatingRowColors(True)
        self.written_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.written_list.setMaximumHeight(140)
        self.written_list.hide()

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("&Export",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("closeButton")
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self._close_clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.source_label)
        layout.addLayout(form)
        layout.addWidget(self.progress_widget)
        layout.addWidget(self.result_message)
        layout.addWidget(self.written_list)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.format_combo, self.all_radio)
        self.setTabOrder(self.all_radio, self.current_radio)
        self.setTabOrder(self.current_radio, self.destination_edit)
        self.setTabOrder(self.destination_edit, self.browse_button)
        self.setMinimumWidth(620)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(max(hint.width(), 680), hint.height())

    # ==================================================================================
    # inputs
    # ==================================================================================

    def format_name(self) -> str:
        return self.format_combo.currentData()

    def spec(self) -> FormatSpec:
        return FORMATS[self.format_name()]

    def set_format(self, name: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(name))

    def audio_ids(self) -> list[str] | None:
        if self.current_radio.isChecked() and self.current_audio is not None:
            return [self.current_audio.id]
        return None

    def destination(self) -> Path | None:
        text = self.destination_edit.text().strip()
        return Path(text).expanduser() if text else None

    def _format_changed(self) -> None:
        spec = self.spec()
        if spec.per_audio_file:
            example = Path(self.current_audio.original_filename if self.current_audio
                           else "clip01.wav")
            note = (f"One {spec.extensions[0]} file per audio file, named after it "
                    f"({example.stem}{spec.extensions[0]} for {example.name}), written into "
                    f"a folder.")
            self.destination_label.setText("Into fol&der:")
        else:
            note = f"One {spec.extensions[0]} file holding every chosen audio file's annotations."
            self.destination_label.setText("Save as fi&le:")
        carried = [what for what, yes in (("confidence", spec.carries_confidence),
                                          ("notes", spec.carries_note)) if yes]
        note += (f" Carries times, types, {' and '.join(carried)}." if carried
                 else " Carries times and types (no confidence, no notes).")
        self.format_note.setText(note)
        if self.settings is not None:
            self.settings.setValue(SETTINGS_FORMAT, spec.name)
        self._retarget()

    def _scope_changed(self) -> None:
        if not self._destination_edited:
            self._retarget()
        self._check_destination()

    def _default_name(self) -> str:
        name = f"{self.dataset.name} v{self.annotation_set.version}"
        ids = self.audio_ids()
        if ids is not None and self.current_audio is not None:
            name += f" {Path(self.current_audio.original_filename).stem}"
        spec = self.spec()
        if spec.per_audio_file:
            return safe_file_name(f"{name} {format_short_name(spec)}")
        return safe_file_name(name) + spec.extensions[0]

    def _base_dir(self) -> Path:
        if self.settings is not None:
            remembered = self.settings.value(SETTINGS_DIR)
            if remembered and Path(str(remembered)).is_dir():
                return Path(str(remembered))
        return Path.home()

    def _retarget(self) -> None:
        """Follow the format: the default name, or the user's path turned file <-> folder."""
        spec = self.spec()
        current = self.destination()
        if current is None or not self._destination_edited:
            target = (current.parent if current is not None else self._base_dir()) \
                / self._default_name()
        else:
            known_suffix = current.suffix.lower() in _EXPORT_EXTENSIONS
            if spec.per_audio_file:
                target = current.with_suffix("") if known_suffix else current
            elif known_suffix:
                target = current.with_suffix(spec.extensions[0])
            elif current.is_dir():
                target = current / self._default_name()
            else:
                target = current.with_name(current.name + spec.extensions[0])
        self.destination_edit.setText(str(target))

    def _destination_typed(self, _text: str) -> None:
        self._destination_edited = True

    def _check_destination(self) -> None:
        """Say now what export would refuse or replace, not after the click."""
        if self._task is not None:
            return
        destination = self.destination()
        spec = self.spec()
        message: tuple[str, str] | None = None
        if destination is None:
            message = (ERROR, "Choose where to write: type a path or use Browse…")
        elif spec.per_audio_file:
            if destination.exists() and not destination.is_dir():
                message = (ERROR, f"{destination.name} is a file; {format_short_name(spec)} "
                                  f"export writes one file per audio file into a folder.")
            elif destination.is_dir():
                message = (NOTE, "The folder exists: files in it with the same names are "
                                 "replaced.")
            else:
                message = (NOTE, "The folder will be created.")
        elif destination.is_dir():
            message = (ERROR, f"{destination} is a folder; give a file name such as "
                              f"{destination / self._default_name()}.")
        elif not destination.parent.is_dir():
            message = (ERROR, f"The folder {destination.parent} does not exist.")
        elif destination.exists():
            message = (WARNING, f"{destination.name} exists and will be replaced.")
        if message is None:
            self.destination_message.clear()
        else:
            self.destination_message.show_message(*message)
        self.export_button.setEnabled(message is None or message[0] != ERROR)

    def browse(self) -> None:
        spec = self.spec()
        current = self.destination()
        start = str(current) if current is not None else str(self._base_dir())
        if spec.per_audio_file:
            chosen = QFileDialog.getExistingDirectory(
                self, f"Export {format_short_name(spec)} files into a folder",
                str(current.parent if current is not None else self._base_dir()))
        else:
            chosen, _ = QFileDialog.getSaveFileName(
                self, f"Export as {format_short_name(spec)}", start,
                f"{spec.file_filter};;All files (*)")
            if chosen and not Path(chosen).suffix:
                chosen += spec.extensions[0]
        if chosen:
            self._destination_edited = True
            self.destination_edit.setText(chosen)

    # ==================================================================================
    # exporting (background)
    # ==================================================================================

    @property
    def running(self) -> bool:
        return self._task is not None

    def start_export(self) -> None:
        destination = self.destination()
        if self.running or destination is None or not self.export_button.isEnabled():
            return
        ctx = self.store.ctx
        dataset_id, set_id = self.dataset.id, self.annotation_set.id
        format_name, audio_ids = self.format_name(), self.audio_ids()

        def work(report, cancelled):
            try:
                return export_annotations(
                    ctx, dataset_id, set_id, format_name, destination, audio_ids=audio_ids,
                    cancelled=cancelled,
                    progress=lambda done, total, path: report((done, total, path)))
            except DomainError as error:
                return error
            except Exception as error:  # noqa: BLE001 - shown as one message, logged here
                log.exception("annotation export failed")
                return error

        self.result = None
        self.result_message.clear()
        self.written_list.hide()
        self._set_inputs_enabled(False)
        self.progress_bar.setRange(0, 0)
        self.status_label.setText("Exporting…")
        self.progress_widget.show()
        self.close_button.setText("Cancel")
        self._exporting_to = destination
        self._task = self.tasks.start(work, name="annotation export", on_result=self._done,
                                      on_progress=self._progress)

    def cancel_export(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.status_label.setText("Cancelling…")
            self.close_button.setEnabled(False)

    def _progress(self, value) -> None:
        done, total, path = value
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)
        if done < total:
            self.status_label.setText(f"Writing {done + 1} of {total}: {Path(path).name}")

    def _done(self, outcome) -> None:
        self._task = None
        self.progress_widget.hide()
        self.close_button.setText("Close")
        self.close_button.setEnabled(True)
        self._set_inputs_enabled(True)
        destination = self._exporting_to
        if isinstance(outcome, ExportResult):
            self.result = outcome
            self.result_message.show_message(SUCCESS, export_summary(outcome),
                                             "Open Folder")
            self.written_list.clear()
            self.written_list.addItems([str(p) for p in outcome.paths])
            self.written_list.setVisible(len(outcome.paths) > 0)
            self.destination_message.clear()
            if self.settings is not None:
                self.settings.setValue(SETTINGS_DIR, str(
                    destination if FORMATS[outcome.format].per_audio_file else destination.parent))
            self.close_button.setDefault(True)
            self.close_button.setFocus()
            self.exported.emit(outcome)
            self.finished_export.emit(outcome)
            return
        if isinstance(outcome, DomainError):
            text = str(outcome)
        else:
            text = (f"The export failed unexpectedly: {outcome}. No file was written; the log "
                    f"has the details.")
        self.result_message.show_message(ERROR, text)
        self._check_destination()
        self.finished_export.emit(None)

    def _set_inputs_enabled(self, enabled: bool) -> None:
        for widget in (self.format_combo, self.all_radio, self.destination_edit,
                       self.browse_button, self.export_button):
            widget.setEnabled(enabled)
        self.current_radio.setEnabled(enabled and self.current_audio is not None)
        if enabled:
            self._check_destination()

    def result_folder(self) -> Path | None:
        """The folder the last export wrote into."""
        if self.result is None:
            return None
        if FORMATS[self.result.format].per_audio_file:
            return self._exporting_to
        return self._exporting_to.parent

    def open_folder(self) -> None:
        folder = self.result_folder()
        if folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # ==================================================================================
    # closing
    # ==================================================================================

    def _close_clicked(self) -> None:
        if self.running:
            self.cancel_export()
        else:
            self.reject()

    def reject(self) -> None:
        if self.running:  # Esc while writing cancels the export first
            self.cancel_export()
            return
        super().reject()

    def done(self, code: int) -> None:
        if self._task is not None:
            self._task.cancel()
        super().done(code)
