"""Sync-state indicators: a small dot per dataset, audio file and annotation set that says
whether it was never pushed to the platform, pushed, changed since the last push, or
failed, with a tooltip that says what that means, when it was pushed and what failed.

The helpers at the top draw the dot and write the tooltip (the models and the set selector
use them); :class:`SyncIndicators` keeps every indicator of the window current from the
store's signals and the window's, never by polling.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from app.core.errors import DomainError
from app.core.sync_state import ItemSyncState, SyncStateService, SyncStatus
from app.sync.settings import platform_url

log = logging.getLogger(__name__)

STATUS_COLORS = {
    SyncStatus.NEVER_PUSHED: "#8a8f98",
    SyncStatus.PUSHED: "#3fb950",
    SyncStatus.CHANGED: "#e3b341",
    SyncStatus.FAILED: "#f85149",
}
STATUS_TITLES = {
    SyncStatus.NEVER_PUSHED: "Never pushed",
    SyncStatus.PUSHED: "Pushed",
    SyncStatus.CHANGED: "Changed since the last push",
    SyncStatus.FAILED: "Push failed",
}
REFRESH_DELAY_MS = 120   # edits come in bursts (a drag, an undo of many); one query after


def format_when(moment: datetime | None) -> str:
    """A push time in the user's local time, to the minute."""
    if moment is None:
        return "an unknown time"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _host(remote: str) -> str:
    return urlsplit(remote).netloc or remote


def sync_tooltip(state: ItemSyncState, remote: str) -> str:
    """What the indicator means, in a sentence or two."""
    where = _host(remote)
    status = state.status
    if status is SyncStatus.NEVER_PUSHED:
        text = f"Never pushed to {where}."
        if state.detail:
            text += f" An earlier push stopped part-way ({state.detail}); the next push " \
                    f"continues it."
        return text
    when = format_when(state.pushed_at)
    if status is SyncStatus.PUSHED:
        text = f"Pushed to {where} on {when}."
        if state.detail:
            text += f" On the platform: {state.detail}."
        return text
    if status is SyncStatus.CHANGED:
        text = f"Changed since the last push to {where} on {when}"
        return text + (f": {state.detail}." if state.detail else ".") + \
            " Push again to bring the platform in line."
    text = f"The last push to {where} failed"
    if state.pushed_at is not None:
        text += f" (last successful push {when})"
    return text + f": {state.error or 'no reason recorded'}"


def sync_status_line(state: ItemSyncState | None, remote: str) -> str:
    """"Push failed: …" as a line for a tooltip; empty when the state is not known yet."""
    if state is None:
        return ""
    return f"{STATUS_TITLES[state.status]}. {sync_tooltip(state, remote)}"


def paint_sync_dot(painter: QPainter, center: QPointF, status: SyncStatus,
                   diameter: float) -> None:
    """A filled dot; a ring for "never pushed" (nothing there yet)."""
    color = QColor(STATUS_COLORS[status])
    radius = diameter / 2
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if status is SyncStatus.NEVER_PUSHED:
        pen = QPen(color, max(1.2, diameter / 6))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        inset = pen.widthF() / 2
        painter.drawEllipse(center, radius - inset, radius - inset)
    else:
        painter.setPen(QPen(color.darker(140), 1))
        painter.setBrush(color)
        painter.drawEllipse(center, radius - 0.5, radius - 0.5)
    painter.restore()


_icons: dict[tuple[SyncStatus, int], QIcon] = {}


def sync_icon(status: SyncStatus, size: int = 12) -> QIcon:
    """The dot as an icon (for item views and combo boxes); drawn once per size."""
    key = (status, size)
    icon = _icons.get(key)
    if icon is None:
        icon = QIcon()
        for scale in (1, 2):
            pixmap = QPixmap(size * scale, size * scale)
            pixmap.setDevicePixelRatio(scale)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            paint_sync_dot(painter, QRectF(0, 0, size, size).center(), status, size * 0.75)
            painter.end()
            icon.addPixmap(pixmap)
        _icons[key] = icon
    return icon


class SyncIndicators(QObject):
    """Keeps the indicators of a main window current.

    Whatever can change a sync state schedules one refresh: an edit through the store
    (annotations, sets, the dataset, imported audio), another dataset or set opened, a push
    that ended, another platform address saved. The refresh reads the database only
    (``SyncStateService.overview``, as ``app.sync.connect.sync_overview`` does, without
    loading httpx and keyring) and runs once per burst of changes.
    """

    refreshed = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.store = window.store
        self._all = True
        self._task = None
        self._again = False
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_DELAY_MS)
        self._timer.timeout.connect(self.refresh_now)
        store = self.store
        for signal in (store.annotations_added, store.annotations_changed,
                       store.annotations_removed, store.set_changed, store.set_created,
                       store.set_deleted, store.dataset_changed, store.audio_imported):
            signal.connect(self._current_changed)
        store.dataset_created.connect(self.schedule_all)
        window.current_set_changed.connect(self._current_changed)
        window.browser.datasets_model.modelReset.connect(self.schedule_all)
        self.schedule_all()

    def stop(self) -> None:
        """No more refreshes (the window is closing); one running is cancelled."""
        self._stopped = True
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()

    def _current_changed(self, *_args) -> None:
        self.schedule(all_datasets=False)

    def schedule_all(self, *_args) -> None:
        self.schedule(all_datasets=True)

    def schedule(self, all_datasets: bool = False) -> None:
        if self._stopped:
            return
        self._all = self._all or all_datasets
        self._timer.start()

    def refresh_now(self) -> None:
        """Read the states in the background and show them (what the debounce timer calls).

        The read takes tens of milliseconds on a dataset of 20,000 annotations, so it never
        runs on the UI thread; changes that arrive while it runs start one more."""
        self._timer.stop()
        if self._task is not None:
            self._again = True
            return
        everything, self._all = self._all, False
        ctx = self.store.ctx
        window = self.window
        current = window.dataset.id if window.dataset is not None else None
        model = window.browser.datasets_model
        ids = [d.id for d in model.datasets()] if everything else ([current] if current else [])
        service = SyncStateService(ctx.db)

        def read(_report, cancelled) -> tuple[str, dict]:
            remote = platform_url(ctx.paths.config_dir)
            found = {}
            for dataset_id in ids:
                if cancelled():
                    break
                try:
                    found[dataset_id] = service.overview(dataset_id, remote)
                except DomainError as error:  # deleted meanwhile, or the database is busy
                    log.info("no sync state for dataset %s: %s", dataset_id, error)
            return remote, found

        def show(result: tuple[str, dict]) -> None:
            remote, found = result
            open_now = window.dataset.id if window.dataset is not None else None
            overview = found.get(open_now) if open_now == current else None
            if overview is not None:
                window.browser.audio_model.set_sync_states(overview.audio, remote)
                window.set_selector.set_sync_states(overview.sets, remote)
            model.set_sync_states({k: v.dataset for k, v in found.items()}, remote)
            self.refreshed.emit()

        def ended() -> None:
            self._task = None
            if self._again:
                self._again = False
                self.schedule()

        self._task = window.tasks.start(read, name="sync state", on_result=show)
        self._task.signals.done.connect(ended)
