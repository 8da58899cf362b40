"""Annotations of the current file and set as a table: type, start, end, duration,
confidence, note. Edits in place are validated and handed to a callback (which runs them
through an undo command); the model itself never writes to the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.core.annotations import AnnotationChange
from app.core.entities import Annotation
from app.core.errors import ValidationError
from app.core.rules import check_confidence
from app.core.timefmt import format_ms, parse_time

COLUMNS = ("Type", "Start", "End", "Duration", "Confidence", "Note")
TYPE, START, END, DURATION, CONFIDENCE, NOTE = range(len(COLUMNS))
ANNOTATION_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

EditHandler = Callable[[Annotation, AnnotationChange], bool]
ErrorHandler = Callable[[str], None]


class AnnotationTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Annotation] = []
        self._colors: dict[str, QColor] = {}
        self._types: list[str] = []
        self._locked = False
        self.edit_handler: EditHandler | None = None
        self.error_handler: ErrorHandler | None = None
        self.duration_ms: int = 0

    # -- content --------------------------------------------------------------------------

    def set_types(self, names: list[str], colors: dict[str, str]) -> None:
        self._types = list(names)
        self._colors = {name: QColor(color) for name, color in colors.items()}
        if self._rows:
            self.dataChanged.emit(self.index(0, TYPE), self.index(len(self._rows) - 1, TYPE))

    def type_names(self) -> list[str]:
        return list(self._types)

    def set_locked(self, locked: bool) -> None:
        self._locked = locked

    def set_annotations(self, annotations: list[Annotation]) -> None:
        self.beginResetModel()
        self._rows = sorted(annotations, key=lambda a: (a.start_ms, a.end_ms, a.id))
        self.endResetModel()

    def annotations(self) -> list[Annotation]:
        return list(self._rows)

    def row_of(self, annotation_id: str) -> int:
        for row, annotation in enumerate(self._rows):
            if annotation.id == annotation_id:
                return row
        return -1

    def annotation(self, row: int) -> Annotation:
        return self._rows[row]

    def add(self, annotations: list[Annotation]) -> None:
        for annotation in annotations:
            if self.row_of(annotation.id) >= 0:
                self.replace([annotation])
                continue
            row = len(self._rows)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.append(annotation)
            self.endInsertRows()

    def replace(self, annotations: list[Annotation]) -> None:
        for annotation in annotations:
            row = self.row_of(annotation.id)
            if row < 0:
                continue
            self._rows[row] = annotation
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def remove(self, ids: list[str]) -> None:
        for annotation_id in ids:
            row = self.row_of(annotation_id)
            if row < 0:
                continue
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()

    # -- Qt model ---------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            if section in (START, END, DURATION, CONFIDENCE):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        annotation = self._rows[index.row()]
        column = index.column()
        if role == ANNOTATION_ROLE:
            return annotation
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._display(annotation, column, edit=role == Qt.ItemDataRole.EditRole)
        if role == SORT_ROLE:
            return (annotation.artifact_type, annotation.start_ms, annotation.end_ms,
                    annotation.duration_ms, annotation.confidence,
                    (annotation.note or "").lower())[column]
        if role == Qt.ItemDataRole.DecorationRole and column == TYPE:
            return self._colors.get(annotation.artifact_type, QColor("#FF0000"))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (START, END, DURATION, CONFIDENCE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == NOTE and annotation.note:
                return annotation.note
            if self._locked:
                return "This set is published: its annotations cannot be changed."
        return None

    @staticmethod
    def _display(annotation: Annotation, column: int, edit: bool):
        if column == TYPE:
            return annotation.artifact_type
        if column == START:
            return format_ms(annotation.start_ms)
        if column == END:
            return format_ms(annotation.end_ms)
        if column == DURATION:
            return format_ms(annotation.duration_ms)
        if column == CONFIDENCE:
            return annotation.confidence if edit else f"{annotation.confidence:.2f}"
        return annotation.note or ""

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and not self._locked and index.column() != DURATION:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: QModelIndex | QPersistentModelIndex, value,
                role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._locked:
            return False
        annotation = self._rows[index.row()]
        try:
            change = self._change_for(annotation, index.column(), value)
        except ValidationError as error:
            if self.error_handler:
                self.error_handler(str(error))
            return False
        if change is None or self.edit_handler is None:
            return False
        return self.edit_handler(annotation, change)

    def _change_for(self, annotation: Annotation, column: int, value) -> AnnotationChange | None:
        text = "" if value is None else str(value)
        if column == TYPE:
            name = text.strip()
            if name not in self._types:
                raise ValidationError(f"Unknown artifact type '{name}'; choose one of: "
                                      f"{', '.join(self._types)}.")
            return None if name == annotation.artifact_type else AnnotationChange(artifact_type=name)
        if column in (START, END):
            ms = parse_time(text)
            start = ms if column == START else annotation.start_ms
            end = ms if column == END else annotation.end_ms
            if start >= end:
                raise ValidationError(f"Start {format_ms(start)} must be before end {format_ms(end)}.")
            if self.duration_ms and end > self.duration_ms:
                raise ValidationError(f"End {format_ms(end)} is beyond the end of the file "
                                      f"({format_ms(self.duration_ms)}).")
            if (start, end) == (annotation.start_ms, annotation.end_ms):
                return None
            return AnnotationChange(start_ms=start, end_ms=end)
        if column == CONFIDENCE:
            confidence = check_confidence(text.strip().replace(",", "."))
            return None if confidence == annotation.confidence else AnnotationChange(
                confidence=confidence)
        if column == NOTE:
            note = text
            return None if note == (annotation.note or "") else AnnotationChange(note=note)
        return None


def with_change(annotation: Annotation, change: AnnotationChange) -> Annotation:
    """The annotation as it will look after ``change`` (for labels of undo steps)."""
    return replace(annotation, **{k: v for k, v in change.__dict__.items() if v is not None})
