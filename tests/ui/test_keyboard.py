"""Key sequences on the real main window (keyboard.md), checked in the database each time."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.entities import AnnotationDraft
from tests.audio_samples import write_tone

KEY = Qt.Key


@pytest.fixture
def labeled(ctx, dataset, tmp_path: Path):
    """A dataset with two files (10 s and 4 s) and a draft set."""
    first = write_tone(tmp_path / "a_first.wav", seconds=10.0, rate=16000)
    second = write_tone(tmp_path / "b_second.wav", seconds=4.0, rate=16000)
    report = ctx.audio.import_paths(dataset.id, [first, second])
    assert report.ok
    draft = ctx.sets.create(dataset.id)
    files = {a.original_filename: a for a in report.imported}
    return dataset, draft, files


def db_annotations(ctx, set_id, audio_id=None):
    return ctx.annotations.list(set_id, audio_id)


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier, text=None):
    target = window.focusWidget() or window.waveform
    qtbot.keyClick(target, key, modifier)


def test_focus_starts_in_waveform(make_window, labeled, qtbot):
    window = make_window()
    qtbot.waitUntil(lambda: window.waveform.hasFocus() or
                    window.waveform.isAncestorOf(window.focusWidget()))


def test_i_o_and_number_creates_annotation_with_marked_times(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    window = make_window()
    assert window.audio.original_filename == "a_first.wav"
    window.set_playhead(1200)
    press(qtbot, window, KEY.Key_I)
    window.set_playhead(1450)
    press(qtbot, window, KEY.Key_O)
    assert window.waveform.time_selection() == (1200, 1450)
    press(qtbot, window, KEY.Key_3)
    rows = db_annotations(ctx, draft.id, files["a_first.wav"].id)
    assert [(a.artifact_type, a.start_ms, a.end_ms) for a in rows] == [("hallucination", 1200, 1450)]
    # the new annotation becomes the selection
    assert window.waveform.selected_ids() == [rows[0].id]
    assert window.annotation_panel.selected_ids() == [rows[0].id]
    assert window.waveform.time_selection() is None


def test_out_before_in_and_enter_uses_current_type(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    window = make_window()
    window.set_playhead(3000)
    press(qtbot, window, KEY.Key_O)
    window.set_playhead(2000)
    press(qtbot, window, KEY.Key_I)
    assert window.waveform.time_selection() == (2000, 3000)
    window.palette.type_chosen.emit("long_pause")
    press(qtbot, window, KEY.Key_Return)
    rows = db_annotations(ctx, draft.id)
    assert [(a.artifact_type, a.start_ms, a.end_ms) for a in rows] == [("long_pause", 2000, 3000)]


def test_tab_walks_in_time_order_and_number_retypes(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    audio = files["a_first.wav"]
    made = ctx.annotations.create_many(draft.id, [
        AnnotationDraft(audio.id, "glitch", 5000, 5100),
        AnnotationDraft(audio.id, "glitch", 1000, 1100),
        AnnotationDraft(audio.id, "long_pause", 3000, 3500),
    ])
    by_start = sorted(made, key=lambda a: a.start_ms)
    window = make_window()
    window.set_playhead(2000)
    press(qtbot, window, KEY.Key_Tab)
    assert window.waveform.selected_ids() == [by_start[1].id]      # first starting at/after 2.0 s
    press(qtbot, window, KEY.Key_Tab)
    assert window.waveform.selected_ids() == [by_start[2].id]
    press(qtbot, window, KEY.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    press(qtbot, window, KEY.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert window.waveform.selected_ids() == [by_start[0].id]
    press(qtbot, window, KEY.Key_2)
    assert ctx.annotations.get(by_start[0].id).artifact_type == "long_pause"
    # with nothing selected, Shift+Tab takes the last one starting before the playhead
    press(qtbot, window, KEY.Key_Escape)
    window.set_playhead(4000)
    press(qtbot, window, KEY.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert window.waveform.selected_ids() == [by_start[1].id]


def test_nudge_switch_edge_delete_and_undo_redo_round_trip(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    audio = files["a_first.wav"]
    original = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 1000, 2000))
    window = make_window()
    window.set_playhead(0)
    press(qtbot, window, KEY.Key_Tab)
    assert window.waveform.selected_ids() == [original.id]
    press(qtbot, window, KEY.Key_Period)                                   # start +10
    assert (ctx.annotations.get(original.id).start_ms, ctx.annotations.get(original.id).end_ms) == (1010, 2000)
    press(qtbot, window, KEY.Key_Less, Qt.KeyboardModifier.ShiftModifier)  # start -100
    assert ctx.annotations.get(original.id).start_ms == 910
    press(qtbot, window, KEY.Key_Slash)                                    # now the end edge
    press(qtbot, window, KEY.Key_Comma)                                    # end -10
    assert (ctx.annotations.get(original.id).start_ms, ctx.annotations.get(original.id).end_ms) == (910, 1990)
    press(qtbot, window, KEY.Key_Greater, Qt.KeyboardModifier.ShiftModifier)  # end +100
    assert ctx.annotations.get(original.id).end_ms == 2090
    assert window.actions_by_id["undo"].text().startswith("Undo Nudge end of glitch")

    press(qtbot, window, KEY.Key_Delete)
    assert db_annotations(ctx, draft.id) == []
    assert window.actions_by_id["undo"].text() == "Undo Delete glitch 0.910-2.090"
    press(qtbot, window, KEY.Key_Z, Qt.KeyboardModifier.ControlModifier)     # undo delete
    restored = ctx.annotations.get(original.id)
    assert (restored.start_ms, restored.end_ms) == (910, 2090)
    for expected in [(910, 1990), (910, 2000), (1010, 2000), (1000, 2000)]:
        press(qtbot, window, KEY.Key_Z, Qt.KeyboardModifier.ControlModifier)
        current = ctx.annotations.get(original.id)
        assert (current.start_ms, current.end_ms) == expected
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    press(qtbot, window, KEY.Key_Z, redo)
    assert ctx.annotations.get(original.id).start_ms == 1010
    press(qtbot, window, KEY.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert ctx.annotations.get(original.id).start_ms == 910


def test_undo_and_redo_of_create_write_the_database(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    window = make_window()
    window.set_playhead(500)
    press(qtbot, window, KEY.Key_I)
    window.set_playhead(900)
    press(qtbot, window, KEY.Key_O)
    press(qtbot, window, KEY.Key_1)
    created = db_annotations(ctx, draft.id)
    assert len(created) == 1
    assert window.actions_by_id["undo"].text() == "Undo Create glitch 0.500-0.900"
    press(qtbot, window, KEY.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert db_annotations(ctx, draft.id) == []
    assert window.actions_by_id["redo"].text() == "Redo Create glitch 0.500-0.900"
    press(qtbot, window, KEY.Key_Y, Qt.KeyboardModifier.ControlModifier)
    again = db_annotations(ctx, draft.id)
    assert [a.id for a in again] == [created[0].id]
    assert window.annotation_panel.model.rowCount() == 1


def test_select_all_and_multi_delete_is_one_undo_step(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    audio = files["a_first.wav"]
    ctx.annotations.create_many(draft.id, [AnnotationDraft(audio.id, "glitch", s, s + 50)
                                           for s in (100, 400, 900)])
    window = make_window()
    press(qtbot, window, KEY.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.waveform.selected_ids()) == 3
    press(qtbot, window, KEY.Key_Backspace)
    assert db_annotations(ctx, draft.id) == []
    assert window.actions_by_id["undo"].text() == "Undo Delete 3 annotations"
    press(qtbot, window, KEY.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(db_annotations(ctx, draft.id)) == 3


def test_page_down_up_switch_files_and_playhead_keys(make_window, labeled, qtbot):
    dataset, draft, files = labeled
    window = make_window()
    assert window.audio.original_filename == "a_first.wav"
    press(qtbot, window, KEY.Key_PageDown)
    assert window.audio.original_filename == "b_second.wav"
    assert "b_second.wav (v1)" in window.windowTitle()
    press(qtbot, window, KEY.Key_PageUp)
    assert window.audio.original_filename == "a_first.wav"
    window.set_playhead(0)
    press(qtbot, window, KEY.Key_Right)
    assert window.playhead_ms() == pytest.approx(100)
    press(qtbot, window, KEY.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert window.playhead_ms() == pytest.approx(1100)
    press(qtbot, window, KEY.Key_End)
    assert window.playhead_ms() == pytest.approx(10_000)
    press(qtbot, window, KEY.Key_Home)
    assert window.playhead_ms() == pytest.approx(0)


def test_keys_in_a_text_field_do_not_trigger_shortcuts(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    window = make_window()
    window.set_playhead(1000)
    field = window.browser.filter_edit
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClicks(field, "io1 ,./")
    qtbot.keyClick(field, KEY.Key_Delete)
    qtbot.keyClick(field, KEY.Key_Home)
    assert field.text() == "io1 ,./"
    assert window.waveform.time_selection() is None
    assert window.playhead_ms() == pytest.approx(1000)
    assert db_annotations(ctx, draft.id) == []


def test_published_set_refuses_keyboard_edits(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    audio = files["a_first.wav"]
    annotation = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 1000, 2000))
    ctx.sets.publish(draft.id)
    window = make_window()
    assert window.lock_banner.isVisible()
    window.set_playhead(0)
    press(qtbot, window, KEY.Key_Tab)
    assert window.waveform.selected_ids() == [annotation.id]
    for key in (KEY.Key_Period, KEY.Key_2, KEY.Key_Delete):
        press(qtbot, window, key)
    assert ctx.annotations.get(annotation.id) == annotation
    window.set_playhead(3000)
    press(qtbot, window, KEY.Key_I)
    window.set_playhead(4000)
    press(qtbot, window, KEY.Key_O)
    press(qtbot, window, KEY.Key_1)
    assert len(db_annotations(ctx, draft.id)) == 1
    assert "published" in window.statusBar().currentMessage()


def test_zoom_keys_escape_and_the_shortcut_sheet(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    window = make_window()
    editor = window.waveform
    assert editor.view_range() == (0, 10_000)
    window.set_playhead(5000)
    press(qtbot, window, KEY.Key_Equal)                      # = zooms in about 1.5x
    start, end = editor.view_range()
    assert 10_000 / (end - start) == pytest.approx(1.5, rel=0.05)
    assert start < 5000 < end                                 # anchored on the playhead
    press(qtbot, window, KEY.Key_Minus)
    assert editor.view_range() == (0, 10_000)
    # Z zooms to the selection, F back to the whole file
    window.set_playhead(2000)
    press(qtbot, window, KEY.Key_I)
    window.set_playhead(2600)
    press(qtbot, window, KEY.Key_O)
    press(qtbot, window, KEY.Key_Z)
    start, end = editor.view_range()
    assert start <= 2000 and end >= 2600 and end - start < 1500
    press(qtbot, window, KEY.Key_F)
    assert editor.view_range() == (0, 10_000)
    # Escape clears the time selection and the selected annotations
    press(qtbot, window, KEY.Key_Escape)
    assert editor.time_selection() is None
    made = ctx.annotations.create(draft.id, AnnotationDraft(files["a_first.wav"].id, "glitch",
                                                            100, 300))
    window.open_set(draft.id)
    window.set_playhead(0)
    press(qtbot, window, KEY.Key_Tab)
    assert editor.selected_ids() == [made.id]
    press(qtbot, window, KEY.Key_Escape)
    assert editor.selected_ids() == [] and window.annotation_panel.selected_ids() == []
    # ? and F1 open the shortcut sheet with the keys in force
    press(qtbot, window, KEY.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "_sheet", None) is not None and window._sheet.isVisible())
    window._sheet.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.waveform.setFocus()
    press(qtbot, window, KEY.Key_Question)
    qtbot.waitUntil(window._sheet.isVisible)
    window._sheet.close()


def test_retype_by_number_key_undoes_and_redoes_in_the_database(make_window, labeled, ctx, qtbot):
    dataset, draft, files = labeled
    made = ctx.annotations.create(draft.id, AnnotationDraft(files["a_first.wav"].id, "glitch",
                                                            100, 300))
    window = make_window()
    window.set_playhead(0)
    press(qtbot, window, KEY.Key_Tab)
    press(qtbot, window, KEY.Key_3)
    assert ctx.annotations.get(made.id).artifact_type == "hallucination"
    assert window.actions_by_id["undo"].text().startswith("Undo Retype")
    press(qtbot, window, KEY.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ctx.annotations.get(made.id).artifact_type == "glitch"
    press(qtbot, window, KEY.Key_Z, Qt.KeyboardModifier.ControlModifier
          | Qt.KeyboardModifier.ShiftModifier)
    assert ctx.annotations.get(made.id).artifact_type == "hallucination"


def test_playback_keys_are_disabled_and_say_why_without_sound(make_window, labeled, qtbot):
    window = make_window()
    if window.playback.available:
        pytest.skip("this machine has a sound device; the capture tests cover playback keys")
    for action_id in ("play_pause", "play_selection", "toggle_loop", "slower", "faster"):
        action = window.actions_by_id[action_id]
        assert not action.isEnabled()
        assert action.toolTip().startswith("Playback disabled")
    assert window.sound_label.text().startswith("No sound: ")
