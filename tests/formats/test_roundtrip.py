"""Round trips: export a set in each format, import it into a new draft, compare.

Type, start_ms and end_ms come back identical in every format; confidence where the
format carries it (platform JSON, CSV); notes where it carries them (JSON, CSV, TextGrid,
ELAN). Property tests run the same through the format modules with generated sets.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.entities import (
    Annotation,
    AnnotationDraft,
    AnnotationSet,
    ArtifactType,
    AudioFile,
    Dataset,
)
from app.formats.export_model import AudioAnnotations, ExportInput
from app.formats.exporter import export_annotations
from app.formats.importer import apply_import, preview_import
from app.formats.registry import EXPORT_FORMATS, FORMATS
from tests.formats.conftest import keys

NOW = datetime(2024, 1, 15, 10, 30, tzinfo=timezone.utc)


def _out(tmp_path: Path, fmt: str) -> Path:
    spec = FORMATS[fmt]
    return tmp_path / fmt if spec.per_audio_file else tmp_path / f"export{spec.extensions[0]}"


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_round_trip_through_the_database(ctx, dataset, clips, labeled, tmp_path, fmt):
    spec = FORMATS[fmt]
    out = _out(tmp_path, fmt)
    result = export_annotations(ctx, dataset.id, labeled.id, fmt, out)
    assert result.annotation_count == 7 and result.audio_count == 3
    assert all(path.exists() for path in result.paths)

    target = ctx.sets.create(dataset.id)
    preview = preview_import(ctx, dataset.id, target.id, fmt, [out])
    assert preview.errors == () and preview.problems == () and preview.unmatched == ()
    assert preview.counts_by_type == {"glitch": 5, "hallucination": 1, "long_pause": 1}
    assert preview.counts_by_audio == {"clip01.wav": 5, "clip02.flac": 2}
    apply_import(ctx, preview)

    carried = dict(confidence=spec.carries_confidence, note=spec.carries_note)
    assert keys(ctx, target.id, **carried) == keys(ctx, labeled.id, **carried)
    if not spec.carries_confidence:
        assert {a.confidence for a in ctx.annotations.list(target.id)} == {1.0}


@pytest.mark.parametrize("fmt", [f for f in EXPORT_FORMATS if FORMATS[f].per_audio_file])
def test_per_file_exports_are_named_after_the_audio(ctx, dataset, clips, labeled, tmp_path, fmt):
    out = tmp_path / "labels"
    result = export_annotations(ctx, dataset.id, labeled.id, fmt, out)
    ext = FORMATS[fmt].extensions[0]
    assert sorted(p.name for p in result.paths) == sorted(
        [f"clip01{ext}", f"clip02{ext}", f"Call 0042{ext}"])
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in result.paths)


def test_export_of_one_audio_file(ctx, dataset, clips, labeled, tmp_path):
    out = tmp_path / "one.csv"
    result = export_annotations(ctx, dataset.id, labeled.id, "csv", out,
                                audio_ids=[clips["clip02.flac"].id])
    assert result.annotation_count == 2
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "original_filename,artifact_type,start_ms,end_ms,confidence,note"
    assert lines[1:] == ["clip02.flac,glitch,1,2,1.0,", "clip02.flac,hallucination,7,3499,0.125,ünïcødé «note»"]


def test_overlaps_of_one_type_go_to_extra_tiers(ctx, dataset, clips, labeled, tmp_path):
    from praatio import textgrid

    export_annotations(ctx, dataset.id, labeled.id, "textgrid", tmp_path)
    grid = textgrid.openTextgrid(str(tmp_path / "clip01.TextGrid"), includeEmptyIntervals=False)
    assert grid.tierNames == ("glitch", "glitch_2", "glitch_3", "long_pause", "hallucination")
    spans = {name: [(e.start, e.end) for e in grid.getTier(name).entries] for name in grid.tierNames}
    assert spans["glitch"] == [(1.001, 1.5), (1.8, 1.999)]
    assert spans["glitch_2"] == [(1.2, 1.8)]
    assert spans["glitch_3"] == [(1.3, 1.4)]
    assert spans["hallucination"] == []


# -- property tests through the format modules ----------------------------------------------

# Names and notes as users type them: any printable text (no control characters).
_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                max_size=20).map(str.strip).filter(bool)


@st.composite
def _sets(draw, with_notes: bool):
    type_names = draw(st.lists(_text, min_size=1, max_size=4, unique=True))
    duration = draw(st.integers(min_value=2, max_value=36_000_000))  # up to 10 hours
    annotations = []
    for index in range(draw(st.integers(min_value=0, max_value=12))):
        start = draw(st.integers(min_value=0, max_value=duration - 1))
        end = draw(st.integers(min_value=start + 1, max_value=min(duration, start + 600_000)))
        note = draw(st.none() | _text) if with_notes else None
        annotations.append(Annotation(
            id=f"a{index:03d}", annotation_set_id="s", audio_file_id="audio-1",
            artifact_type=draw(st.sampled_from(type_names)), start_ms=start, end_ms=end,
            confidence=draw(st.floats(min_value=0.0, max_value=1.0)), note=note))
    return type_names, duration, annotations


def _export_input(type_names, duration, annotations) -> ExportInput:
    dataset = Dataset("d", "D", None, tuple(ArtifactType(n) for n in type_names), NOW, NOW)
    audio = AudioFile("audio-1", "d", "take 1.wav", "0" * 64, "WAV", "PCM_16", 16000, 1,
                      duration * 16, duration, 1000, NOW)
    ordered = tuple(sorted(annotations, key=lambda a: (a.start_ms, a.end_ms, a.artifact_type)))
    return ExportInput(dataset, AnnotationSet("s", "d", 1, "draft", NOW, None),
                       (AudioAnnotations(audio, ordered),))


def _expected(annotations, spec, type_names):
    rows = []
    for a in annotations:
        row = (a.artifact_type, a.start_ms, a.end_ms)
        if spec.carries_confidence:
            row += (a.confidence,)
        if spec.carries_note:
            note = a.note
            if note is not None and spec.write_audio is not None and note == a.artifact_type:
                note = None  # a label that only repeats the type carries no note
            row += (note,)
        rows.append(row)
    return sorted(rows, key=repr)  # notes may be None


def _parsed(records, spec):
    rows = []
    for r in records:
        row = (r.artifact_type, r.start_ms, r.end_ms)
        if spec.carries_confidence:
            row += (1.0 if r.confidence is None else r.confidence,)
        if spec.carries_note:
            row += (r.note,)
        rows.append(row)
    return sorted(rows, key=repr)  # notes may be None


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_property_round_trip_through_the_files(fmt, data):
    spec = FORMATS[fmt]
    type_names, duration, annotations = data.draw(_sets(with_notes=spec.carries_note))
    export = _export_input(type_names, duration, annotations)
    with tempfile.TemporaryDirectory() as folder:
        if spec.per_audio_file:
            path = Path(folder) / f"take 1{spec.extensions[0]}"
            spec.write_audio(export.dataset, export.files[0], path)
        else:
            path = Path(folder) / f"all{spec.extensions[0]}"
            spec.write(export, path)
        parsed = spec.parse(path, frozenset(type_names))
    assert parsed.problems == []
    assert all(r.audio_names[0] in ("take 1", "take 1.wav") for r in parsed.records)
    assert _parsed(parsed.records, spec) == _expected(annotations, spec, type_names)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_round_trip_through_the_database(ctx, dataset, clips, tmp_path, data):
    """Random sets into the database, out through every format and back in."""
    clip = clips["clip02.flac"]
    source = ctx.sets.create(dataset.id)
    drafts = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=8))):
        start = data.draw(st.integers(min_value=0, max_value=clip.duration_ms - 1))
        end = data.draw(st.integers(min_value=start + 1, max_value=clip.duration_ms))
        drafts.append(AnnotationDraft(clip.id, data.draw(st.sampled_from(dataset.type_names())),
                                      start, end, data.draw(st.floats(0.0, 1.0))))
    ctx.annotations.create_many(source.id, drafts)
    for fmt in EXPORT_FORMATS:
        spec = FORMATS[fmt]
        out = Path(tempfile.mkdtemp(dir=tmp_path)) / (fmt if spec.per_audio_file else "x" + spec.extensions[0])
        export_annotations(ctx, dataset.id, source.id, fmt, out, audio_ids=[clip.id])
        target = ctx.sets.create(dataset.id)
        apply_import(ctx, preview_import(ctx, dataset.id, target.id, fmt, [out]))
        carried = dict(confidence=spec.carries_confidence)
        assert keys(ctx, target.id, **carried) == keys(ctx, source.id, **carried), fmt


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_control_characters_never_make_an_unreadable_file(ctx, dataset, clips, tmp_path, fmt):
    """A note pasted with control characters still exports to a file every tool reads:
    the characters XML and the tools refuse are dropped, line breaks kept."""
    source = ctx.sets.create(dataset.id)
    clip = clips["clip01.wav"]
    ctx.annotations.create_many(source.id, [
        AnnotationDraft(clip.id, "glitch", 10, 20, note="bell\x07 and\x00 tab\tline\r\nbreak\x1f"),
        AnnotationDraft(clip.id, "long_pause", 30, 40, note="\x0b\x0c")])
    out = _out(tmp_path, fmt)
    export_annotations(ctx, dataset.id, source.id, fmt, out, audio_ids=[clip.id])
    target = ctx.sets.create(dataset.id)
    preview = preview_import(ctx, dataset.id, target.id, fmt, [out])
    assert preview.errors == () and preview.problems == ()
    apply_import(ctx, preview)
    assert keys(ctx, target.id, confidence=False) == keys(ctx, source.id, confidence=False)
    if FORMATS[fmt].carries_note:
        notes = sorted((a.note or "") for a in ctx.annotations.list(target.id))
        expected = "bell and tab\tline\nbreak"
        if fmt == "relay-json":  # JSON escapes them: the note comes back exactly
            expected = "bell\x07 and\x00 tab\tline\r\nbreak\x1f"
        assert notes == ["", expected], notes
