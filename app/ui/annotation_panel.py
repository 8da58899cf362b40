"""The annotation table for the current file and set: sortable, editable in place, with
its selection kept in sync with the waveform both ways."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHeaderView,
    QLabel,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.entities import Annotation
from app.ui.models.annotation_table_model import (
    ANNOTATION_ROLE,
    CONFIDENCE,
    NOTE,
    SORT_ROLE,
    START,
    TYPE,
    AnnotationTableModel,
)
from app.ui.type_palette import swatch_icon


class _SortProxy(QSortFilterProxyModel):
    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        return left.data(SORT_ROLE) < right.data(SORT_ROLE)


class _Delegate(QStyledItemDelegate):
    """Type as a combo of the dataset's types, confidence as a spin box, the rest as text."""

    def __init__(self, model: AnnotationTableModel, parent=None) -> None:
        super().__init__(parent)
        self.model = model

    def createEditor(self, parent, option, index):
        if index.column() == TYPE:
            combo = QComboBox(parent)
            for name in self.model.type_names():
                color = self.model._colors.get(name)
                combo.addItem(swatch_icon(color.name()) if color else swatch_icon("#FF0000"), name)
            return combo
        if index.column() == CONFIDENCE:
            spin = QDoubleSpinBox(parent)
            spin.setRange(0.0, 1.0)
            spin.setSingleStep(0.05)
            spin.setDecimals(2)
            return spin
        return super().createEditor(parent, option, index)

    def setEditorData(self, editor, index) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole))
            return
        if isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(index.data(Qt.ItemDataRole.EditRole)))
            return
        super().setEditorData(editor, index)

    def setModelData(self, editor, model, index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText())
            return
        if isinstance(editor, QDoubleSpinBox):
            model.setData(index, f"{editor.value():.2f}")
            return
        super().setModelData(editor, model, index)


class AnnotationPanel(QWidget):
    selection_changed = Signal(list)       # ids selected by the user in the table
    activated = Signal(object)             # Annotation double-clicked (move the view there)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AnnotationTableModel(self)
        self.proxy = _SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setObjectName("annotationTable")
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(_Delegate(self.model, self.view))
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(START, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Double-click moves the view to the annotation; F2 or a click on a selected
        # cell edits it in place.
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.SelectedClicked)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(NOTE, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(TYPE, 150)
        for column in (1, 2, 3):
            header.resizeSection(column, 110)
        header.resizeSection(CONFIDENCE, 90)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.doubleClicked.connect(self._double_clicked)
        self.hint = QLabel()
        self.hint.setObjectName("emptyHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addWidget(self.hint)
        self._echo = False
        self.set_hint("")

    def set_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def select_ids(self, ids: list[str]) -> None:
        """Select rows without echoing ``selection_changed``."""
        selection = self.view.selectionModel()
        self._echo = True
        try:
            selection.clearSelection()
            last = None
            for annotation_id in ids:
                row = self.model.row_of(annotation_id)
                if row < 0:
                    continue
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                selection.select(index, selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
                last = index
            if last is not None:
                selection.setCurrentIndex(last, selection.SelectionFlag.NoUpdate)
                self.view.scrollTo(last)
        finally:
            self._echo = False

    def selected_ids(self) -> list[str]:
        rows = self.view.selectionModel().selectedRows()
        return [index.data(ANNOTATION_ROLE).id for index in rows]

    def _selection_changed(self, *_args) -> None:
        if not self._echo:
            self.selection_changed.emit(self.selected_ids())

    def _double_clicked(self, index: QModelIndex) -> None:
        annotation: Annotation | None = index.data(ANNOTATION_ROLE)
        if annotation is not None:
            self.activated.emit(annotation)
