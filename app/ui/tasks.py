"""Background work: one small helper on QThreadPool that returns results, progress and
errors to the UI thread through signals. Workers never touch widgets; every task can be
cancelled, and ``TaskRunner.shutdown()`` waits for all of them (no thread outlives the
window or a test)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class TaskSignals(QObject):
    progress = Signal(object)      # whatever the task reports
    finished = Signal(object)      # the result
    failed = Signal(object)        # the exception
    done = Signal()                # after finished or failed


class Task(QRunnable):
    """``fn(report, cancelled)``: ``report(value)`` sends progress, ``cancelled()`` polls."""

    def __init__(self, fn: Callable[[Callable[[Any], None], Callable[[], bool]], Any],
                 name: str = "task") -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.name = name
        self.signals = TaskSignals()
        self._cancel = threading.Event()
        self._ended = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._ended.wait(timeout)

    def run(self) -> None:  # worker thread
        try:
            result = self.fn(self.signals.progress.emit, self._cancel.is_set)
        except BaseException as error:  # noqa: BLE001 - delivered to the UI thread
            log.exception("background task %s failed", self.name)
            self.signals.failed.emit(error)
        else:
            self.signals.finished.emit(result)
        finally:
            self._ended.set()
            self.signals.done.emit()


class TaskRunner(QObject):
    """Starts tasks on a private pool and keeps them until they end."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: set[Task] = set()

    def start(self, fn, *, name: str = "task", on_result: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None,
              on_progress: Callable[[Any], None] | None = None) -> Task:
        task = Task(fn, name)
        if on_result is not None:
            task.signals.finished.connect(on_result)
        if on_error is not None:
            task.signals.failed.connect(on_error)
        if on_progress is not None:
            task.signals.progress.connect(on_progress)
        task.signals.done.connect(lambda: self._tasks.discard(task))
        self._tasks.add(task)
        self.pool.start(task)
        return task

    @property
    def active(self) -> int:
        return len(self._tasks)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.pool.waitForDone(timeout_ms)
        self._tasks.clear()
