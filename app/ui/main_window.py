"""The main window: dataset browser (left), waveform editor (center), annotation table
(bottom), type palette and set selector (toolbar), status bar; menus carry every action
with its key (keyboard.md)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDockWidget,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolTip,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app import APP_NAME, __version__
from app.core.annotations import AnnotationChange
from app.core.entities import Annotation, AnnotationDraft, AnnotationSet, AudioFile, Dataset
from app.core.errors import DomainError
from app.core.timefmt import format_ms
from app.ui.annotation_panel import AnnotationPanel
from app.ui.commands import Editor
from app.ui.dataset_browser import DatasetBrowser
from app.ui.dialogs.set_dialogs import NewVersionDialog, confirm_publish
from app.ui.import_controller import ImportController, ImportProgress, ImportReportDialog
from app.ui.keymap import Keymap
from app.ui.playback_controller import PlaybackController
from app.ui.set_selector import SetSelector
from app.ui.store import Store
from app.ui.tasks import TaskRunner
from app.ui.type_palette import TypePalette
from app.ui.waveform import WaveformEditor

log = logging.getLogger(__name__)

NUDGE_SMALL_MS, NUDGE_BIG_MS = 10, 100
STEP_SMALL_MS, STEP_BIG_MS = 100, 1000


def short_sound_problem(reason: str) -> str:
    """The status-bar form of a playback problem: what is wrong and what to install, in a
    few words ("No sound: the PortAudio library is missing - install libportaudio2"); the
    whole message is the label's tooltip."""
    text = reason.removeprefix("Playback disabled: ").strip()
    first = text.split(". ")[0].rstrip(".")
    install = re.search(r"apt-get install ([\w.+-]+)", text)
    if install:
        first += f" - install {install.group(1)}"
    if len(first) > 90:
        first = first[:89].rstrip() + "…"
    return f"No sound: {first}"


class _TextFieldKeyGuard(QObject):
    """Keys typed into a text field go to the field, not to the window's single-key
    shortcuts (I, O, digits, Space, Return, Delete ...): "keys act on the waveform
    whenever focus is not in a text field". Shortcuts with Ctrl or Alt still work."""

    TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(watched, self.TEXT_INPUTS):
            modifiers = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                              | Qt.KeyboardModifier.KeypadModifier)
            if modifiers == Qt.KeyboardModifier.NoModifier:
                event.accept()
                return True     # the field gets the key press itself
        return False


class MainWindow(QMainWindow):
    current_audio_changed = Signal(object)     # AudioFile | None
    current_set_changed = Signal(object)       # AnnotationSet | None

    def __init__(self, store: Store, settings: QSettings, tasks: TaskRunner, keymap: Keymap,
                 playback: PlaybackController | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.store = store
        self.settings = settings
        self.tasks = tasks
        self.keymap = keymap
        self.dataset: Dataset | None = None
        self.annotation_set: AnnotationSet | None = None
        self.audio: AudioFile | None = None
        self.current_type: str | None = None
        self.active_edge = "start"
        self._marks: tuple[int | None, int | None] = (None, None)
        self._pointer_ms = -1
        self._type_key_step: tuple[str, int] | None = None
        self.undo_stack = QUndoStack(self)
        self.editor = Editor(store, self.undo_stack, self.show_error)
        self.actions_by_id: dict[str, QAction] = {}
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.playback = playback or PlaybackController(
            device=settings.value("playback/device") or None,
            volume=float(settings.value("playback/volume", 1.0)),
            preroll_ms=float(settings.value("playback/preroll_ms", 300)),
            postroll_ms=float(settings.value("playback/postroll_ms", 300)))
        self.playback.setParent(self)

        self._build_widgets()
        self._build_actions()
        self._build_menus()
        self._connect_store()
        self._show_sound_state()
        self._text_guard = _TextFieldKeyGuard(self)
        QApplication.instance().installEventFilter(self._text_guard)
        self.setWindowTitle(APP_NAME)
        self.resize(1400, 860)
        if keymap.problems:
            QTimer.singleShot(0, lambda: self.show_error(
                "Keymap problems (defaults used where needed): " + " ".join(keymap.problems)))
        self.install_annotation_io()
        self.install_platform()

    @property
    def current_type(self) -> str | None:
        """The type Enter and "create on drag" use (the last one chosen)."""
        return self._current_type

    @current_type.setter
    def current_type(self, name: str | None) -> None:
        self._current_type = name
        if hasattr(self, "waveform"):
            self.waveform.set_current_type(name)    # its drag preview shows this type

    # ==================================================================================
    # construction
    # ==================================================================================

    def _build_widgets(self) -> None:
        self.waveform = WaveformEditor()
        self.waveform.setObjectName("waveformEditor")
        self.lock_banner = QLabel()
        self.lock_banner.setObjectName("lockBanner")
        self.lock_banner.setVisible(False)
        self.lock_banner.setWordWrap(True)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.lock_banner)
        layout.addWidget(self.waveform, 1)
        self.setCentralWidget(central)
        # Graphics views accept drops by default and would swallow a file dropped on the
        # waveform; without that, Qt hands the drop on to the window, which imports it.
        from PySide6.QtWidgets import QGraphicsView

        for view in self.waveform.findChildren(QGraphicsView):
            view.setAcceptDrops(False)
            view.viewport().setAcceptDrops(False)

        self.browser = DatasetBrowser()
        self.browser_dock = QDockWidget("Library", self)
        self.browser_dock.setObjectName("datasetsDock")
        self.browser_dock.setWidget(self.browser)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.browser_dock)

        self.annotation_panel = AnnotationPanel()
        self.annotation_panel.model.edit_handler = self._table_edit
        self.annotation_panel.model.error_handler = self._table_input_refused
        self.table_dock = QDockWidget("Annotations", self)
        self.table_dock.setObjectName("annotationsDock")
        self.table_dock.setWidget(self.annotation_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.table_dock)
        self.resizeDocks([self.browser_dock], [320], Qt.Orientation.Horizontal)
        self.resizeDocks([self.table_dock], [260], Qt.Orientation.Vertical)

        self.toolbar = QToolBar("Artifact types and sets", self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.palette = TypePalette()
        self.set_selector = SetSelector()
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(self.palette)
        self.toolbar.addWidget(spacer)
        self.toolbar.addWidget(self.set_selector)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

        status = self.statusBar()
        self.file_label = QLabel("No file")
        self.file_label.setObjectName("statusFile")
        self.time_label = QLabel()
        self.time_label.setObjectName("statusTime")
        self.selection_label = QLabel()
        self.selection_label.setObjectName("statusSelection")
        self.set_label = QLabel()
        self.set_label.setObjectName("statusSet")
        self.import_progress = ImportProgress()
        status.addWidget(self.file_label, 1)
        status.addPermanentWidget(self.import_progress)
        for label in (self.time_label, self.selection_label, self.set_label):
            label.setMinimumWidth(120)
            status.addPermanentWidget(label)
        self.sound_label = QLabel()
        self.sound_label.setObjectName("statusSound")
        self.sound_label.setStyleSheet("color: #f3d58a;")
        status.addPermanentWidget(self.sound_label)
        self.importer = ImportController(self.store, self.tasks, self.import_progress, self)
        self.importer.finished.connect(self._import_finished)

        # widget signals
        self.browser.dataset_chosen.connect(lambda d: self.open_dataset(d.id))
        self.browser.audio_chosen.connect(lambda a: self.open_audio(a.id))
        self.browser.new_dataset_requested.connect(self.new_dataset)
        self.browser.edit_dataset_requested.connect(self.edit_dataset)
        self.browser.delete_dataset_requested.connect(self.delete_dataset)
        self.browser.import_requested.connect(self.import_audio_files)
        self.palette.type_chosen.connect(self._type_chosen)
        self.set_selector.set_chosen.connect(lambda s: self.open_set(s.id))
        self.set_selector.new_version_requested.connect(self.new_version)
        self.set_selector.publish_requested.connect(self.publish_set)
        self.annotation_panel.selection_changed.connect(self._table_selection_changed)
        self.annotation_panel.activated.connect(self._table_activated)
        self.waveform.selection_changed.connect(self._waveform_selection_changed)
        self.waveform.create_requested.connect(self._waveform_create)
        self.waveform.edit_requested.connect(self._waveform_edit)
        self.waveform.playhead_requested.connect(self.set_playhead)
        self.waveform.pointer_time_changed.connect(self._pointer_moved)
        self.waveform.time_selection_changed.connect(self._time_selection_changed)
        self.waveform.locked_edit_attempted.connect(lambda reason: self.statusBar().showMessage(reason, 5000))
        self.waveform.activated.connect(lambda annotation_id: self._select([annotation_id]))
        self.waveform.peaks_failed.connect(self.show_error)
        self.waveform.active_edge_changed.connect(self._edge_grabbed)
        self.waveform.held_key_drag_started.connect(self._held_key_drag)
        self.playback.on_frame = self._playback_frame
        self.playback.error.connect(self._playback_error)
        self.playback.state_changed.connect(self._playback_state)
        self._update_status()

    def _build_actions(self) -> None:
        handlers = {
            "play_pause": self.play_pause, "play_selection": self.play_selection,
            "toggle_loop": self.toggle_loop, "slower": lambda: self.change_speed(-1),
            "faster": lambda: self.change_speed(+1), "stop": self.stop_and_clear,
            "playhead_back": lambda: self.step_playhead(-STEP_SMALL_MS),
            "playhead_forward": lambda: self.step_playhead(STEP_SMALL_MS),
            "playhead_back_big": lambda: self.step_playhead(-STEP_BIG_MS),
            "playhead_forward_big": lambda: self.step_playhead(STEP_BIG_MS),
            "playhead_home": lambda: self.set_playhead(0),
            "playhead_end": lambda: self.set_playhead(self.audio.duration_ms if self.audio else 0),
            "mark_in": self.mark_in, "mark_out": self.mark_out,
            "create_current": self.create_from_selection,
            "next_annotation": lambda: self.walk_annotations(+1),
            "previous_annotation": lambda: self.walk_annotations(-1),
            "nudge_left": lambda: self.nudge(-NUDGE_SMALL_MS),
            "nudge_right": lambda: self.nudge(NUDGE_SMALL_MS),
            "nudge_left_big": lambda: self.nudge(-NUDGE_BIG_MS),
            "nudge_right_big": lambda: self.nudge(NUDGE_BIG_MS),
            "switch_edge": self.switch_edge, "delete": self.delete_selected,
            "select_all": self.select_all, "undo": self.undo_stack.undo,
            "redo": self.undo_stack.redo, "next_file": lambda: self.step_file(+1),
            "previous_file": lambda: self.step_file(-1),
            "zoom_in": lambda: self.waveform.zoom_in(self.waveform.playhead_ms()),
            "zoom_out": lambda: self.waveform.zoom_out(self.waveform.playhead_ms()),
            "zoom_selection": self.zoom_to_selection, "zoom_fit": self.waveform.zoom_fit,
            "shortcut_sheet": self.show_shortcuts,
        }
        for number in range(1, 10):
            handlers[f"type_{number}"] = lambda _checked=False, n=number: self.type_key(n)
        for action_id, spec in self.keymap.actions.items():
            action = QAction(spec.label, self)
            action.setObjectName(f"action_{action_id}")
            action.setShortcuts(self.keymap.sequences(action_id))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            if spec.tip:
                action.setToolTip(spec.tip)
                action.setStatusTip(spec.tip)
            action.triggered.connect(handlers[action_id])
            self.addAction(action)
            self.actions_by_id[action_id] = action
        self.actions_by_id["toggle_loop"].setCheckable(True)
        # The Edit menu names the step ("Undo Create glitch 1.200-1.450").
        self.undo_stack.undoTextChanged.connect(lambda text: self._name_undo("undo", text))
        self.undo_stack.redoTextChanged.connect(lambda text: self._name_undo("redo", text))
        self.undo_stack.canUndoChanged.connect(self.actions_by_id["undo"].setEnabled)
        self.undo_stack.canRedoChanged.connect(self.actions_by_id["redo"].setEnabled)
        self.actions_by_id["undo"].setEnabled(False)
        self.actions_by_id["redo"].setEnabled(False)

    def _name_undo(self, which: str, text: str) -> None:
        base = "Undo" if which == "undo" else "Redo"
        self.actions_by_id[which].setText(f"{base} {text}" if text else base)

    def _plain_action(self, text: str, slot, shortcut: QKeySequence | str | None = None,
                      name: str | None = None) -> QAction:
        action = QAction(text, self)
        if name:
            action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_dataset_action = self._plain_action("&New Dataset…", self.new_dataset,
                                                     QKeySequence.StandardKey.New, "action_new_dataset")
        self.import_action = self._plain_action("&Import Audio Files…", self.import_audio_files,
                                                "Ctrl+I", "action_import_audio")
        self.import_folder_action = self._plain_action("Import Audio &Folder…",
                                                       self.import_audio_folder, "Ctrl+Shift+I",
                                                       "action_import_folder")
        self.quit_action = self._plain_action("&Quit", self.close, QKeySequence.StandardKey.Quit,
                                              "action_quit")
        file_menu.addAction(self.new_dataset_action)
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.import_folder_action)
        self.file_menu = file_menu
        self._file_menu_tail = file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        self.edit_menu = edit_menu
        self.preferences_action = self._plain_action("&Preferences…", self.show_preferences,
                                                     QKeySequence.StandardKey.Preferences,
                                                     "action_preferences")
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        dataset_menu = bar.addMenu("&Dataset")
        self.edit_dataset_action = self._plain_action("&Edit Dataset and Types…", self.edit_dataset,
                                                      None, "action_edit_dataset")
        self.delete_dataset_action = self._plain_action("&Delete Dataset…", self.delete_dataset,
                                                        None, "action_delete_dataset")
        self.new_version_action = self._plain_action("New &Version…", self.new_version, None,
                                                     "action_new_version")
        self.publish_action = self._plain_action("&Publish Set…", self.publish_set, None,
                                                 "action_publish")
        dataset_menu.addAction(self.new_dataset_action)
        dataset_menu.addAction(self.edit_dataset_action)
        dataset_menu.addAction(self.delete_dataset_action)
        dataset_menu.addSeparator()
        dataset_menu.addAction(self.new_version_action)
        dataset_menu.addAction(self.publish_action)
        self.dataset_menu = dataset_menu

        menus = {"Edit": edit_menu, "Annotate": bar.addMenu("&Annotate"),
                 "Playback": bar.addMenu("&Playback"), "View": bar.addMenu("&View"),
                 "Help": bar.addMenu("&Help")}
        self.menus = menus
        for action_id, spec in self.keymap.actions.items():
            menus[spec.menu].addAction(self.actions_by_id[action_id])
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)
        self.create_on_drag_action = QAction("Create Annotation on &Drag", self)
        self.create_on_drag_action.setObjectName("action_create_on_drag")
        self.create_on_drag_action.setCheckable(True)
        self.create_on_drag_action.toggled.connect(self.waveform.set_create_on_drag)
        menus["Annotate"].addSeparator()
        menus["Annotate"].addAction(self.create_on_drag_action)
        self.follow_action = QAction("&Follow Playhead", self)
        self.follow_action.setObjectName("action_follow_playhead")
        self.follow_action.setCheckable(True)
        self.follow_action.setChecked(True)
        self.follow_action.toggled.connect(self.waveform.set_follow_playhead)
        menus["View"].addSeparator()
        menus["View"].addAction(self.follow_action)
        menus["View"].addSeparator()
        menus["View"].addAction(self.browser_dock.toggleViewAction())
        menus["View"].addAction(self.table_dock.toggleViewAction())
        about = self._plain_action(f"&About {APP_NAME}", self.show_about, None, "action_about")
        menus["Help"].addAction(about)
        self._refresh_enabled()

    def _connect_store(self) -> None:
        s = self.store
        s.dataset_created.connect(self._dataset_created)
        s.dataset_changed.connect(self._dataset_changed)
        s.dataset_deleted.connect(self._dataset_deleted)
        s.audio_imported.connect(self._audio_imported)
        s.set_created.connect(self._set_created)
        s.set_changed.connect(self._set_changed)
        s.set_deleted.connect(self._set_deleted)
        s.annotations_added.connect(self._annotations_added)
        s.annotations_changed.connect(self._annotations_changed)
        s.annotations_removed.connect(self._annotations_removed)

    # ==================================================================================
    # opening things
    # ==================================================================================

    def load_datasets(self) -> None:
        self.browser.set_datasets(self.store.datasets())

    def open_dataset(self, dataset_id: str, set_ref: str | None = None,
                     audio_id: str | None = None) -> bool:
        try:
            dataset = self.store.dataset(dataset_id)
        except DomainError as error:
            self.show_error(str(error))
            return False
        changed = self.dataset is None or self.dataset.id != dataset.id
        self.dataset = dataset
        self.browser.select_dataset(dataset.id)
        self._apply_types()
        if changed:
            self.undo_stack.clear()
        sets = self.store.sets(dataset.id)
        chosen = None
        if set_ref is not None:
            chosen = next((s for s in sets if str(s.version) == str(set_ref).lstrip("vV")
                           or s.id == set_ref), None)
        if chosen is None:
            remembered = self.settings.value(f"datasets/{dataset.id}/set")
            chosen = next((s for s in sets if s.id == remembered), None)
        if chosen is None and sets:
            drafts = [s for s in sets if not s.is_published]
            chosen = (drafts or sets)[-1]
        self.set_selector.set_sets(sets, chosen.id if chosen else None)
        self._use_set(chosen)
        files = self.store.audio_files(dataset.id)
        counts = self.store.counts_by_audio(chosen.id) if chosen else {}
        self.browser.set_files(files, counts)
        target = audio_id or self.settings.value(f"datasets/{dataset.id}/audio")
        target_file = next((f for f in files if f.id == target), None)
        if target_file is None and files:
            visible = self.browser.visible_files()
            target_file = visible[0] if visible else files[0]
        if target_file is not None:
            self.open_audio(target_file.id)
        else:
            self._show_audio(None)
        self.settings.setValue("session/dataset", dataset.id)
        self._refresh_enabled()
        return True

    def open_set(self, set_id: str) -> None:
        try:
            annotation_set = self.store.annotation_set(set_id)
        except DomainError as error:
            self.show_error(str(error))
            return
        self._use_set(annotation_set)
        self.browser.set_counts(self.store.counts_by_audio(annotation_set.id))
        self._reload_annotations()

    def _use_set(self, annotation_set: AnnotationSet | None) -> None:
        self.annotation_set = annotation_set
        locked = annotation_set is not None and annotation_set.is_published
        reason = (f"v{annotation_set.version} is published: its labels are final. Create a new "
                  f"version (Dataset > New Version) to change them." if locked else "")
        if annotation_set is None and self.dataset is not None:
            reason = "This dataset has no annotation set yet: create one with New version."
        self.waveform.set_locked(locked or annotation_set is None, reason)
        self.annotation_panel.model.set_locked(locked or annotation_set is None)
        self.lock_banner.setText(f"Read-only - {reason}" if locked else "")
        self.lock_banner.setVisible(locked)
        if annotation_set is not None and self.dataset is not None:
            self.settings.setValue(f"datasets/{self.dataset.id}/set", annotation_set.id)
        if self.set_selector.current() is None or (
                annotation_set is not None and self.set_selector.current().id != annotation_set.id):
            self.set_selector.set_sets(self.set_selector.sets(),
                                       annotation_set.id if annotation_set else None)
        self._update_title()
        self._update_status()
        self._refresh_enabled()
        self.current_set_changed.emit(annotation_set)

    def open_audio(self, audio_id: str) -> None:
        if self.dataset is None:
            return
        try:
            audio = self.store.ctx.audio.get(audio_id)
        except DomainError as error:
            self.show_error(str(error))
            return
        if audio.dataset_id != self.dataset.id:
            return
        self._show_audio(audio)

    def _show_audio(self, audio: AudioFile | None) -> None:
        self.audio = audio
        self.browser.select_audio(audio.id if audio else None)
        if audio is None:
            self.waveform.clear()
            self.playback.load(None)
        else:
            path = self.store.audio_path(audio)
            if not path.exists():
                self.waveform.clear()
                self.show_error(f"The library copy of '{audio.original_filename}' is missing "
                                f"({path}). Import the file again to restore it.")
            else:
                self.waveform.load_audio(path, audio, self.store.paths.cache_dir)
                self.playback.load(path)
            if self.dataset is not None:
                self.settings.setValue(f"datasets/{self.dataset.id}/audio", audio.id)
        self.annotation_panel.model.duration_ms = audio.duration_ms if audio else 0
        self.waveform.clear_time_selection()
        self._reload_annotations()
        self._update_title()
        self._update_status()
        self.current_audio_changed.emit(audio)

    def _reload_annotations(self) -> None:
        if self.audio is None or self.annotation_set is None:
            annotations: list[Annotation] = []
        else:
            annotations = self.store.annotations(self.annotation_set.id, self.audio.id)
        self.waveform.set_annotations(annotations)
        self.waveform.set_selected([])
        self.annotation_panel.model.set_annotations(annotations)
        hint = ""
        if self.dataset is None:
            hint = "Choose or create a dataset on the left."
        elif self.audio is None:
            hint = "Import audio (Ctrl+I) to start labeling."
        elif self.annotation_set is None:
            hint = "Create an annotation set (New version…) to start labeling."
        elif not annotations:
            hint = ("No annotations on this file yet: drag on the waveform, or press I and O "
                    "while listening and a number key.")
        self.annotation_panel.set_hint(hint)

    def _apply_types(self) -> None:
        dataset = self.dataset
        types = dataset.artifact_types if dataset else ()
        names = [t.name for t in types]
        colors = {t.name: t.color for t in types}
        remembered = self.settings.value(f"datasets/{dataset.id}/type") if dataset else None
        if self.current_type not in names:
            self.current_type = remembered if remembered in names else (names[0] if names else None)
        self.palette.set_types(types, self.current_type)
        self.waveform.set_type_order(names)
        self.waveform.set_type_colors(colors)
        self.annotation_panel.model.set_types(names, colors)

    # ==================================================================================
    # store signals
    # ==================================================================================

    def _dataset_created(self, dataset: Dataset) -> None:
        self.browser.datasets_model.upsert(dataset)

    def _dataset_changed(self, dataset: Dataset) -> None:
        self.browser.datasets_model.upsert(dataset)
        if self.dataset is not None and dataset.id == self.dataset.id:
            self.dataset = dataset
            self._apply_types()
            self._update_title()

    def _dataset_deleted(self, dataset_id: str) -> None:
        self.browser.datasets_model.remove(dataset_id)
        self.settings.remove(f"datasets/{dataset_id}")
        if self.dataset is not None and self.dataset.id == dataset_id:
            self.dataset = None
            self.undo_stack.clear()
            self.set_selector.set_sets([], None)
            self._use_set(None)
            self.browser.set_files([], {})
            self._show_audio(None)
            self._apply_types()
            remaining = self.browser.datasets_model.datasets()
            if remaining:
                self.open_dataset(remaining[0].id)
        self._refresh_enabled()

    def _audio_imported(self, dataset_id: str, files: list[AudioFile]) -> None:
        if self.dataset is not None and dataset_id == self.dataset.id:
            self.browser.add_files(files)
            if self.audio is None and files:
                self.open_audio(files[0].id)

    def _set_created(self, annotation_set: AnnotationSet) -> None:
        if self.dataset is not None and annotation_set.dataset_id == self.dataset.id:
            self.set_selector.set_sets(self.store.sets(self.dataset.id), annotation_set.id)
            self.open_set(annotation_set.id)

    def _set_changed(self, annotation_set: AnnotationSet) -> None:
        self.set_selector.update_set(annotation_set)
        if self.annotation_set is not None and annotation_set.id == self.annotation_set.id:
            was_locked = self.annotation_set.is_published
            self.annotation_set = annotation_set
            if annotation_set.is_published != was_locked:
                self._use_set(annotation_set)
            else:
                self._update_status()
                self._refresh_enabled()

    def _set_deleted(self, dataset_id: str, set_id: str) -> None:
        if self.dataset is None or dataset_id != self.dataset.id:
            return
        sets = self.store.sets(dataset_id)
        current = self.annotation_set.id if self.annotation_set else None
        if current == set_id:
            chosen = sets[-1] if sets else None
            self.set_selector.set_sets(sets, chosen.id if chosen else None)
            self._use_set(chosen)
            self.browser.set_counts(self.store.counts_by_audio(chosen.id) if chosen else {})
            self._reload_annotations()
        else:
            self.set_selector.set_sets(sets, current)

    def _mine(self, annotation: Annotation) -> bool:
        return (self.annotation_set is not None and self.audio is not None
                and annotation.annotation_set_id == self.annotation_set.id
                and annotation.audio_file_id == self.audio.id)

    def _refresh_counts(self) -> None:
        if self.annotation_set is not None:
            self.browser.set_counts(self.store.counts_by_audio(self.annotation_set.id))

    def _annotations_added(self, annotations: list[Annotation]) -> None:
        mine = [a for a in annotations if self._mine(a)]
        if mine:
            self.waveform.upsert_annotations(mine)
            self.annotation_panel.model.add(mine)
            self.annotation_panel.set_hint("")
        self._refresh_counts()

    def _annotations_changed(self, annotations: list[Annotation]) -> None:
        mine = [a for a in annotations if self._mine(a)]
        if mine:
            self.waveform.upsert_annotations(mine)
            self.annotation_panel.model.replace(mine)

    def _annotations_removed(self, annotations: list[Annotation]) -> None:
        ids = [a.id for a in annotations if self._mine(a)]
        if ids:
            self.waveform.remove_annotations(ids)
            self.annotation_panel.model.remove(ids)
            remaining = [i for i in self.waveform.selected_ids() if i not in ids]
            self._select(remaining)
        self._refresh_counts()

    # ==================================================================================
    # selection and editing
    # ==================================================================================

    def current_annotations(self) -> list[Annotation]:
        return self.annotation_panel.model.annotations()

    def selected_annotations(self) -> list[Annotation]:
        ids = set(self.waveform.selected_ids())
        return [a for a in self.current_annotations() if a.id in ids]

    def _select(self, ids: list[str], follow: bool = False) -> None:
        self.waveform.set_selected(ids)
        self.annotation_panel.select_ids(ids)
        if ids:
            self.waveform.set_active_edge(self.active_edge)
        if follow and ids:
            chosen = [a for a in self.current_annotations() if a.id in ids]
            if chosen:
                self.waveform.ensure_visible(min(a.start_ms for a in chosen),
                                             max(a.end_ms for a in chosen))
        self._update_status()

    def _waveform_selection_changed(self, ids: list) -> None:
        self.annotation_panel.select_ids(list(ids))
        self._update_status()

    def _table_selection_changed(self, ids: list) -> None:
        self.waveform.set_selected(list(ids))
        if ids:
            chosen = [a for a in self.current_annotations() if a.id in ids]
            if chosen:
                self.waveform.ensure_visible(min(a.start_ms for a in chosen),
                                             max(a.end_ms for a in chosen))
        self._update_status()

    def _table_activated(self, annotation: Annotation) -> None:
        pad = max(200, annotation.duration_ms // 2)
        duration = self.audio.duration_ms if self.audio else annotation.end_ms
        self.waveform.zoom_to(max(0, annotation.start_ms - pad), min(duration, annotation.end_ms + pad))
        self._select([annotation.id])
        self.set_playhead(annotation.start_ms)

    def _editable(self, quiet: bool = False) -> bool:
        if self.annotation_set is None or self.audio is None:
            if not quiet:
                self.statusBar().showMessage("Choose a file and an annotation set first.", 4000)
            return False
        if self.annotation_set.is_published:
            if not quiet:
                self.statusBar().showMessage(
                    f"v{self.annotation_set.version} is published and read-only: create a new "
                    f"version to change its labels.", 5000)
            return False
        return True

    def create_annotation(self, start_ms: int, end_ms: int, type_name: str) -> Annotation | None:
        if not self._editable():
            return None
        assert self.annotation_set is not None and self.audio is not None
        start_ms, end_ms = sorted((int(start_ms), int(end_ms)))
        created = self.editor.create(self.annotation_set.id, [AnnotationDraft(
            self.audio.id, type_name, start_ms, end_ms)])
        if created:
            self.current_type = type_name
            self.palette.set_current(type_name)
            self.waveform.clear_time_selection()
            self._select([created[0].id])
            return created[0]
        return None

    def _waveform_create(self, start_ms: int, end_ms: int, type_name: str) -> None:
        self.create_annotation(start_ms, end_ms, type_name or self.current_type or "")

    def _waveform_edit(self, annotation_id: str, start_ms: int, end_ms: int) -> None:
        before = next((a for a in self.current_annotations() if a.id == annotation_id), None)
        if before is None or not self._editable():
            self.waveform.upsert_annotations([before] if before else [])
            return
        verb = "Move" if end_ms - start_ms == before.duration_ms else "Resize"
        updated = self.editor.update([before], {annotation_id: AnnotationChange(
            start_ms=start_ms, end_ms=end_ms)}, verb)
        if not updated:
            self.waveform.upsert_annotations([before])  # refused: put the region back

    def _table_edit(self, annotation: Annotation, change: AnnotationChange) -> bool:
        if not self._editable():
            return False
        verbs = {"artifact_type": f"Change type to {change.artifact_type}",
                 "confidence": "Set confidence of", "note": "Edit note of",
                 "start_ms": "Edit times of", "end_ms": "Edit times of"}
        field = next(k for k, v in change.__dict__.items() if v is not None)
        verb = verbs[field] if field != "artifact_type" else "Retype"
        return bool(self.editor.update([annotation], {annotation.id: change}, verb))

    def _type_chosen(self, name: str) -> None:
        self.current_type = name
        if self.dataset is not None:
            self.settings.setValue(f"datasets/{self.dataset.id}/type", name)

    # -- keyboard actions ------------------------------------------------------------------

    def type_key(self, number: int) -> None:
        """Number key N (keyboard.md). The edit it makes is remembered until the next type
        key: if the key turns out to be held for a drag (create type N directly), that
        drag is what the user meant, and the press's own edit is taken back."""
        self._type_key_step = None
        before = self.undo_stack.index()
        self._type_key(number)
        if self.undo_stack.index() == before + 1 and self.dataset is not None:
            name = self.dataset.artifact_types[number - 1].name
            self._type_key_step = (name, self.undo_stack.index())

    def _held_key_drag(self, type_name: str) -> None:
        step, self._type_key_step = self._type_key_step, None
        if step is not None and step[0] == type_name and self.undo_stack.index() == step[1]:
            self.undo_stack.undo()

    def _type_key(self, number: int) -> None:
        if self.dataset is None:
            return
        if number > len(self.dataset.artifact_types):
            count = len(self.dataset.artifact_types)
            self.statusBar().showMessage(
                f"No type {number}: '{self.dataset.name}' has {count} artifact type"
                f"{'' if count == 1 else 's'} (keys 1-{count}). Add types in Dataset > Edit "
                f"Dataset and Types." if count else
                f"'{self.dataset.name}' has no artifact types yet: add them in Dataset > Edit "
                f"Dataset and Types.", 6000)
            return
        name = self.dataset.artifact_types[number - 1].name
        selection = self.waveform.time_selection()
        if selection is not None:
            self.create_annotation(selection[0], selection[1], name)
            return
        selected = self.selected_annotations()
        if selected:
            if not self._editable():
                return
            changes = {a.id: AnnotationChange(artifact_type=name) for a in selected
                       if a.artifact_type != name}
            if changes:
                self.editor.update([a for a in selected if a.id in changes], changes, "Retype")
            self.current_type = name
            self.palette.set_current(name)
            return
        self.current_type = name
        self.palette.set_current(name)
        self._type_chosen(name)
        self.statusBar().showMessage(f"Current type: {name}", 2000)

    def create_from_selection(self) -> None:
        selection = self.waveform.time_selection()
        if selection is None:
            self.statusBar().showMessage("Mark a selection first (I and O, or drag).", 3000)
            return
        if self.current_type is None:
            self.statusBar().showMessage("The dataset has no artifact types yet.", 3000)
            return
        self.create_annotation(selection[0], selection[1], self.current_type)

    def mark_in(self) -> None:
        self._mark(start=int(round(self.playhead_ms())))

    def mark_out(self) -> None:
        self._mark(end=int(round(self.playhead_ms())))

    def _mark(self, start: int | None = None, end: int | None = None) -> None:
        """I / O: a selection once both marks are set (an out before the in drops the in)."""
        if self.audio is None:
            return
        mark_in, mark_out = self._marks
        if start is not None:
            mark_in = start
            if mark_out is not None and mark_out <= mark_in:
                mark_out = None
        if end is not None:
            mark_out = end
            if mark_in is not None and mark_in >= mark_out:
                mark_in = None
        if mark_in is not None and mark_out is not None:
            self.waveform.set_time_selection(mark_in, mark_out)
        else:
            self.waveform.clear_time_selection()
        self._marks = (mark_in, mark_out)
        self._update_status()

    def walk_annotations(self, direction: int) -> None:
        annotations = sorted(self.current_annotations(), key=lambda a: (a.start_ms, a.end_ms, a.id))
        if not annotations:
            return
        selected = self.waveform.selected_ids()
        target = None
        if selected:
            index = next((i for i, a in enumerate(annotations) if a.id == selected[-1]), None)
            if index is not None:
                new_index = index + direction
                if 0 <= new_index < len(annotations):
                    target = annotations[new_index]
                else:
                    return
        if target is None:
            playhead = self.playhead_ms()
            if direction > 0:
                target = next((a for a in annotations if a.start_ms >= playhead), None)
            else:
                target = next((a for a in reversed(annotations) if a.start_ms < playhead), None)
        if target is None:
            return
        self.waveform.clear_time_selection()
        self._select([target.id], follow=True)
        self.annotation_selected_by_walk(target)

    def _edge_grabbed(self, edge: str) -> None:
        self.active_edge = edge

    def switch_edge(self) -> None:
        self.active_edge = "end" if self.active_edge == "start" else "start"
        self.waveform.set_active_edge(self.active_edge)
        self.statusBar().showMessage(f"Active edge: {self.active_edge}", 1500)

    def nudge(self, delta_ms: int) -> None:
        selected = self.selected_annotations()
        if not selected or not self._editable():
            return
        duration = self.audio.duration_ms if self.audio else 0
        changes = {}
        for annotation in selected:
            start, end = annotation.start_ms, annotation.end_ms
            if self.active_edge == "start":
                start = min(max(0, start + delta_ms), end - 1)
            else:
                end = max(min(duration, end + delta_ms), start + 1)
            if (start, end) != (annotation.start_ms, annotation.end_ms):
                changes[annotation.id] = AnnotationChange(start_ms=start, end_ms=end)
        if changes:
            self.editor.update([a for a in selected if a.id in changes], changes,
                               f"Nudge {self.active_edge} of")

    def delete_selected(self) -> None:
        selected = self.selected_annotations()
        if selected and self._editable():
            self.editor.delete(selected)

    def select_all(self) -> None:
        self._select([a.id for a in self.current_annotations()])

    def step_file(self, direction: int) -> None:
        files = self.browser.visible_files()
        if not files:
            return
        ids = [f.id for f in files]
        index = ids.index(self.audio.id) if self.audio and self.audio.id in ids else -1
        new_index = index + direction
        if 0 <= new_index < len(files):
            self.open_audio(files[new_index].id)

    def zoom_to_selection(self) -> None:
        selection = self.waveform.time_selection()
        if selection is None:
            chosen = self.selected_annotations()
            if chosen:
                selection = (min(a.start_ms for a in chosen), max(a.end_ms for a in chosen))
        if selection is not None:
            self.waveform.zoom_to(*selection)

    def stop_and_clear(self) -> None:
        self.stop_playback()
        self.waveform.clear_time_selection()
        self._marks = (None, None)
        self._select([])

    # -- playhead and playback ------------------------------------------------------

    def playhead_ms(self) -> float:
        """What is heard now while playing (I / O mark it), else the drawn playhead."""
        if self.playback.playing:
            return self.playback.position_ms()
        return self.waveform.playhead_ms()

    def set_playhead(self, ms: float) -> None:
        if self.audio is None:
            return
        ms = max(0.0, min(float(self.audio.duration_ms), float(ms)))
        self.waveform.set_playhead(ms)
        self.playback.seek(ms)
        self._update_status()

    def step_playhead(self, delta_ms: int) -> None:
        self.set_playhead(self.playhead_ms() + delta_ms)

    def _can_play(self) -> bool:
        if self.audio is None:
            return False
        if not self.playback.available:
            self.statusBar().showMessage(self.playback.unavailable_reason, 8000)
            return False
        return True

    def play_pause(self) -> None:
        if self._can_play():
            self.playback.toggle(self.waveform.playhead_ms())

    def play_selection(self) -> None:
        if not self._can_play():
            return
        selection = self.waveform.time_selection()
        if selection is None:
            chosen = self.selected_annotations()
            if not chosen:
                self.statusBar().showMessage("Nothing selected to play: mark a selection (I, O) "
                                             "or select an annotation.", 4000)
                return
            selection = (min(a.start_ms for a in chosen), max(a.end_ms for a in chosen))
        self.playback.play_range(selection[0], selection[1],
                                 loop=self.actions_by_id["toggle_loop"].isChecked())

    def toggle_loop(self) -> None:
        on = self.actions_by_id["toggle_loop"].isChecked()
        self.playback.set_loop(on)
        self.statusBar().showMessage(f"Loop {'on' if on else 'off'} (applies to selection playback)",
                                     2000)

    def change_speed(self, direction: int) -> None:
        speed = self.playback.step_speed(direction)
        self.statusBar().showMessage(f"Playback speed {speed:g}x (pitch preserved)", 2500)
        self._update_status()

    def stop_playback(self) -> None:
        self.playback.stop()

    def annotation_selected_by_walk(self, annotation: Annotation) -> None:
        if self.settings.value("playback/play_on_select", False, bool) and self.playback.available:
            self.playback.play_range(annotation.start_ms, annotation.end_ms, loop=False)

    def _playback_frame(self, position_ms: float, update_status: bool) -> None:
        self.waveform.set_playhead(position_ms)
        if update_status:
            self._update_status()

    def _playback_state(self, state, position_ms: float) -> None:
        self._update_status()

    def _playback_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)
        self._show_sound_state(message)

    def _show_sound_state(self, problem: str | None = None) -> None:
        reason = problem or ("" if self.playback.available else self.playback.unavailable_reason)
        self.sound_label.setText(short_sound_problem(reason) if reason else "")
        self.sound_label.setToolTip(reason)
        self.sound_label.setVisible(bool(reason))
        available = self.playback.available
        for action_id in ("play_pause", "play_selection", "toggle_loop", "slower", "faster"):
            action = self.actions_by_id[action_id]
            action.setEnabled(available)
            spec = self.keymap.actions[action_id]
            action.setToolTip(spec.tip or spec.label if available else reason)

    # ==================================================================================
    # dataset, set and import commands
    # ==================================================================================

    def new_dataset(self) -> None:
        from app.ui.dialogs.dataset_dialog import DatasetDialog

        dialog = DatasetDialog(self.store, None, self)
        if dialog.exec() and dialog.result_dataset is not None:
            self.open_dataset(dialog.result_dataset.id)

    def edit_dataset(self) -> None:
        if self.dataset is None:
            return
        from app.ui.dialogs.dataset_dialog import DatasetDialog

        dialog = DatasetDialog(self.store, self.dataset, self)
        dialog.exec()

    def delete_dataset(self) -> None:
        if self.dataset is None:
            return
        from app.ui.dialogs.delete_dataset import confirm_delete_dataset

        confirm_delete_dataset(self.store, self.dataset, self)

    def new_version(self) -> None:
        if self.dataset is None:
            return
        dialog = NewVersionDialog(self.set_selector.sets(), self.annotation_set, self)
        if dialog.exec():
            self.editor.new_version(self.dataset.id, dialog.source())

    def publish_set(self) -> None:
        if self.annotation_set is None or self.annotation_set.is_published:
            return
        current = self.store.annotation_set(self.annotation_set.id)
        if not confirm_publish(current, self):
            return
        try:
            self.store.publish_set(current.id)
        except DomainError as error:
            self.show_error(str(error))
            return
        self.statusBar().showMessage(f"Published v{current.version}: it is read-only now.", 5000)

    def import_audio_files(self) -> None:
        if self.dataset is None:
            self.show_error("Choose or create a dataset before importing audio.")
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self, f"Import audio into {self.dataset.name}", self._last_dir(),
            "Audio (*.wav *.flac *.ogg *.oga *.opus *.mp3 *.aif *.aiff *.w64 *.rf64 *.caf *.au);;"
            "All files (*)")
        if paths:
            self.start_import([Path(p) for p in paths])

    def import_audio_folder(self) -> None:
        if self.dataset is None:
            self.show_error("Choose or create a dataset before importing audio.")
            return
        folder = QFileDialog.getExistingDirectory(self, "Import an audio folder (recursively)",
                                                  self._last_dir())
        if folder:
            self.start_import([Path(folder)])

    def _last_dir(self) -> str:
        return str(self.settings.value("session/import_dir", str(Path.home())))

    def start_import(self, paths: list[Path]) -> bool:
        if self.dataset is None:
            self.show_error("Choose or create a dataset before importing audio.")
            return False
        if self.importer.busy:
            self.show_error("An import is already running; wait for it or cancel it.")
            return False
        self.settings.setValue("session/import_dir", str(paths[0].parent if paths[0].is_file()
                                                         else paths[0]))
        return self.importer.start(self.dataset.id, paths)

    def _import_finished(self, report) -> None:
        message = (f"Imported {len(report.imported)} files"
                   f"{', ' + str(len(report.duplicates)) + ' duplicates skipped' if report.duplicates else ''}"
                   f"{', ' + str(len(report.failed)) + ' failed' if report.failed else ''}.")
        self.statusBar().showMessage(message, 8000)
        if report.failed or report.duplicates or report.cancelled:
            self.import_report = ImportReportDialog(report, self)
            self.import_report.setModal(False)
            self.import_report.show()

    # drag and drop of files and folders
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        # Accepted anywhere over the window, also where a child passed the drag on.
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(QUrl(u).toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths and self.start_import(paths):
            event.acceptProposedAction()

    # ==================================================================================
    # status, title, messages
    # ==================================================================================

    def _pointer_moved(self, ms: int) -> None:
        self._pointer_ms = ms
        self._update_status()

    def _time_selection_changed(self, start: int, end: int) -> None:
        self._marks = (start, end) if start >= 0 else (None, None)
        if start >= 0:
            self.waveform.set_selected([])
            self.annotation_panel.select_ids([])
        self._update_status()

    def _update_status(self) -> None:
        if self.audio is not None:
            channels = "mono" if self.audio.channels == 1 else f"{self.audio.channels} ch"
            self.file_label.setText(f"{self.audio.original_filename}  ·  "
                                    f"{format_ms(self.audio.duration_ms)}  ·  "
                                    f"{self.audio.sample_rate} Hz {channels}")
        else:
            self.file_label.setText("No file")
        # the drawn playhead (updated each frame while playing; no driver call here)
        playhead = format_ms(int(self.waveform.playhead_ms())) if self.audio else "-"
        pointer = self._pointer_ms
        pointer_text = f"  ·  pointer {format_ms(pointer)}" if pointer >= 0 and self.audio else ""
        speed = self.playback.engine.speed
        speed_text = f"  ·  {speed:g}x" if speed != 1.0 else ""
        self.time_label.setText(f"▶ {playhead}{pointer_text}{speed_text}")
        selection = self.waveform.time_selection()
        marks = self._marks
        if selection is not None:
            self.selection_label.setText(f"Selection {format_ms(selection[1] - selection[0])}")
        elif marks[0] is not None and marks[1] is None:
            self.selection_label.setText(f"In {format_ms(marks[0])}")
        elif marks[1] is not None and marks[0] is None:
            self.selection_label.setText(f"Out {format_ms(marks[1])}")
        else:
            chosen = self.selected_annotations() if self.audio else []
            if len(chosen) == 1:
                self.selection_label.setText(f"{chosen[0].artifact_type} "
                                             f"{format_ms(chosen[0].duration_ms)}")
            elif chosen:
                self.selection_label.setText(f"{len(chosen)} annotations")
            else:
                self.selection_label.setText("No selection")
        if self.annotation_set is not None:
            lock = " · read-only" if self.annotation_set.is_published else ""
            self.set_label.setText(f"Set v{self.annotation_set.version} · "
                                   f"{self.annotation_set.status}{lock}")
        else:
            self.set_label.setText("No set")

    def _update_title(self) -> None:
        parts = [APP_NAME]
        if self.dataset is not None:
            parts.append(self.dataset.name)
            if self.audio is not None:
                version = f" (v{self.annotation_set.version})" if self.annotation_set else ""
                parts.append(f"{self.audio.original_filename}{version}")
        self.setWindowTitle(" - ".join(parts))

    def _refresh_enabled(self) -> None:
        has_dataset = self.dataset is not None
        for action in (self.edit_dataset_action, self.delete_dataset_action, self.import_action,
                       self.import_folder_action, self.new_version_action):
            action.setEnabled(has_dataset)
        self.publish_action.setEnabled(self.annotation_set is not None
                                       and not self.annotation_set.is_published)

    def _table_input_refused(self, message: str) -> None:
        """A value typed into the table that breaks a rule: said next to the table and in
        the status bar, without a dialog in the way of the next edit."""
        self.statusBar().showMessage(message, 10_000)
        view = self.annotation_panel.view
        rect = view.visualRect(view.currentIndex())
        QToolTip.showText(view.viewport().mapToGlobal(rect.bottomLeft()), message, view)

    def show_error(self, message: str) -> None:
        """The one place errors reach the user: a dialog for the message, the log for us."""
        log.warning("shown to user: %s", message)
        self.statusBar().showMessage(message, 10_000)
        if self.isVisible():
            box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, message,
                              QMessageBox.StandardButton.Ok, self)
            box.setModal(True)
            box.open()
            self._last_error_box = box

    def show_preferences(self) -> None:
        from app.ui.dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self.playback, self)
        if dialog.exec():
            problem = dialog.apply()
            self.create_on_drag_action.setChecked(dialog.create_on_drag.isChecked())
            self.follow_action.setChecked(dialog.follow.isChecked())
            if problem:
                self.show_error(problem)
            self._show_sound_state()

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<b>{APP_NAME}</b> {__version__}<p>Label artifacts in speech audio: "
                          f"glitches, clicks, long pauses, hallucinated words, echo, crosstalk, "
                          f"dropouts.</p><p>Data: {self.store.paths.data_dir}</p>")

    def show_shortcuts(self) -> None:
        from app.ui.shortcut_sheet import ShortcutSheet

        self._sheet = ShortcutSheet(self.keymap, self)
        self._sheet.show()

    # ==================================================================================
    # window state
    # ==================================================================================

    def restore_window_state(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self.create_on_drag_action.setChecked(self.settings.value("edit/create_on_drag", False, bool))
        self.follow_action.setChecked(self.settings.value("view/follow_playhead", True, bool))

    def save_window_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("edit/create_on_drag", self.create_on_drag_action.isChecked())
        self.settings.setValue("view/follow_playhead", self.follow_action.isChecked())
        self.settings.sync()

    def _quit_anyway(self, question: str) -> bool:
        return QMessageBox.question(self, APP_NAME, question) == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        push = self.push_dialog
        if push is not None and push.running:
            if not self._quit_anyway("A push to the platform is running. Cancel it and quit? "
                                     "(What was sent is recorded; the next push continues "
                                     "from there.)"):
                event.ignore()
                return
            push.cancel_push()
        if self.importer.busy:
            if not self._quit_anyway("An audio import is running. Cancel it and quit? (Files "
                                     "imported so far are kept.)"):
                event.ignore()
                return
            self.importer.cancel()
        self.save_window_state()
        QApplication.instance().removeEventFilter(self._text_guard)
        self.playback.close()
        self.waveform.clear()
        self.sync_indicators.stop()
        self.tasks.shutdown()
        super().closeEvent(event)

    # ==================================================================================
    # annotation files: File > Import / Export Annotations
    # ==================================================================================

    def install_annotation_io(self) -> None:
        """Import and export of other tools' annotation files (app.formats), for the open
        dataset and set: enabled only while both are open. The dialogs load on first use and
        open window-modal without blocking (preview and export run in the background)."""

        def show(dialog) -> None:
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.annotation_io_dialog = dialog
            dialog.open()

        def open_import() -> None:
            if self.dataset is None or self.annotation_set is None:
                return
            from app.ui.dialogs.annotation_import import ImportAnnotationsDialog, import_summary

            dialog = ImportAnnotationsDialog(self.editor, self.tasks, self.dataset.id,
                                             self.annotation_set.id, self, self.settings)
            dialog.imported.connect(
                lambda result: self.statusBar().showMessage(import_summary(result), 15_000))
            show(dialog)

        def open_export() -> None:
            if self.dataset is None or self.annotation_set is None:
                return
            from app.ui.dialogs.annotation_export import ExportAnnotationsDialog, export_summary

            dialog = ExportAnnotationsDialog(self.store, self.tasks, self.dataset.id,
                                             self.annotation_set.id,
                                             self.audio.id if self.audio else None, self,
                                             self.settings)
            dialog.exported.connect(
                lambda result: self.statusBar().showMessage(export_summary(result), 15_000))
            show(dialog)

        self.import_annotations_action = self._plain_action(
            "Import &Annotations…", open_import, "Ctrl+Shift+O", "action_import_annotations")
        self.export_annotations_action = self._plain_action(
            "&Export Annotations…", open_export, "Ctrl+Shift+E", "action_export_annotations")
        self.file_menu.insertSeparator(self._file_menu_tail)
        self.file_menu.insertAction(self._file_menu_tail, self.import_annotations_action)
        self.file_menu.insertAction(self._file_menu_tail, self.export_annotations_action)

        def enable(annotation_set) -> None:
            usable = self.dataset is not None and annotation_set is not None
            self.import_annotations_action.setEnabled(usable)
            self.export_annotations_action.setEnabled(usable)

        self.current_set_changed.connect(enable)
        enable(self.annotation_set)

    # ==================================================================================
    # the platform: Dataset > Push to Platform, Platform Settings, sync indicators
    # ==================================================================================

    def install_platform(self) -> None:
        """Push the open dataset (app.sync) with progress and a report, the platform's
        address and key, and the never pushed / pushed / changed / failed indicators in
        the browser and the set selector."""
        from app.ui.sync_indicators import SyncIndicators

        self.push_dialog = None
        self.sync_indicators = SyncIndicators(self)
        self.push_action = self._plain_action("P&ush to Platform…", self.show_push,
                                              "Ctrl+Shift+P", "action_push")
        self.push_action.setStatusTip("Send the dataset, its audio and annotation sets to the "
                                      "platform (incremental, resumable)")
        self.platform_settings_action = self._plain_action(
            "Platform &Settings…", self.show_platform_settings, None, "action_platform_settings")
        self.dataset_menu.addSeparator()
        self.dataset_menu.addAction(self.push_action)
        self.dataset_menu.addAction(self.platform_settings_action)

        def enable(*_args) -> None:
            self.push_action.setEnabled(self.dataset is not None)

        self.current_set_changed.connect(enable)
        self.browser.datasets_model.modelReset.connect(enable)
        enable()

    def show_push(self) -> None:
        if self.dataset is None:
            return
        running = self.push_dialog
        if running is not None and (running.running or running.isVisible()):
            running.raise_()
            running.activateWindow()
            return
        from app.ui.dialogs.push_dialog import PushDialog

        try:
            dialog = PushDialog(self.store, self.tasks, self.dataset.id, self)
        except DomainError as error:
            self.show_error(str(error))
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.pushed.connect(self._pushed)
        dialog.settings_requested.connect(self.show_platform_settings)
        dialog.destroyed.connect(lambda *_: setattr(self, "push_dialog", None))
        self.push_dialog = dialog
        dialog.show()     # not modal: labeling goes on while a long push runs

    def _pushed(self, report) -> None:
        self.sync_indicators.schedule_all()
        if report is None:
            return
        if report.ok:
            self.statusBar().showMessage(f"Pushed '{report.dataset_name}': "
                                         f"{len(report.audio_uploaded)} audio uploaded, "
                                         f"{report.annotations_created} annotations created.",
                                         15_000)
        else:
            self.statusBar().showMessage(f"The push of '{report.dataset_name}' did not finish; "
                                         f"see its report.", 15_000)

    def show_platform_settings(self) -> None:
        from app.ui.dialogs.remote_settings import RemoteSettingsDialog

        parent = self.push_dialog if self.push_dialog is not None and \
            self.push_dialog.isVisible() else self
        dialog = RemoteSettingsDialog(self.store.ctx, self.tasks, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda *_: self.sync_indicators.schedule_all())
        if self.push_dialog is not None:
            dialog.saved.connect(self.push_dialog.address_changed)
        self.platform_dialog = dialog
        dialog.open()
