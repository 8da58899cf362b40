"""The dataset dialogs driven like a user would (typing, clicks, keys), checked in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QColorDialog, QDialog, QLineEdit, QWidget

from app.core.entities import AnnotationDraft
from app.ui.dialogs import DatasetDialog, DeleteDatasetDialog, confirm_delete_dataset
from app.ui.dialogs.inline_message import ERROR, NOTE, WARNING
from app.ui.dialogs.type_editor import TypeListModel
from app.ui.store import Store
from tests.audio_samples import write_tone

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def store(ctx, qtbot) -> Store:
    return Store(ctx)


@pytest.fixture
def labeled(ctx, dataset, audio):
    """v1 (published): 2 glitch; v2 (draft, copy of v1): those 2 + 1 more glitch (5 in all)."""
    v1 = ctx.sets.create(dataset.id)
    ctx.annotations.create_many(v1.id, [AnnotationDraft(audio.id, "glitch", 100, 200),
                                        AnnotationDraft(audio.id, "glitch", 500, 650)])
    ctx.sets.publish(v1.id)
    v2 = ctx.sets.create(dataset.id, from_set_id=v1.id)
    ctx.annotations.create(v2.id, AnnotationDraft(audio.id, "glitch", 900, 1000))
    return dataset


def open_dialog(qtbot, store, dataset=None) -> DatasetDialog:
    dialog = DatasetDialog(store, dataset)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()   # focus (hasFocus, Enter, shortcuts) needs the active window
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def retype(qtbot, edit: QLineEdit, text: str) -> None:
    """Select everything in the field and type over it, as a user does."""
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Backspace)


def click(qtbot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, LEFT)


def select_row(qtbot, dialog: DatasetDialog, row: int) -> None:
    table = dialog.type_editor.table
    rect = table.visualRect(table.model().index(row, TypeListModel.NAME))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
    assert dialog.type_editor.current_row() == row


def stored_types(ctx, dataset_id: str) -> list[tuple[str, str | None, str]]:
    return [(t.name, t.description, t.color) for t in ctx.datasets.get(dataset_id).artifact_types]


def table_column(dialog: DatasetDialog, column: int) -> list[str]:
    model = dialog.type_editor.model
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


# -- creating -------------------------------------------------------------------------------


def test_create_dataset_with_three_types_and_colors(qtbot, ctx, store, monkeypatch):
    dialog = open_dialog(qtbot, store)
    editor = dialog.type_editor
    assert not dialog.ok_button.isEnabled()
    assert "Enter a name" in dialog.status_label.text()

    qtbot.keyClicks(dialog.name_edit, "Voice Agent Issues")
    qtbot.keyClicks(dialog.guidelines_edit, "Mark the whole overlap.")
    qtbot.keyClick(dialog.guidelines_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.guidelines_edit, "Ignore breaths.")
    for name, color, description in (("crosstalk", "#AA3311", "two speakers at once"),
                                     ("echo", "22aa44", ""),
                                     ("dropout", None, "audio cuts out")):
        click(qtbot, editor.add_button)
        assert editor.name_edit.hasFocus() and editor.name_edit.selectedText() == "new_type"
        qtbot.keyClicks(editor.name_edit, name)   # replaces the selected placeholder name
        if color is None:   # through the swatch button and the color picker
            monkeypatch.setattr(QColorDialog, "getColor",
                                staticmethod(lambda *args, **kwargs: QColor("#3366CC")))
            click(qtbot, editor.color_button)
        else:
            retype(qtbot, editor.color_edit, color)
        if description:
            qtbot.keyClicks(editor.description_edit, description)
    assert table_column(dialog, TypeListModel.KEY) == ["1", "2", "3"]
    assert dialog.ok_button.isEnabled() and dialog.status_label.text() == ""

    with qtbot.waitSignal(store.dataset_created) as created:
        click(qtbot, dialog.ok_button)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = ctx.datasets.resolve("Voice Agent Issues")
    assert dialog.result_dataset == saved == created.args[0]
    assert saved.description == "Mark the whole overlap.\nIgnore breaths."
    assert stored_types(ctx, saved.id) == [("crosstalk", "two speakers at once", "#AA3311"),
                                           ("echo", None, "#22AA44"),
                                           ("dropout", "audio cuts out", "#3366CC")]


def test_enter_saves_and_escape_cancels(qtbot, ctx, store):
    dialog = open_dialog(qtbot, store)
    qtbot.keyClicks(dialog.name_edit, "Escaped")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert ctx.datasets.list() == []

    dialog = open_dialog(qtbot, store)
    qtbot.keyClicks(dialog.name_edit, "Speech Quality")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [d.name for d in ctx.datasets.list()] == ["Speech Quality"]


# -- validation -----------------------------------------------------------------------------


def test_validation_messages_keep_save_disabled(qtbot, ctx, store, dataset):
    dialog = open_dialog(qtbot, store)
    editor = dialog.type_editor

    def shows_error(message_widget, fragment: str) -> bool:
        return (message_widget.isVisible() and message_widget.kind == ERROR
                and fragment in message_widget.text() and not dialog.ok_button.isEnabled())

    # Dataset name: duplicate of an existing dataset, too long, then cleared.
    qtbot.keyClicks(dialog.name_edit, "TTS Glitches")
    assert shows_error(dialog.name_message, "A dataset named 'TTS Glitches' already exists")
    retype(qtbot, dialog.name_edit, "x" * 201)
    assert shows_error(dialog.name_message, "201 characters long; the limit is 200")
    retype(qtbot, dialog.name_edit, "")
    assert shows_error(dialog.name_message, "Enter a name for the dataset")
    qtbot.keyClicks(dialog.name_edit, "Speech Quality")
    assert not dialog.name_message.isVisible() and dialog.ok_button.isEnabled()

    click(qtbot, editor.add_button)
    qtbot.keyClicks(editor.name_edit, "filler_words")
    click(qtbot, editor.add_button)
    retype(qtbot, editor.name_edit, "")
    assert shows_error(editor.name_message, "Enter a name (1-100 characters)")
    assert "(no name)" in table_column(dialog, TypeListModel.NAME)
    qtbot.keyClicks(editor.name_edit, "y" * 101)
    assert shows_error(editor.name_message, "101 characters long; the limit is 100")
    retype(qtbot, editor.name_edit, "filler_words")
    assert shows_error(editor.name_message, "Type 1 is already named 'filler_words'")
    assert "1 problem" in dialog.status_label.text()
    model = editor.model
    assert "already named" in model.data(model.index(1, TypeListModel.NAME),
                                         Qt.ItemDataRole.ToolTipRole)
    retype(qtbot, editor.name_edit, "hesitation")
    assert not editor.name_message.isVisible() and dialog.ok_button.isEnabled()

    retype(qtbot, editor.color_edit, "#12zz")
    assert shows_error(editor.color_message, "Color '#12zz' is not a hex color")
    retype(qtbot, editor.color_edit, "")
    assert shows_error(editor.color_message, "Enter a color as #RRGGBB")
    click(qtbot, dialog.ok_button)   # disabled: nothing happens
    assert dialog.isVisible() and [d.name for d in ctx.datasets.list()] == ["TTS Glitches"]

    retype(qtbot, editor.color_edit, "#0a0B0c")
    assert not editor.color_message.isVisible() and dialog.ok_button.isEnabled()
    click(qtbot, dialog.ok_button)
    saved = ctx.datasets.resolve("Speech Quality")
    assert [(t.name, t.color) for t in saved.artifact_types] == [
        ("filler_words", saved.artifact_types[0].color), ("hesitation", "#0A0B0C")]


def test_naming_warning_with_one_click_fix(qtbot, ctx, store):
    dialog = open_dialog(qtbot, store)
    editor = dialog.type_editor
    qtbot.keyClicks(dialog.name_edit, "TTS Glitches")
    click(qtbot, editor.add_button)
    qtbot.keyClicks(editor.name_edit, "Audio Glitch")
    message = editor.name_message
    assert message.kind == WARNING and "consider 'audio_glitch'" in message.text()
    assert message.button.isVisible() and message.button.text() == "Use 'audio_glitch'"
    assert dialog.ok_button.isEnabled()   # a warning, not an error
    click(qtbot, message.button)
    assert editor.name_edit.text() == "audio_glitch" and not message.isVisible()

    click(qtbot, editor.add_button)
    qtbot.keyClicks(editor.name_edit, "LONG-PAUSE")
    assert editor.name_message.button.text() == "Use 'long_pause'"
    click(qtbot, editor.name_message.button)
    assert table_column(dialog, TypeListModel.NAME) == ["audio_glitch", "long_pause"]

    click(qtbot, dialog.ok_button)
    assert ctx.datasets.resolve("TTS Glitches").type_names() == ["audio_glitch", "long_pause"]


# -- editing --------------------------------------------------------------------------------


def test_edit_renames_unused_type_and_recolors_used_one(qtbot, ctx, store, labeled):
    dialog = open_dialog(qtbot, store, labeled)
    editor = dialog.type_editor
    assert dialog.name_edit.text() == "TTS Glitches"
    assert table_column(dialog, TypeListModel.USAGE) == ["5", "0", "0"]

    select_row(qtbot, dialog, 2)
    assert not editor.name_edit.isReadOnly()
    retype(qtbot, editor.name_edit, "tts_hallucination")

    select_row(qtbot, dialog, 0)
    assert editor.name_edit.isReadOnly()
    usage = "'glitch' is used by 5 annotations (v1: 2, v2: 3)"
    assert editor.usage_message.kind == NOTE and usage in editor.usage_message.text()
    assert usage in editor.name_edit.toolTip() and usage in editor.remove_button.toolTip()
    qtbot.keyClicks(editor.name_edit, "_renamed")   # read-only: typing changes nothing
    assert editor.name_edit.text() == "glitch"
    retype(qtbot, editor.color_edit, "#00FF00")
    qtbot.keyClicks(editor.description_edit, " (also crackle)")
    qtbot.keyClicks(dialog.guidelines_edit, " Zoom in first.")

    with qtbot.waitSignal(store.dataset_changed):
        click(qtbot, dialog.ok_button)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert stored_types(ctx, labeled.id) == [
        ("glitch", "clicks and pops (also crackle)", "#00FF00"),
        ("long_pause", "unnatural silence", "#4444FF"),
        ("tts_hallucination", "words not in the script", "#44FF44")]
    assert ctx.datasets.get(labeled.id).description == (
        "Label every audible glitch. Zoom in first.")
    versions = {s.version: s for s in ctx.sets.list(labeled.id)}
    assert [a.artifact_type for a in ctx.annotations.list(versions[2].id)] == ["glitch"] * 3


def test_removing_a_used_type_is_refused(qtbot, ctx, store, labeled):
    before = stored_types(ctx, labeled.id)
    dialog = open_dialog(qtbot, store, labeled)
    editor = dialog.type_editor
    select_row(qtbot, dialog, 0)
    assert not editor.remove_button.isEnabled()
    click(qtbot, editor.remove_button)
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_Delete)
    assert editor.model.rowCount() == 3
    assert "(v1: 2, v2: 3)" in editor.usage_message.text()
    click(qtbot, dialog.ok_button)
    assert stored_types(ctx, labeled.id) == before

    # An unused type can go (Del on the table works too).
    dialog = open_dialog(qtbot, store, labeled)
    select_row(qtbot, dialog, 2)
    assert dialog.type_editor.remove_button.isEnabled()
    qtbot.keyClick(dialog.type_editor.table, Qt.Key.Key_Delete)
    assert table_column(dialog, TypeListModel.NAME) == ["glitch", "long_pause"]
    click(qtbot, dialog.ok_button)
    assert ctx.datasets.get(labeled.id).type_names() == ["glitch", "long_pause"]


def test_service_refusal_stays_in_the_dialog_and_keeps_the_input(qtbot, ctx, store, labeled,
                                                                 audio):
    dialog = open_dialog(qtbot, store, labeled)
    editor = dialog.type_editor
    retype(qtbot, dialog.name_edit, "TTS Glitches 2025")
    qtbot.keyClicks(dialog.guidelines_edit, " Also clicks.")
    select_row(qtbot, dialog, 1)
    click(qtbot, editor.remove_button)   # long_pause is unused while the dialog is open ...
    click(qtbot, editor.add_button)
    qtbot.keyClicks(editor.name_edit, "dropout")
    # ... until someone labels with it meanwhile (the command line, another window).
    draft = next(s for s in ctx.sets.list(labeled.id) if not s.is_published)
    ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "long_pause", 1200, 1500))
    before = stored_types(ctx, labeled.id)

    click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and dialog.result_dataset is None
    assert dialog.save_message.kind == ERROR
    assert ("cannot remove 'long_pause': it is used by 1 annotation (v2: 1)"
            in dialog.save_message.text())
    assert "'long_pause' was put back into the list" in dialog.save_message.text()
    assert stored_types(ctx, labeled.id) == before
    assert ctx.datasets.get(labeled.id).name == "TTS Glitches"
    # Nothing the user typed is lost; the type that is in use now is back, marked as used.
    assert dialog.name_edit.text() == "TTS Glitches 2025"
    assert dialog.guidelines_edit.toPlainText().endswith("Also clicks.")
    assert table_column(dialog, TypeListModel.NAME) == [
        "glitch", "long_pause", "hallucination", "dropout"]
    assert table_column(dialog, TypeListModel.USAGE) == ["5", "1", "0", "0"]

    click(qtbot, dialog.ok_button)
    assert dialog.result() == QDialog.DialogCode.Accepted
    saved = ctx.datasets.get(labeled.id)
    assert saved.name == "TTS Glitches 2025"
    assert saved.type_names() == ["glitch", "long_pause", "hallucination", "dropout"]


def test_refused_removal_of_a_type_added_again_merges_the_rows(qtbot, ctx, store, labeled,
                                                                audio):
    dialog = open_dialog(qtbot, store, labeled)
    editor = dialog.type_editor
    select_row(qtbot, dialog, 2)
    click(qtbot, editor.remove_button)
    click(qtbot, editor.add_button)
    qtbot.keyClicks(editor.name_edit, "hallucination")
    qtbot.keyClicks(editor.description_edit, "invented words")
    retype(qtbot, editor.color_edit, "#123456")
    draft = next(s for s in ctx.sets.list(labeled.id) if not s.is_published)
    ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "hallucination", 10, 20))

    click(qtbot, dialog.ok_button)
    assert "cannot remove 'hallucination'" in dialog.save_message.text()
    assert table_column(dialog, TypeListModel.NAME) == ["glitch", "long_pause", "hallucination"]
    assert table_column(dialog, TypeListModel.USAGE) == ["5", "0", "1"]
    assert dialog.ok_button.isEnabled()
    click(qtbot, dialog.ok_button)
    # What was typed into the new row is kept on the stored type.
    assert stored_types(ctx, labeled.id)[2] == ("hallucination", "invented words", "#123456")


def test_reorder_types_changes_number_keys(qtbot, ctx, store, labeled):
    dialog = open_dialog(qtbot, store, labeled)
    editor = dialog.type_editor
    select_row(qtbot, dialog, 2)
    click(qtbot, editor.up_button)
    click(qtbot, editor.up_button)
    assert editor.current_row() == 0 and not editor.up_button.isEnabled()
    assert editor.form_title.text() == "Type 1 (number key 1)"
    select_row(qtbot, dialog, 1)   # glitch, used: moving is fine, order is not a rename
    qtbot.keyClick(editor.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert table_column(dialog, TypeListModel.NAME) == ["hallucination", "long_pause", "glitch"]
    assert table_column(dialog, TypeListModel.KEY) == ["1", "2", "3"]
    assert not editor.down_button.isEnabled()

    click(qtbot, dialog.ok_button)
    assert ctx.datasets.get(labeled.id).type_names() == ["hallucination", "long_pause", "glitch"]


# -- deleting -------------------------------------------------------------------------------


@pytest.fixture
def full(ctx, labeled, tmp_path: Path):
    """``labeled`` plus a second audio file: 2 files, 2 sets (1 published), 5 annotations."""
    ctx.audio.import_paths(labeled.id, [write_tone(tmp_path / "clip02.wav", 3.0, freq=660)])
    return ctx.datasets.get(labeled.id)


def test_delete_shows_counts_and_cancel_keeps_everything(qtbot, ctx, store, full):
    dialog = DeleteDatasetDialog(store, full)
    qtbot.addWidget(dialog)
    dialog.show()
    assert [label.text() for label in dialog.count_labels] == [
        "•  2 audio files (5 s of audio)", "•  2 annotation sets (1 published)",
        "•  5 annotations"]
    assert not dialog.delete_button.isEnabled() and not dialog.delete_button.isDefault()
    qtbot.keyClicks(dialog.confirm_edit, "TTS Glitche")
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)   # not the name yet: nothing
    assert dialog.isVisible() and not dialog.delete_button.isEnabled()
    click(qtbot, dialog.cancel_button)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert ctx.datasets.get(full.id).audio_count == 2
    assert ctx.datasets.deletion_summary(full.id).annotation_count == 5


def test_delete_after_typing_the_name(qtbot, ctx, store, full):
    library_files = [ctx.audio.path_of(a) for a in ctx.audio.list(full.id)]
    assert len(library_files) == 2 and all(path.exists() for path in library_files)
    dialog = DeleteDatasetDialog(store, full)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.confirm_edit, "TTS Glitches")
    assert dialog.delete_button.isEnabled()
    with qtbot.waitSignal(store.dataset_deleted) as deleted:
        click(qtbot, dialog.delete_button)
    assert deleted.args == [full.id]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_summary.annotation_count == 5
    assert ctx.datasets.list() == []
    assert not any(path.exists() for path in library_files)


def test_confirm_delete_dataset_returns_what_happened(qtbot, ctx, store, full):
    """The public function runs the modal dialog; a timer answers it like a user."""
    def answer(name: str | None) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, DeleteDatasetDialog)
        if name is None:
            qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Escape)
        else:
            qtbot.keyClicks(dialog.confirm_edit, name)
            qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)

    QTimer.singleShot(0, lambda: answer(None))
    assert confirm_delete_dataset(store, full, None) is False
    assert ctx.datasets.get(full.id).audio_count == 2

    QTimer.singleShot(0, lambda: answer("TTS Glitches"))
    assert confirm_delete_dataset(store, full, None) is True
    assert ctx.datasets.list() == []
