"""File > Import / Export Annotations, driven like a user would (clicks, keys, typing,
drops) offscreen; outcomes checked in the database, on disk and on the undo stack."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import QFileDialog, QPushButton, QTreeWidget

from app.core.entities import AnnotationDraft
from app.formats.importer import apply_import, preview_import
from app.formats.records import Cancelled
from app.formats.registry import EXPORT_FORMATS, FORMATS
from app.ui.commands import Editor
from app.ui.dialogs import annotation_import
from app.ui.dialogs.annotation_export import ExportAnnotationsDialog
from app.ui.dialogs.annotation_import import ImportAnnotationsDialog
from app.ui.dialogs.inline_message import ERROR
from app.ui.tasks import TaskRunner
from tests.audio_samples import write_tone

LEFT = Qt.MouseButton.LeftButton
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

CSV_TEXT = """original_filename,artifact_type,start_ms,end_ms,confidence,note
clip01.wav,glitch,100,250,0.8,first
clip01.wav,long_pause,500,1500,,
clip02.wav,hallucination,1000,2500,0.5,"a, note"
clip01.wav,glitch,1900,2400,1,past the end
missing.wav,glitch,10,20,1,
CLIP02.WAV,glitch,0,100,1,
"""


def textgrid(xmax: float, tiers: dict[str, list[tuple[float, float, str]]]) -> str:
    """A long-form TextGrid as Praat writes it (gaps as empty intervals)."""
    lines = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0",
             f"xmax = {xmax}", "tiers? <exists>", f"size = {len(tiers)}", "item []:"]
    for number, (name, labeled) in enumerate(tiers.items(), start=1):
        intervals, cursor = [], 0.0
        for start, end, text in labeled:
            if start > cursor:
                intervals.append((cursor, start, ""))
            intervals.append((start, end, text))
            cursor = end
        if cursor < xmax:
            intervals.append((cursor, xmax, ""))
        lines += [f"    item [{number}]:", '        class = "IntervalTier"',
                  f'        name = "{name}"', "        xmin = 0", f"        xmax = {xmax}",
                  f"        intervals: size = {len(intervals)}"]
        for index, (start, end, text) in enumerate(intervals, start=1):
            lines += [f"        intervals [{index}]:", f"            xmin = {start}",
                      f"            xmax = {end}", f'            text = "{text}"']
    return "\n".join(lines) + "\n"


# -- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture
def clips(ctx, dataset, tmp_path: Path) -> dict:
    """clip01.wav (2 s) and clip02.wav (3 s), by name."""
    paths = [write_tone(tmp_path / "audio" / "clip01.wav", 2.0),
             write_tone(tmp_path / "audio" / "clip02.wav", 3.0, freq=300)]
    report = ctx.audio.import_paths(dataset.id, paths)
    assert report.ok and len(report.imported) == 2
    return {a.original_filename: a for a in report.imported}


@pytest.fixture
def tasks(qtbot):
    runner = TaskRunner()
    yield runner
    runner.shutdown()


class Errors(list):
    def __call__(self, message: str) -> None:
        self.append(message)


@pytest.fixture
def editor(store, qtbot) -> Editor:
    return Editor(store, QUndoStack(), Errors())


def show(qtbot, dialog):
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def open_import(qtbot, editor, tasks, dataset, target) -> ImportAnnotationsDialog:
    return show(qtbot, ImportAnnotationsDialog(editor, tasks, dataset.id, target.id))


def choose_format(qtbot, dialog, name: str) -> None:
    """Keyboard: focus the format box and step through it (Home, then Down)."""
    combo = dialog.format_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentData() == name:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == name


def add_files_by_dialog(qtbot, monkeypatch, dialog, paths: list[Path]) -> list:
    """Click Add Files…; the file dialog answers with ``paths``. Returns its arguments."""
    asked = []

    def answer(*args, **kwargs):
        asked.append(args)
        return [str(p) for p in paths], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(answer))
    qtbot.mouseClick(dialog.add_files_button, LEFT)
    return asked


def wait_preview(qtbot, dialog):
    qtbot.waitUntil(lambda: not dialog.busy, timeout=15_000)
    return dialog.preview


def tree_rows(tree: QTreeWidget) -> list[list[str]]:
    return [[tree.topLevelItem(r).text(c) for c in range(tree.columnCount())]
            for r in range(tree.topLevelItemCount())]


def tab_titles(dialog) -> list[str]:
    return [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]


def db_keys(ctx, set_id: str) -> list[tuple]:
    return sorted((a.audio_file_id, a.artifact_type, a.start_ms, a.end_ms, a.confidence, a.note)
                  for a in ctx.annotations.list(set_id))


def retype(qtbot, edit, text: str) -> None:
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def drop_paths(dialog, paths: list[Path]) -> None:
    """What the window system delivers for a drop: drag enter (accepted?), then the drop."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, LEFT,
                            Qt.KeyboardModifier.NoModifier)
    dialog.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, LEFT,
                      Qt.KeyboardModifier.NoModifier)
    dialog.dropEvent(drop)
    assert drop.isAccepted()


# -- import: CSV ---------------------------------------------------------------------------


def test_import_csv_preview_then_one_undo_step(qtbot, monkeypatch, ctx, dataset, clips, draft,
                                                 editor, tasks, tmp_path):
    csv = tmp_path / "labels" / "labels.csv"
    csv.parent.mkdir()
    csv.write_text(CSV_TEXT, encoding="utf-8")
    dialog = open_import(qtbot, editor, tasks, dataset, draft)
    assert not dialog.import_button.isEnabled()  # nothing chosen yet

    choose_format(qtbot, dialog, "csv")
    asked = add_files_by_dialog(qtbot, monkeypatch, dialog, [csv])
    assert "CSV table (*.csv)" in asked[0][3]          # filtered by the format
    preview = wait_preview(qtbot, dialog)
    assert preview is not None and preview.can_apply

    assert dialog.status_label.text() == ("Read 1 file: 4 annotations will be imported into v1, "
                                          "2 skipped.")
    assert tab_titles(dialog) == ["By type (3)", "By audio file (2)", "Unknown audio names (1)",
                                  "Problems (1)"]
    assert tree_rows(dialog.types_tree) == [["glitch", "2", ""], ["hallucination", "1", ""],
                                            ["long_pause", "1", ""]]
    assert tree_rows(dialog.audio_tree) == [["clip01.wav", "2"], ["clip02.wav", "2"]]
    assert tree_rows(dialog.unmatched_tree) == [[
        "missing.wav", "1", "No audio file named 'missing.wav' in the dataset (labels.csv:6)"]]
    assert tree_rows(dialog.problems_tree) == [[
        "labels.csv:5", "1.900-2.400 s reaches past the end of 'clip01.wav' (2.000 s); skipped."]]
    assert "2 entries will be skipped: 1 with problems, 1 for unknown audio names" in \
        dialog.error_message.text()
    assert ctx.annotations.list(draft.id) == []        # a preview writes nothing

    assert dialog.import_button.text() == "&Import 4 Annotations"
    imported = []
    dialog.imported.connect(imported.append)
    qtbot.mouseClick(dialog.import_button, LEFT)
    assert len(imported) == 1
    clip01, clip02 = clips["clip01.wav"].id, clips["clip02.wav"].id
    expected = sorted([(clip01, "glitch", 100, 250, 0.8, "first"),
                       (clip01, "long_pause", 500, 1500, 1.0, None),
                       (clip02, "hallucination", 1000, 2500, 0.5, "a, note"),
                       (clip02, "glitch", 0, 100, 1.0, None)])
    assert db_keys(ctx, draft.id) == expected
    assert dialog.result_message.text().startswith(
        "Imported 4 annotations (CSV table) into 'TTS Glitches' v1. Skipped: 1 with problems, "
        "1 for unknown audio names.")
    assert dialog.import_button.isHidden() and dialog.close_button.text() == "Close"
    assert not dialog.format_combo.isEnabled() and not dialog.add_files_button.isEnabled()

    stack = editor.stack
    assert stack.count() == 1 and stack.undoText() == "Import 4 annotations (CSV table)"
    ids = sorted(a.id for a in ctx.annotations.list(draft.id))
    stack.undo()
    assert ctx.annotations.list(draft.id) == []
    stack.redo()
    assert sorted(a.id for a in ctx.annotations.list(draft.id)) == ids
    assert db_keys(ctx, draft.id) == expected
    assert editor.on_error == []


def test_strict_refuses_what_would_be_skipped(qtbot, monkeypatch, ctx, dataset, clips, draft,
                                              editor, tasks, tmp_path):
    csv = tmp_path / "labels.csv"
    csv.write_text(CSV_TEXT, encoding="utf-8")
    dialog = open_import(qtbot, editor, tasks, dataset, draft)
    choose_format(qtbot, dialog, "csv")
    add_files_by_dialog(qtbot, monkeypatch, dialog, [csv])
    assert wait_preview(qtbot, dialog).can_apply
    qtbot.mouseClick(dialog.strict_check, LEFT, pos=QPoint(6, dialog.strict_check.height() // 2))
    assert dialog.strict_check.isChecked()
    preview = wait_preview(qtbot, dialog)
    assert not preview.can_apply and preview.strict
    assert dialog.error_message.kind == ERROR
    assert "Strict import refused: 1 entry has a problem and 1 audio name matches no audio " \
           "file" in dialog.error_message.text()
    assert not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, LEFT)  # a disabled button does nothing
    assert ctx.annotations.list(draft.id) == [] and editor.stack.count() == 0


# -- import: TextGrid (per audio file), a folder, drops ---------------------------------------


def test_import_textgrid_folder_with_problem_lines(qtbot, monkeypatch, ctx, dataset, clips,
                                                   draft, editor, tasks, tmp_path):
    folder = tmp_path / "praat"
    folder.mkdir()
    (folder / "clip01.TextGrid").write_text(textgrid(2.5, {
        "glitch": [(0.25, 0.3125, "glitch"), (1.5, 2.5, "runs past the end")],
        "long_pause": [(0.5, 1.25, "")],     # an empty label is a gap, not an annotation
    }), encoding="utf-8")
    (folder / "clip02.TextGrid").write_text(textgrid(3.0, {
        "hallucination": [(1.0, 2.001, "said 'banana'")],
    }), encoding="utf-16")                    # Praat writes UTF-16 for non-ASCII labels
    (folder / "notes.txt").write_text("not a TextGrid", encoding="utf-8")

    dialog = open_import(qtbot, editor, tasks, dataset, draft)
    choose_format(qtbot, dialog, "textgrid")
    assert "One .TextGrid file per audio file" in dialog.format_note.text()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *args, **kwargs: str(folder)))
    qtbot.mouseClick(dialog.add_folder_button, LEFT)
    assert dialog.files_list.paths() == [folder]
    preview = wait_preview(qtbot, dialog)
    assert preview.can_apply and len(preview.files) == 2   # notes.txt is not read

    assert tree_rows(dialog.types_tree) == [["glitch", "1", ""], ["hallucination", "1", ""]]
    assert tree_rows(dialog.audio_tree) == [["clip01.wav", "1"], ["clip02.wav", "1"]]
    problems = tree_rows(dialog.problems_tree)
    assert len(problems) == 1
    where, message = problems[0]
    assert where.startswith("clip01.TextGrid:") and "tier 'glitch', interval 4" in where
    line = int(where.split(":")[1].split()[0])          # the line of that interval's xmin
    assert (folder / "clip01.TextGrid").read_text().splitlines()[line - 1].strip() == "xmin = 1.5"
    assert message == "1.500-2.500 s reaches past the end of 'clip01.wav' (2.000 s); skipped."

    qtbot.mouseClick(dialog.import_button, LEFT)
    clip01, clip02 = clips["clip01.wav"].id, clips["clip02.wav"].id
    assert db_keys(ctx, draft.id) == sorted([
        (clip01, "glitch", 250, 313, 1.0, None),
        (clip02, "hallucination", 1000, 2001, 1.0, "said 'banana'")])
    assert editor.stack.undoText() == "Import 2 annotations (Praat TextGrid)"
    editor.stack.undo()
    assert ctx.annotations.list(draft.id) == []


def test_dropped_files_are_added_and_pick_the_format(qtbot, ctx, dataset, clips, draft, editor,
                                                     tasks, tmp_path):
    grid = tmp_path / "clip02.TextGrid"
    grid.write_text(textgrid(3.0, {"glitch": [(0.1, 0.2, "glitch")]}), encoding="utf-8")
    dialog = open_import(qtbot, editor, tasks, dataset, draft)
    choose_format(qtbot, dialog, "csv")
    drop_paths(dialog, [grid])
    assert dialog.format_name() == "textgrid"          # from the extension
    assert dialog.files_list.paths() == [grid]
    assert wait_preview(qtbot, dialog).counts_by_audio == {"clip02.wav": 1}

    # Select the row and press Delete: it goes, and so does the preview.
    dialog.files_list.setFocus()
    dialog.files_list.setCurrentRow(0)
    qtbot.keyClick(dialog.files_list, Qt.Key.Key_Delete)
    assert dialog.files_list.count() == 0
    assert wait_preview(qtbot, dialog) is None
    assert not dialog.import_button.isEnabled()


def test_stopping_a_long_preview_keeps_the_window_usable(qtbot, monkeypatch, ctx, dataset,
                                                         clips, draft, editor, tasks, tmp_path):
    csv = tmp_path / "labels.csv"
    csv.write_text(CSV_TEXT, encoding="utf-8")
    started = []
    real_preview = annotation_import.preview_import

    def slow_preview(*args, cancelled, progress, **kwargs):
        progress(0, 1, str(csv))
        started.append(True)
        while not cancelled():   # a huge file: runs until stopped
            time.sleep(0.005)
        raise Cancelled("Import cancelled; nothing was imported.")

    monkeypatch.setattr(annotation_import, "preview_import", slow_preview)
    dialog = open_import(qtbot, editor, tasks, dataset, draft)
    choose_format(qtbot, dialog, "csv")
    dialog.add_paths([csv])
    qtbot.waitUntil(lambda: bool(started), timeout=5000)
    assert dialog.stop_button.isVisible() and dialog.busy
    assert dialog.status_label.text() == "Reading 1 of 1: labels.csv"
    # The UI thread is free meanwhile: typing into another widget works.
    qtbot.keyClick(dialog.format_combo, Qt.Key.Key_Up)
    qtbot.mouseClick(dialog.stop_button, LEFT)
    qtbot.waitUntil(lambda: tasks.active == 0, timeout=5000)
    assert not dialog.busy and not dialog.import_button.isEnabled()
    assert dialog.error_message.button.text() == "Check Again"

    monkeypatch.setattr(annotation_import, "preview_import", real_preview)
    choose_format(qtbot, dialog, "csv")
    qtbot.mouseClick(dialog.error_message.button, LEFT)
    assert wait_preview(qtbot, dialog).annotation_count == 4
    assert dialog.import_button.isEnabled()


# -- unknown types ----------------------------------------------------------------------------


def test_unknown_types_refused_then_added_and_undo_removes_them(qtbot, monkeypatch, ctx, dataset,
                                                                 clips, draft, editor, tasks,
                                                                 tmp_path):
    csv = tmp_path / "detections.csv"
    csv.write_text("original_filename,artifact_type,start_ms,end_ms,confidence,note\n"
                   "clip01.wav,click,10,50,0.9,\n"
                   "clip01.wav,click,60,90,0.8,\n"
                   "clip02.wav,echo,100,900,0.7,\n"
                   "clip02.wav,glitch,1000,1100,1,\n", encoding="utf-8")
    dialog = open_import(qtbot, editor, tasks, dataset, draft)
    choose_format(qtbot, dialog, "csv")
    add_files_by_dialog(qtbot, monkeypatch, dialog, [csv])
    preview = wait_preview(qtbot, dialog)
    assert not preview.can_apply and preview.unknown_types == {"click": 2, "echo": 1}
    assert not dialog.import_button.isEnabled()
    message = dialog.types_message
    assert message.kind == ERROR
    assert message.text().startswith("Labels name artifact types the dataset does not have: "
                                     "'click' (2), 'echo' (1).")
    assert tree_rows(dialog.types_tree) == [["click", "2", "unknown: not a type of the dataset"],
                                            ["echo", "1", "unknown: not a type of the dataset"],
                                            ["glitch", "1", ""]]
    qtbot.mouseClick(dialog.import_button, LEFT)
    assert ctx.annotations.list(draft.id) == []
    assert ctx.datasets.get(dataset.id).type_names() == ["glitch", "long_pause", "hallucination"]

    # The message's button checks the option; the preview is computed again.
    assert message.button.text() == "Add Them"
    qtbot.mouseClick(message.button, LEFT)
    assert dialog.add_types_check.isChecked()
    preview = wait_preview(qtbot, dialog)
    assert preview.can_apply and preview.new_types == ("click", "echo")
    assert dialog.types_message.text().startswith(
        "2 new artifact types will be added to TTS Glitches: click, echo")
    assert tree_rows(dialog.types_tree)[0] == ["click", "2", "new: will be added to the dataset"]
    assert ctx.datasets.get(dataset.id).type_names() == ["glitch", "long_pause", "hallucination"]

    changed = []
    editor.store.dataset_changed.connect(changed.append)
    qtbot.mouseClick(dialog.import_button, LEFT)
    types = ctx.datasets.get(dataset.id).artifact_types
    assert [t.name for t in types] == ["glitch", "long_pause", "hallucination", "click", "echo"]
    added_colors = {t.name: t.color for t in types[3:]}
    assert changed and changed[-1].type_names()[-2:] == ["click", "echo"]
    assert len(ctx.annotations.list(draft.id)) == 4
    assert "Added artifact types: click, echo." in dialog.result_message.text()

    ids = sorted(a.id for a in ctx.annotations.list(draft.id))
    editor.stack.undo()
    assert ctx.annotations.list(draft.id) == []
    assert ctx.datasets.get(dataset.id).type_names() == ["glitch", "long_pause", "hallucination"]
    editor.stack.redo()
    types = ctx.datasets.get(dataset.id).artifact_types
    assert {t.name: t.color for t in types[3:]} == added_colors
    assert sorted(a.id for a in ctx.annotations.list(draft.id)) == ids
    assert editor.on_error == []


def test_undo_keeps_an_added_type_that_is_used_since(qtbot, monkeypatch, ctx, dataset, clips,
                                                     draft, editor, tasks, tmp_path):
    csv = tmp_path / "labels.csv"
    csv.write_text("original_filename,artifact_type,start_ms,end_ms,confidence,note\n"
                   "clip01.wav,click,10,50,1,\n", encoding="utf-8")
    dialog = open_import(qtbot, editor, tasks, dataset, draft)
    choose_format(qtbot, dialog, "csv")
    qtbot.mouseClick(dialog.add_types_check, LEFT,
                     pos=QPoint(6, dialog.add_types_check.height() // 2))
    add_files_by_dialog(qtbot, monkeypatch, dialog, [csv])
    assert wait_preview(qtbot, dialog).new_types == ("click",)
    qtbot.mouseClick(dialog.import_button, LEFT)
    # Someone labels with the new type afterwards (a later edit, not part of the import).
    later = ctx.annotations.create(draft.id, AnnotationDraft(clips["clip02.wav"].id, "click",
                                                             5, 9))
    editor.stack.undo()
    assert [a.id for a in ctx.annotations.list(draft.id)] == [later.id]
    assert "click" in ctx.datasets.get(dataset.id).type_names()


# -- published sets -------------------------------------------------------------------------


def test_published_set_is_refused_up_front(qtbot, ctx, dataset, clips, editor, tasks):
    published = ctx.sets.create(dataset.id)
    ctx.annotations.create(published.id, AnnotationDraft(clips["clip01.wav"].id, "glitch", 1, 2))
    ctx.sets.publish(published.id)
    dialog = open_import(qtbot, editor, tasks, dataset, ctx.sets.get(published.id))
    assert dialog.refused
    text = dialog.refusal_label.text()
    assert "v1 of TTS Glitches is published and read-only" in text
    assert "Create a new version" in text
    buttons = [b.text() for b in dialog.findChildren(QPushButton)]
    assert buttons == ["Close"]                       # it offers nothing else
    assert not hasattr(dialog, "format_combo")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_set_published_after_the_preview_imports_nothing(qtbot, monkeypatch, ctx, dataset, clips,
                                                         draft, editor, tasks, tmp_path):
    csv = tmp_path / "labels.csv"
    csv.write_text(CSV_TEXT, encoding="utf-8")
    dialog = open_import(qtbot, editor, tasks, dataset, draft)
    choose_format(qtbot, dialog, "csv")
    add_files_by_dialog(qtbot, monkeypatch, dialog, [csv])
    assert wait_preview(qtbot, dialog).can_apply
    ctx.sets.publish(draft.id)                         # elsewhere, e.g. the command line
    qtbot.mouseClick(dialog.import_button, LEFT)
    assert dialog.result_message.kind == ERROR
    assert dialog.result_message.text() == ("Nothing was imported: Annotation set v1 is "
                                            "published and cannot be changed. Create a new "
                                            "version from it to keep editing.")
    assert ctx.annotations.list(draft.id) == [] and editor.stack.count() == 0
    preview = wait_preview(qtbot, dialog)               # looked at again: now refused
    assert not preview.can_apply and not dialog.import_button.isEnabled()


# -- export ----------------------------------------------------------------------------------


@pytest.fixture
def labeled(ctx, dataset, clips):
    target = ctx.sets.create(dataset.id)
    clip01, clip02 = clips["clip01.wav"].id, clips["clip02.wav"].id
    ctx.annotations.create_many(target.id, [
        AnnotationDraft(clip01, "glitch", 101, 250, 0.75, "pop, loud"),
        AnnotationDraft(clip01, "glitch", 200, 400),                 # overlaps the one before
        AnnotationDraft(clip01, "long_pause", 500, 1999, 0.5),
        AnnotationDraft(clip02, "hallucination", 7, 2993, 0.125, "ünïcødé"),
    ])
    return ctx.sets.get(target.id)


def open_export(qtbot, store, tasks, dataset, target, audio=None) -> ExportAnnotationsDialog:
    return show(qtbot, ExportAnnotationsDialog(store, tasks, dataset.id, target.id,
                                               audio.id if audio else None))


def run_export(qtbot, dialog):
    with qtbot.waitSignal(dialog.finished_export, timeout=15_000) as signal:
        qtbot.mouseClick(dialog.export_button, LEFT)
    return signal.args[0]


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_every_format_and_import_it_back_equal(qtbot, ctx, store, dataset, clips, labeled,
                                                      tasks, tmp_path, fmt):
    spec = FORMATS[fmt]
    dialog = open_export(qtbot, store, tasks, dataset, labeled, clips["clip01.wav"])
    choose_format(qtbot, dialog, fmt)
    default = dialog.destination()
    if spec.per_audio_file:
        assert dialog.destination_label.text() == "Into fol&der:"
        assert default.name == f"TTS Glitches v1 {spec.title.split(' (')[0]}"
        out = tmp_path / "exports" / fmt                 # created by the export
    else:
        assert dialog.destination_label.text() == "Save as fi&le:"
        assert default.name == f"TTS Glitches v1{spec.extensions[0]}"
        (tmp_path / "exports").mkdir()
        out = tmp_path / "exports" / f"labels{spec.extensions[0]}"
    retype(qtbot, dialog.destination_edit, str(out))
    assert dialog.export_button.isEnabled()

    result = run_export(qtbot, dialog)
    assert result is not None and result.annotation_count == 4 and result.audio_count == 2
    if spec.per_audio_file:
        assert sorted(p.name for p in out.iterdir()) == sorted(
            f"clip0{n}{spec.extensions[0]}" for n in (1, 2))
        assert dialog.result_message.text() == (
            f"Exported 4 annotations of 2 audio files ({spec.title}): 2 files in {out}.")
    else:
        assert out.is_file() and list(out.parent.iterdir()) == [out]
        assert dialog.result_message.text() == (
            f"Exported 4 annotations of 2 audio files ({spec.title.split(' (')[0]}) to {out}.")
    written = [dialog.written_list.item(i).text() for i in range(dialog.written_list.count())]
    assert written == [str(p) for p in result.paths] and all(p.exists() for p in result.paths)

    target = ctx.sets.create(dataset.id)
    preview = preview_import(ctx, dataset.id, target.id, fmt, [out])
    assert preview.errors == () and preview.problems == () and preview.unmatched == ()
    apply_import(ctx, preview)

    def comparable(set_id):
        rows = []
        for a in ctx.annotations.list(set_id):
            row = (a.audio_file_id, a.artifact_type, a.start_ms, a.end_ms)
            row += (a.confidence,) if spec.carries_confidence else ()
            row += (a.note,) if spec.carries_note else ()
            rows.append(row)
        return sorted(rows)

    assert comparable(target.id) == comparable(labeled.id)


def test_export_current_file_only_and_open_folder(qtbot, monkeypatch, ctx, store, dataset, clips,
                                                  labeled, tasks, tmp_path):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    clip01 = clips["clip01.wav"]
    dialog = open_export(qtbot, store, tasks, dataset, labeled, clip01)
    assert dialog.current_radio.text() == "&Current file only: clip01.wav, 3 annotations"
    assert dialog.all_radio.text() == "&All audio files: 2 files, 4 annotations"
    choose_format(qtbot, dialog, "audacity")
    qtbot.mouseClick(dialog.current_radio, LEFT, pos=QPoint(6, dialog.current_radio.height() // 2))
    assert dialog.current_radio.isChecked()
    assert dialog.destination().name == "TTS Glitches v1 clip01 Audacity labels"
    out = tmp_path / "audacity"
    retype(qtbot, dialog.destination_edit, str(out))
    result = run_export(qtbot, dialog)
    assert [p.name for p in result.paths] == ["clip01.txt"]
    assert result.annotation_count == 3
    assert (out / "clip01.txt").read_text(encoding="utf-8").splitlines() == [
        "0.101000\t0.250000\tglitch", "0.200000\t0.400000\tglitch",
        "0.500000\t1.999000\tlong_pause"]
    assert dialog.result_message.button.text() == "Open Folder"
    qtbot.mouseClick(dialog.result_message.button, LEFT)
    assert opened == [QUrl.fromLocalFile(str(out))]


def test_export_destination_checked_and_failure_reported(qtbot, ctx, store, dataset, clips,
                                                         labeled, tasks, tmp_path):
    dialog = open_export(qtbot, store, tasks, dataset, labeled)
    assert not dialog.current_radio.isEnabled()        # no file open in the window
    choose_format(qtbot, dialog, "csv")
    retype(qtbot, dialog.destination_edit, str(tmp_path / "no such folder" / "x.csv"))
    assert dialog.destination_message.kind == ERROR
    assert dialog.destination_message.text() == (f"The folder {tmp_path / 'no such folder'} "
                                                 f"does not exist.")
    assert not dialog.export_button.isEnabled()

    blocker = tmp_path / "a file"
    blocker.write_text("in the way", encoding="utf-8")
    choose_format(qtbot, dialog, "eaf")                 # a folder inside a file cannot be made
    retype(qtbot, dialog.destination_edit, str(blocker / "eaf"))
    assert dialog.export_button.isEnabled()
    assert run_export(qtbot, dialog) is None
    assert dialog.result_message.kind == ERROR
    assert dialog.result_message.text().startswith(f"Cannot create the folder {blocker / 'eaf'}")
    assert blocker.read_text(encoding="utf-8") == "in the way"
    assert dialog.close_button.text() == "Close" and dialog.export_button.isEnabled()


def test_export_file_format_switch_keeps_the_typed_folder(qtbot, store, dataset, clips, labeled,
                                                          tasks, tmp_path):
    dialog = open_export(qtbot, store, tasks, dataset, labeled)
    choose_format(qtbot, dialog, "csv")
    retype(qtbot, dialog.destination_edit, str(tmp_path / "mine.csv"))
    choose_format(qtbot, dialog, "relay-json")
    assert dialog.destination() == tmp_path / "mine.json"
    choose_format(qtbot, dialog, "textgrid")
    assert dialog.destination() == tmp_path / "mine"
    (tmp_path / "mine.csv").write_text("old", encoding="utf-8")
    choose_format(qtbot, dialog, "csv")
    assert dialog.destination() == tmp_path / "mine.csv"
    assert dialog.destination_message.text() == "mine.csv exists and will be replaced."
    assert dialog.export_button.isEnabled()


# -- the main window ----------------------------------------------------------------------------


def test_window_menu_actions_shortcuts_and_dialogs(make_window, qtbot, monkeypatch, ctx, dataset,
                                                   clips, labeled, tmp_path):
    window = make_window()
    importer, exporter = window.import_annotations_action, window.export_annotations_action
    assert importer.text() == "Import &Annotations…" and exporter.text() == "&Export Annotations…"
    assert importer.shortcut() == QKeySequence("Ctrl+Shift+O")
    assert exporter.shortcut() == QKeySequence("Ctrl+Shift+E")
    actions = window.file_menu.actions()
    tail = actions.index(window._file_menu_tail)
    assert actions[tail - 2:tail] == [importer, exporter]
    assert importer.isEnabled() and exporter.isEnabled()
    assert window.annotation_set.id == labeled.id

    window.open_audio(clips["clip01.wav"].id)
    qtbot.keyClick(window.waveform, Qt.Key.Key_E, CTRL_SHIFT)
    dialog = window.annotation_io_dialog
    assert isinstance(dialog, ExportAnnotationsDialog) and dialog.isVisible()
    assert dialog.isModal()
    assert dialog.current_radio.text().startswith("&Current file only: clip01.wav")
    choose_format(qtbot, dialog, "csv")
    out = tmp_path / "from-window.csv"
    retype(qtbot, dialog.destination_edit, str(out))
    run_export(qtbot, dialog)
    assert out.is_file()
    assert window.statusBar().currentMessage() == (
        f"Exported 4 annotations of 2 audio files (CSV table) to {out}.")
    qtbot.mouseClick(dialog.close_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    csv = tmp_path / "more.csv"
    csv.write_text("original_filename,artifact_type,start_ms,end_ms,confidence,note\n"
                   "clip01.wav,hallucination,1200,1300,1,\n"
                   "clip02.wav,glitch,10,20,1,\n", encoding="utf-8")
    before = len(window.current_annotations())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.waveform.setFocus()
    qtbot.keyClick(window.waveform, Qt.Key.Key_O, CTRL_SHIFT)
    dialog = window.annotation_io_dialog
    assert isinstance(dialog, ImportAnnotationsDialog) and dialog.isVisible()
    choose_format(qtbot, dialog, "csv")
    add_files_by_dialog(qtbot, monkeypatch, dialog, [csv])
    assert wait_preview(qtbot, dialog).annotation_count == 2
    qtbot.mouseClick(dialog.import_button, LEFT)
    assert window.statusBar().currentMessage() == (
        "Imported 2 annotations (CSV table) into 'TTS Glitches' v1.")
    shown = window.current_annotations()                 # clip01 is open: its new one is there
    assert len(shown) == before + 1
    assert any(a.artifact_type == "hallucination" and a.start_ms == 1200 for a in shown)
    assert window.actions_by_id["undo"].text() == "Undo Import 2 annotations (CSV table)"
    qtbot.mouseClick(dialog.close_button, LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())

    window.actions_by_id["undo"].trigger()
    assert len(ctx.annotations.list(labeled.id)) == 4
    assert len(window.current_annotations()) == before


def test_window_actions_need_an_open_set(make_window, qtbot, ctx, dataset, clips):
    window = make_window()
    assert window.dataset is not None and window.annotation_set is None
    assert not window.import_annotations_action.isEnabled()
    assert not window.export_annotations_action.isEnabled()
    window.editor.new_version(dataset.id, None)
    assert window.annotation_set is not None
    assert window.import_annotations_action.isEnabled()
    assert window.export_annotations_action.isEnabled()


def test_window_published_set_opens_the_refusal(make_window, qtbot, ctx, dataset, clips, labeled):
    ctx.sets.publish(labeled.id)
    window = make_window()
    assert window.annotation_set.is_published
    window.import_annotations_action.trigger()
    dialog = window.annotation_io_dialog
    assert dialog.isVisible() and dialog.refused
    assert "published and read-only" in dialog.refusal_label.text()
