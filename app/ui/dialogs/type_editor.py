"""The artifact-type editor of the dataset dialog.

An ordered table of the dataset's types (type N is bound to number key N, so the order is
part of the data) above a form for the selected type. Problems are shown next to the field
they concern and marked in the table; nothing is written until the dialog saves. Types that
annotations use keep their name and cannot be removed (the service would refuse anyway);
the editor says so with the counts per set version instead of letting the user find out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QColorDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.datasets import TypeEdit
from app.core.entities import ArtifactType
from app.core.errors import ValidationError
from app.core.rules import (
    TYPE_NAME_MAX,
    clean_color,
    normalized_type_name,
    type_name_warning,
)
from app.ui.dialogs.inline_message import ERROR, NOTE, WARNING, InlineMessage

NUMBER_KEYS = 9
# Distinct, colour-blind-friendlier defaults (Tableau 10) for types added in the editor.
PALETTE = ("#E15759", "#4E79A7", "#59A14F", "#F28E2B", "#B07AA1",
           "#76B7B2", "#EDC948", "#FF9DA7", "#9C755F", "#BAB0AC")
_BARE_HEX = re.compile(r"^[0-9A-Fa-f]{6}$")


def usage_counts(usage: dict[int, int]) -> str:
    """``{1: 5, 2: 7}`` -> ``12 annotations (v1: 5, v2: 7)``."""
    total = sum(usage.values())
    per_set = ", ".join(f"v{version}: {count}" for version, count in sorted(usage.items()))
    return f"{total} annotation{'' if total == 1 else 's'} ({per_set})"


def parse_color(text: str) -> str:
    """The hex entry's text as ``#RRGGBB``; the leading '#' may be left out."""
    value = text.strip()
    if not value:
        raise ValidationError("Enter a color as #RRGGBB, for example #FF4444.", field="color")
    if _BARE_HEX.match(value):
        value = "#" + value
    return clean_color(value)


@dataclass
class TypeEntry:
    """One row of the editor. ``original_name`` is None for a type added here; ``usage``
    (set version -> annotations) belongs to the stored type the row started from."""

    name: str
    description: str = ""
    color: str = PALETTE[0]
    original_name: str | None = None
    usage: dict[int, int] = field(default_factory=dict)
    color_chosen: bool = False      # set by the user, not assigned from the palette

    @property
    def used(self) -> bool:
        return self.original_name is not None and bool(self.usage)

    @property
    def name_locked(self) -> bool:
        """Used types keep their name; the name field is read-only for them."""
        return self.used and self.name.strip() == self.original_name

    def usage_text(self) -> str:
        return f"'{self.original_name}' is used by {usage_counts(self.usage)}"


@dataclass(frozen=True)
class EntryCheck:
    name_error: str | None = None
    color_error: str | None = None
    warning: str | None = None
    fix: str | None = None          # the name the one-click button applies

    @property
    def ok(self) -> bool:
        return self.name_error is None and self.color_error is None


def check_entries(entries: Sequence[TypeEntry]) -> list[EntryCheck]:
    """Validate every row; duplicates are reported on the later rows."""
    first_row: dict[str, int] = {}
    checks = []
    for row, entry in enumerate(entries):
        name = entry.name.strip()
        name_error = warning = fix = color_error = None
        if not name:
            name_error = f"Enter a name (1-{TYPE_NAME_MAX} characters)."
        elif len(name) > TYPE_NAME_MAX:
            name_error = (f"The name is {len(name)} characters long; "
                          f"the limit is {TYPE_NAME_MAX}.")
        elif name in first_row:
            name_error = (f"Type {first_row[name] + 1} is already named '{name}'; "
                          f"names must be unique within the dataset.")
        elif entry.used and name != entry.original_name:
            name_error = (f"{entry.usage_text()}, so it cannot be renamed "
                          f"(that would silently change those labels).")
            fix = entry.original_name
        elif not entry.used:
            warning = type_name_warning(name)
            suggestion = normalized_type_name(name)
            if warning and suggestion and suggestion != name:
                fix = suggestion
        if name:
            first_row.setdefault(name, row)
        try:
            parse_color(entry.color)
        except ValidationError as error:
            color_error = str(error)
        checks.append(EntryCheck(name_error, color_error, warning, fix))
    return checks


def swatch_icon(color: str, size: int = 14, valid: bool = True) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 110))
    if valid:
        painter.setBrush(QColor(color))
    else:  # a hatched box says "no valid color" without inventing one
        painter.setBrush(QColor("#FFFFFF"))
    painter.drawRoundedRect(0.5, 0.5, size - 1, size - 1, 3, 3)
    if not valid:
        painter.setPen(QColor("#B3261E"))
        painter.drawLine(3, size - 3, size - 3, 3)
    painter.end()
    return QIcon(pixmap)


class TypeListModel(QAbstractTableModel):
    """The ordered rows of the editor, displayed read-only (edits go through the form)."""

    KEY, NAME, COLOR, DESCRIPTION, USAGE = range(5)
    HEADERS = ("Key", "Name", "Color", "Description", "Annotations")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[TypeEntry] = []
        self.checks: list[EntryCheck] = []

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.HEADERS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == self.KEY:
                return "Types 1-9 are bound to the number keys 1-9 while labeling."
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        entry, check, column = self.entries[index.row()], self.checks[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.KEY:
                return str(index.row() + 1) if index.row() < NUMBER_KEYS else ""
            if column == self.NAME:
                return entry.name.strip() or "(no name)"
            if column == self.COLOR:
                return entry.color.strip().upper()
            if column == self.DESCRIPTION:
                return " ".join(entry.description.split())
            if column == self.USAGE:
                return str(sum(entry.usage.values()))
        if role == Qt.ItemDataRole.DecorationRole:
            if column == self.COLOR:
                return swatch_icon(entry.color.strip(), valid=check.color_error is None)
            if column == self.NAME and not check.ok:
                return _standard_icon(QStyle.StandardPixmap.SP_MessageBoxCritical)
            if column == self.NAME and check.warning:
                return _standard_icon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        if role == Qt.ItemDataRole.ForegroundRole and not check.ok:
            if (column == self.NAME and check.name_error) or (
                    column == self.COLOR and check.color_error):
                return QColor("#B3261E")
        if role == Qt.ItemDataRole.ToolTipRole:
            tips = [t for t in (check.name_error, check.color_error, check.warning) if t]
            if entry.used:
                tips.append(entry.usage_text() + ".")
            return "\n".join(tips) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.KEY, self.USAGE):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    # -- changes --------------------------------------------------------------------------

    def revalidate(self) -> None:
        self.checks = check_entries(self.entries)
        if self.entries:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.entries) - 1, len(self.HEADERS) - 1))

    def reset(self, entries: list[TypeEntry]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.checks = check_entries(entries)
        self.endResetModel()

    def insert(self, row: int, entry: TypeEntry) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.entries.insert(row, entry)
        self.checks = check_entries(self.entries)
        self.endInsertRows()
        self.revalidate()

    def remove(self, row: int) -> TypeEntry:
        self.beginRemoveRows(QModelIndex(), row, row)
        entry = self.entries.pop(row)
        self.checks = check_entries(self.entries)
        self.endRemoveRows()
        self.revalidate()  # keys and duplicate messages of the rows below change
        return entry

    def move(self, row: int, delta: int) -> int:
        target = row + delta
        if not 0 <= target < len(self.entries) or delta == 0:
            return row
        # Qt's destination index is "insert before", hence the +1 when moving down.
        self.beginMoveRows(QModelIndex(), row, row, QModelIndex(),
                           target + 1 if delta > 0 else target)
        self.entries.insert(target, self.entries.pop(row))
        self.checks = check_entries(self.entries)
        self.endMoveRows()
        self.revalidate()
        return target


def _standard_icon(pixmap: QStyle.StandardPixmap) -> QIcon:
    return QApplication.style().standardIcon(pixmap)


class ArtifactTypeEditor(QWidget):
    """Table of types with Add / Remove / Move up / Move down, and the selected type's form."""

    changed = Signal()   # any edit; validity may have changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TypeListModel(self)
        self._removed: list[tuple[int, TypeEntry]] = []   # stored types removed here
        self._loading = False

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(TypeListModel.KEY, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(TypeListModel.NAME, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TypeListModel.COLOR, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(TypeListModel.DESCRIPTION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(TypeListModel.USAGE, QHeaderView.ResizeMode.Fixed)
        char = self.fontMetrics().horizontalAdvance("M")
        self.table.setColumnWidth(TypeListModel.KEY, char * 3)
        self.table.setColumnWidth(TypeListModel.NAME, char * 12)
        self.table.setColumnWidth(TypeListModel.COLOR,
                                  self.fontMetrics().horizontalAdvance("#DDDDDD") + 44)
        self.table.setColumnWidth(TypeListModel.USAGE, char * 8)
        self.table.setMinimumHeight(self.table.verticalHeader().defaultSectionSize() * 6)
        self.table.doubleClicked.connect(self._focus_name)

        self.add_button = QPushButton("&Add type", self)
        self.add_button.setToolTip("Add a type at the end of the list (Ins)")
        self.remove_button = QPushButton("&Remove", self)
        self.up_button = QPushButton("Move &up", self)
        self.up_button.setToolTip("Move the selected type up; its number key changes (Alt+Up)")
        self.down_button = QPushButton("Move do&wn", self)
        self.down_button.setToolTip("Move the selected type down; its number key changes "
                                    "(Alt+Down)")
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_type)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        # Del / Ins act on the table only (in a text field they edit text); moving works
        # from anywhere in the editor.
        for keys, owner, slot in ((QKeySequence.StandardKey.Delete, self.table,
                                   self._remove_from_table),
                                  (QKeySequence("Ins"), self.table, self.add_type),
                                  (QKeySequence("Alt+Up"), self, lambda: self.move_selected(-1)),
                                  (QKeySequence("Alt+Down"), self, lambda: self.move_selected(1))):
            shortcut = QShortcut(QKeySequence(keys), owner)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        # -- the selected type's form --
        self.name_edit = QLineEdit(self)
        self.name_edit.setMaxLength(TYPE_NAME_MAX + 50)   # room to see the "too long" error
        self.name_edit.setPlaceholderText("lowercase_with_underscores, e.g. long_pause")
        self.name_message = InlineMessage(self)
        self.name_message.action_clicked.connect(self._apply_fix)
        self.color_button = QToolButton(self)
        self.color_button.setToolTip("Choose a color")
        self.color_button.setIconSize(self.color_button.iconSize().expandedTo(
            self.fontMetrics().boundingRect("MM").size()))
        self.color_button.clicked.connect(self._pick_color)
        self.color_edit = QLineEdit(self)
        self.color_edit.setPlaceholderText("#RRGGBB")
        self.color_edit.setMaxLength(16)
        self.color_edit.setFixedWidth(char * 7)
        self.color_message = InlineMessage(self)
        self.description_edit = QLineEdit(self)
        self.description_edit.setPlaceholderText("What counts as this artifact (optional)")
        self.usage_message = InlineMessage(self)
        self.empty_hint = QLabel("No types yet. Add the artifacts this dataset labels, "
                                 "for example glitch, long_pause, hallucination.", self)
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: #4A5563;")

        color_row = QHBoxLayout()
        color_row.setSpacing(6)
        color_row.addWidget(self.color_button)
        color_row.addWidget(self.color_edit)
        color_row.addWidget(self.color_message, 1)

        self.form_title = QLabel(self)
        title_font = self.form_title.font()
        title_font.setBold(True)
        self.form_title.setFont(title_font)
        color_label = QLabel("&Color:", self)
        color_label.setBuddy(self.color_edit)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.addRow("&Type name:", _stacked(self.name_edit, self.name_message))
        self.form.addRow(color_label, color_row)
        self.form.addRow("D&escription:", self.description_edit)
        self.form.addRow("", self.usage_message)

        self.name_edit.textEdited.connect(self._name_edited)
        self.color_edit.textEdited.connect(self._color_edited)
        self.description_edit.textEdited.connect(self._description_edited)

        buttons = QVBoxLayout()
        buttons.setSpacing(6)
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        top = QGridLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.table, 0, 0)
        top.addLayout(buttons, 0, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(top, 1)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.form_title)
        layout.addLayout(self.form)

        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.rowsInserted.connect(self._update_state)
        self.model.rowsRemoved.connect(self._update_state)
        self.model.modelReset.connect(self._update_state)
        for first, second in ((self.table, self.add_button),
                              (self.add_button, self.remove_button),
                              (self.remove_button, self.up_button),
                              (self.up_button, self.down_button),
                              (self.down_button, self.name_edit),
                              (self.name_edit, self.name_message.button),
                              (self.name_message.button, self.color_button),
                              (self.color_button, self.color_edit),
                              (self.color_edit, self.description_edit)):
            QWidget.setTabOrder(first, second)
        self._update_state()

    # -- contents -------------------------------------------------------------------------

    def set_types(self, types: Sequence[ArtifactType],
                  usage: dict[str, dict[int, int]] | None = None) -> None:
        """Load stored types (their names become ``original_name``) with their usage."""
        usage = usage or {}
        self._removed.clear()
        self.model.reset([TypeEntry(t.name, t.description or "", t.color, original_name=t.name,
                                    usage=dict(usage.get(t.name, {}))) for t in types])
        if types:
            self.select(0)

    def entries(self) -> list[TypeEntry]:
        return list(self.model.entries)

    def checks(self) -> list[EntryCheck]:
        return list(self.model.checks)

    def is_valid(self) -> bool:
        return all(check.ok for check in self.model.checks)

    def problems(self) -> list[str]:
        """One line per invalid row, for the dialog's summary next to its buttons."""
        lines = []
        for row, (entry, check) in enumerate(zip(self.model.entries, self.model.checks)):
            for message in (check.name_error, check.color_error):
                if message:
                    lines.append(f"Type {row + 1} ({entry.name.strip() or 'no name'}): {message}")
        return lines

    def artifact_types(self) -> list[ArtifactType]:
        """The rows as new types (creating a dataset)."""
        return [ArtifactType(e.name.strip(), e.description.strip() or None, parse_color(e.color))
                for e in self.model.entries]

    def type_edits(self) -> list[TypeEdit]:
        """The rows as the service's ordered edit list (editing a dataset)."""
        return [TypeEdit(e.name.strip(), e.description.strip() or None, parse_color(e.color),
                         original_name=e.original_name) for e in self.model.entries]

    def apply_usage(self, usage: dict[str, dict[int, int]]) -> list[str]:
        """Take fresh usage counts (after the service refused a save). Stored types removed
        here that annotations now use are put back where they were; returns their names."""
        for entry in self.model.entries:
            if entry.original_name is not None:
                entry.usage = dict(usage.get(entry.original_name, {}))
        restored = []
        for row, entry in sorted(self._removed, key=lambda item: item[0]):
            if not usage.get(entry.original_name or ""):
                continue
            entry.usage = dict(usage[entry.original_name])
            # Removed and added again under the same name: keep the stored type in the new
            # row's place with what the user typed there, instead of a duplicate.
            twin = next((r for r, e in enumerate(self.model.entries)
                         if e.original_name is None and e.name.strip() == entry.original_name),
                        None)
            if twin is not None:
                added = self.model.remove(twin)
                if added.description.strip():
                    entry.description = added.description
                if added.color_chosen:
                    entry.color = added.color
                row = twin
            self.model.insert(min(row, len(self.model.entries)), entry)
            restored.append(entry.original_name)
        self._removed = [(r, e) for r, e in self._removed if e.original_name not in restored]
        self.model.revalidate()
        self._load_current()
        self._update_state()
        self.changed.emit()
        return restored

    # -- actions ------------------------------------------------------------------------

    def current_row(self) -> int:
        index = self.table.selectionModel().currentIndex()
        return index.row() if index.isValid() else -1

    def current_entry(self) -> TypeEntry | None:
        row = self.current_row()
        return self.model.entries[row] if row >= 0 else None

    def select(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, TypeListModel.NAME),
                self.table.selectionModel().SelectionFlag.ClearAndSelect
                | self.table.selectionModel().SelectionFlag.Rows)
            self.table.scrollTo(self.model.index(row, 0))

    def add_type(self) -> None:
        taken = {e.name.strip() for e in self.model.entries}
        name = next(candidate for candidate in
                    ("new_type", *(f"new_type_{n}" for n in range(2, 1000)))
                    if candidate not in taken)
        used_colors = {e.color.strip().upper() for e in self.model.entries}
        color = next((c for c in PALETTE if c not in used_colors),
                     PALETTE[len(self.model.entries) % len(PALETTE)])
        row = len(self.model.entries)
        self.model.insert(row, TypeEntry(name, "", color))
        self.select(row)
        self._focus_name()
        self.changed.emit()

    def remove_selected(self) -> None:
        row = self.current_row()
        if row < 0 or self.model.entries[row].used:
            return
        entry = self.model.remove(row)
        if entry.original_name is not None:
            self._removed.append((row, entry))
        if self.model.entries:
            self.select(min(row, len(self.model.entries) - 1))
        self._load_current()
        self._update_state()
        self.changed.emit()

    def move_selected(self, delta: int) -> None:
        row = self.current_row()
        if row < 0:
            return
        target = self.model.move(row, delta)
        if target != row:
            self.select(target)
            self._update_state()
            self.changed.emit()

    # -- internals ------------------------------------------------------------------------

    def _remove_from_table(self) -> None:
        if self.remove_button.isEnabled():
            self.remove_selected()

    def _focus_name(self, *_args) -> None:
        if self.name_edit.isReadOnly():
            self.description_edit.setFocus()
            return
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.name_edit.selectAll()

    def _current_changed(self, *_args) -> None:
        self._load_current()
        self._update_state()

    def _edited(self) -> None:
        self.model.revalidate()
        self._show_messages()
        self._update_state()
        self.changed.emit()

    def _name_edited(self, text: str) -> None:
        entry = self.current_entry()
        if entry is not None and not self._loading:
            entry.name = text
            self._edited()

    def _color_edited(self, text: str) -> None:
        entry = self.current_entry()
        if entry is not None and not self._loading:
            entry.color = text
            entry.color_chosen = True
            self._edited()

    def _description_edited(self, text: str) -> None:
        entry = self.current_entry()
        if entry is not None and not self._loading:
            entry.description = text
            self._edited()

    def _apply_fix(self) -> None:
        row = self.current_row()
        if row < 0 or self.model.checks[row].fix is None:
            return
        self.model.entries[row].name = self.model.checks[row].fix
        self._load_current()
        self._edited()
        self._focus_name()

    def _pick_color(self) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        try:
            initial = QColor(parse_color(entry.color))
        except ValidationError:
            initial = QColor(PALETTE[0])
        chosen = QColorDialog.getColor(initial, self, f"Color of '{entry.name.strip()}'")
        if chosen.isValid():
            entry.color = chosen.name().upper()
            entry.color_chosen = True
            self._load_current()
            self._edited()

    def _load_current(self) -> None:
        """Copy the selected row into the form (without echoing the edits back)."""
        entry = self.current_entry()
        self._loading = True
        try:
            self.name_edit.setText(entry.name if entry else "")
            self.color_edit.setText(entry.color if entry else "")
            self.description_edit.setText(entry.description if entry else "")
            for edit in (self.name_edit, self.color_edit, self.description_edit):
                edit.setCursorPosition(len(edit.text()))
        finally:
            self._loading = False
        self._show_messages()

    def _show_messages(self) -> None:
        row = self.current_row()
        if row < 0:
            for message in (self.name_message, self.color_message, self.usage_message):
                message.clear()
            self.color_button.setIcon(QIcon())
            return
        entry, check = self.model.entries[row], self.model.checks[row]
        if check.name_error:
            action = f"Restore '{check.fix}'" if check.fix else None
            self.name_message.show_message(ERROR, check.name_error, action)
        elif check.warning:
            self.name_message.show_message(
                WARNING, check.warning, f"Use '{check.fix}'" if check.fix else None)
        else:
            self.name_message.clear()
        if check.color_error:
            self.color_message.show_message(ERROR, check.color_error)
        else:
            self.color_message.clear()
        self.color_button.setIcon(swatch_icon(entry.color.strip(), self.color_button.iconSize()
                                              .height(), valid=check.color_error is None))
        if entry.used:
            self.usage_message.show_message(
                NOTE, f"{entry.usage_text()}, so its name is fixed and it cannot be removed. "
                      f"Description and color can still change.")
        else:
            self.usage_message.clear()

    def _update_state(self, *_args) -> None:
        row = self.current_row()
        entry = self.current_entry()
        has_entry = entry is not None
        count = len(self.model.entries)
        for widget in (self.name_edit, self.color_button, self.color_edit,
                       self.description_edit):
            widget.setEnabled(has_entry)
        locked = bool(entry and entry.name_locked)
        self.name_edit.setReadOnly(locked)
        # Read-only must look read-only, or users type into it and wonder.
        self.name_edit.setStyleSheet("QLineEdit { background: palette(window); color: #4A5563; }"
                                     if locked else "")
        if has_entry:
            key = f"number key {row + 1}" if row < NUMBER_KEYS else "no number key"
            self.form_title.setText(f"Type {row + 1} ({key})")
        self.form_title.setVisible(has_entry)
        lock_tip = f"{entry.usage_text()}; it cannot be renamed." if locked else ""
        self.name_edit.setToolTip(lock_tip)
        self.remove_button.setEnabled(has_entry and not entry.used)
        self.remove_button.setToolTip(
            f"{entry.usage_text()}; it cannot be removed." if has_entry and entry.used
            else "Remove the selected type (Del)")
        self.up_button.setEnabled(has_entry and row > 0)
        self.down_button.setEnabled(has_entry and row < count - 1)
        self.empty_hint.setVisible(count == 0)
        if not has_entry:
            self._show_messages()


def _stacked(field_widget: QWidget, message: InlineMessage) -> QWidget:
    """A field with its message right underneath, as one form row."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    layout.addWidget(field_widget)
    layout.addWidget(message)
    return box
