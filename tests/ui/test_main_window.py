"""The real main window, offscreen: datasets, import, waveform editing, table edits, set
lifecycle, window state. Every edit is checked in the database."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.entities import AnnotationDraft, ArtifactType
from app.ui.models.annotation_table_model import CONFIDENCE, END, NOTE, START
from tests.audio_samples import write_random_bytes, write_tone
from tests.ui.waveform_helpers import drag, ms_at, point

ARGS = argparse.Namespace(dataset=None, audio=None, set_version=None)


@pytest.fixture
def two_files(ctx, dataset, tmp_path: Path):
    first = write_tone(tmp_path / "in" / "first.wav", seconds=8.0, rate=16000)
    second = write_tone(tmp_path / "in" / "second.wav", seconds=3.0, rate=22050, channels=2)
    report = ctx.audio.import_paths(dataset.id, [first, second])
    assert report.ok
    return {a.original_filename: a for a in report.imported}


def wait_waveform(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.waveform.waveform_state() == "fine", timeout=10_000)


def answer_modal(callback, qtbot) -> None:
    """Run ``callback(dialog)`` on the next modal dialog (exec() blocks the test)."""

    def poll():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, poll)
            return
        callback(dialog)

    QTimer.singleShot(0, poll)


# -- datasets --------------------------------------------------------------------------


def test_create_a_dataset_through_the_dialog(make_window, ctx, qtbot):
    window = make_window()
    assert window.dataset is None
    assert window.browser.datasets_model.rowCount() == 0

    def fill(dialog):
        qtbot.keyClicks(dialog.name_edit, "Voice Agent Issues")
        editor = dialog.type_editor
        for name in ("crosstalk", "echo"):
            qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
            qtbot.keyClicks(editor.name_edit, name)
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    answer_modal(fill, qtbot)
    window.new_dataset_action.trigger()
    saved = ctx.datasets.resolve("Voice Agent Issues")
    assert saved.type_names() == ["crosstalk", "echo"]
    assert window.dataset.id == saved.id
    assert window.browser.datasets_model.rowCount() == 1
    assert window.palette.current() == "crosstalk"
    assert window.windowTitle() == "Artifact Annotator - Voice Agent Issues"


# -- import -----------------------------------------------------------------------------


def test_import_by_drop_lists_bad_files_and_keeps_the_good(make_window, ctx, dataset, qtbot,
                                                          tmp_path):
    folder = tmp_path / "drop"
    write_tone(folder / "good one.wav", seconds=2.0)
    write_tone(folder / "sub" / "ünïcode.flac", seconds=1.0)
    write_random_bytes(folder / "broken.wav")
    window = make_window()
    assert window.browser.audio_model.rowCount() == 0
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(400, 300), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.importer.finished, timeout=20_000) as finished:
        window.dropEvent(event)
        assert window.import_progress.isVisible()
        assert window.importer.busy
    report = finished.args[0]
    assert sorted(a.original_filename for a in report.imported) == ["good one.wav", "ünïcode.flac"]
    assert [Path(f.path).name for f in report.failed] == ["broken.wav"]
    assert "not a readable audio file" in report.failed[0].reason
    assert not window.import_progress.isVisible()
    assert sorted(a.original_filename for a in ctx.audio.list(dataset.id)) == [
        "good one.wav", "ünïcode.flac"]
    assert window.browser.audio_model.rowCount() == 2
    problems = window.import_report.tree
    assert problems.topLevelItemCount() == 1
    assert problems.topLevelItem(0).text(0).endswith("broken.wav")
    assert "not a readable audio file" in problems.topLevelItem(0).text(1)
    assert window.audio is not None     # the first imported file is shown


def test_files_dropped_on_the_waveform_reach_the_window(make_window, ctx, dataset, qtbot,
                                                        tmp_path):
    """Delivered as the platform delivers a drag: to the window's QWindow at the pointer,
    where Qt picks the widget under it. The drop must reach the window's import, not be
    swallowed by the waveform's graphics views."""
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent
    from PySide6.QtWidgets import QGraphicsView

    clip = write_tone(tmp_path / "dropped.wav", seconds=1.0)
    window = make_window()
    handle = window.windowHandle()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip))])
    views = window.waveform.findChildren(QGraphicsView)
    assert views
    for view in views:
        viewport = view.viewport()
        where = viewport.mapTo(window, QPoint(viewport.width() // 2, viewport.height() // 2))
        assert window.childAt(where) is viewport
        enter = QDragEnterEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                                Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(handle, enter)
        assert enter.isAccepted(), view
        move = QDragMoveEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                              Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(handle, move)
        assert move.isAccepted(), view
    drop = QDropEvent(QPointF(where), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.importer.finished, timeout=20_000):
        QApplication.sendEvent(handle, drop)
    assert [a.original_filename for a in ctx.audio.list(dataset.id)] == ["dropped.wav"]


def test_import_can_be_cancelled_and_keeps_what_arrived(make_window, ctx, dataset, qtbot, tmp_path):
    folder = tmp_path / "many"
    for index in range(40):
        write_tone(folder / f"clip{index:02d}.wav", seconds=0.5)
    window = make_window()
    with qtbot.waitSignal(window.importer.finished, timeout=30_000) as finished:
        window.start_import([folder])
        window.importer.cancel()
    report = finished.args[0]
    assert report.cancelled
    stored = ctx.audio.list(dataset.id)
    assert len(stored) == len(report.imported) < 40
    assert window.browser.audio_model.rowCount() == len(stored)


# -- selecting a file, the waveform, editing by mouse -----------------------------------


def test_selecting_a_file_shows_its_waveform_and_title(make_window, two_files, dataset, ctx, qtbot):
    ctx.sets.create(dataset.id)
    window = make_window()
    view = window.browser.audio_view
    proxy = window.browser.audio_proxy
    row = next(r for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == "second.wav")
    rect = view.visualRect(proxy.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.audio.original_filename == "second.wav"
    wait_waveform(qtbot, window)
    assert window.waveform.channel_count() == 2
    assert window.windowTitle() == "Artifact Annotator - TTS Glitches - second.wav (v1)"
    assert "second.wav" in window.file_label.text() and "22050 Hz" in window.file_label.text()
    # the filter box narrows the list
    qtbot.keyClicks(window.browser.filter_edit, "fir")
    assert [f.original_filename for f in window.browser.visible_files()] == ["first.wav"]


def test_drag_creates_then_resize_and_move_write_the_database(make_window, two_files, dataset,
                                                              ctx, qtbot):
    draft = ctx.sets.create(dataset.id)
    window = make_window()
    assert window.audio.original_filename == "first.wav"
    wait_waveform(qtbot, window)
    window.create_on_drag_action.setChecked(True)
    window.palette.type_chosen.emit("long_pause")
    window.palette.set_current("long_pause")
    editor = window.waveform
    start, end = point(editor, 2000), point(editor, 4000)
    # while dragging, the preview already shows the type the drag will create
    qtbot.mousePress(editor.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     start)
    qtbot.mouseMove(editor.viewport(), point(editor, 2500))
    assert editor._gesture is not None and editor._gesture.type_name == "long_pause"
    qtbot.mouseRelease(editor.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, point(editor, 2500))
    window.undo_stack.undo()
    assert ctx.annotations.list(draft.id) == []
    drag(qtbot, editor, start, end)
    rows = ctx.annotations.list(draft.id)
    assert len(rows) == 1
    created = rows[0]
    assert (created.artifact_type, created.start_ms, created.end_ms) == (
        "long_pause", ms_at(editor, start), ms_at(editor, end))
    assert window.annotation_panel.model.rowCount() == 1
    assert window.annotation_panel.selected_ids() == [created.id]

    # resize: drag the end edge to the right
    edge = QPoint(int(round(editor.x_for_ms(created.end_ms))), start.y())
    target = QPoint(edge.x() + 60, edge.y())
    drag(qtbot, editor, edge, target)
    resized = ctx.annotations.get(created.id)
    assert resized.start_ms == created.start_ms
    assert resized.end_ms == created.end_ms + ms_at(editor, target) - ms_at(editor, edge)
    assert window.actions_by_id["undo"].text().startswith("Undo Resize long_pause")

    # move: drag the body to the left
    body = point(editor, (resized.start_ms + resized.end_ms) / 2)
    moved_to = QPoint(body.x() - 80, body.y())
    drag(qtbot, editor, body, moved_to)
    moved = ctx.annotations.get(created.id)
    delta = ms_at(editor, moved_to) - ms_at(editor, body)
    assert (moved.start_ms, moved.end_ms) == (resized.start_ms + delta, resized.end_ms + delta)
    assert window.actions_by_id["undo"].text().startswith("Undo Move long_pause")

    # the three steps undo in order, in the database
    window.actions_by_id["undo"].trigger()
    assert ctx.annotations.get(created.id).start_ms == resized.start_ms
    window.actions_by_id["undo"].trigger()
    assert ctx.annotations.get(created.id).end_ms == created.end_ms
    window.actions_by_id["undo"].trigger()
    assert ctx.annotations.list(draft.id) == []
    assert window.annotation_panel.model.rowCount() == 0


def test_number_key_held_during_a_drag_creates_that_type(make_window, two_files, dataset, ctx,
                                                         qtbot):
    draft = ctx.sets.create(dataset.id)
    window = make_window()
    wait_waveform(qtbot, window)
    editor = window.waveform
    qtbot.keyPress(editor, Qt.Key.Key_3)
    drag(qtbot, editor, point(editor, 1000), point(editor, 1500))
    qtbot.keyRelease(editor, Qt.Key.Key_3)
    rows = ctx.annotations.list(draft.id)
    assert [r.artifact_type for r in rows] == ["hallucination"]


def test_a_number_key_held_for_a_drag_does_not_also_retype_the_selection(
        make_window, two_files, dataset, ctx, qtbot):
    draft = ctx.sets.create(dataset.id)
    audio = two_files["first.wav"]
    chosen = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 200, 400))
    window = make_window()
    wait_waveform(qtbot, window)
    editor = window.waveform
    window._select([chosen.id])
    qtbot.keyPress(editor, Qt.Key.Key_3)
    drag(qtbot, editor, point(editor, 1000), point(editor, 1500))
    qtbot.keyRelease(editor, Qt.Key.Key_3)
    rows = {r.id: r for r in ctx.annotations.list(draft.id)}
    assert rows.pop(chosen.id).artifact_type == "glitch"       # the press did not retype it
    assert [r.artifact_type for r in rows.values()] == ["hallucination"]
    assert window.undo_stack.undoText().startswith("Create hallucination")

    # a retype made on purpose earlier stays when the same key is later held for a drag
    window._select([chosen.id])
    qtbot.keyClick(editor, Qt.Key.Key_2)
    assert ctx.annotations.get(chosen.id).artifact_type == "long_pause"
    window._select([chosen.id])
    qtbot.keyPress(editor, Qt.Key.Key_2)
    drag(qtbot, editor, point(editor, 1700), point(editor, 1900))
    qtbot.keyRelease(editor, Qt.Key.Key_2)
    assert ctx.annotations.get(chosen.id).artifact_type == "long_pause"
    assert sorted(r.artifact_type for r in ctx.annotations.list(draft.id)) == [
        "hallucination", "long_pause", "long_pause"]


def test_a_number_key_without_such_a_type_says_so(make_window, two_files, dataset, ctx, qtbot):
    ctx.sets.create(dataset.id)
    window = make_window()
    qtbot.keyClick(window.waveform, Qt.Key.Key_7)
    assert window.statusBar().currentMessage().startswith("No type 7: 'TTS Glitches' has 3")


# -- table -------------------------------------------------------------------------------


def _edit_cell(qtbot, window, row_id: str, column: int, text: str) -> None:
    panel = window.annotation_panel
    model_row = panel.model.row_of(row_id)
    index = panel.proxy.mapFromSource(panel.model.index(model_row, column))
    panel.view.setCurrentIndex(index)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not None and editor is not panel.view
    if hasattr(editor, "selectAll"):
        editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # the delegate commits on the next turn of the event loop
    qtbot.waitUntil(lambda: panel.view.state() != panel.view.State.EditingState)


def test_table_edits_in_place_with_validation(make_window, two_files, dataset, ctx, qtbot):
    draft = ctx.sets.create(dataset.id)
    audio = two_files["first.wav"]
    annotation = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 1000, 1500))
    window = make_window()
    _edit_cell(qtbot, window, annotation.id, NOTE, "pop after the word")
    assert ctx.annotations.get(annotation.id).note == "pop after the word"
    _edit_cell(qtbot, window, annotation.id, END, "0:00:01.750")
    assert ctx.annotations.get(annotation.id).end_ms == 1750
    _edit_cell(qtbot, window, annotation.id, START, "2.5")       # after the end: refused
    assert ctx.annotations.get(annotation.id).start_ms == 1000
    assert "must be before end" in window.statusBar().currentMessage()
    _edit_cell(qtbot, window, annotation.id, CONFIDENCE, "0.4")
    assert ctx.annotations.get(annotation.id).confidence == pytest.approx(0.4)
    window.actions_by_id["undo"].trigger()
    assert ctx.annotations.get(annotation.id).confidence == 1.0
    # the table and the waveform share the selection, both ways
    panel = window.annotation_panel
    panel.view.selectRow(0)
    assert window.waveform.selected_ids() == [annotation.id]
    window.waveform.set_selected([])
    window._select([annotation.id])
    assert panel.selected_ids() == [annotation.id]
    # double-click moves the view there
    window.waveform.zoom_fit()
    index = panel.proxy.index(0, 1)
    where = panel.view.visualRect(index).center()
    # Qt 6's QTest double click has no press before it; a real one does
    qtbot.mousePress(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseRelease(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    low, high = window.waveform.view_range()
    assert low <= 1000 and high >= 1750 and high - low < 8000


# -- sets ----------------------------------------------------------------------------------


def test_new_version_from_a_set_then_publish_locks_everything(make_window, two_files, dataset,
                                                              ctx, qtbot):
    first = ctx.sets.create(dataset.id)
    audio = two_files["first.wav"]
    ctx.annotations.create_many(first.id, [AnnotationDraft(audio.id, "glitch", 500, 900),
                                           AnnotationDraft(audio.id, "long_pause", 2000, 4000)])
    window = make_window()
    assert window.annotation_set.id == first.id

    def copy_of_v1(dialog):
        assert dialog.copy_radio.isChecked()
        dialog.accept()

    answer_modal(copy_of_v1, qtbot)
    window.new_version_action.trigger()
    sets = ctx.sets.list(dataset.id)
    assert [s.version for s in sets] == [1, 2]
    v2 = sets[1]
    assert window.annotation_set.id == v2.id
    assert v2.stats.total_annotations == 2
    assert window.set_selector.combo.currentText().startswith("v2 draft")
    assert window.actions_by_id["undo"].text() == "Undo New version v2 from v1"

    seen = {}

    def publish(box):
        seen["text"] = box.text()
        publish_button = next(b for b in box.buttons() if b.text().startswith("Publish"))
        publish_button.click()

    answer_modal(publish, qtbot)
    window.publish_action.trigger()
    assert "cannot be undone" in seen["text"] and "2 annotations" in seen["text"]
    assert ctx.sets.get(v2.id).status == "published"
    assert window.lock_banner.isVisible() and "Read-only" in window.lock_banner.text()
    assert window.waveform.is_locked()
    assert not window.publish_action.isEnabled()
    before = ctx.annotations.list(v2.id)
    # nothing can change any more: drag, keys, table
    wait_waveform(qtbot, window)
    editor = window.waveform
    target = before[0]
    body = point(editor, (target.start_ms + target.end_ms) / 2)
    with qtbot.waitSignal(editor.locked_edit_attempted):
        drag(qtbot, editor, body, QPoint(body.x() + 50, body.y()))
    window._select([target.id])
    window.actions_by_id["delete"].trigger()
    window.actions_by_id["type_3"].trigger()
    window.actions_by_id["nudge_right"].trigger()
    index = window.annotation_panel.model.index(0, NOTE)
    assert not (window.annotation_panel.model.flags(index) & Qt.ItemFlag.ItemIsEditable)
    assert ctx.annotations.list(v2.id) == before
    # publishing is not on the undo stack: undo cannot take it back
    assert ctx.sets.get(v2.id).status == "published"


def test_publish_cancelled_changes_nothing(make_window, two_files, dataset, ctx, qtbot):
    draft = ctx.sets.create(dataset.id)
    window = make_window()

    def cancel(box):
        box.button(QMessageBox.StandardButton.Cancel).click()

    answer_modal(cancel, qtbot)
    window.publish_action.trigger()
    assert ctx.sets.get(draft.id).status == "draft"
    assert not window.waveform.is_locked()


# -- start-up, command line and window state ----------------------------------------------


def test_command_line_opens_dataset_file_and_set(make_window, two_files, dataset, ctx, qtbot):
    ctx.sets.create(dataset.id)
    ctx.sets.create(dataset.id)
    window = make_window(argparse.Namespace(dataset="TTS Glitches", audio="second.wav",
                                            set_version="1"))
    assert window.dataset.id == dataset.id
    assert window.audio.original_filename == "second.wav"
    assert window.annotation_set.version == 1
    assert window.windowTitle() == "Artifact Annotator - TTS Glitches - second.wav (v1)"
    assert window.waveform.hasFocus()


def test_command_line_with_unknown_names_says_so(make_window, two_files, dataset, ctx, qtbot):
    window = make_window(argparse.Namespace(dataset="TTS Glitches", audio="nope.wav",
                                            set_version=None), show=False)
    assert "nope.wav" in window.statusBar().currentMessage()


def test_window_state_and_last_selection_are_restored(make_window, two_files, dataset, ctx, qtbot):
    ctx.sets.create(dataset.id)
    v2 = ctx.sets.create(dataset.id)
    other = ctx.datasets.create("Other", None, [ArtifactType("echo")])
    window = make_window()
    window.resize(721, 633)
    window.table_dock.hide()
    window.open_dataset(dataset.id)
    window.open_set(ctx.sets.list(dataset.id)[0].id)
    window.open_audio(two_files["second.wav"].id)
    window.close()
    again = make_window()
    assert again.dataset.id == dataset.id
    assert again.annotation_set.version == 1
    assert again.audio.original_filename == "second.wav"
    assert again.size().width() == 721 and again.size().height() == 633
    assert not again.table_dock.isVisible()
    assert other.id != dataset.id and v2.version == 2


def test_rendered_window_draws_each_type_in_its_color(make_window, two_files, dataset, ctx, qtbot,
                                                      tmp_path):
    draft = ctx.sets.create(dataset.id)
    audio = two_files["first.wav"]
    spans = {"glitch": (1000, 1800), "long_pause": (3000, 4200), "hallucination": (5500, 6600)}
    ctx.annotations.create_many(draft.id, [AnnotationDraft(audio.id, name, *span)
                                           for name, span in spans.items()])
    window = make_window()
    window.resize(1400, 860)
    wait_waveform(qtbot, window)
    qtbot.wait(50)
    image = window.grab().toImage()
    png = tmp_path / "main_window.png"
    assert image.save(str(png))
    editor = window.waveform
    origin = editor.viewport().mapTo(window, QPoint(0, 0))
    lanes = editor.lanes_rect()
    colors = {t.name: t.color for t in dataset.artifact_types}
    for name, (start, end) in spans.items():
        expected = np.array([int(colors[name][i:i + 2], 16) for i in (1, 3, 5)])
        inside = int(origin.x() + editor.x_for_ms((start + end) / 2))
        y = int(origin.y() + lanes.top() + 0.15 * lanes.height())
        pixel = image.pixelColor(inside, y)
        got = np.array([pixel.red(), pixel.green(), pixel.blue()])
        # translucent over a dark background: the type's dominant channel leads clearly
        dominant = int(np.argmax(expected))
        assert got[dominant] > max(np.delete(got, dominant)) + 25, (name, got)
        outside = int(origin.x() + editor.x_for_ms(end + 400))
        pixel = image.pixelColor(outside, y)
        other = np.array([pixel.red(), pixel.green(), pixel.blue()])
        assert not other[dominant] > max(np.delete(other, dominant)) + 25, (name, other)


def test_no_sound_device_window_still_works_and_says_why(make_window, two_files, dataset, ctx,
                                                         qtbot):
    ctx.sets.create(dataset.id)
    window = make_window()
    if window.playback.available:
        pytest.skip("this machine has a sound device")
    assert window.sound_label.isVisible()
    assert "Playback disabled" in window.sound_label.toolTip()
    assert not window.actions_by_id["play_pause"].isEnabled()
    window.play_pause()          # never raises
    window.set_playhead(1234)
    assert window.playhead_ms() == pytest.approx(1234)


def test_delete_dataset_from_the_window(make_window, two_files, dataset, ctx, qtbot):
    window = make_window()

    def confirm(dialog):
        qtbot.keyClicks(dialog.confirm_edit, dataset.name)
        dialog.delete_button.click()

    answer_modal(confirm, qtbot)
    window.delete_dataset_action.trigger()
    assert ctx.datasets.list() == []
    assert window.dataset is None and window.audio is None
    assert window.browser.datasets_model.rowCount() == 0


def test_preferences_are_saved_and_applied(make_window, two_files, dataset, ctx, qtbot):
    window = make_window()

    def change(dialog):
        dialog.volume_slider.setValue(40)
        dialog.preroll_spin.setValue(500)
        dialog.postroll_spin.setValue(100)
        dialog.play_on_select.setChecked(True)
        dialog.create_on_drag.setChecked(True)
        dialog.follow.setChecked(False)
        dialog.accept()

    answer_modal(change, qtbot)
    window.preferences_action.trigger()
    engine = window.playback.engine
    assert engine.volume == pytest.approx(0.4)
    assert (engine.preroll_ms, engine.postroll_ms) == (500, 100)
    assert window.create_on_drag_action.isChecked() and not window.follow_action.isChecked()
    settings = window.settings
    assert settings.value("playback/play_on_select", False, bool)
    assert float(settings.value("playback/volume")) == pytest.approx(0.4)
    window.close()
    again = make_window()
    assert again.playback.engine.volume == pytest.approx(0.4)
    assert again.playback.engine.preroll_ms == 500
    assert again.create_on_drag_action.isChecked()
