"""File > Import Annotations: choose a format, files and options; a preview computed in
the background shows what would be imported (per type and audio file), what would be
skipped and why; Import writes it as one undo step and reports the outcome."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QStyle,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import DomainError
from app.formats.importer import ImportPreview, ImportResult, preview_import
from app.formats.records import Cancelled, Location
from app.formats.registry import FORMATS, IMPORT_FORMATS, FormatSpec
from app.ui.commands import Editor
from app.ui.dialogs.inline_message import ERROR, NOTE, WARNING, InlineMessage
from app.ui.tasks import Task, TaskRunner

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 150     # let a burst of changes (typing, several drops) settle first
MAX_LISTED = 1000          # rows per preview list; the rest is counted, not listed
SETTINGS_FORMAT = "annotation_io/import_format"
SETTINGS_DIR = "annotation_io/import_dir"


def plural(count: int, noun: str, many: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def format_short_name(spec: FormatSpec) -> str:
    """"Praat TextGrid" from "Praat TextGrid"; "Platform JSON" from "Platform JSON (...)"."""
    return spec.title.split(" (")[0]


def skipped_parts(preview: ImportPreview) -> list[str]:
    parts = []
    if preview.problems:
        parts.append(f"{len(preview.problems)} with problems")
    unmatched = sum(u.annotation_count for u in preview.unmatched)
    if unmatched:
        parts.append(f"{unmatched} for unknown audio names")
    if preview.duplicates:
        parts.append(f"{preview.duplicates} already in v{preview.set_version}")
    return parts


def import_summary(result: ImportResult) -> str:
    """One line for the status bar and the dialog's report."""
    preview = result.preview
    text = (f"Imported {plural(len(result.created), 'annotation')} "
            f"({format_short_name(FORMATS[preview.format])}) into '{preview.dataset_name}' "
            f"v{preview.set_version}.")
    if result.added_types:
        text += f" Added artifact types: {', '.join(result.added_types)}."
    skipped = skipped_parts(preview)
    if skipped:
        text += f" Skipped: {', '.join(skipped)}."
    return text


def guess_format(paths: Sequence[Path], current: str) -> str:
    """The import format the files' extensions point to (the current one when unsure)."""
    suffixes = {p.suffix.lower() for p in paths if p.suffix}
    if len(suffixes) != 1:
        return current
    suffix = suffixes.pop()
    fitting = [name for name in IMPORT_FORMATS
               if suffix in {e.lower() for e in FORMATS[name].extensions}]
    if not fitting or current in fitting:
        return current
    return fitting[0]


SUCCESS = "success"
# InlineMessage's colors are made for light backgrounds; the app's theme is dark.
_DARK_TEXT = {ERROR: "#FF8A80", WARNING: "#F3D58A", NOTE: "#C9D1D9", SUCCESS: "#8FD19E"}
_LIGHT_TEXT = {SUCCESS: "#1E6B34"}


class Message(InlineMessage):
    """An InlineMessage readable on the dark theme too, with a "success" kind."""

    def show_message(self, kind: str, text: str, action: str | None = None) -> None:
        super().show_message(NOTE if kind == SUCCESS else kind, text, action)
        self.kind = kind
        dark = self.palette().window().color().lightness() < 128
        color = (_DARK_TEXT if dark else _LIGHT_TEXT).get(kind)
        if color is not None:
            self.label.setStyleSheet(f"color: {color};")
        if kind == SUCCESS:
            size = self.fontMetrics().height()
            self.icon.setPixmap(self.style().standardIcon(
                QStyle.StandardPixmap.SP_DialogApplyButton).pixmap(size, size))


class NoteLabel(QLabel):
    """A word-wrapped hint in a form. A wrapped QLabel asks for the height of a narrow
    column, which QFormLayout keeps as a gap below; answer for the width really there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet("color: palette(placeholder-text);")

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        width = self.width() if self.width() > 200 else 480
        return QSize(hint.width(), self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), self.sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()


class LocationText:
    """``labels.csv:5`` rather than the whole path: places shown relative to the folder
    the imported files share."""

    def __init__(self, files: Sequence[str]) -> None:
        parents = {str(Path(f).parent) for f in files}
        try:
            self.base = Path(os.path.commonpath(parents)) if parents else None
        except ValueError:  # paths on different drives
            self.base = None

    def file(self, file: str) -> str:
        path = Path(file)
        if self.base is not None:
            try:
                return str(path.relative_to(self.base))
            except ValueError:
                pass
        return file

    def __call__(self, location: Location) -> str:
        text = self.file(location.file)
        if location.line is not None:
            text += f":{location.line}"
        return f"{text} ({location.detail})" if location.detail else text

    def many(self, locations: Sequence[Location], shown: int = 3) -> str:
        text = ", ".join(self(location) for location in locations[:shown])
        if len(locations) > shown:
            text += f" and {len(locations) - shown} more files"
        return text


class FileList(QListWidget):
    """The chosen files and folders, with a hint while empty; Delete removes a row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.placeholder = ""

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.count() == 0 and self.placeholder:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect().adjusted(12, 8, -12, -8),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)

    def paths(self) -> list[Path]:
        return [Path(self.item(row).data(Qt.ItemDataRole.UserRole)) for row in range(self.count())]


def report_tree(object_name: str, headers: list[str]) -> QTreeWidget:
    """A read-only list with columns, for reports (also the push dialog's)."""
    tree = QTreeWidget()
    tree.setObjectName(object_name)
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setAlternatingRowColors(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    # Room between a right-aligned count and the text of the next column.
    tree.setStyleSheet("QTreeView::item { padding: 0 6px; } "
                       "QHeaderView::section { padding: 3px 6px; border: none; "
                       "border-right: 1px solid palette(mid); "
                       "border-bottom: 1px solid palette(mid); "
                       "background: palette(button); }")
    header = tree.header()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return tree


_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def fill_rows(tree: QTreeWidget, rows: Iterable[Sequence[str]], total: int,
              numeric: Sequence[int] = ()) -> None:
    tree.clear()
    items = []
    for row in rows:
        item = QTreeWidgetItem([str(cell) for cell in row])
        for column in numeric:
            item.setTextAlignment(column, _RIGHT)
        for column, cell in enumerate(row):
            item.setToolTip(column, str(cell))
        items.append(item)
        if len(items) >= MAX_LISTED:
            break
    if total > len(items):
        more = QTreeWidgetItem([f"… and {total - len(items)} more"])
        more.setFlags(Qt.ItemFlag.NoItemFlags)
        items.append(more)
    tree.addTopLevelItems(items)
    for column in numeric:
        tree.headerItem().setTextAlignment(column, _RIGHT)
    for column in range(tree.columnCount() - 1):
        tree.resizeColumnToContents(column)
        tree.setColumnWidth(column, min(tree.columnWidth(column) + 16, 320))


class ImportAnnotationsDialog(QDialog):
    """Import annotation files into a draft set; see the module docstring.

    ``preview_ready`` is emitted each time a preview has been computed (or failed);
    ``imported`` with the :class:`ImportResult` once the import is written.
    """

    preview_ready = Signal(object)      # ImportPreview | None
    imported = Signal(object)           # ImportResult

    def __init__(self, editor: Editor, tasks: TaskRunner, dataset_id: str, set_id: str,
                 parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importAnnotationsDialog")
        self.editor = editor
        self.store = editor.store
        self.tasks = tasks
        self.settings = settings
        self.dataset = self.store.dataset(dataset_id)
        self.annotation_set = self.store.annotation_set(set_id)
        self.preview: ImportPreview | None = None
        self.result: ImportResult | None = None
        self._task: Task | None = None
        self._generation = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._start_preview)
        self.setWindowTitle(f"Import Annotations into {self.dataset.name} "
                            f"v{self.annotation_set.version}")
        self.refused = self.annotation_set.is_published
        if self.refused:
            self._build_refusal()
        else:
            self._build()
            self.setAcceptDrops(True)
            self._format_changed()

    # ==================================================================================
    # construction
    # ==================================================================================

    def _build_refusal(self) -> None:
        """A published set takes no imports: say so and offer nothing else."""
        version = self.annotation_set.version
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.refusal_label = QLabel(
            f"<p><b>v{version} of {self.dataset.name} is published and read-only</b>, so "
            f"annotations cannot be imported into it.</p>"
            f"<p>Create a new version (Dataset &gt; New Version…), from v{version} or empty, "
            f"and import into that draft.</p>")
        self.refusal_label.setObjectName("refusalMessage")
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.setSpacing(14)
        row.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.refusal_label, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 18, 18, 12)
        layout.addLayout(row)
        layout.addSpacing(8)
        layout.addWidget(self.buttons)
        self.refusal_label.setFixedWidth(380)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetFixedSize)

    def _build(self) -> None:
        stats = self.annotation_set.stats
        self.target_label = QLabel(
            f"Into <b>{self.dataset.name}</b>, annotation set <b>v{self.annotation_set.version}"
            f"</b> (draft, {plural(stats.total_annotations, 'annotation')} now, "
            f"{plural(self.dataset.audio_count, 'audio file')}).")
        self.target_label.setObjectName("targetLabel")
        self.target_label.setTextFormat(Qt.TextFormat.RichText)
        self.target_label.setWordWrap(True)

        self.format_combo = QComboBox()
        self.format_combo.setObjectName("formatCombo")
        for name in IMPORT_FORMATS:
            spec = FORMATS[name]
            self.format_combo.addItem(f"{spec.title} — {', '.join(spec.extensions)}", name)
        remembered = self.settings.value(SETTINGS_FORMAT) if self.settings else None
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(remembered)))
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.format_note = NoteLabel()
        self.format_note.setObjectName("formatNote")

        self.files_list = FileList()
        self.files_list.setObjectName("filesList")
        self.files_list.setMinimumHeight(72)
        self.files_list.setMaximumHeight(120)
        self.files_list.itemSelectionChanged.connect(self._update_buttons)
        self.add_files_button = QPushButton("Add &Files…")
        self.add_files_button.setObjectName("addFilesButton")
        self.add_files_button.clicked.connect(self.choose_files)
        self.add_folder_button = QPushButton("Add F&older…")
        self.add_folder_button.setObjectName("addFolderButton")
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setObjectName("removeButton")
        self.remove_button.clicked.connect(self.remove_selected)
        for button in (self.add_files_button, self.add_folder_button, self.remove_button):
            button.setAutoDefault(False)
        remove_key = QShortcut(QKeySequence.StandardKey.Delete, self.files_list)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self.remove_selected)
        file_buttons = QVBoxLayout()
        file_buttons.setSpacing(6)
        file_buttons.addWidget(self.add_files_button)
        file_buttons.addWidget(self.add_folder_button)
        file_buttons.addWidget(self.remove_button)
        file_buttons.addStretch(1)
        files_row = QHBoxLayout()
        files_row.setSpacing(8)
        files_row.addWidget(self.files_list, 1)
        files_row.addLayout(file_buttons)

        self.add_types_check = QCheckBox("Add &unknown artifact types to the dataset")
        self.add_types_check.setObjectName("addTypesCheck")
        self.add_types_check.setToolTip("Labels that name no type of the dataset become new "
                                        "types (removed again if you undo the import).")
        self.strict_check = QCheckBox("&Strict: import nothing if any entry would be skipped")
        self.strict_check.setObjectName("strictCheck")
        self.strict_check.setToolTip("Without it, entries with problems (bad times, empty "
                                     "labels, unknown audio names) are skipped and listed.")
        for check in (self.add_types_check, self.strict_check):
            check.toggled.connect(self.schedule_preview)
        options = QVBoxLayout()
        options.setSpacing(4)
        options.addWidget(self.add_types_check)
        options.addWidget(self.strict_check)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(8)
        format_label = QLabel("&Format:")
        format_label.setBuddy(self.format_combo)
        files_label = QLabel("Fi&les:")
        files_label.setBuddy(self.files_list)
        form.addRow(format_label, self.format_combo)
        form.addRow("", self.format_note)
        form.addRow(files_label, files_row)
        form.addRow("Options:", options)
        # "Files:" sits at the top of its tall row, level with the list's first line.
        form.itemAt(2, QFormLayout.ItemRole.LabelRole).setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.itemAt(3, QFormLayout.ItemRole.LabelRole).setAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

        # -- the preview --
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("previewProgress")
        self.progress_bar.setMaximumWidth(200)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.status_label = QLabel()
        self.status_label.setObjectName("previewStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.stop_button = QPushButton("S&top")
        self.stop_button.setObjectName("stopPreviewButton")
        self.stop_button.setAutoDefault(False)
        self.stop_button.clicked.connect(self.stop_preview)
        self.stop_button.hide()
        status_row = QHBoxLayout()
        status_row.addWidget(self.status_label, 1)
        status_row.addWidget(self.progress_bar)
        status_row.addWidget(self.stop_button)
        self.error_message = Message()
        self.error_message.setObjectName("errorMessage")
        self.types_message = Message()
        self.types_message.setObjectName("typesMessage")
        self.types_message.action_clicked.connect(lambda: self.add_types_check.setChecked(True))
        self.error_message.action_clicked.connect(self.schedule_preview)  # "Check Again"

        self.types_tree = report_tree("typesTree", ["Artifact type", "Annotations", ""])
        self.audio_tree = report_tree("audioTree", ["Audio file", "Annotations"])
        self.unmatched_tree = report_tree("unmatchedTree", ["Audio name in the files", "Annotations",
                                                      "Why it is skipped"])
        self.problems_tree = report_tree("problemsTree", ["Where (file:line)", "Problem"])
        self.tabs = QTabWidget()
        self.tabs.setObjectName("previewTabs")
        self.tabs.setDocumentMode(True)
        for tree in (self.types_tree, self.audio_tree, self.unmatched_tree, self.problems_tree):
            self.tabs.addTab(tree, "")
        preview_box = QGroupBox("Preview")
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.setSpacing(6)
        preview_layout.addLayout(status_row)
        preview_layout.addWidget(self.error_message)
        preview_layout.addWidget(self.types_message)
        preview_layout.addWidget(self.tabs, 1)

        self.result_message = Message()
        self.result_message.setObjectName("resultMessage")

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("&Import",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("importButton")
        self.import_button.setDefault(True)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button.setObjectName("closeButton")
        self.import_button.clicked.connect(self.do_import)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.target_label)
        layout.addLayout(form)
        layout.addWidget(preview_box, 1)
        layout.addWidget(self.result_message)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.format_combo, self.files_list)
        self.setTabOrder(self.files_list, self.add_files_button)
        self.setTabOrder(self.add_files_button, self.add_folder_button)
        self.setTabOrder(self.add_folder_button, self.remove_button)
        self.setTabOrder(self.remove_button, self.add_types_check)
        self.setTabOrder(self.add_types_check, self.strict_check)
        self.setTabOrder(self.strict_check, self.tabs)
        self.setMinimumSize(640, 560)
        self.resize(780, 680)
        self._show_preview(None)

    def sizeHint(self) -> QSize:
        return QSize(780, 680)

    # ==================================================================================
    # inputs
    # ==================================================================================

    def format_name(self) -> str:
        return self.format_combo.currentData()

    def spec(self) -> FormatSpec:
        return FORMATS[self.format_name()]

    def set_format(self, name: str) -> None:
        self.format_combo.setCurrentIndex(self.format_combo.findData(name))

    def _format_changed(self) -> None:
        if self.refused:
            return
        spec = self.spec()
        extensions = "/".join(spec.extensions)
        if spec.per_audio_file:
            note = (f"One {extensions} file per audio file, named after it (clip01"
                    f"{spec.extensions[0]} for clip01.wav); add a whole folder at once.")
        elif spec.name == "relay-detections":
            note = ("The platform's inference results: a file's detections, or a whole "
                    "job with its files. Each detection keeps its confidence.")
        else:
            note = f"One {extensions} file for many audio files, named in each entry."
        carried = [what for what, yes in (("confidence", spec.carries_confidence),
                                          ("notes", spec.carries_note)) if yes]
        note += f" Carries {' and '.join(carried)}." if carried else \
            " Carries times and types only (confidence 1.0)."
        self.format_note.setText(note)
        self.files_list.placeholder = (f"Drop {extensions} files or folders here, or use "
                                       f"Add Files…")
        self.files_list.viewport().update()
        if self.settings is not None:
            self.settings.setValue(SETTINGS_FORMAT, spec.name)
        self.schedule_preview()

    def _start_dir(self) -> str:
        if self.settings is not None:
            remembered = self.settings.value(SETTINGS_DIR)
            if remembered and Path(str(remembered)).is_dir():
                return str(remembered)
        return str(Path.home())

    def choose_files(self) -> None:
        spec = self.spec()
        paths, _ = QFileDialog.getOpenFileNames(
            self, f"Choose {spec.title} files", self._start_dir(),
            f"{spec.file_filter};;All files (*)")
        if paths:
            self.add_paths([Path(p) for p in paths])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, f"Choose a folder of {'/'.join(self.spec().extensions)} files",
            self._start_dir())
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: Iterable[Path]) -> None:
        """Add files or folders (from the file dialogs, a drop, or a caller)."""
        paths = [Path(p) for p in paths]
        if not paths or self.refused or self.result is not None:
            return
        if self.files_list.count() == 0:
            files = [p for p in paths if not p.is_dir()]
            guessed = guess_format(files, self.format_name()) if files else self.format_name()
            if guessed != self.format_name():
                self.format_combo.blockSignals(True)
                self.set_format(guessed)
                self.format_combo.blockSignals(False)
                self._format_changed()
        present = {str(p) for p in self.files_list.paths()}
        for path in paths:
            if str(path) in present:
                continue
            present.add(str(path))
            item = QListWidgetItem(self.style().standardIcon(
                QStyle.StandardPixmap.SP_DirIcon if path.is_dir()
                else QStyle.StandardPixmap.SP_FileIcon), str(path))
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.files_list.addItem(item)
        if self.settings is not None:
            self.settings.setValue(SETTINGS_DIR, str(paths[0] if paths[0].is_dir()
                                                     else paths[0].parent))
        self._update_buttons()
        self.schedule_preview()

    def remove_selected(self) -> None:
        rows = sorted((self.files_list.row(i) for i in self.files_list.selectedItems()),
                      reverse=True)
        for row in rows:
            self.files_list.takeItem(row)
        if rows:
            self._update_buttons()
            self.schedule_preview()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if (not self.refused and self.result is None and event.mimeData().hasUrls()
                and any(u.isLocalFile() for u in event.mimeData().urls())):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(QUrl(u).toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()

    # ==================================================================================
    # the preview (background)
    # ==================================================================================

    @property
    def busy(self) -> bool:
        """A preview is pending or being computed."""
        return self._task is not None or self._timer.isActive()

    def schedule_preview(self) -> None:
        if self.refused or self.result is not None:
            return
        self._cancel_task()
        self.preview = None
        self._update_buttons()
        if self.files_list.count():
            self._set_status("Checking the files…", running=True)
        self._timer.start()

    def _cancel_task(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._generation += 1

    def _start_preview(self) -> None:
        self._cancel_task()
        paths = self.files_list.paths()
        if not paths:
            self._show_preview(None)
            self.preview_ready.emit(None)
            return
        generation = self._generation
        ctx = self.store.ctx
        dataset_id, set_id = self.dataset.id, self.annotation_set.id
        format_name = self.format_name()
        add_types, strict = self.add_types_check.isChecked(), self.strict_check.isChecked()

        def work(report, cancelled):
            try:
                return generation, preview_import(
                    ctx, dataset_id, set_id, format_name, paths, add_types=add_types,
                    strict=strict, cancelled=cancelled,
                    progress=lambda done, total, path: report((generation, done, total, path)))
            except DomainError as error:
                return generation, error
            except Exception as error:  # noqa: BLE001 - shown as one message, logged here
                log.exception("annotation import preview failed")
                return generation, error

        self._set_status(f"Reading {plural(len(paths), 'path')}…", running=True)
        self._task = self.tasks.start(work, name="annotation import preview",
                                      on_result=self._preview_done,
                                      on_progress=self._preview_progress)

    def stop_preview(self) -> None:
        if self._task is not None or self._timer.isActive():
            self._timer.stop()
            self._cancel_task()
            self._show_preview(None)
            self._set_status("Preview stopped: nothing was read. Change a setting or press "
                             "Check Again to read the files.", running=False)
            self._show_check_again()
            self.preview_ready.emit(None)

    def _show_check_again(self) -> None:
        self.error_message.show_message(NOTE, "The preview was stopped before it finished.",
                                        "Check Again")

    def _preview_progress(self, value) -> None:
        generation, done, total, path = value
        if generation != self._generation:
            return
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)
        if done < total:
            self._set_status(f"Reading {done + 1} of {total}: {Path(path).name}", running=True)

    def _preview_done(self, outcome) -> None:
        generation, value = outcome
        if generation != self._generation:
            return  # a newer preview replaced this one
        self._task = None
        if isinstance(value, ImportPreview):
            self._show_preview(value)
            self.preview_ready.emit(value)
            return
        self._show_preview(None)
        if isinstance(value, Cancelled):
            self._set_status("Preview stopped.", running=False)
        elif isinstance(value, DomainError):
            self._set_status("The files cannot be imported.", running=False)
            self.error_message.show_message(ERROR, str(value))
        else:
            self._set_status("The preview failed.", running=False)
            self.error_message.show_message(
                ERROR, f"Reading the files failed unexpectedly: {value}. Nothing was imported; "
                       f"the log has the details.")
        self.preview_ready.emit(None)

    def _set_status(self, text: str, running: bool) -> None:
        self.status_label.setText(text)
        self.progress_bar.setVisible(running)
        self.stop_button.setVisible(running)
        if running:
            self.progress_bar.setRange(0, 0)

    # ==================================================================================
    # showing a preview
    # ==================================================================================

    def _show_preview(self, preview: ImportPreview | None) -> None:
        self.preview = preview
        self.error_message.clear()
        self.types_message.clear()
        if preview is None:
            for tree in (self.types_tree, self.audio_tree, self.unmatched_tree,
                         self.problems_tree):
                tree.clear()
            self._tab_titles(0, 0, 0, 0)
            if self.files_list.count() == 0:
                self._set_status("Add the annotation files to import: the preview shows what "
                                 "would be imported before anything is written.", running=False)
            self._update_buttons()
            return

        self._set_status(self._summary(preview), running=False)
        errors = list(preview.errors)
        if preview.unknown_types and not preview.add_types:
            errors = [e for e in errors if not e.startswith("unknown artifact types")]
            listing = ", ".join(f"'{name}' ({count})" for name, count
                                in preview.unknown_types.items())
            self.types_message.show_message(
                ERROR, f"Labels name artifact types the dataset does not have: {listing}. "
                       f"Its types are: {', '.join(self.dataset.type_names()) or 'none yet'}. "
                       f"Add them to the dataset, or correct the labels.",
                "Add Them")
        elif preview.new_types:
            self.types_message.show_message(
                NOTE, f"{plural(len(preview.new_types), 'new artifact type')} will be added "
                      f"to {self.dataset.name}: {', '.join(preview.new_types)} (undoing the "
                      f"import removes {'it' if len(preview.new_types) == 1 else 'them'} again).")
        if errors:
            listed = "\n".join(f"• {sentence(error)}" for error in errors[:8])
            more = f"\n… and {len(errors) - 8} more." if len(errors) > 8 else ""
            self.error_message.show_message(ERROR, f"Nothing can be imported:\n{listed}{more}")
        elif preview.annotation_count == 0 and preview.can_apply:
            self.error_message.show_message(
                NOTE, f"Nothing new to import: every annotation in the files is already in "
                      f"v{preview.set_version}.")
        elif preview.skipped_count and preview.can_apply:
            self.error_message.show_message(
                WARNING, f"{plural(preview.skipped_count, 'entry', 'entries')} will be skipped: "
                         f"{', '.join(skipped_parts(preview))}. Check Strict to import nothing "
                         f"unless everything fits.")

        new = set(preview.new_types)

        def type_note(name: str) -> str:
            if name in new:
                return "new: will be added to the dataset"
            return "unknown: not a type of the dataset" if name in preview.unknown_types else ""

        type_rows = [(name, count, type_note(name))
                     for name, count in preview.counts_by_type.items()]
        fill_rows(self.types_tree, type_rows, len(type_rows), numeric=(1,))
        fill_rows(self.audio_tree, preview.counts_by_audio.items(), len(preview.counts_by_audio),
              numeric=(1,))
        where = LocationText(preview.files)
        fill_rows(self.unmatched_tree, ((u.name, u.annotation_count,
                                     f"{sentence(u.reason)} ({where.many(u.locations)})")
                                    for u in preview.unmatched), len(preview.unmatched),
              numeric=(1,))
        fill_rows(self.problems_tree, ((where(p.location), sentence(p.message))
                                   for p in preview.problems),
              len(preview.problems))
        self._tab_titles(len(type_rows), len(preview.counts_by_audio), len(preview.unmatched),
                         len(preview.problems))
        if preview.problems and not preview.planned:
            self.tabs.setCurrentWidget(self.problems_tree)
        elif preview.unmatched and not preview.planned:
            self.tabs.setCurrentWidget(self.unmatched_tree)
        self._update_buttons()

    def _summary(self, preview: ImportPreview) -> str:
        files = plural(len(preview.files), "file")
        if not preview.can_apply:
            return f"Read {files}: nothing can be imported as it is (see below)."
        if preview.annotation_count == 0:
            return f"Read {files}: nothing new to import."
        text = (f"Read {files}: {plural(preview.annotation_count, 'annotation')} will be "
                f"imported into v{preview.set_version}")
        skipped = preview.skipped_count
        return text + (f", {skipped} skipped." if skipped else ".")

    def _tab_titles(self, types: int, audio: int, unmatched: int, problems: int) -> None:
        for index, (title, count) in enumerate((("By type", types), ("By audio file", audio),
                                                ("Unknown audio names", unmatched),
                                                ("Problems", problems))):
            self.tabs.setTabText(index, f"{title} ({count})")

    def _update_buttons(self) -> None:
        if self.refused:
            return
        done = self.result is not None
        self.remove_button.setEnabled(not done and bool(self.files_list.selectedItems()))
        preview = self.preview
        ready = (not done and not self.busy and preview is not None and preview.can_apply
                 and preview.annotation_count > 0)
        self.import_button.setEnabled(ready)
        self.import_button.setText(f"&Import {plural(preview.annotation_count, 'Annotation')}"
                                   if ready else "&Import")

    # ==================================================================================
    # importing
    # ==================================================================================

    def do_import(self) -> None:
        preview = self.preview
        if preview is None or not self.import_button.isEnabled():
            return
        failures: list[str] = []
        result = self.editor.import_annotations(preview, on_error=failures.append)
        if result is None:
            # Kept apart from the preview's messages: the preview is computed again (the
            # database changed since), and this must stay visible meanwhile.
            self.result_message.show_message(
                ERROR, f"Nothing was imported: {failures[0] if failures else 'refused.'}")
            self.schedule_preview()
            return
        self.result = result
        self.result_message.show_message(SUCCESS, import_summary(result) + " Edit > Undo "
                                         "takes the whole import back.")
        self.error_message.clear()
        self.types_message.clear()
        for widget in (self.format_combo, self.files_list, self.add_files_button,
                       self.add_folder_button, self.remove_button, self.add_types_check,
                       self.strict_check):
            widget.setEnabled(False)
        self.setAcceptDrops(False)
        self.import_button.hide()
        self.close_button.setText("Close")
        self.close_button.setDefault(True)
        self.close_button.setFocus()
        self._set_status(f"Imported {plural(len(result.created), 'annotation')}.", running=False)
        for row in range(self.types_tree.topLevelItemCount()):
            item = self.types_tree.topLevelItem(row)
            if item.text(0) in result.added_types:
                item.setText(2, "new: added to the dataset")
        self.imported.emit(result)

    # ==================================================================================
    # closing
    # ==================================================================================

    def done(self, code: int) -> None:
        self._timer.stop()
        self._cancel_task()
        super().done(code)
