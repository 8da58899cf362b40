"""The left panel: datasets with their statistics and sync state, and the current
dataset's audio files (duration, annotations in the current set, sync state) with a filter
box."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPointF, QRect, QSize, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.entities import AudioFile, Dataset
from app.ui.models.audio_list_model import AUDIO_ROLE, COUNT, DURATION, FILE, SORT_ROLE, AudioListModel
from app.ui.models.dataset_list_model import DATASET_ROLE, STATS_ROLE, SYNC_ROLE, DatasetListModel
from app.ui.sync_indicators import paint_sync_dot


class DatasetDelegate(QStyledItemDelegate):
    """Name in bold (with the sync-state dot at its right), statistics below in a quieter
    color."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        height = option.fontMetrics.height()
        return QSize(option.rect.width(), int(height * 2 + 14))

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        self.initStyleOption(option, index)
        style = option.widget.style() if option.widget else None
        text = option.text
        option.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        main = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        quiet = palette.color(QPalette.ColorRole.HighlightedText if selected
                              else QPalette.ColorRole.PlaceholderText)
        rect = option.rect.adjusted(8, 5, -8, -5)
        line = option.fontMetrics.height()
        sync = index.data(SYNC_ROLE)
        dot = max(8, line * 9 // 16)
        name_width = rect.width() - (dot + 8 if sync is not None else 0)
        if sync is not None:
            paint_sync_dot(painter, QPointF(rect.right() - dot / 2, rect.top() + line / 2),
                           sync.status, dot)
        painter.save()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(main)
        painter.drawText(QRect(rect.left(), rect.top(), name_width, line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, name_width))
        painter.setFont(option.font)
        painter.setPen(quiet)
        painter.drawText(QRect(rect.left(), rect.top() + line + 2, rect.width(), line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         index.data(STATS_ROLE) or "")
        painter.restore()


class _SortProxy(QSortFilterProxyModel):
    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        return left.data(SORT_ROLE) < right.data(SORT_ROLE)


def _tool_button(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


class DatasetBrowser(QWidget):
    dataset_chosen = Signal(object)       # Dataset
    audio_chosen = Signal(object)         # AudioFile
    new_dataset_requested = Signal()
    edit_dataset_requested = Signal()
    delete_dataset_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datasetBrowser")
        self.datasets_model = DatasetListModel(self)
        self.audio_model = AudioListModel(self)
        self.audio_proxy = _SortProxy(self)
        self.audio_proxy.setSourceModel(self.audio_model)
        self.audio_proxy.setFilterKeyColumn(FILE)
        self.audio_proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        header = QHBoxLayout()
        title = QLabel("Datasets")
        title.setObjectName("panelTitle")
        header.addWidget(title)
        header.addStretch(1)
        self.new_button = _tool_button("+", "New dataset…")
        self.edit_button = _tool_button("Edit", "Edit the dataset and its artifact types…")
        self.delete_button = _tool_button("Delete", "Delete the dataset…")
        for button in (self.new_button, self.edit_button, self.delete_button):
            header.addWidget(button)
        self.new_button.clicked.connect(self.new_dataset_requested)
        self.edit_button.clicked.connect(self.edit_dataset_requested)
        self.delete_button.clicked.connect(self.delete_dataset_requested)

        self.dataset_view = QListView()
        self.dataset_view.setObjectName("datasetList")
        self.dataset_view.setModel(self.datasets_model)
        self.dataset_view.setItemDelegate(DatasetDelegate(self.dataset_view))
        self.dataset_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.dataset_view.setUniformItemSizes(True)
        self.dataset_view.selectionModel().currentChanged.connect(self._dataset_current_changed)

        files_header = QHBoxLayout()
        files_title = QLabel("Audio files")
        files_title.setObjectName("panelTitle")
        files_header.addWidget(files_title)
        files_header.addStretch(1)
        self.import_button = _tool_button("Import…", "Import audio files or a folder (Ctrl+I)")
        self.import_button.clicked.connect(self.import_requested)
        files_header.addWidget(self.import_button)

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("audioFilter")
        self.filter_edit.setPlaceholderText("Filter files by name")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.audio_proxy.setFilterFixedString)

        self.audio_view = QTableView()
        self.audio_view.setObjectName("audioList")
        self.audio_view.setModel(self.audio_proxy)
        self.audio_view.setSortingEnabled(True)
        self.audio_view.sortByColumn(FILE, Qt.SortOrder.AscendingOrder)
        self.audio_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.audio_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.audio_view.verticalHeader().hide()
        self.audio_view.verticalHeader().setDefaultSectionSize(24)
        self.audio_view.setShowGrid(False)
        self.audio_view.setAlternatingRowColors(True)
        self.audio_view.setWordWrap(False)
        self.audio_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        head = self.audio_view.horizontalHeader()
        head.setSectionResizeMode(FILE, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(DURATION, QHeaderView.ResizeMode.ResizeToContents)
        head.setSectionResizeMode(COUNT, QHeaderView.ResizeMode.ResizeToContents)
        head.setHighlightSections(False)
        self.audio_view.selectionModel().currentRowChanged.connect(self._audio_current_changed)
        self.empty_label = QLabel("No audio yet. Import files with Ctrl+I or drop them here.")
        self.empty_label.setObjectName("emptyHint")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(header)
        top_layout.addWidget(self.dataset_view)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addLayout(files_header)
        bottom_layout.addWidget(self.filter_edit)
        bottom_layout.addWidget(self.audio_view, 1)
        bottom_layout.addWidget(self.empty_label)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self._update_buttons()

    # -- content ----------------------------------------------------------------------------

    def set_datasets(self, datasets: list[Dataset]) -> None:
        self.datasets_model.set_datasets(datasets)
        self._update_buttons()

    def set_files(self, files: list[AudioFile], counts: dict[str, int]) -> None:
        self.audio_model.set_files(files, counts)
        self.empty_label.setVisible(not files)
        self.audio_view.setVisible(bool(files))

    def add_files(self, files: list[AudioFile]) -> None:
        self.audio_model.add_files(files)
        self.empty_label.setVisible(self.audio_model.rowCount() == 0)
        self.audio_view.setVisible(self.audio_model.rowCount() > 0)

    def set_counts(self, counts: dict[str, int]) -> None:
        self.audio_model.set_counts(counts)

    def select_dataset(self, dataset_id: str | None) -> None:
        row = self.datasets_model.row_of(dataset_id) if dataset_id else -1
        blocked = self.dataset_view.selectionModel().blockSignals(True)
        if row >= 0:
            self.dataset_view.setCurrentIndex(self.datasets_model.index(row))
        else:
            self.dataset_view.clearSelection()
        self.dataset_view.selectionModel().blockSignals(blocked)
        self._update_buttons()

    def select_audio(self, audio_id: str | None) -> None:
        row = self.audio_model.row_of(audio_id) if audio_id else -1
        selection = self.audio_view.selectionModel()
        blocked = selection.blockSignals(True)
        if row >= 0:
            index = self.audio_proxy.mapFromSource(self.audio_model.index(row, FILE))
            if index.isValid():
                self.audio_view.setCurrentIndex(index)
                self.audio_view.scrollTo(index)
        else:
            self.audio_view.clearSelection()
        selection.blockSignals(blocked)

    def visible_files(self) -> list[AudioFile]:
        """Files in the order shown (sorted and filtered), for next/previous file."""
        return [self.audio_proxy.index(row, FILE).data(AUDIO_ROLE)
                for row in range(self.audio_proxy.rowCount())]

    # -- internals --------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        has = self.dataset_view.currentIndex().isValid()
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)
        self.import_button.setEnabled(has)

    def _dataset_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_buttons()
        if current.isValid():
            self.dataset_chosen.emit(current.data(DATASET_ROLE))

    def _audio_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.audio_chosen.emit(current.data(AUDIO_ROLE))
