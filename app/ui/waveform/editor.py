"""The waveform editor: lanes, annotation regions, ruler, overview, playhead, mouse editing.

The widget never writes an edit: a drag shows a live preview and, when released, emits
``create_requested`` or ``edit_requested``; the owner applies it (undoably) and calls
``upsert_annotations``. Keyboard shortcuts belong to the window; the editor only tracks a
held number key (1-9), which turns a drag on empty waveform into "create type N".

Mouse rules (keyboard.md): drag on empty waveform = time selection (create with a number
key held or "create on drag" on); drag an edge = resize; drag a body = move; Shift+drag,
also inside a region, = a new time selection (with a number key held: a new annotation,
so overlaps can be made; Shift overrides "create on drag"); click = select (again at the
same spot: the next of the stacked regions) or, on empty waveform, move the playhead;
Ctrl+click = add to / remove from the selection; wheel = scroll; Ctrl+wheel = zoom at
the pointer; double-click a region = ``activated``; Escape during a drag cancels it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsLinearLayout,
    QGraphicsWidget,
    QVBoxLayout,
    QWidget,
)

from app.audio.peaks import PeakError, PeakPyramid, SampleWindowReader
from app.core.entities import Annotation, AudioFile
from app.ui.waveform import theme
from app.ui.waveform.annotation_index import AnnotationIndex
from app.ui.waveform.annotation_layer import AnnotationLayer, Preview
from app.ui.waveform.badges import LockBadge, StatusNote
from app.ui.waveform.overview import OverviewStrip
from app.ui.waveform.peak_loader import PeakLoader
from app.ui.waveform.playhead import PlayheadItem
from app.ui.waveform.ruler import TimeRuler
from app.ui.waveform.timescale import ZOOM_STEP, TimeWindow
from app.ui.waveform.wave_item import WaveformSource, WaveLanes

_DIGIT_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}
_AUTOSCROLL_MS = 30


@dataclass
class _Zone:
    kind: str                 # "edge" | "body"
    annotation_id: str
    edge: str = ""


@dataclass
class _Gesture:
    kind: str                 # select | create | move | resize | toggle | locked
    press_x: float
    press_y: float
    press_ms: float
    zone: _Zone | None = None
    type_name: str | None = None
    original: tuple[int, int] | None = None
    selected_on_press: bool = False
    dragging: bool = False
    last_x: float = 0.0


class _LaneArea(QGraphicsWidget):
    """The lanes' rectangle; its children draw in its local pixels."""

    def __init__(self, owner: WaveformEditor) -> None:
        super().__init__()
        self._owner = owner
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape, True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._owner._area_resized()


class WaveformEditor(QWidget):
    """See the module docstring. All times in signals and arguments are milliseconds."""

    time_selection_changed = Signal(int, int)
    selection_changed = Signal(list)
    create_requested = Signal(int, int, str)
    edit_requested = Signal(str, int, int)
    playhead_requested = Signal(int)
    pointer_time_changed = Signal(int)
    view_changed = Signal(int, int)
    locked_edit_attempted = Signal(str)
    activated = Signal(str)
    peaks_progress = Signal(int)
    peaks_ready = Signal()
    peaks_failed = Signal(str)                 # the user message (file and reason)
    active_edge_changed = Signal(str)          # the user grabbed an edge: "start" | "end"
    held_key_drag_started = Signal(str)        # a drag creates this type because its key is held

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._window = TimeWindow()
        self._source = WaveformSource()
        self._index = AnnotationIndex(theme.LABEL_ROWS)
        self._audio: AudioFile | None = None
        self._locked = False
        self._lock_reason = ""
        self._create_on_drag = False
        self._follow = True
        self._type_order: list[str] = []
        self._current_type: str | None = None
        self._held_digits: list[int] = []
        self._playhead = 0.0
        self._pointer_ms = -1
        self._gesture: _Gesture | None = None
        self._last_click: tuple[float, float] | None = None
        self._cursor_shape: Qt.CursorShape | None = None

        self._view = pg.GraphicsView(background=theme.BACKGROUND)
        self._view.setFrameShape(pg.QtWidgets.QFrame.Shape.NoFrame)
        self._view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._view.viewport().setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._view.viewport().setMouseTracking(True)
        root = QGraphicsWidget()
        layout = QGraphicsLinearLayout(Qt.Orientation.Vertical)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self._ruler = TimeRuler(self._window)
        self._area = _LaneArea(self)
        layout.addItem(self._ruler)
        layout.addItem(self._area)
        layout.setStretchFactor(self._area, 1)
        root.setLayout(layout)
        self._wave = WaveLanes(self._window, self._source, self._area)
        self._layer = AnnotationLayer(self._window, self._index, self._area)
        self._layer.setZValue(10)
        self._playhead_item = PlayheadItem(self._area)
        self._playhead_item.hide()

        self._overview = OverviewStrip(self._window, self._source, self._index, self._layer)
        self._overview.view_start_requested.connect(self._overview_moved)
        self._overview.wheel.connect(self._wheel)

        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self._overview)
        box.addWidget(self._view, 1)

        self._badge = LockBadge(self._view)
        self._note = StatusNote(self._view)
        self._view.setCentralItem(root)
        self._root = root

        self._loader = PeakLoader(self)
        self._loader.sketch_ready.connect(self._on_sketch)
        self._loader.progress.connect(self._on_progress)
        self._loader.ready.connect(self._on_peaks)
        self._loader.failed.connect(self._on_peaks_failed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._loader.cancel)

        self._autoscroll = QTimer(self)
        self._autoscroll.setInterval(_AUTOSCROLL_MS)
        self._autoscroll.timeout.connect(self._autoscroll_tick)

        self._view.viewport().installEventFilter(self)
        self._view.installEventFilter(self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(120)
        self.setAccessibleName("Waveform editor")

    # =====================================================================================
    # audio
    # =====================================================================================

    def load_audio(self, path: Path, audio: AudioFile, cache_dir: Path) -> None:
        """Show ``audio`` (a sketch or the cached pyramid at once, the fine view when ready)."""
        self._reset_audio()
        self._audio = audio
        source = self._source
        source.channels = max(int(audio.channels), 1)
        source.sample_rate = int(audio.sample_rate)
        source.frames = int(audio.frames)
        try:
            source.reader = SampleWindowReader(Path(path))
        except PeakError as error:
            source.error = str(error)
        duration = float(audio.duration_ms) if audio.duration_ms > 0 else (
            audio.frames * 1000.0 / max(audio.sample_rate, 1))
        self._window.duration = duration
        self._window.min_span = max(2.0, 64_000.0 / max(audio.sample_rate, 1))
        self._window.start, self._window.end = 0.0, duration
        self._wave.placeholder = "Drawing the waveform…"
        if source.reader is not None:
            self._note.show_text("Computing waveform…")
            self._loader.start(Path(path), audio.sha256, Path(cache_dir), audio.frames)
        else:
            self._note.show_text(source.error)
        self._place_overlays()
        self._refresh_all()
        self.view_changed.emit(*self.view_range())

    def clear(self) -> None:
        """Forget the audio and the annotations; the background job is stopped and joined."""
        self._reset_audio()
        self._index.replace([])
        self._layer.selected = []
        self._overview.annotations_changed()
        self._refresh_all()

    def _reset_audio(self) -> None:
        self._loader.cancel()
        self._cancel_gesture()
        self._layer.time_selection = None        # it was a span of the previous file
        self._source.close()
        self._audio = None
        self._window.duration = self._window.start = self._window.end = 0.0
        self._playhead = 0.0
        self._wave.placeholder = "No audio loaded"
        self._note.show_text("")

    def channel_count(self) -> int:
        return self._source.channels

    def waveform_state(self) -> str:
        """'empty', 'sketch' (approximate, while the pyramid is computed) or 'fine'."""
        return self._source.state

    def peaks_busy(self) -> bool:
        return self._loader.busy

    def background_threads(self) -> int:
        return self._loader.active_threads()

    def _on_sketch(self, pyramid: PeakPyramid) -> None:
        if self._source.pyramid is None:
            self._source.set_pyramid(pyramid)
            self._refresh_wave()

    def _on_progress(self, percent: int) -> None:
        self._note.show_text(f"Computing waveform… {percent}%")
        self.peaks_progress.emit(percent)

    def _on_peaks(self, pyramid: PeakPyramid, cached: bool) -> None:
        self._source.set_pyramid(pyramid)
        self._note.show_text("")
        self._refresh_wave()
        self.peaks_progress.emit(100)
        self.peaks_ready.emit()

    def _on_peaks_failed(self, message: str) -> None:
        if self._source.reader is None:
            self._source.error = message
        self._note.show_text(message)
        self._refresh_wave()
        self.peaks_failed.emit(message)

    def closeEvent(self, event) -> None:
        self._loader.cancel()
        super().closeEvent(event)

    # =====================================================================================
    # annotations and selection
    # =====================================================================================

    def set_type_order(self, names: list[str]) -> None:
        self._type_order = list(names)

    def set_type_colors(self, colors: dict[str, str]) -> None:
        self._layer.set_colors(colors)
        self._overview.annotations_changed()

    def set_current_type(self, name: str | None) -> None:
        """The type a drag creates when "create on drag" is on (no number key held)."""
        self._current_type = name

    def set_annotations(self, annotations: list[Annotation]) -> None:
        self._index.replace(annotations)
        self._annotations_changed()

    def upsert_annotations(self, annotations: list[Annotation]) -> None:
        self._index.upsert(annotations)
        self._annotations_changed()

    def remove_annotations(self, ids: list[str]) -> None:
        self._index.remove(ids)
        self._annotations_changed()

    def annotation(self, annotation_id: str) -> Annotation | None:
        return self._index.get(annotation_id)

    def _annotations_changed(self) -> None:
        self._layer.selected = [i for i in self._layer.selected if i in self._index]
        gesture = self._gesture
        if gesture and gesture.zone and gesture.zone.annotation_id not in self._index:
            self._cancel_gesture()
        self._layer.update()
        self._overview.annotations_changed()

    def set_selected(self, ids) -> None:
        self._layer.selected = list(dict.fromkeys(ids))
        self._layer.update()

    def selected_ids(self) -> list[str]:
        return list(self._layer.selected)

    def set_active_edge(self, edge: str) -> None:
        if edge not in ("start", "end"):
            raise ValueError(f"edge must be 'start' or 'end', not {edge!r}")
        self._layer.active_edge = edge
        self._layer.update()

    def active_edge(self) -> str:
        return self._layer.active_edge

    def set_time_selection(self, start_ms: int, end_ms: int) -> None:
        start, end = sorted((int(start_ms), int(end_ms)))
        self._layer.time_selection = (start, end)
        self._layer.update()

    def clear_time_selection(self) -> None:
        self._layer.time_selection = None
        self._layer.update()

    def time_selection(self) -> tuple[int, int] | None:
        selection = self._layer.time_selection
        return (int(selection[0]), int(selection[1])) if selection else None

    def set_locked(self, locked: bool, reason: str = "") -> None:
        self._locked = bool(locked)
        self._lock_reason = reason or "This annotation set is read-only."
        if self._locked and self._gesture and self._gesture.kind in ("move", "resize", "create"):
            self._cancel_gesture()
        headline = self._lock_reason.split(". ")[0].rstrip(".")
        self._badge.set_text(headline)
        self._badge.setVisible(self._locked)
        self._place_overlays()

    def is_locked(self) -> bool:
        return self._locked

    def lock_text(self) -> str:
        """What the read-only badge says ('' when editable)."""
        return self._badge.text() if self._locked else ""

    def set_create_on_drag(self, on: bool) -> None:
        self._create_on_drag = bool(on)

    def annotation_at(self, ms: float, lane_y: float | None = None) -> list[str]:
        """Ids of the annotations containing ``ms``, topmost first.

        ``lane_y`` (a y in viewport pixels, as in a mouse event) puts first the region whose
        type label sits at that height, so a click on a label picks that region.
        """
        hits = self._index.at(float(ms))
        local_y = None if lane_y is None else lane_y - self._area.scenePos().y()
        return self._prefer_label_row(hits, self._window.x_of(ms, self._area_width()), local_y)

    def _prefer_label_row(self, hits: list[int], x: float, y: float | None) -> list[str]:
        index = self._index
        if y is not None and hits and 0 <= y < 2 + theme.LABEL_ROWS * theme.LABEL_ROW_HEIGHT:
            row = int((y - 2) // theme.LABEL_ROW_HEIGHT)
            width = self._area_width()
            first = []
            for i in hits:
                chip = self._layer.chip_rect(self._window.x_of(index.starts[i], width),
                                             self._window.x_of(index.ends[i], width), row)
                if index.rows[i] == row and chip is not None and chip.left() <= x:
                    first.append(i)
            hits = first + [i for i in hits if i not in first]
        return [index.ids[i] for i in hits]

    # =====================================================================================
    # view: zoom, scroll, playhead
    # =====================================================================================

    def view_range(self) -> tuple[int, int]:
        return int(round(self._window.start)), int(round(self._window.end))

    def zoom_in(self, anchor_ms: float | None = None) -> None:
        self._zoom(ZOOM_STEP, anchor_ms)

    def zoom_out(self, anchor_ms: float | None = None) -> None:
        self._zoom(1 / ZOOM_STEP, anchor_ms)

    def _zoom(self, factor: float, anchor_ms: float | None) -> None:
        window = self._window
        if window.duration <= 0:
            return
        if anchor_ms is None:
            anchor_ms = self._playhead
        if not window.start <= anchor_ms <= window.end:
            # An anchor off screen would stay off screen: center on it instead.
            span = window.span / factor
            self._set_window(anchor_ms - span / 2, anchor_ms + span / 2)
            return
        self._set_window(*window.zoomed(factor, anchor_ms))

    def zoom_to(self, start_ms: int, end_ms: int) -> None:
        start, end = sorted((float(start_ms), float(end_ms)))
        self._set_window(start, end)

    def zoom_fit(self) -> None:
        self._set_window(0.0, self._window.duration)

    def ensure_visible(self, start_ms: int, end_ms: int) -> None:
        window = self._window
        start, end = sorted((float(start_ms), float(end_ms)))
        if window.duration <= 0 or (window.start <= start and end <= window.end):
            return
        span = window.span
        if end - start > span * 0.9:
            pad = (end - start) * 0.05
            self._set_window(start - pad, end + pad)
        elif start < window.start:
            self._set_window(start - span * 0.1, start + span * 0.9)
        else:
            self._set_window(end - span * 0.9, end + span * 0.1)

    def scroll_by(self, fraction: float) -> None:
        """Move the view by ``fraction`` of its width (negative: earlier)."""
        self._set_window(*self._window.panned(fraction * self._window.span))

    def set_playhead(self, ms: float) -> None:
        ms = float(ms)
        previous, self._playhead = self._playhead, ms
        window = self._window
        if (self._follow and window.span > 0 and window.start <= previous <= window.end
                and not window.start <= ms <= window.end):
            start = ms if ms > window.end else ms - window.span * 0.05
            self._set_window(start, start + window.span)
        self._place_playhead()
        self._overview.set_playhead(ms)

    def playhead_ms(self) -> float:
        return self._playhead

    def set_follow_playhead(self, on: bool) -> None:
        self._follow = bool(on)

    def _set_window(self, start: float, end: float) -> None:
        window = self._window
        start, end = window.clamped(start, end)
        if (start, end) == (window.start, window.end):
            return
        window.start, window.end = start, end
        self._refresh_view()
        self.view_changed.emit(*self.view_range())

    def _overview_moved(self, start: float) -> None:
        self._set_window(start, start + self._window.span)

    # =====================================================================================
    # coordinates (viewport pixels <-> ms); public for tests and the owner
    # =====================================================================================

    def viewport(self) -> QWidget:
        """The widget that receives the waveform's mouse events."""
        return self._view.viewport()

    def overview(self) -> QWidget:
        return self._overview

    def lanes_rect(self) -> QRectF:
        """The lanes (below the ruler) in viewport pixels."""
        return self._area.sceneBoundingRect()

    def x_for_ms(self, ms: float) -> float:
        return self._area.scenePos().x() + self._window.x_of(ms, self._area_width())

    def ms_for_x(self, x: float) -> float:
        return self._window.ms_at(x - self._area.scenePos().x(), self._area_width())

    def _area_width(self) -> int:
        return int(self._area.size().width())

    def _local(self, pos: QPointF) -> tuple[float, float]:
        origin = self._area.scenePos()
        return pos.x() - origin.x(), pos.y() - origin.y()

    def _clamp_ms(self, ms: float) -> float:
        return min(max(ms, 0.0), self._window.duration)

    # =====================================================================================
    # drawing plumbing
    # =====================================================================================

    def _area_resized(self) -> None:
        size = self._area.size()
        width, height = int(size.width()), int(size.height())
        self._wave.set_size(width, height)
        self._layer.set_size(width, height)
        self._playhead_item.set_height(height)
        self._place_playhead()
        self._place_overlays()

    def _place_overlays(self) -> None:
        top = theme.RULER_HEIGHT + 6
        if self._badge.isVisible():
            self._badge.resize(self._badge.sizeHint())
            self._badge.move(max(self._view.width() - self._badge.width() - 8, 0), top)
            self._badge.raise_()
        self._note.move(8, max(self._view.height() - self._note.height() - 8, top))
        self._note.raise_()

    def _place_playhead(self) -> None:
        width = self._area_width()
        x = self._window.x_of(self._playhead, width)
        if self._window.span > 0 and -6 <= x <= width + 6:
            self._playhead_item.setPos(math.floor(x), 0)
            self._playhead_item.show()
        else:
            self._playhead_item.hide()

    def _refresh_view(self) -> None:
        self._ruler.update()
        self._wave.update()
        self._layer.update()
        self._place_playhead()
        self._overview.update()

    def _refresh_wave(self) -> None:
        self._wave.update()
        self._overview.update()

    def _refresh_all(self) -> None:
        self._refresh_view()
        self._overview.set_playhead(self._playhead)

    # =====================================================================================
    # events
    # =====================================================================================

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view:
            if event.type() == QEvent.Type.Resize:
                QTimer.singleShot(0, self._place_overlays)
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            self._on_press(event)
            return True
        if kind == QEvent.Type.MouseMove:
            self._on_move(event)
            return True
        if kind == QEvent.Type.MouseButtonRelease:
            self._on_release(event)
            return True
        if kind == QEvent.Type.MouseButtonDblClick:
            self._on_double_click(event)
            return True
        if kind == QEvent.Type.Wheel:
            x, _ = self._local(event.position())
            self._wheel(event, self._window.ms_at(x, self._area_width()))
            return True
        if kind == QEvent.Type.Leave:
            self._emit_pointer(-1)
            return False
        return False

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            key_event: QKeyEvent = event
            digit = _DIGIT_KEYS.get(key_event.key())
            if digit and not key_event.isAutoRepeat() and digit not in self._held_digits:
                self._held_digits.append(digit)
                self._hover_cursor_now()
            if key_event.key() == Qt.Key.Key_Escape and self._gesture is not None:
                # A drag in progress: Escape cancels it (and not the window's Escape action).
                if kind == QEvent.Type.ShortcutOverride:
                    event.accept()
                    return True
                self._cancel_gesture()
                return True
        elif kind == QEvent.Type.KeyRelease:
            key_event = event
            digit = _DIGIT_KEYS.get(key_event.key())
            if digit and not key_event.isAutoRepeat() and digit in self._held_digits:
                self._held_digits.remove(digit)
                self._hover_cursor_now()
        elif kind == QEvent.Type.FocusOut:
            self._held_digits.clear()
        return super().event(event)

    def held_type(self) -> str | None:
        """The type of the number key held down (None when none, or no such type)."""
        for digit in reversed(self._held_digits):
            if digit <= len(self._type_order):
                return self._type_order[digit - 1]
        return None

    def _drag_create_type(self) -> str | None:
        held = self.held_type()
        if held is not None:
            return held
        if self._create_on_drag:
            return self._current_type or ""
        return None

    # --- hit zones ----------------------------------------------------------------------

    def _zone_at(self, x: float, y: float) -> _Zone | None:
        width = self._area_width()
        window, index = self._window, self._index
        if width <= 0 or window.span <= 0 or not 0 <= y < self._area.size().height():
            return None
        ms_per_px = window.span / width

        def edge_hit(start: float, end: float) -> tuple[str, float] | None:
            x0, x1 = window.x_of(start, width), window.x_of(end, width)
            grab = min(theme.EDGE_GRAB_PX, max((x1 - x0) / 3, 1.0))
            d0, d1 = abs(x - x0), abs(x - x1)
            if d0 <= grab and d0 <= d1:
                return "start", d0
            if d1 <= grab:
                return "end", d1
            return None

        for annotation_id in self._layer.selected:
            if annotation_id in index:
                i = index.position[annotation_id]
                hit = edge_hit(index.starts[i], index.ends[i])
                if hit:
                    return _Zone("edge", annotation_id, hit[0])
        ms = window.ms_at(x, width)
        near = index.visible(ms - theme.EDGE_GRAB_PX * ms_per_px,
                             ms + theme.EDGE_GRAB_PX * ms_per_px)
        if 0 < len(near) <= 50:
            best: tuple[float, str, str] | None = None
            for i in near:
                hit = edge_hit(index.starts[i], index.ends[i])
                if hit and (best is None or hit[1] < best[0]):
                    best = (hit[1], index.ids[i], hit[0])
            if best is not None:
                return _Zone("edge", best[1], best[2])
        hits = self._hits(x, y)
        if hits:
            target = next((i for i in hits if i in self._layer.selected), hits[0])
            return _Zone("body", target)
        return None

    def _hits(self, x: float, y: float | None) -> list[str]:
        width = self._area_width()
        if width <= 0 or self._window.span <= 0:
            return []
        ms = self._window.ms_at(x, width)
        tolerance = self._window.span / width      # one pixel: thin regions stay clickable
        return self._prefer_label_row(self._index.at(ms, tolerance), x, y)

    # --- mouse --------------------------------------------------------------------------

    def _on_press(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._window.duration <= 0:
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        x, y = self._local(event.position())
        ms = self._clamp_ms(self._window.ms_at(x, self._area_width()))
        modifiers = event.modifiers()
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        zone = self._zone_at(x, y)
        gesture = _Gesture("select", x, y, ms, zone=zone, last_x=x)
        if zone and zone.kind == "edge" and not ctrl:
            gesture.kind = "resize"
        elif zone and zone.kind == "body" and ctrl:
            gesture.kind = "toggle"
        elif zone and zone.kind == "body" and not shift:
            gesture.kind = "move"
        else:
            # Shift makes a plain time drag (also inside a region, so overlaps can be
            # made); only a number key held still turns it into "create".
            create_type = self.held_type() if shift else self._drag_create_type()
            if create_type is not None:
                gesture.kind, gesture.type_name = "create", create_type
                if create_type == self.held_type():
                    self.held_key_drag_started.emit(create_type)
        if gesture.kind in ("move", "resize"):
            annotation = self._index.get(zone.annotation_id)
            gesture.original = (annotation.start_ms, annotation.end_ms)
            if zone.annotation_id not in self._layer.selected:
                self._select_by_user([zone.annotation_id])
                gesture.selected_on_press = True
            if gesture.kind == "resize" and not self._locked:
                if self._layer.active_edge != zone.edge:
                    self._layer.active_edge = zone.edge
                    self._layer.update()
                    self.active_edge_changed.emit(zone.edge)
        self._gesture = gesture
        if gesture.kind == "move" and not self._locked:
            self._set_cursor(Qt.CursorShape.ClosedHandCursor)

    def _on_move(self, event: QMouseEvent) -> None:
        x, y = self._local(event.position())
        width = self._area_width()
        ms = self._window.ms_at(x, width)
        inside = 0 <= x < width
        self._emit_pointer(int(round(self._clamp_ms(ms))) if inside and self._audio else -1)
        gesture = self._gesture
        if gesture is None or not event.buttons() & Qt.MouseButton.LeftButton:
            self._hover_cursor(x, y, event.modifiers())
            return
        gesture.last_x = x
        if not gesture.dragging:
            if abs(x - gesture.press_x) < theme.DRAG_START_PX:
                return
            gesture.dragging = True
            self._start_drag(gesture)
        self._continue_drag(gesture, self._clamp_ms(ms))
        if gesture.kind != "locked" and (x < 0 or x >= width):
            if not self._autoscroll.isActive():
                self._autoscroll.start()
        else:
            self._autoscroll.stop()

    def _on_release(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        gesture, self._gesture = self._gesture, None
        self._autoscroll.stop()
        if gesture is None:
            return
        x, y = self._local(event.position())
        if not gesture.dragging:
            self._click(gesture, x, y)
        elif gesture.kind == "select":
            selection = self._layer.time_selection
            if selection is None or selection[1] <= selection[0]:
                self._layer.time_selection = None
                self._layer.update()
        elif gesture.kind == "create":
            preview, self._layer.preview = self._layer.preview, None
            self._layer.update()
            if preview is not None and preview.end > preview.start:
                self.create_requested.emit(int(preview.start), int(preview.end),
                                           gesture.type_name or "")
        elif gesture.kind in ("move", "resize"):
            preview, self._layer.preview = self._layer.preview, None
            self._layer.update()
            if preview is not None and (int(preview.start), int(preview.end)) != gesture.original:
                self.edit_requested.emit(gesture.zone.annotation_id, int(preview.start),
                                         int(preview.end))
        self._hover_cursor(x, y, event.modifiers())

    def _on_double_click(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        x, y = self._local(event.position())
        hits = self._hits(x, y) if 0 <= y < self._area.size().height() else []
        if not hits:
            self._on_press(event)
            return
        target = next((i for i in hits if i in self._layer.selected), hits[0])
        self._gesture = None
        self.activated.emit(target)

    def _click(self, gesture: _Gesture, x: float, y: float) -> None:
        zone = gesture.zone
        if zone is not None and zone.kind in ("body", "edge"):
            target = zone.annotation_id
            if gesture.kind == "toggle":
                selected = list(self._layer.selected)
                if target in selected:
                    selected.remove(target)
                else:
                    selected.append(target)
                self._select_by_user(selected)
            else:
                hits = self._hits(x, y)
                same_spot = (self._last_click is not None
                             and abs(self._last_click[0] - x) <= 4
                             and abs(self._last_click[1] - y) <= 4)
                current = next((i for i in hits if i in self._layer.selected), None)
                if (not gesture.selected_on_press and same_spot and current is not None
                        and len(hits) > 1):
                    self._select_by_user([hits[(hits.index(current) + 1) % len(hits)]])
                elif target not in self._layer.selected:
                    self._select_by_user([target])
            self._last_click = (x, y)
            return
        self._last_click = None
        self.playhead_requested.emit(int(round(gesture.press_ms)))
        if self._layer.time_selection is not None:
            self._layer.time_selection = None
            self._layer.update()
            self.time_selection_changed.emit(-1, -1)
        if self._layer.selected:
            self._select_by_user([])

    def _start_drag(self, gesture: _Gesture) -> None:
        if gesture.kind in ("move", "resize", "toggle"):
            if self._locked:
                gesture.kind = "locked"
                self.locked_edit_attempted.emit(self._lock_reason)
            elif gesture.kind == "toggle":
                gesture.kind = "locked"       # Ctrl+drag on a region: nothing to do
        elif gesture.kind == "create" and self._locked:
            self.locked_edit_attempted.emit(self._lock_reason)
            gesture.kind = "select"
        if gesture.kind in ("select", "create"):
            if self._layer.selected:
                self._select_by_user([])
        self._set_cursor(self._drag_cursor(gesture))

    def _continue_drag(self, gesture: _Gesture, ms: float) -> None:
        duration = self._window.duration
        if gesture.kind in ("select", "create"):
            start, end = sorted((int(round(gesture.press_ms)), int(round(ms))))
            if gesture.kind == "select":
                if end > start and self._layer.time_selection != (start, end):
                    self._layer.time_selection = (start, end)
                    self._layer.update()
                    self.time_selection_changed.emit(start, end)
            else:
                shown = (gesture.type_name or self._current_type
                         or (self._type_order[0] if self._type_order else ""))
                self._layer.preview = Preview(start, end, shown)
                self._layer.update()
        elif gesture.kind == "move":
            start, end = gesture.original
            length = end - start
            new_start = int(round(start + ms - gesture.press_ms))
            new_start = min(max(new_start, 0), int(math.floor(duration)) - length)
            new_start = max(new_start, 0)
            self._preview_edit(gesture, new_start, new_start + length)
        elif gesture.kind == "resize":
            start, end = gesture.original
            delta = int(round(ms - gesture.press_ms))
            if gesture.zone.edge == "start":
                start = min(max(start + delta, 0), end - 1)
            else:
                end = max(min(end + delta, int(math.floor(duration))), start + 1)
            self._preview_edit(gesture, start, end)

    def _preview_edit(self, gesture: _Gesture, start: int, end: int) -> None:
        annotation = self._index.get(gesture.zone.annotation_id)
        self._layer.preview = Preview(start, end, annotation.artifact_type, annotation.id)
        self._layer.update()

    def _autoscroll_tick(self) -> None:
        gesture = self._gesture
        width = self._area_width()
        if gesture is None or not gesture.dragging or width <= 0:
            self._autoscroll.stop()
            return
        x = gesture.last_x
        overshoot = x if x < 0 else x - width if x >= width else 0.0
        if not overshoot:
            self._autoscroll.stop()
            return
        step = max(min(abs(overshoot), 60.0), 4.0) * math.copysign(1, overshoot)
        self._set_window(*self._window.panned(step * self._window.span / width))
        self._continue_drag(gesture, self._clamp_ms(self._window.ms_at(x, width)))

    def _cancel_gesture(self) -> None:
        gesture, self._gesture = self._gesture, None
        self._autoscroll.stop()
        if gesture is not None and self._layer.preview is not None:
            self._layer.preview = None
            self._layer.update()

    def _wheel(self, event: QWheelEvent, anchor_ms: float) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = (delta.y() or delta.x()) / 120.0
            if steps and self._window.span > 0:
                self._set_window(*self._window.zoomed(ZOOM_STEP ** steps,
                                                      self._clamp_ms(anchor_ms)))
        else:
            steps = -(delta.y() + delta.x()) / 120.0
            if steps:
                self.scroll_by(0.1 * steps)
        event.accept()

    def _select_by_user(self, ids: list[str]) -> None:
        if ids and self._layer.time_selection is not None:
            self._layer.time_selection = None
            self.time_selection_changed.emit(-1, -1)
        if ids != self._layer.selected:
            self._layer.selected = list(ids)
            self._layer.update()
            self.selection_changed.emit(list(ids))

    def _emit_pointer(self, ms: int) -> None:
        if ms != self._pointer_ms:
            self._pointer_ms = ms
            self.pointer_time_changed.emit(ms)

    # --- cursor -------------------------------------------------------------------------

    def _drag_cursor(self, gesture: _Gesture) -> Qt.CursorShape:
        return {"move": Qt.CursorShape.ClosedHandCursor,
                "resize": Qt.CursorShape.SizeHorCursor,
                "create": Qt.CursorShape.CrossCursor,
                "locked": Qt.CursorShape.ForbiddenCursor}.get(gesture.kind,
                                                              Qt.CursorShape.IBeamCursor)

    def _hover_cursor(self, x: float, y: float, modifiers) -> None:
        zone = self._zone_at(x, y) if self._window.duration > 0 else None
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if zone is not None and self._locked:
            shape = Qt.CursorShape.ArrowCursor
        elif zone is not None and zone.kind == "edge":
            shape = Qt.CursorShape.SizeHorCursor
        elif zone is not None and not shift:
            shape = Qt.CursorShape.OpenHandCursor
        elif not self._locked and (self.held_type() if shift
                                   else self._drag_create_type()) is not None:
            shape = Qt.CursorShape.CrossCursor
        else:
            shape = Qt.CursorShape.IBeamCursor
        self._set_cursor(shape)

    def _hover_cursor_now(self) -> None:
        if self._gesture is not None or not self._view.underMouse():
            return
        pos = self._view.viewport().mapFromGlobal(self.cursor().pos())
        x, y = self._local(QPointF(pos))
        self._hover_cursor(x, y, QApplication.keyboardModifiers())

    def _set_cursor(self, shape: Qt.CursorShape | None) -> None:
        if shape is not None and shape != self._cursor_shape:
            self._cursor_shape = shape
            self._view.viewport().setCursor(shape)

    def cursor_shape(self) -> Qt.CursorShape | None:
        """The pointer shape over the waveform (tests check edge / body / empty)."""
        return self._cursor_shape
