"""Audio import in the background: a progress bar with Cancel in the status bar, the
window stays responsive, and a report of bad files (with reasons) at the end."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.audio_files import ImportFailure, ImportReport
from app.ui.store import Store
from app.ui.tasks import Task, TaskRunner


class ImportProgress(QWidget):
    """Compact progress display for the status bar."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importProgress")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Importing…")
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.clicked.connect(self.cancel_requested)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()


class ImportReportDialog(QDialog):
    def __init__(self, report: ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audio import finished")
        summary = (f"{len(report.imported)} imported, {len(report.duplicates)} duplicates "
                   f"skipped, {len(report.failed)} failed"
                   f"{' (cancelled before the end)' if report.cancelled else ''}.")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(summary))
        self.tree = QTreeWidget()
        self.tree.setObjectName("importProblems")
        self.tree.setHeaderLabels(["File", "Problem"])
        self.tree.setRootIsDecorated(False)
        for failure in report.failed:
            QTreeWidgetItem(self.tree, [failure.path, failure.reason])
        for duplicate in report.duplicates:
            QTreeWidgetItem(self.tree, [duplicate.path, f"duplicate of "
                                        f"'{duplicate.existing.original_filename}', not imported again"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.setVisible(self.tree.topLevelItemCount() > 0)
        layout.addWidget(self.tree)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(760, 360 if self.tree.isVisible() else 120)


class ImportController(QObject):
    finished = Signal(object)      # ImportReport
    started = Signal()

    def __init__(self, store: Store, tasks: TaskRunner, progress: ImportProgress,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.progress = progress
        self.task: Task | None = None
        self.dataset_id: str | None = None
        progress.cancel_requested.connect(self.cancel)

    @property
    def busy(self) -> bool:
        return self.task is not None

    def start(self, dataset_id: str, paths: list[Path]) -> bool:
        if self.task is not None or not paths:
            return False
        self.dataset_id = dataset_id
        audio = self.store.ctx.audio

        def work(report, cancelled):
            return audio.import_paths(dataset_id, paths,
                                      progress=lambda done, total, path: report((done, total, path)),
                                      cancelled=cancelled)

        self.progress.bar.setRange(0, 0)
        self.progress.label.setText("Importing…")
        self.progress.cancel_button.setEnabled(True)
        self.progress.show()
        self.task = self.tasks.start(work, name="audio import", on_result=self._done,
                                     on_error=self._failed, on_progress=self._progress)
        self.started.emit()
        return True

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.progress.label.setText("Cancelling…")
            self.progress.cancel_button.setEnabled(False)

    def _progress(self, value) -> None:
        done, total, path = value
        self.progress.bar.setRange(0, max(1, total))
        self.progress.bar.setValue(done)
        name = Path(path).name
        self.progress.label.setText(f"Importing {min(done + 1, total)}/{total}: {name}"
                                    if done < total else "Finishing…")
        self.progress.label.setToolTip(str(path))

    def _done(self, report: ImportReport) -> None:
        self.task = None
        self.progress.hide()
        if self.dataset_id is not None:
            self.store.notify_audio_imported(self.dataset_id, report.imported)
        self.finished.emit(report)

    def _failed(self, error: BaseException) -> None:
        self.task = None
        self.progress.hide()
        report = ImportReport()
        report.failed.append(ImportFailure("(import)", str(error)))
        self.finished.emit(report)
