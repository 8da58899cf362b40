"""The shortcut sheet (? / F1): every action with the keys in force, grouped by menu."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.keymap import Keymap


class ShortcutSheet(QDialog):
    def __init__(self, keymap: Keymap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutSheet")
        self.setWindowTitle("Keyboard shortcuts")
        tree = QTreeWidget()
        tree.setObjectName("shortcutTree")
        tree.setHeaderLabels(["Action", "Keys", "Action id (keymap.json)"])
        tree.setRootIsDecorated(False)
        tree.setAlternatingRowColors(True)
        groups: dict[str, QTreeWidgetItem] = {}
        for action_id, spec in keymap.actions.items():
            group = groups.get(spec.menu)
            if group is None:
                group = QTreeWidgetItem(tree, [spec.menu])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
                groups[spec.menu] = group
            keys = ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                             for k in keymap.keys.get(action_id, ())) or "(none)"
            QTreeWidgetItem(group, [spec.label, keys, action_id])
        tree.expandAll()
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel(
            "Keys act on the waveform whenever the focus is not in a text field. Change them in "
            f"<code>{keymap.source or 'keymap.json in the config folder'}</code>, e.g. "
            "<code>{\"mark_in\": [\"Q\"]}</code>.")
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(tree)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.tree = tree
        self.resize(620, 680)
