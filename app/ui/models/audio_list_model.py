"""Audio files of the current dataset: filename (with its sync-state dot), duration,
annotations in the current set."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.core.entities import AudioFile
from app.core.sync_state import ItemSyncState
from app.core.timefmt import format_ms
from app.ui.sync_indicators import sync_icon, sync_status_line

COLUMNS = ("File", "Duration", "Labels")
FILE, DURATION, COUNT = range(len(COLUMNS))
AUDIO_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
SYNC_ROLE = Qt.ItemDataRole.UserRole + 3     # ItemSyncState | None (not known yet)


class AudioListModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._files: list[AudioFile] = []
        self._counts: dict[str, int] = {}
        self._sync: dict[str, ItemSyncState] = {}
        self._remote = ""

    def set_files(self, files: list[AudioFile], counts: dict[str, int]) -> None:
        self.beginResetModel()
        self._files = list(files)
        self._counts = dict(counts)
        self.endResetModel()

    def add_files(self, files: list[AudioFile]) -> None:
        known = {f.id for f in self._files}
        new = [f for f in files if f.id not in known]
        if not new:
            return
        first = len(self._files)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._files.extend(new)
        self.endInsertRows()

    def set_counts(self, counts: dict[str, int]) -> None:
        self._counts = dict(counts)
        if self._files:
            self.dataChanged.emit(self.index(0, COUNT), self.index(len(self._files) - 1, COUNT))

    def set_sync_states(self, states: dict[str, ItemSyncState], remote: str) -> None:
        self._sync = dict(states)
        self._remote = remote
        if self._files:
            self.dataChanged.emit(self.index(0, FILE), self.index(len(self._files) - 1, FILE),
                                  [SYNC_ROLE, Qt.ItemDataRole.DecorationRole,
                                   Qt.ItemDataRole.ToolTipRole])

    def files(self) -> list[AudioFile]:
        return list(self._files)

    def row_of(self, audio_id: str) -> int:
        for row, audio in enumerate(self._files):
            if audio.id == audio_id:
                return row
        return -1

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._files)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section != FILE:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if role == Qt.ItemDataRole.ToolTipRole and section == COUNT:
                return "Annotations of this file in the current annotation set"
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        audio = self._files[index.row()]
        column = index.column()
        if role == AUDIO_ROLE:
            return audio
        if role == SYNC_ROLE:
            return self._sync.get(audio.id)
        if role == Qt.ItemDataRole.DecorationRole and column == FILE:
            sync = self._sync.get(audio.id)
            return sync_icon(sync.status) if sync is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            if column == FILE:
                return audio.original_filename
            if column == DURATION:
                return format_ms(audio.duration_ms)
            return str(self._counts.get(audio.id, 0))
        if role == SORT_ROLE:
            return (audio.original_filename.lower(), audio.duration_ms,
                    self._counts.get(audio.id, 0))[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column != FILE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            channels = "mono" if audio.channels == 1 else f"{audio.channels} channels"
            text = (f"{audio.original_filename}\n{format_ms(audio.duration_ms)} · "
                    f"{audio.sample_rate} Hz · {channels} · {audio.format}/{audio.subtype}")
            sync = sync_status_line(self._sync.get(audio.id), self._remote)
            return f"{text}\n\n{sync}" if sync else text
        return None
