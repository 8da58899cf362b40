"""The annotation-set selector: versions with status, counts and sync state, New version,
Publish."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from app.core.entities import AnnotationSet
from app.core.sync_state import ItemSyncState
from app.ui.sync_indicators import sync_icon, sync_status_line

COMBO_TIP = "Annotation set (version) shown and edited"


def set_label(annotation_set: AnnotationSet) -> str:
    count = annotation_set.stats.total_annotations
    noun = "label" if count == 1 else "labels"
    return f"v{annotation_set.version} {annotation_set.status} · {count} {noun}"


class SetSelector(QWidget):
    set_chosen = Signal(object)             # AnnotationSet
    new_version_requested = Signal()
    publish_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setSelector")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        label = QLabel("Set")
        self.combo = QComboBox()
        self.combo.setObjectName("setCombo")
        self.combo.setMinimumContentsLength(22)
        self.combo.setToolTip(COMBO_TIP)
        label.setBuddy(self.combo)
        self.new_button = QPushButton("New version…")
        self.new_button.setObjectName("newVersionButton")
        self.new_button.setToolTip("Start a new draft, empty or as a copy of the selected set")
        self.publish_button = QPushButton("Publish…")
        self.publish_button.setObjectName("publishButton")
        self.publish_button.setToolTip("Publish the draft: it becomes read-only for good")
        layout.addWidget(label)
        layout.addWidget(self.combo)
        layout.addWidget(self.new_button)
        layout.addWidget(self.publish_button)
        self._sets: list[AnnotationSet] = []
        self._sync: dict[str, ItemSyncState] = {}
        self._remote = ""
        self.combo.currentIndexChanged.connect(self._index_changed)
        self.new_button.clicked.connect(self.new_version_requested)
        self.publish_button.clicked.connect(self.publish_requested)
        self._refresh_buttons()

    def set_sets(self, sets: list[AnnotationSet], current_id: str | None) -> None:
        self._sets = list(sets)
        blocked = self.combo.blockSignals(True)
        self.combo.clear()
        for annotation_set in self._sets:
            self.combo.addItem(set_label(annotation_set), annotation_set.id)
        index = next((i for i, s in enumerate(self._sets) if s.id == current_id), -1)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(blocked)
        self.setEnabled(True)
        self._show_sync()
        self._refresh_buttons()

    def update_set(self, annotation_set: AnnotationSet) -> None:
        for index, existing in enumerate(self._sets):
            if existing.id == annotation_set.id:
                self._sets[index] = annotation_set
                self.combo.setItemText(index, set_label(annotation_set))
        self._refresh_buttons()

    def set_sync_states(self, states: dict[str, ItemSyncState], remote: str) -> None:
        """Sync state per set id: a dot on each version and a line in its tooltip."""
        self._sync = dict(states)
        self._remote = remote
        self._show_sync()

    def sync_state(self, set_id: str) -> ItemSyncState | None:
        return self._sync.get(set_id)

    def _show_sync(self) -> None:
        for index, annotation_set in enumerate(self._sets):
            state = self._sync.get(annotation_set.id)
            self.combo.setItemIcon(index, sync_icon(state.status) if state else QIcon())
            self.combo.setItemData(index, sync_status_line(state, self._remote) or None,
                                   Qt.ItemDataRole.ToolTipRole)
        self._show_current_sync()

    def _show_current_sync(self) -> None:
        current = self.current()
        line = sync_status_line(self._sync.get(current.id), self._remote) if current else ""
        self.combo.setToolTip(f"{COMBO_TIP}\n\n{line}" if line else COMBO_TIP)

    def current(self) -> AnnotationSet | None:
        index = self.combo.currentIndex()
        return self._sets[index] if 0 <= index < len(self._sets) else None

    def sets(self) -> list[AnnotationSet]:
        return list(self._sets)

    def _index_changed(self, index: int) -> None:
        self._refresh_buttons()
        self._show_current_sync()
        if 0 <= index < len(self._sets):
            self.set_chosen.emit(self._sets[index])

    def _refresh_buttons(self) -> None:
        current = self.current()
        self.publish_button.setEnabled(current is not None and not current.is_published)
        self.new_button.setEnabled(self.combo.count() > 0 or self.isEnabled())
