"""Waveform editor mouse editing, driven by real mouse events on the plot's viewport."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from app.ui.waveform import WaveformEditor
from tests.ui.waveform_helpers import TYPES, ann, click, drag, make_audio, ms_at, point


@pytest.fixture
def editor(qtbot, tmp_path):
    widget = WaveformEditor()
    qtbot.addWidget(widget)
    widget.resize(1000, 320)
    widget.set_type_order(list(TYPES))
    widget.set_type_colors(TYPES)
    path, audio = make_audio(tmp_path)
    with qtbot.waitSignal(widget.peaks_ready, timeout=10_000):
        widget.load_audio(path, audio, tmp_path / "cache")
        widget.show()
        qtbot.waitExposed(widget)
    widget.setFocus()
    yield widget
    widget.clear()


class Recorder:
    def __init__(self, signal) -> None:
        self.calls: list[tuple] = []
        signal.connect(lambda *args: self.calls.append(args))


def test_drag_on_empty_waveform_makes_a_time_selection(qtbot, editor):
    selections = Recorder(editor.time_selection_changed)
    created = Recorder(editor.create_requested)
    start, end = point(editor, 2000), point(editor, 4500)
    drag(qtbot, editor, start, end)
    expected = (ms_at(editor, start), ms_at(editor, end))
    assert abs(expected[0] - 2000) <= 10 and abs(expected[1] - 4500) <= 10
    assert selections.calls[-1] == expected
    assert editor.time_selection() == expected
    assert created.calls == []


def test_drag_right_to_left_gives_an_ordered_selection(qtbot, editor):
    start, end = point(editor, 6000), point(editor, 5200)
    drag(qtbot, editor, start, end)
    assert editor.time_selection() == (ms_at(editor, end), ms_at(editor, start))


def test_drag_with_a_number_key_held_creates_that_type(qtbot, editor):
    created = Recorder(editor.create_requested)
    selections = Recorder(editor.time_selection_changed)
    qtbot.keyPress(editor, Qt.Key.Key_2)
    start, end = point(editor, 1000), point(editor, 1800)
    drag(qtbot, editor, start, end)
    qtbot.keyRelease(editor, Qt.Key.Key_2)
    assert created.calls == [(ms_at(editor, start), ms_at(editor, end), "long_pause")]
    assert selections.calls == [] and editor.time_selection() is None
    # the key is up again: the next drag is a plain selection
    drag(qtbot, editor, point(editor, 3000), point(editor, 3500))
    assert len(created.calls) == 1 and editor.time_selection() is not None


def test_create_on_drag_uses_the_current_type(qtbot, editor):
    created = Recorder(editor.create_requested)
    editor.set_create_on_drag(True)
    editor.set_current_type("hallucination")
    start, end = point(editor, 7000), point(editor, 8200)
    drag(qtbot, editor, start, end)
    assert created.calls == [(ms_at(editor, start), ms_at(editor, end), "hallucination")]
    # Shift+drag still makes a plain selection
    drag(qtbot, editor, point(editor, 500), point(editor, 900), Qt.KeyboardModifier.ShiftModifier)
    assert len(created.calls) == 1 and editor.time_selection() is not None


def test_dragging_an_edge_resizes(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 3000, 5000)])
    edits = Recorder(editor.edit_requested)
    selected = Recorder(editor.selection_changed)
    grab = point(editor, 5000)
    qtbot.mouseMove(editor.viewport(), grab)
    assert editor.cursor_shape() == Qt.CursorShape.SizeHorCursor
    target = QPoint(grab.x() + 90, grab.y())
    drag(qtbot, editor, grab, target)
    expected_end = 5000 + ms_at(editor, target) - ms_at(editor, grab)
    assert edits.calls == [("a", 3000, expected_end)]
    assert selected.calls == [(["a"],)]
    assert editor.active_edge() == "end"
    # start edge, leftwards
    grab = point(editor, 3000)
    target = QPoint(grab.x() - 50, grab.y())
    drag(qtbot, editor, grab, target)
    assert edits.calls[-1] == ("a", 3000 + ms_at(editor, target) - ms_at(editor, grab), 5000)
    assert editor.active_edge() == "start"


def test_dragging_the_body_moves_and_previews_live(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 3000, 5000)])
    edits = Recorder(editor.edit_requested)
    grab = point(editor, 4000)
    qtbot.mouseMove(editor.viewport(), grab)
    assert editor.cursor_shape() == Qt.CursorShape.OpenHandCursor
    viewport = editor.viewport()
    target = QPoint(grab.x() + 120, grab.y())
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grab)
    qtbot.mouseMove(viewport, QPoint(grab.x() + 60, grab.y()))
    qtbot.mouseMove(viewport, target)
    assert editor.cursor_shape() == Qt.CursorShape.ClosedHandCursor
    delta = ms_at(editor, target) - ms_at(editor, grab)
    preview = editor._layer.preview
    assert (preview.start, preview.end) == (3000 + delta, 5000 + delta)
    assert edits.calls == []                       # nothing until the release
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    assert edits.calls == [("a", 3000 + delta, 5000 + delta)]
    assert editor._layer.preview is None


def test_move_is_clamped_to_the_file(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 8500, 9500)])
    edits = Recorder(editor.edit_requested)
    grab = point(editor, 9000)
    drag(qtbot, editor, grab, QPoint(grab.x() + 400, grab.y()))
    assert edits.calls == [("a", 9000, 10000)]


def test_shift_drag_inside_a_region_starts_a_new_selection(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 2000, 7000)])
    edits = Recorder(editor.edit_requested)
    start, end = point(editor, 3000), point(editor, 4000)
    drag(qtbot, editor, start, end, Qt.KeyboardModifier.ShiftModifier)
    assert edits.calls == []
    assert editor.time_selection() == (ms_at(editor, start), ms_at(editor, end))
    # with a number key held, Shift+drag inside a region creates an overlapping annotation
    created = Recorder(editor.create_requested)
    qtbot.keyPress(editor, Qt.Key.Key_3)
    start, end = point(editor, 4500), point(editor, 5000)
    drag(qtbot, editor, start, end, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyRelease(editor, Qt.Key.Key_3)
    assert created.calls == [(ms_at(editor, start), ms_at(editor, end), "hallucination")]
    assert edits.calls == []


def test_repeated_clicks_cycle_through_stacked_regions(qtbot, editor):
    editor.set_annotations([ann("long", "long_pause", 1000, 6000),
                            ann("mid", "glitch", 2000, 5000),
                            ann("short", "hallucination", 3000, 4000)])
    assert editor.annotation_at(3500) == ["short", "mid", "long"]
    selections = Recorder(editor.selection_changed)
    spot = point(editor, 3500)
    for _ in range(4):
        click(qtbot, editor, spot)
    assert [call[0] for call in selections.calls] == [["short"], ["mid"], ["long"], ["short"]]
    # a click elsewhere on the selected region keeps it (no cycling)
    click(qtbot, editor, point(editor, 3900))
    assert editor.selected_ids() == ["short"] and len(selections.calls) == 4


def test_click_on_empty_waveform_requests_the_playhead_and_clears(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 1000, 2000)])
    requests = Recorder(editor.playhead_requested)
    selections = Recorder(editor.selection_changed)
    click(qtbot, editor, point(editor, 1500))
    assert editor.selected_ids() == ["a"] and requests.calls == []
    spot = point(editor, 6000)
    click(qtbot, editor, spot)
    assert requests.calls == [(ms_at(editor, spot),)]
    assert selections.calls[-1] == ([],) and editor.selected_ids() == []


def test_double_click_activates_the_region(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 1000, 2000)])
    activated = Recorder(editor.activated)
    qtbot.mouseDClick(editor.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, point(editor, 1500))
    assert activated.calls == [("a",)]


def test_locked_set_cannot_be_dragged_and_says_why(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 3000, 5000)])
    reason = "v2 is published and read-only. Create a new version to change its labels."
    editor.set_locked(True, reason)
    assert editor.lock_text() == "v2 is published and read-only"
    assert editor._badge.isVisible()
    edits = Recorder(editor.edit_requested)
    attempts = Recorder(editor.locked_edit_attempted)
    created = Recorder(editor.create_requested)
    grab = point(editor, 4000)
    qtbot.mouseMove(editor.viewport(), grab)
    assert editor.cursor_shape() == Qt.CursorShape.ArrowCursor
    drag(qtbot, editor, grab, QPoint(grab.x() + 150, grab.y()))            # body
    drag(qtbot, editor, point(editor, 5000), point(editor, 6000))         # edge
    assert edits.calls == []
    assert attempts.calls == [(reason,), (reason,)]
    assert editor._layer.preview is None
    # creating is refused too, but selecting time still works
    qtbot.keyPress(editor, Qt.Key.Key_1)
    start, end = point(editor, 6500), point(editor, 7500)
    drag(qtbot, editor, start, end)
    qtbot.keyRelease(editor, Qt.Key.Key_1)
    assert created.calls == [] and len(attempts.calls) == 3
    assert editor.time_selection() == (ms_at(editor, start), ms_at(editor, end))
    # clicking still selects
    click(qtbot, editor, point(editor, 4000))
    assert editor.selected_ids() == ["a"]
    editor.set_locked(False)
    assert not editor._badge.isVisible() and editor.lock_text() == ""


def test_escape_cancels_a_drag(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 3000, 5000)])
    edits = Recorder(editor.edit_requested)
    viewport = editor.viewport()
    grab = point(editor, 4000)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, grab)
    qtbot.mouseMove(viewport, QPoint(grab.x() + 80, grab.y()))
    assert editor._layer.preview is not None
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(grab.x() + 80, grab.y()))
    assert edits.calls == [] and editor._layer.preview is None


def test_wheel_scrolls_and_ctrl_wheel_zooms_at_the_pointer(qtbot, editor):
    editor.zoom_to(2000, 4000)
    views = Recorder(editor.view_changed)
    viewport = editor.viewport()
    pos = point(editor, 3500)
    anchor = editor.ms_for_x(pos.x())
    _wheel(viewport, pos, 120, Qt.KeyboardModifier.ControlModifier)
    start, end = editor.view_range()
    assert abs((end - start) - 2000 / 1.5) <= 2
    assert abs(editor.ms_for_x(pos.x()) - anchor) <= 2        # the pointer's time stays put
    _wheel(viewport, pos, -120, Qt.KeyboardModifier.ControlModifier)
    assert abs((editor.view_range()[1] - editor.view_range()[0]) - 2000) <= 2
    before = editor.view_range()
    _wheel(viewport, pos, -120, Qt.KeyboardModifier.NoModifier)       # wheel down: later
    after = editor.view_range()
    assert after[0] - before[0] == pytest.approx(200, abs=2)
    assert len(views.calls) == 3


def _wheel(widget, pos: QPoint, delta: int, modifiers) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    event = QWheelEvent(QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, delta), Qt.MouseButton.NoButton, modifiers,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_zoom_steps_are_gentle_and_anchored(editor):
    editor.zoom_to(4000, 7000)
    editor.set_playhead(5000)
    editor.zoom_in()
    start, end = editor.view_range()
    assert end - start == pytest.approx(2000, abs=1)
    # the playhead keeps its place on screen (1/3 from the left)
    assert (5000 - start) / (end - start) == pytest.approx(1 / 3, abs=0.01)
    editor.zoom_out(5000)
    assert editor.view_range() == (4000, 7000)
    editor.zoom_fit()
    assert editor.view_range() == (0, 10000)
    editor.zoom_out()
    assert editor.view_range() == (0, 10000)


def test_follow_playhead_pages_forward(editor):
    editor.zoom_to(0, 2000)
    editor.set_playhead(1900)
    editor.set_playhead(2050)
    assert editor.view_range() == (2050, 4050)
    editor.set_follow_playhead(False)
    editor.set_playhead(4100)
    assert editor.view_range() == (2050, 4050)


def test_ensure_visible_and_pointer_time(qtbot, editor):
    editor.zoom_to(0, 2000)
    editor.ensure_visible(5000, 5400)
    start, end = editor.view_range()
    assert start <= 5000 and 5400 <= end and end - start == 2000
    pointer = Recorder(editor.pointer_time_changed)
    pos = point(editor, 5200)
    qtbot.mouseMove(editor.viewport(), pos)
    assert pointer.calls[-1] == (ms_at(editor, pos),)


def test_overview_drag_moves_the_view(qtbot, editor):
    editor.zoom_to(0, 1000)
    overview = editor.overview()
    y = overview.height() // 2
    window = overview.window_rect()
    press = QPoint(int(window.center().x()), y)
    qtbot.mousePress(overview, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, press)
    target = QPoint(overview.width() // 2, y)
    qtbot.mouseMove(overview, target)
    qtbot.mouseRelease(overview, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    start, end = editor.view_range()
    assert end - start == 1000
    expected_center = 10000 * target.x() / overview.width()
    assert abs((start + end) / 2 - expected_center) <= 10000 / overview.width() * 2


def test_set_selected_does_not_echo_and_upsert_replaces(editor):
    editor.set_annotations([ann("a", "glitch", 1000, 2000), ann("b", "glitch", 3000, 4000)])
    echoed = Recorder(editor.selection_changed)
    editor.set_selected(["b"])
    assert editor.selected_ids() == ["b"] and echoed.calls == []
    editor.upsert_annotations([ann("b", "long_pause", 3500, 4500)])
    assert editor.annotation_at(4400) == ["b"]
    editor.remove_annotations(["b"])
    assert editor.annotation_at(4400) == [] and editor.selected_ids() == []


def test_ctrl_click_adds_and_removes_from_the_selection(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 1000, 2000), ann("b", "glitch", 3000, 4000)])
    selections = Recorder(editor.selection_changed)
    click(qtbot, editor, point(editor, 1500))
    click(qtbot, editor, point(editor, 3500), Qt.KeyboardModifier.ControlModifier)
    assert editor.selected_ids() == ["a", "b"]
    click(qtbot, editor, point(editor, 1500), Qt.KeyboardModifier.ControlModifier)
    assert editor.selected_ids() == ["b"]
    assert [c[0] for c in selections.calls] == [["a"], ["a", "b"], ["b"]]


def test_a_click_on_a_type_label_picks_that_region(qtbot, editor):
    # "outer" starts first and gets label row 0; "inner" overlaps it and gets row 1.
    editor.set_annotations([ann("outer", "long_pause", 1000, 6000),
                            ann("inner", "glitch", 1500, 5000)])
    lanes = editor.lanes_rect()
    row0_y = lanes.top() + 2 + 8            # the middle of the first label row
    assert editor.annotation_at(1700) == ["inner", "outer"]
    assert editor.annotation_at(1700, row0_y) == ["outer", "inner"]
    click(qtbot, editor, QPoint(int(editor.x_for_ms(1700)), int(row0_y)))
    assert editor.selected_ids() == ["outer"]


def test_dragging_past_the_edge_scrolls_the_view(qtbot, editor):
    editor.zoom_to(0, 2000)
    viewport = editor.viewport()
    start = point(editor, 1000)
    anchor = ms_at(editor, start)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    qtbot.mouseMove(viewport, QPoint(start.x() + 100, start.y()))
    outside = QPoint(viewport.width() + 40, start.y())
    qtbot.mouseMove(viewport, outside)
    qtbot.waitUntil(lambda: editor.view_range()[0] >= 300, timeout=5000)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       outside)
    selection = editor.time_selection()
    assert selection[0] == anchor
    assert selection[1] >= editor.view_range()[1] - 5       # follows the scrolled view
    assert selection[1] > 2000


def test_a_press_on_an_edge_of_an_unselected_region_selects_and_resizes_it(qtbot, editor):
    editor.set_annotations([ann("a", "glitch", 3000, 5000)])
    editor.set_active_edge("end")
    edits = Recorder(editor.edit_requested)
    edges = Recorder(editor.active_edge_changed)
    grab = point(editor, 3000)
    drag(qtbot, editor, grab, QPoint(grab.x() + 30, grab.y()))
    assert editor.selected_ids() == ["a"]
    assert edits.calls == [("a", 3000 + ms_at(editor, QPoint(grab.x() + 30, 0))
                            - ms_at(editor, grab), 5000)]
    assert edges.calls == [("start",)] and editor.active_edge() == "start"
