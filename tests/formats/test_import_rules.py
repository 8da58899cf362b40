"""Import rules: matching audio names, unknown types, skipped entries with their lines,
--strict, published sets, one transaction; and the export edge cases."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app.core.entities import AnnotationDraft, ArtifactType, AudioFile
from app.core.errors import DomainError, PublishedSetError, ValidationError
from app.formats.exporter import export_annotations
from app.formats.importer import ImportRefused, apply_import, preview_import
from app.formats.matching import AudioMatcher
from app.formats.records import BAD_TIMES, EMPTY_LABEL, OUTSIDE_AUDIO, Cancelled
from tests.audio_samples import write_tone
from tests.formats.conftest import db_counts

HEADER = "original_filename,artifact_type,start_ms,end_ms,confidence,note\n"
NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)


def _audio(name: str, ident: str) -> AudioFile:
    return AudioFile(ident, "d", name, "0" * 64, "WAV", "PCM_16", 16000, 1, 16000, 1000, 1, NOW)


def _csv(tmp_path: Path, rows: list[str], name: str = "labels.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def _preview(ctx, dataset, target, paths, fmt="csv", **options):
    return preview_import(ctx, dataset.id, target.id, fmt, paths, **options)


# -- matching ---------------------------------------------------------------------------------

def test_matching_rules_in_order():
    matcher = AudioMatcher([_audio("Clip01.wav", "1"), _audio("clip01.WAV", "2"),
                            _audio("take.flac", "3"), _audio("TAKE.mp3", "4"),
                            _audio("notes.v2.wav", "5")])
    exact = matcher.match(["clip01.WAV"])
    assert (exact.audio.id, exact.rule) == ("2", "exact name")
    ambiguous = matcher.match(["CLIP01.wav"])
    assert ambiguous.audio is None and ambiguous.ambiguous
    assert ambiguous.candidates == ("Clip01.wav", "clip01.WAV")
    assert "ambiguous" in ambiguous.reason()
    assert matcher.match(["take"]).audio.id == "3"           # stem, case-sensitive first
    assert matcher.match(["Take"]).ambiguous                 # then ignoring case: two
    assert matcher.match(["take.ogg"]).audio.id == "3"       # both without extension
    assert matcher.match(["notes.v2"]).audio.id == "5"       # a dotted stem is a stem
    assert matcher.match([r"C:\Users\ana\take.flac"]).audio.id == "3"  # paths: last part
    assert matcher.match(["nothing.wav"]).reason() == \
        "no audio file named 'nothing.wav' in the dataset"
    assert matcher.match(["nothing", "take.flac"]).audio.id == "3"  # first name that matches
    assert matcher.match(["x"], audio_id="4").audio.id == "4"       # an own id wins


def test_case_and_extension_matching_on_import(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    path = _csv(tmp_path, ["CLIP01.WAV,glitch,1,2,,", "clip02,glitch,3,4,,", "call 0042.mp3,glitch,5,6,,"])
    preview = _preview(ctx, dataset, target, [path])
    assert preview.counts_by_audio == {"Call 0042.wav": 1, "clip01.wav": 1, "clip02.flac": 1}


def test_every_unmatched_name_is_reported(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    path = _csv(tmp_path, ["clip01.wav,glitch,1,2,,", "lost.wav,glitch,1,2,,", "gone.wav,glitch,3,4,,",
                           "lost.wav,long_pause,5,9,,"])
    other = _csv(tmp_path, ["lost.wav,glitch,7,8,,"], name="more.csv")
    preview = _preview(ctx, dataset, target, [path, other])
    assert {u.name: (u.annotation_count, [str(l) for l in u.locations]) for u in preview.unmatched} == {
        "lost.wav": (3, [f"{path}:3", f"{other}:2"]), "gone.wav": (1, [f"{path}:4"])}
    assert preview.can_apply and preview.annotation_count == 1
    result = apply_import(ctx, preview)
    assert len(result.created) == 1


# -- types ------------------------------------------------------------------------------------

def test_unknown_types_are_refused_with_the_list(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    path = _csv(tmp_path, ["clip01.wav,pop,1,2,,", "clip01.wav,click,3,4,,", "clip01.wav,pop,5,6,,",
                           "clip01.wav,glitch,7,8,,"])
    before = db_counts(ctx)
    preview = _preview(ctx, dataset, target, [path])
    assert preview.unknown_types == {"pop": 2, "click": 1}
    [error] = preview.errors
    assert "unknown artifact types 'pop' (2), 'click' (1)" in error
    assert "glitch, hallucination, long_pause" in error and "--add-types" in error
    with pytest.raises(ImportRefused):
        apply_import(ctx, preview)
    assert db_counts(ctx) == before


def test_add_types_adds_them_in_the_same_transaction(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    path = _csv(tmp_path, ["clip01.wav,pop,1,2,,", "clip01.wav,click,3,4,,", "clip01.wav,glitch,7,8,,"])
    preview = _preview(ctx, dataset, target, [path], add_types=True)
    assert preview.new_types == ("pop", "click") and preview.can_apply
    assert ctx.datasets.get(dataset.id).type_names() == ["glitch", "long_pause", "hallucination"]
    result = apply_import(ctx, preview)
    updated = ctx.datasets.get(dataset.id)
    assert updated.type_names() == ["glitch", "long_pause", "hallucination", "pop", "click"]
    colors = [t.color for t in updated.artifact_types[3:]]
    assert len(set(colors)) == 2 and "#FF0000" not in colors
    assert result.added_types == ("pop", "click") and len(result.created) == 3


def test_types_are_not_added_when_the_import_fails(ctx, dataset, clips, tmp_path):
    """Published between preview and apply: the whole transaction, types included, is refused."""
    target = ctx.sets.create(dataset.id)
    path = _csv(tmp_path, ["clip01.wav,pop,1,2,,"])
    preview = _preview(ctx, dataset, target, [path], add_types=True)
    ctx.sets.publish(target.id)
    before = db_counts(ctx)
    with pytest.raises(PublishedSetError):
        apply_import(ctx, preview)
    assert db_counts(ctx) == before
    assert "pop" not in ctx.datasets.get(dataset.id).type_names()


def test_create_many_new_types_roll_back_with_a_bad_annotation(ctx, dataset, clips):
    target = ctx.sets.create(dataset.id)
    clip = clips["clip01.wav"]
    with pytest.raises(ValidationError, match="Annotation 2"):
        ctx.annotations.create_many(target.id, [
            AnnotationDraft(clip.id, "pop", 1, 2), AnnotationDraft(clip.id, "pop", 5, 99_999)],
            new_types=[ArtifactType("pop")])
    assert "pop" not in ctx.datasets.get(dataset.id).type_names()
    created = ctx.annotations.create_many(target.id, [AnnotationDraft(clip.id, "glitch", 1, 2)],
                                          new_types=[ArtifactType("glitch", color="#000000")])
    assert len(created) == 1
    assert ctx.datasets.get(dataset.id).artifact_types[0].color == "#FF4444"  # untouched


def test_type_names_the_dataset_cannot_take_are_refused(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    path = _csv(tmp_path, ["clip01.wav," + "x" * 101 + ",1,2,,"])
    preview = _preview(ctx, dataset, target, [path], add_types=True)
    assert not preview.can_apply and "cannot become an artifact type" in preview.errors[0]


def test_a_tier_labeled_with_type_names_gives_each_label_its_type(ctx, dataset, clips, tmp_path):
    from praatio import textgrid
    from praatio.data_classes.interval_tier import IntervalTier

    grid = textgrid.Textgrid(0, 2)
    grid.addTier(IntervalTier("artifacts", [(0.1, 0.2, "glitch"), (0.5, 1.0, "long_pause")], 0, 2))
    grid.addTier(IntervalTier("words", [(0.0, 0.4, "hello"), (0.4, 0.9, "world")], 0, 2))
    path = tmp_path / "clip01.TextGrid"
    grid.save(str(path), format="long_textgrid", includeBlankSpaces=True)
    target = ctx.sets.create(dataset.id)
    preview = _preview(ctx, dataset, target, [path], fmt="textgrid")
    assert preview.unknown_types == {"words": 2}  # a transcription tier is not guessed at
    assert preview.counts_by_type == {"glitch": 1, "long_pause": 1, "words": 2}


# -- skipped entries, --strict, published sets -------------------------------------------------

BAD_ROWS = ["clip01.wav,glitch,100,200,,", "clip01.wav,,300,400,,", "clip01.wav,glitch,500,500,,",
            "clip01.wav,glitch,600,550,,", "clip01.wav,long_pause,1900,2001,,",
            "nowhere.wav,glitch,1,2,,"]


def test_problems_are_reported_with_their_lines_and_skipped(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    path = _csv(tmp_path, BAD_ROWS)
    preview = _preview(ctx, dataset, target, [path])
    assert [(p.location.line, p.kind) for p in preview.problems] == [
        (3, EMPTY_LABEL), (4, BAD_TIMES), (5, BAD_TIMES), (6, OUTSIDE_AUDIO)]
    assert str(preview.problems[3]) == (f"{path}:6: 1.900-2.001 s reaches past the end of "
                                        f"'clip01.wav' (2.000 s); skipped.")
    assert str(preview.problems[1]) == f"{path}:4: start 0.500 s is not before end 0.500 s; skipped."
    assert [u.name for u in preview.unmatched] == ["nowhere.wav"]
    assert preview.skipped_count == 5 and preview.can_apply
    apply_import(ctx, preview)
    assert [(a.start_ms, a.end_ms) for a in ctx.annotations.list(target.id)] == [(100, 200)]


def test_strict_refuses_the_whole_import(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    before = db_counts(ctx)
    preview = _preview(ctx, dataset, target, [_csv(tmp_path, BAD_ROWS)], strict=True)
    assert preview.errors == ("strict import refused: 4 entries have problems and 1 audio name "
                              "matches no audio file (listed with their lines).",)
    with pytest.raises(ImportRefused, match="strict import refused"):
        apply_import(ctx, preview)
    assert db_counts(ctx) == before
    clean = _preview(ctx, dataset, target, [_csv(tmp_path, BAD_ROWS[:1], "ok.csv")], strict=True)
    assert clean.can_apply


def test_nothing_to_import_when_every_entry_is_skipped(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    preview = _preview(ctx, dataset, target, [_csv(tmp_path, BAD_ROWS[1:])])
    assert preview.errors == ("nothing to import: every entry was skipped (see the problems).",)


def test_published_set_is_refused(ctx, dataset, clips, labeled, tmp_path):
    ctx.sets.publish(labeled.id)
    before = db_counts(ctx)
    preview = _preview(ctx, dataset, labeled, [_csv(tmp_path, BAD_ROWS[:1])])
    assert preview.set_published
    assert preview.errors[0].startswith("Annotation set v1 is published and cannot be changed")
    with pytest.raises(ImportRefused, match="published"):
        apply_import(ctx, preview)
    assert db_counts(ctx) == before


def test_preview_writes_nothing_and_apply_is_one_transaction(ctx, dataset, clips, tmp_path):
    target = ctx.sets.create(dataset.id)
    before = db_counts(ctx)
    preview = _preview(ctx, dataset, target, [_csv(tmp_path, [
        "clip01.wav,glitch,1,2,0.5,a", "clip02.flac,long_pause,3,4,,", "clip02.flac,pop,5,6,,"])],
        add_types=True)
    assert db_counts(ctx) == before
    json.dumps(preview.to_json())  # the GUI / --json can show it as is
    result = apply_import(ctx, preview)
    assert db_counts(ctx) == (before[0] + 3, before[1] + 1, before[2])
    assert {a.id for a in result.created} == {a.id for a in ctx.annotations.list(target.id)}


def test_annotations_already_in_the_set_are_not_doubled(ctx, dataset, clips, labeled, tmp_path):
    out = tmp_path / "again.json"
    export_annotations(ctx, dataset.id, labeled.id, "relay-json", out)
    preview = _preview(ctx, dataset, labeled, [out], fmt="relay-json")
    assert preview.duplicates == 7 and preview.annotation_count == 0 and preview.can_apply


def test_folders_progress_and_cancel(ctx, dataset, clips, labeled, tmp_path):
    out = tmp_path / "deep" / "labels"
    export_annotations(ctx, dataset.id, labeled.id, "textgrid", out)
    target = ctx.sets.create(dataset.id)
    seen = []
    preview = preview_import(ctx, dataset.id, target.id, "textgrid", [tmp_path / "deep"],
                             progress=lambda done, total, name: seen.append((done, total)))
    assert len(preview.files) == 3 and preview.annotation_count == 7
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    with pytest.raises(Cancelled):
        preview_import(ctx, dataset.id, target.id, "textgrid", [out], cancelled=lambda: True)


# -- export edge cases ------------------------------------------------------------------------

def test_per_file_names_when_stems_clash(ctx, dataset, tmp_path):
    files = [write_tone(tmp_path / "a" / "take.wav", 1.0), write_tone(tmp_path / "b" / "take.flac", 1.0, freq=200),
             write_tone(tmp_path / "c" / "take.wav", 1.0, freq=330)]
    audio = ctx.audio.import_paths(dataset.id, files).imported
    target = ctx.sets.create(dataset.id)
    ctx.annotations.create_many(target.id, [AnnotationDraft(a.id, "glitch", 10 * i + 1, 10 * i + 5)
                                            for i, a in enumerate(audio)])
    result = export_annotations(ctx, dataset.id, target.id, "audacity", tmp_path / "out")
    names = sorted(p.name for p in result.paths)
    assert names[0] == "take.flac.txt"
    assert names[1].startswith("take.wav.") and names[2].startswith("take.wav.")
    back = ctx.sets.create(dataset.id)
    preview = _preview(ctx, dataset, back, [tmp_path / "out" / "take.flac.txt"], fmt="audacity")
    assert preview.counts_by_audio == {"take.flac": 1}
    # Two files really are named take.wav: the id prefix in the file name tells them apart.
    preview = _preview(ctx, dataset, back, [tmp_path / "out"], fmt="audacity")
    assert preview.unmatched == () and preview.annotation_count == 3
    apply_import(ctx, preview)
    assert sorted((a.audio_file_id, a.start_ms) for a in ctx.annotations.list(back.id)) == \
        sorted((a.audio_file_id, a.start_ms) for a in ctx.annotations.list(target.id))
    # Without the id, a name shared by two files is ambiguous and reported as such.
    (tmp_path / "out" / names[1]).rename(tmp_path / "take.wav.txt")
    preview = _preview(ctx, dataset, ctx.sets.create(dataset.id), [tmp_path / "take.wav.txt"],
                       fmt="audacity")
    assert [(u.name, u.candidates) for u in preview.unmatched] == [
        ("take.wav", ("take.wav", "take.wav"))]
    assert "is ambiguous" in preview.unmatched[0].reason


def test_export_targets_are_checked(ctx, dataset, clips, labeled, tmp_path):
    with pytest.raises(DomainError, match="is a folder; the csv format writes one file"):
        export_annotations(ctx, dataset.id, labeled.id, "csv", tmp_path)
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(DomainError, match="is a file; the eaf format writes one file per audio"):
        export_annotations(ctx, dataset.id, labeled.id, "eaf", tmp_path / "file.txt")
    with pytest.raises(DomainError, match="does not exist"):
        export_annotations(ctx, dataset.id, labeled.id, "csv", tmp_path / "no" / "x.csv")
    with pytest.raises(ValidationError, match="Unknown export format 'relay-detections'"):
        export_annotations(ctx, dataset.id, labeled.id, "relay-detections", tmp_path / "x.json")


def test_cancelled_export_leaves_no_file(ctx, dataset, clips, labeled, tmp_path):
    calls = []

    def cancel_after_two() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        export_annotations(ctx, dataset.id, labeled.id, "eaf", tmp_path / "out",
                           cancelled=cancel_after_two)
    assert list((tmp_path / "out").iterdir()) == []


def test_exporting_a_published_set_is_fine(ctx, dataset, clips, labeled, tmp_path):
    ctx.sets.publish(labeled.id)
    result = export_annotations(ctx, dataset.id, labeled.id, "csv", tmp_path / "v1.csv")
    assert result.annotation_count == 7


def test_command_line_names_match_the_registry():
    from app.formats.names import EXPORT_FORMAT_NAMES, IMPORT_FORMAT_NAMES, PER_AUDIO_FILE_FORMATS
    from app.formats.registry import EXPORT_FORMATS, FORMATS, IMPORT_FORMATS

    assert IMPORT_FORMAT_NAMES == IMPORT_FORMATS and EXPORT_FORMAT_NAMES == EXPORT_FORMATS
    assert PER_AUDIO_FILE_FORMATS == tuple(n for n, s in FORMATS.items() if s.per_audio_file)
