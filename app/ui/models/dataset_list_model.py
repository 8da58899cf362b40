"""Datasets with their statistics (audio files, total duration, sets) and sync state."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.core.entities import Dataset
from app.core.sync_state import ItemSyncState
from app.core.timefmt import format_ms
from app.ui.sync_indicators import sync_status_line

DATASET_ROLE = Qt.ItemDataRole.UserRole + 1
STATS_ROLE = Qt.ItemDataRole.UserRole + 2
SYNC_ROLE = Qt.ItemDataRole.UserRole + 3     # ItemSyncState | None (not known yet)


def stats_line(dataset: Dataset) -> str:
    files = "file" if dataset.audio_count == 1 else "files"
    sets = "set" if dataset.annotation_set_count == 1 else "sets"
    return (f"{dataset.audio_count} {files} · {format_ms(dataset.total_duration_ms)} · "
            f"{dataset.annotation_set_count} {sets}")


class DatasetListModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._datasets: list[Dataset] = []
        self._sync: dict[str, ItemSyncState] = {}
        self._remote = ""

    def set_datasets(self, datasets: list[Dataset]) -> None:
        self.beginResetModel()
        self._datasets = list(datasets)
        self.endResetModel()

    def datasets(self) -> list[Dataset]:
        return list(self._datasets)

    def row_of(self, dataset_id: str) -> int:
        for row, dataset in enumerate(self._datasets):
            if dataset.id == dataset_id:
                return row
        return -1

    def upsert(self, dataset: Dataset) -> None:
        row = self.row_of(dataset.id)
        if row >= 0:
            self._datasets[row] = dataset
            self.dataChanged.emit(self.index(row), self.index(row))
            return
        names = [d.name.lower() for d in self._datasets]
        row = sum(1 for name in names if name < dataset.name.lower())
        self.beginInsertRows(QModelIndex(), row, row)
        self._datasets.insert(row, dataset)
        self.endInsertRows()

    def remove(self, dataset_id: str) -> None:
        row = self.row_of(dataset_id)
        if row >= 0:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._datasets[row]
            self.endRemoveRows()

    def set_sync_states(self, states: dict[str, ItemSyncState], remote: str) -> None:
        """Sync states by dataset id (those not given keep theirs unless the platform
        changed)."""
        if remote != self._remote:
            self._sync = {}
            self._remote = remote
        self._sync.update(states)
        if self._datasets:
            self.dataChanged.emit(self.index(0), self.index(len(self._datasets) - 1),
                                  [SYNC_ROLE, Qt.ItemDataRole.ToolTipRole])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._datasets)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        dataset = self._datasets[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return dataset.name
        if role == STATS_ROLE:
            return stats_line(dataset)
        if role == DATASET_ROLE:
            return dataset
        if role == SYNC_ROLE:
            return self._sync.get(dataset.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = f"{dataset.name}\n{stats_line(dataset)}"
            if dataset.description:
                text += "\n\n" + dataset.description
            sync = sync_status_line(self._sync.get(dataset.id), self._remote)
            if sync:
                text += "\n\n" + sync
            return text
        return None
