"""Dataset > Push to Platform: choose the sets, push in the background with progress
(files, bytes, annotations) and Cancel, then the report with every failure and its reason.

The push itself is ``app.sync.push.Pusher``: incremental and resumable, so Cancel (or a
closed window) loses nothing; the next push continues where this one stopped. Audio the
platform would refuse is listed before anything is sent, with the FLAC conversion offered
where it helps.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME
from app.core.entities import AnnotationSet
from app.core.errors import DomainError
from app.sync.audio_formats import AudioProblem, check_audio
from app.sync.connect import platform_url
from app.sync.credentials import load_api_key
from app.sync.push import ALL_SETS, PUBLISHED_SETS, PushOptions
from app.sync.report import (
    ANNOTATIONS,
    AUDIO,
    CHECKING,
    CONVERTING,
    DATASET,
    DONE,
    PushProgress,
    PushReport,
)
from app.ui.dialogs.annotation_import import (
    SUCCESS,
    Message,
    NoteLabel,
    fill_rows,
    plural,
    report_tree,
)
from app.ui.dialogs.inline_message import ERROR, NOTE, WARNING
from app.ui.store import Store
from app.ui.tasks import Task, TaskRunner

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05     # at most 20 progress updates a second reach the window
PHASES = {CHECKING: "Checking…", CONVERTING: "Converting audio to FLAC…",
          DATASET: "Dataset and artifact types…", AUDIO: "Uploading audio…",
          ANNOTATIONS: "Annotation sets…", DONE: "Finishing…"}


def megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count / 1000:.0f} kB"


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def report_summary(report: PushReport) -> str:
    """A sentence on the outcome, then what the push did (``PushReport.summary_lines``)."""
    where = host_of(report.base_url)
    if report.cancelled:
        head = (f"Push to {where} cancelled. What was sent is recorded; the next push "
                f"continues from there.")
    elif report.ok:
        head = f"'{report.dataset_name}' is on {where}."
    else:
        head = f"Push to {where} finished with {plural(len(report.failures), 'problem')}."
    lines = [line[0].upper() + line[1:] for line in report.summary_lines()]
    return "\n".join([head, *lines])


class _Throttle:
    """Passes a progress snapshot on at most every PROGRESS_INTERVAL_S (phase changes and
    the end always), so a fast upload does not flood the window's event queue."""

    def __init__(self, send) -> None:
        self._send = send
        self._last = 0.0
        self._phase = ""
        self._lock = threading.Lock()

    def __call__(self, progress: PushProgress) -> None:
        now = time.monotonic()
        with self._lock:
            if progress.phase == self._phase and now - self._last < PROGRESS_INTERVAL_S:
                return
            self._last, self._phase = now, progress.phase
        self._send(progress)


class PushDialog(QDialog):
    """Push the dataset ``dataset_id``. ``pushed`` carries the PushReport when a push ends
    (also a cancelled or failed one); ``settings_requested`` asks the window for the
    Platform Settings dialog."""

    pushed = Signal(object)
    settings_requested = Signal()

    def __init__(self, store: Store, tasks: TaskRunner, dataset_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pushDialog")
        self.store = store
        self.tasks = tasks
        self.dataset = store.dataset(dataset_id)
        self.sets: list[AnnotationSet] = store.sets(dataset_id)
        self.audio = store.audio_files(dataset_id)    # read once: refresh() runs per option
        self.task: Task | None = None
        self.report: PushReport | None = None
        self.last_progress: PushProgress | None = None
        self.base_url = platform_url(store.ctx)
        self._read_key()
        self.setWindowTitle(f"Push '{self.dataset.name}' to the Platform")

        self.header = QLabel()
        self.header.setObjectName("pushHeader")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.key_message = Message()
        self.key_message.setObjectName("pushKeyMessage")
        self.key_message.action_clicked.connect(self.settings_requested)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._options_page())
        self.pages.addWidget(self._progress_page())

        self.buttons = QDialogButtonBox()
        self.push_button = self.buttons.addButton("Push", QDialogButtonBox.ButtonRole.AcceptRole)
        self.push_button.setObjectName("pushButton")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("pushCancelButton")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("pushCloseButton")
        self.close_button.hide()
        self.copy_button = self.buttons.addButton("Copy Report",
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setObjectName("pushCopyReport")
        self.copy_button.setToolTip("The report as JSON (what `push --json` prints), for a "
                                    "ticket or a script")
        self.copy_button.hide()
        self.copy_button.clicked.connect(self.copy_report)
        self.push_button.clicked.connect(self.start_push)
        self.cancel_button.clicked.connect(self.reject)
        self.close_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.key_message)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.buttons)
        self.refresh()
        self.resize(740, 540)

    # -- the options page ---------------------------------------------------------------

    def _options_page(self) -> QWidget:
        page = QWidget()
        published = [s for s in self.sets if s.is_published]
        group = QGroupBox("Annotation sets to push")
        self.published_radio = QRadioButton(
            f"Published sets ({len(published)}): the ones fit for training")
        self.published_radio.setObjectName("pushPublished")
        self.all_radio = QRadioButton(f"All sets, drafts too ({len(self.sets)})")
        self.all_radio.setObjectName("pushAll")
        self.chosen_radio = QRadioButton("These versions:")
        self.chosen_radio.setObjectName("pushChosen")
        self.choice = QButtonGroup(self)
        for radio in (self.published_radio, self.all_radio, self.chosen_radio):
            self.choice.addButton(radio)
        self.set_list = QListWidget()
        self.set_list.setObjectName("pushSetList")
        for annotation_set in self.sets:
            item = QListWidgetItem(
                f"v{annotation_set.version}  {annotation_set.status}  ·  "
                f"{plural(annotation_set.stats.total_annotations, 'annotation')}")
            item.setData(Qt.ItemDataRole.UserRole, annotation_set.version)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if annotation_set.is_published
                               else Qt.CheckState.Unchecked)
            self.set_list.addItem(item)
        self.set_list.setMaximumHeight(140)
        (self.published_radio if published or not self.sets else self.all_radio).setChecked(True)
        self.choice.buttonToggled.connect(lambda *_: self.refresh())
        self.set_list.itemChanged.connect(lambda *_: self.refresh())
        sets_layout = QVBoxLayout(group)
        sets_layout.addWidget(self.published_radio)
        sets_layout.addWidget(self.all_radio)
        sets_layout.addWidget(self.chosen_radio)
        sets_layout.addWidget(self.set_list)
        drafts_note = NoteLabel()
        drafts_note.setText("A draft pushed earlier is brought in line with your edits while "
                            "it is still a draft; a published set arrives published with "
                            "exactly its annotations.")
        sets_layout.addWidget(drafts_note)

        self.problems = [p for p in (check_audio(a) for a in self.audio) if p]
        self.audio_message = Message()
        self.audio_message.setObjectName("pushAudioMessage")
        self.convert_box = QCheckBox()
        self.convert_box.setObjectName("pushConvertFlac")
        self.convert_box.toggled.connect(lambda *_: self.refresh())
        self.problem_tree = report_tree("pushAudioProblems", ["Audio file", "Why the platform refuses it"])
        fill_rows(self.problem_tree, ((p.filename, p.reason) for p in self.problems), len(self.problems))
        self.problem_tree.setMaximumHeight(120)
        convertible = [p for p in self.problems if p.convertible]
        self.convert_box.setText(f"Convert {plural(len(convertible), 'file')} to FLAC (lossless) "
                                 f"for the upload; the library copies stay as they are")
        self.convert_box.setVisible(bool(convertible))
        self.problem_tree.setVisible(bool(self.problems))

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(group)
        layout.addWidget(self.audio_message)
        layout.addWidget(self.problem_tree)
        layout.addWidget(self.convert_box)
        layout.addStretch(1)
        return page

    def selection(self) -> str | tuple[int, ...]:
        if self.published_radio.isChecked():
            return PUBLISHED_SETS
        if self.all_radio.isChecked():
            return ALL_SETS
        return tuple(self.set_list.item(row).data(Qt.ItemDataRole.UserRole)
                     for row in range(self.set_list.count())
                     if self.set_list.item(row).checkState() == Qt.CheckState.Checked)

    def blocking_problems(self) -> list[AudioProblem]:
        convert = self.convert_box.isChecked()
        return [p for p in self.problems if not (convert and p.convertible)]

    def address_changed(self, *_args) -> None:
        """Platform Settings saved an address or a key: push there (unless running)."""
        if self.task is None:
            self.base_url = platform_url(self.store.ctx)
            self._read_key()
            self.refresh()

    def _read_key(self) -> None:
        """Whether there is a key for the address: read once (the keyring may be a D-Bus
        round trip), not on every change of the options."""
        self.has_key = load_api_key(self.base_url) is not None

    def refresh(self) -> None:
        """Header, key state, audio problems and whether Push can start."""
        self.header.setText(
            f"'{self.dataset.name}': {plural(len(self.audio), 'audio file')}, "
            f"{plural(len(self.sets), 'annotation set')}  →  {self.base_url}")
        if not self.has_key:
            self.key_message.show_message(
                ERROR, f"No API key for {host_of(self.base_url)}: store one in Platform "
                       f"Settings first.", "Platform Settings…")
        else:
            self.key_message.clear()
        self.set_list.setEnabled(self.chosen_radio.isChecked())
        blocking = self.blocking_problems()
        if blocking:
            convertible = [p for p in blocking if p.convertible]
            text = (f"{plural(len(blocking), 'audio file')} would be refused by the platform "
                    f"(listed below); nothing is sent until that is solved.")
            if convertible:
                text += " Converting to FLAC solves it for " + \
                        ("all of them." if len(convertible) == len(blocking)
                         else f"{len(convertible)} of them.")
            self.audio_message.show_message(ERROR, text)
        elif self.problems:
            self.audio_message.show_message(NOTE, f"{plural(len(self.problems), 'file')} will "
                                                  f"be uploaded as FLAC.")
        else:
            self.audio_message.clear()
        selection = self.selection()
        nothing = (selection == PUBLISHED_SETS and not any(s.is_published for s in self.sets)) \
            or (isinstance(selection, tuple) and not selection)
        self.push_button.setToolTip("No set is chosen: only the dataset, its types and audio "
                                    "are pushed." if nothing else "")
        self.push_button.setEnabled(self.has_key and not blocking and self.task is None)

    # -- progress ---------------------------------------------------------------------------

    def _progress_page(self) -> QWidget:
        page = QWidget()
        self.phase_label = QLabel()
        self.phase_label.setObjectName("pushPhase")
        self.current_label = QLabel()
        self.current_label.setObjectName("pushCurrent")
        self.current_label.setTextFormat(Qt.TextFormat.PlainText)
        self.current_label.setStyleSheet("color: palette(placeholder-text);")
        grid = QGridLayout()
        self.bars: dict[str, tuple[QProgressBar, QLabel]] = {}
        for row, (key, title) in enumerate((("files", "Audio files"), ("bytes", "Audio data"),
                                            ("annotations", "Annotations"))):
            bar = QProgressBar()
            bar.setObjectName(f"pushBar_{key}")
            bar.setTextVisible(False)
            label = QLabel()
            label.setObjectName(f"pushCount_{key}")
            label.setMinimumWidth(150)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(QLabel(title), row, 0)
            grid.addWidget(bar, row, 1)
            grid.addWidget(label, row, 2)
            self.bars[key] = (bar, label)
        grid.setColumnStretch(1, 1)
        self.running_note = NoteLabel()
        self.running_note.setText("You can keep labeling while the push runs. Cancel stops it "
                                  "at the next step; what was sent is recorded, and the next "
                                  "push continues from there.")
        # The report, below the final counts once the push has ended.
        self.result_message = Message()
        self.result_message.setObjectName("pushResult")
        self.failure_tree = report_tree("pushFailures", ["What", "Item", "Reason"])
        self.failure_tree.hide()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.phase_label)
        layout.addLayout(grid)
        layout.addWidget(self.current_label)
        layout.addWidget(self.running_note)
        layout.addSpacing(8)
        layout.addWidget(self.result_message)
        layout.addWidget(self.failure_tree, 1)
        self.stretch = QWidget()
        layout.addWidget(self.stretch, 1)
        return page

    def show_progress(self, progress: PushProgress) -> None:
        self.last_progress = progress
        self.phase_label.setText(PHASES.get(progress.phase, progress.phase))
        self.current_label.setText(progress.current)

        def set_bar(key: str, done: int, total: int, text: str) -> None:
            bar, label = self.bars[key]
            # QProgressBar holds an int: scale bytes to kB.
            scale = 1000 if key == "bytes" else 1
            bar.setRange(0, max(1, total // scale))
            bar.setValue(min(done, total) // scale if total else 0)
            label.setText(text)

        set_bar("files", progress.files_done, progress.files_total,
                f"{progress.files_done} / {progress.files_total}")
        set_bar("bytes", progress.bytes_sent, progress.bytes_total,
                f"{megabytes(progress.bytes_sent)} / {megabytes(progress.bytes_total)}")
        counted = progress.annotations_total or progress.phase in (ANNOTATIONS, DONE)
        set_bar("annotations", progress.annotations_done, progress.annotations_total,
                f"{progress.annotations_done} / {progress.annotations_total}" if counted
                else "after the audio")

    # -- the report -------------------------------------------------------------------------

    def show_report(self, report: PushReport) -> None:
        self.report = report
        kind = SUCCESS if report.ok else (WARNING if report.cancelled else ERROR)
        self.result_message.show_message(kind, report_summary(report))
        rows = [(f.kind, f.name, f.reason) for f in report.failures]
        rows += [("warning", "", w) for w in report.warnings]
        fill_rows(self.failure_tree, rows, len(rows))
        self.failure_tree.setVisible(bool(rows))
        self.stretch.setVisible(not rows)
        self.phase_label.setText("Cancelled" if report.cancelled else
                                 "Finished" if report.ok else "Finished with problems")
        self.current_label.clear()
        self.running_note.hide()

    # -- running ----------------------------------------------------------------------------

    def start_push(self) -> None:
        if self.task is not None:
            return
        self.refresh()
        if not self.push_button.isEnabled():
            return
        try:
            options = PushOptions(sets=self.selection(), convert_flac=self.convert_box.isChecked())
        except DomainError as error:
            self.audio_message.show_message(ERROR, str(error))
            return
        ctx = self.store.ctx
        dataset_id = self.dataset.id
        base_url = self.base_url

        def push(report, cancelled) -> PushReport:
            from app.sync.connect import connect
            from app.sync.push import Pusher

            with connect(ctx, base_url, cancel=cancelled) as client:
                return Pusher(ctx, client, options).run(dataset_id, progress=_Throttle(report),
                                                        cancel=cancelled)

        self.pages.setCurrentIndex(1)
        self.show_progress(PushProgress(CHECKING))
        self.push_button.hide()
        self.cancel_button.setText("Cancel Push")
        self.task = self.tasks.start(push, name="push", on_result=self._finished,
                                     on_error=self._failed, on_progress=self.show_progress)

    @property
    def running(self) -> bool:
        return self.task is not None

    def _finished(self, report: PushReport) -> None:
        self.task = None
        self.report = report
        self._done()
        self.show_report(report)
        self.pushed.emit(report)

    def _failed(self, error: BaseException) -> None:
        """Failures before the push could start (no key, unusable address, database)."""
        self.task = None
        self._done()
        self.copy_button.hide()
        text = str(error) if isinstance(error, DomainError) else \
            f"The push stopped on an unexpected error ({type(error).__name__}); see the log."
        self.result_message.show_message(ERROR, text)
        self.failure_tree.hide()
        self.phase_label.setText("Not pushed")
        self.current_label.clear()
        self.running_note.hide()
        self.pushed.emit(None)

    def copy_report(self) -> None:
        if self.report is not None:
            QApplication.clipboard().setText(json.dumps(self.report.to_json(), indent=2))
            self.copy_button.setText("Copied")

    def _done(self) -> None:
        self.copy_button.show()
        self.cancel_button.hide()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def cancel_push(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.phase_label.setText("Cancelling: finishing the request in flight…")

    def reject(self) -> None:
        """Cancel (or Escape, or the close box): while pushing, stop the push first."""
        if self.task is not None:
            self.cancel_push()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.task is not None:
            answer = QMessageBox.question(
                self, APP_NAME, "The push is still running. Cancel it? What was sent is kept "
                "and the next push continues from there.")
            if answer == QMessageBox.StandardButton.Yes:
                self.cancel_push()
            event.ignore()
            return
        super().closeEvent(event)
