"""Computes (or loads from the cache) the peak pyramid of one file in a worker thread.

Results come back to the UI thread through queued signals tagged with a generation
number, so a result of a file that was closed meanwhile is dropped. ``cancel()`` stops
the worker and waits for its thread to exit: no thread outlives a file or the widget.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.audio.peaks import (
    Cancelled,
    PeakError,
    PeakPyramid,
    compute_pyramid,
    compute_sketch,
    load_cached,
    save_cached,
)

# Above this many frames the full pyramid takes long enough to show a sketch first.
SKETCH_ABOVE_FRAMES = 1 << 23


class _JobSignals(QObject):
    sketch = Signal(int, object)
    progress = Signal(int, int)
    finished = Signal(int, object, bool)
    failed = Signal(int, str)


class _PeakJob(QRunnable):
    def __init__(self, generation: int, path: Path, sha256: str, cache_dir: Path,
                 frames: int, signals: _JobSignals, cancel: threading.Event) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.generation = generation
        self.path, self.sha256, self.cache_dir, self.frames = path, sha256, cache_dir, frames
        self.signals = signals
        self.cancel = cancel

    def run(self) -> None:  # worker thread: no widget access
        gen, signals = self.generation, self.signals
        try:
            cached = load_cached(self.cache_dir, self.sha256)
            if cached is not None:
                signals.finished.emit(gen, cached, True)
                return
            if self.frames > SKETCH_ABOVE_FRAMES:
                signals.sketch.emit(gen, compute_sketch(self.path, cancel=self.cancel))
            last = [-1]

            def report(fraction: float) -> None:
                percent = int(fraction * 100)
                if percent != last[0]:
                    last[0] = percent
                    signals.progress.emit(gen, percent)

            pyramid = compute_pyramid(self.path, progress=report, cancel=self.cancel)
            try:
                save_cached(self.cache_dir, self.sha256, pyramid)
            except OSError:
                pass        # an unwritable cache costs a recompute next time, nothing more
            signals.finished.emit(gen, pyramid, False)
        except Cancelled:
            pass
        except PeakError as error:
            signals.failed.emit(gen, str(error))
        except Exception as error:  # noqa: BLE001 - reported to the user, never a traceback
            signals.failed.emit(gen, f"Cannot draw the waveform of '{self.path.name}': {error}")


class PeakLoader(QObject):
    """One background pyramid job at a time."""

    sketch_ready = Signal(object)          # PeakPyramid (approximate)
    progress = Signal(int)                 # 0-100
    ready = Signal(object, bool)           # PeakPyramid, came from the cache
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(0)     # idle threads exit at once
        self._signals = _JobSignals(self)
        self._signals.sketch.connect(self._on_sketch)
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._generation = 0
        self._cancel = threading.Event()
        self._job: _PeakJob | None = None
        self.busy = False

    def start(self, path: Path, sha256: str, cache_dir: Path, frames: int) -> None:
        self.cancel()
        self._generation += 1
        self._cancel = threading.Event()
        self._job = _PeakJob(self._generation, Path(path), sha256, Path(cache_dir), frames,
                             self._signals, self._cancel)
        self.busy = True
        self._pool.start(self._job)

    def cancel(self) -> None:
        """Stop the running job (if any) and wait until its thread has exited."""
        self._generation += 1
        self._cancel.set()
        self._pool.waitForDone()
        self._job = None
        self.busy = False

    def active_threads(self) -> int:
        return self._pool.activeThreadCount()

    @Slot(int, object)
    def _on_sketch(self, generation: int, pyramid: PeakPyramid) -> None:
        if generation == self._generation:
            self.sketch_ready.emit(pyramid)

    @Slot(int, int)
    def _on_progress(self, generation: int, percent: int) -> None:
        if generation == self._generation:
            self.progress.emit(percent)

    @Slot(int, object, bool)
    def _on_finished(self, generation: int, pyramid: PeakPyramid, cached: bool) -> None:
        if generation == self._generation:
            self.busy = False
            self._job = None
            self.ready.emit(pyramid, cached)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.busy = False
            self._job = None
            self.failed.emit(message)
