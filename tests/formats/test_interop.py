"""Files no one here wrote: TextGrids as Praat writes them (long, short, UTF-16, CRLF),
an ELAN 3.0 file, Audacity labels with frequency rows, platform inference results; and
our exports read by praatio and by Praat itself (when the ``praat`` program is installed).

data/praat_long.TextGrid and data/praat_short.TextGrid are verbatim output of Praat 6.3
("Save as text file" / "Save as short text file"); data/elan_call.eaf follows what ELAN 6
writes (TIME_ORDER with an unaligned slot, a dependent tier, a REF_ANNOTATION tier).
"""

from __future__ import annotations

import codecs
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.formats import textgrid
from app.formats.exporter import export_annotations
from app.formats.importer import apply_import, preview_import
from app.formats.records import DEPENDENT_TIER, NO_TIME, POINT_TIER
from tests.formats.conftest import DATA

PRAAT = shutil.which("praat")
needs_praat = pytest.mark.skipif(PRAAT is None, reason="the praat program is not installed")

# What data/praat_*.TextGrid hold, in ms (0.3125 s rounds half up to 313 ms).
PRAAT_FIXTURE = [("glitch", 250, 313, None), ("glitch", 1001, 1500, 'click "loud"'),
                 ("long_pause", 500, 1250, None)]


def _import(ctx, dataset, fmt, paths, **options):
    target = ctx.sets.create(dataset.id)
    preview = preview_import(ctx, dataset.id, target.id, fmt, paths, **options)
    return target, preview


def _rows(ctx, target):
    return sorted((a.artifact_type, a.start_ms, a.end_ms, a.note)
                  for a in ctx.annotations.list(target.id))


def _place(tmp_path: Path, source: Path | bytes, name: str) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(source.read_bytes() if isinstance(source, Path) else source)
    return path


@pytest.mark.parametrize("fixture", ["praat_long.TextGrid", "praat_short.TextGrid"])
def test_praat_textgrid_long_and_short_forms(ctx, dataset, clips, tmp_path, fixture):
    path = _place(tmp_path, DATA / fixture, "clip01.TextGrid")
    target, preview = _import(ctx, dataset, "textgrid", [path])
    assert preview.errors == ()
    assert [(p.kind, p.location.line) for p in preview.problems] == [
        (POINT_TIER, 54 if "long" in fixture else 42)]
    assert preview.counts_by_audio == {"clip01.wav": 3}
    apply_import(ctx, preview)
    assert _rows(ctx, target) == sorted(PRAAT_FIXTURE)
    assert {a.audio_file_id for a in ctx.annotations.list(target.id)} == {clips["clip01.wav"].id}


@pytest.mark.parametrize("encoding, bom", [("utf-16-be", codecs.BOM_UTF16_BE),
                                          ("utf-16-le", codecs.BOM_UTF16_LE),
                                          ("utf-8", codecs.BOM_UTF8), ("utf-8", b"")])
@pytest.mark.parametrize("crlf", [False, True])
def test_praat_textgrid_encodings_and_line_ends(ctx, dataset, clips, tmp_path, encoding, bom, crlf):
    # Praat writes UTF-16 big-endian with a BOM once a label is not ASCII.
    text = (DATA / "praat_long.TextGrid").read_text(encoding="ascii").replace(
        'text = "long_pause"', 'text = "pause après «hm»"')
    if crlf:
        text = text.replace("\n", "\r\n")
    path = _place(tmp_path, bom + text.encode(encoding), "clip01.TextGrid")
    target, preview = _import(ctx, dataset, "textgrid", [path])
    apply_import(ctx, preview)
    assert _rows(ctx, target) == sorted([("glitch", 250, 313, None),
                                         ("glitch", 1001, 1500, 'click "loud"'),
                                         ("long_pause", 500, 1250, "pause après «hm»")])


def test_textgrid_as_praatio_writes_it(ctx, dataset, clips, tmp_path):
    from praatio import textgrid as praatio_textgrid
    from praatio.data_classes.interval_tier import IntervalTier

    grid = praatio_textgrid.Textgrid(0, 2)
    grid.addTier(IntervalTier("glitch", [(0.1, 0.2, "glitch"), (1.0009999999, 1.0015, "x")], 0, 2))
    for form in ("short_textgrid", "long_textgrid"):
        path = tmp_path / form / "clip01.TextGrid"
        path.parent.mkdir()
        grid.save(str(path), format=form, includeBlankSpaces=True)
        target, preview = _import(ctx, dataset, "textgrid", [path])
        apply_import(ctx, preview)
        assert _rows(ctx, target) == [("glitch", 100, 200, None), ("glitch", 1001, 1002, "x")]


def test_elan_file(ctx, dataset, clips, tmp_path):
    target, preview = _import(ctx, dataset, "eaf", [DATA / "elan_call.eaf"])
    assert preview.errors == ()
    # The audio is found by the media descriptor (URL-encoded "Call 0042.wav").
    assert preview.counts_by_audio == {"Call 0042.wav": 4}
    assert sorted((p.kind, p.location.line) for p in preview.problems) == [
        (DEPENDENT_TIER, 51), (NO_TIME, 46)]
    apply_import(ctx, preview)
    assert _rows(ctx, target) == sorted([
        ("glitch", 120, 250, None), ("glitch", 1001, 1480, 'pop before "okay" & a hiss'),
        ("glitch", 400, 1350, None), ("long_pause", 1350, 1900, None)])


def test_elan_file_found_by_its_own_name_when_the_media_is_unknown(ctx, dataset, clips, tmp_path):
    text = (DATA / "elan_call.eaf").read_text(encoding="utf-8").replace("Call%200042", "elsewhere")
    path = _place(tmp_path, text.encode(), "clip01.eaf")
    _, preview = _import(ctx, dataset, "eaf", [path])
    assert preview.counts_by_audio == {"clip01.wav": 4}


def test_audacity_labels_with_frequency_rows(ctx, dataset, clips, tmp_path):
    path = _place(tmp_path, DATA / "audacity_spectral.txt", "Call 0042.txt")
    target, preview = _import(ctx, dataset, "audacity", [path])
    assert preview.problems == () and preview.errors == ()
    apply_import(ctx, preview)
    assert _rows(ctx, target) == sorted([("glitch", 120, 250, None), ("glitch", 1001, 1480, None),
                                         ("long_pause", 1350, 1900, None)])


def test_relay_inference_job_keeps_confidences(ctx, dataset, clips, tmp_path):
    job = {"id": "5f0c", "status": "completed", "files": [
        {"audio_id": "remote-1", "original_filename": "clip01.wav", "detections": [
            {"artifact_type": "glitch", "start_ms": 100, "end_ms": 180, "confidence": 0.91},
            {"artifact_type": "long_pause", "start_ms": 400, "end_ms": 1400, "confidence": 0.55}]},
        {"filename": "clip02.flac", "detections": [
            {"artifact_type": "hallucination", "start_ms": 10, "end_ms": 3000, "confidence": 0.3}]}]}
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job))
    target, preview = _import(ctx, dataset, "relay-detections", [path])
    apply_import(ctx, preview)
    assert sorted((a.artifact_type, a.start_ms, a.end_ms, a.confidence)
                  for a in ctx.annotations.list(target.id)) == [
        ("glitch", 100, 180, 0.91), ("hallucination", 10, 3000, 0.3),
        ("long_pause", 400, 1400, 0.55)]


def test_relay_detections_of_one_file_named_by_the_json_file(ctx, dataset, clips, tmp_path):
    path = tmp_path / "clip01.json"
    path.write_text(json.dumps({"detections": [
        {"artifact_type": "glitch", "start_ms": 5, "end_ms": 9, "confidence": 0.25}]}))
    target, preview = _import(ctx, dataset, "relay-detections", [path])
    apply_import(ctx, preview)
    [annotation] = ctx.annotations.list(target.id)
    assert (annotation.audio_file_id, annotation.confidence) == (clips["clip01.wav"].id, 0.25)


def test_exported_textgrids_read_back_by_praatio(ctx, dataset, clips, labeled, tmp_path):
    from praatio import textgrid as praatio_textgrid

    export_annotations(ctx, dataset.id, labeled.id, "textgrid", tmp_path)
    names = {a.id: a.original_filename for a in clips.values()}
    found = []
    for path in sorted(tmp_path.glob("*.TextGrid")):
        grid = praatio_textgrid.openTextgrid(str(path), includeEmptyIntervals=False)
        audio = next(a for a in clips.values() if path.stem == Path(a.original_filename).stem)
        assert grid.maxTimestamp == audio.duration_ms / 1000
        for tier in grid.tiers:
            base = tier.name.rsplit("_", 1)[0] if tier.name not in dataset.type_names() else tier.name
            found += [(audio.original_filename, base, round(e.start * 1000), round(e.end * 1000))
                      for e in tier.entries]
    expected = [(names[a.audio_file_id], a.artifact_type, a.start_ms, a.end_ms)
                for a in ctx.annotations.list(labeled.id)]
    assert sorted(found) == sorted(expected)


def _praat(script: str, tmp_path: Path) -> str:
    path = tmp_path / "script.praat"
    path.write_text(script, encoding="utf-8")
    proc = subprocess.run([PRAAT, "--run", str(path)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


DUMP = """
tg = Read from file: "{path}"
n = Get number of tiers
writeInfoLine: "tiers", tab$, n
for t from 1 to n
  name$ = Get tier name: t
  interval = Is interval tier: t
  if interval
    k = Get number of intervals: t
    for i from 1 to k
      label$ = Get label of interval: t, i
      if label$ <> ""
        start = Get start time of interval: t, i
        end = Get end time of interval: t, i
        appendInfoLine: name$, tab$, fixed$(start * 1000, 3), tab$, fixed$(end * 1000, 3), tab$, label$
      endif
    endfor
  endif
endfor
"""


@needs_praat
def test_exported_textgrids_read_by_praat(ctx, dataset, clips, labeled, tmp_path):
    out = tmp_path / "tg"
    export_annotations(ctx, dataset.id, labeled.id, "textgrid", out)
    dumped = _praat(DUMP.format(path=out / "clip01.TextGrid"), tmp_path).splitlines()
    assert dumped[0] == "tiers\t5"
    assert _intervals(dumped[1:]) == sorted([
        ("glitch", 1001, 1500, 'a "quoted" note, with comma'), ("glitch", 1800, 1999, "glitch"),
        ("glitch_2", 1200, 1800, "glitch"), ("glitch_3", 1300, 1400, "glitch"),
        ("long_pause", 0, 2000, "long_pause")])
    dumped = _praat(DUMP.format(path=out / "clip02.TextGrid"), tmp_path).splitlines()
    assert _intervals(dumped[1:]) == [("glitch", 1, 2, "glitch"),
                                      ("hallucination", 7, 3499, "ünïcødé «note»")]


def _intervals(lines: list[str]) -> list[tuple]:
    """Praat's "tier, start ms, end ms, label" lines; times must be whole milliseconds."""
    rows = []
    for line in lines:
        tier, start, end, label = line.split("\t")
        assert float(start).is_integer() and float(end).is_integer(), line
        rows.append((tier, int(float(start)), int(float(end)), label))
    return sorted(rows)


WRITE = """
tg = Create TextGrid: 0, 2, "glitch long_pause", ""
Insert boundary: 1, 0.1234
Insert boundary: 1, 1.0015
Set interval text: 1, 2, "glitch"
Insert boundary: 2, 1.001
Insert boundary: 2, 1.999
Set interval text: 2, 2, "{label}"
Save as {form}: "{path}"
"""


@needs_praat
@pytest.mark.parametrize("form, label", [("text file", "long_pause"),
                                         ("short text file", "long_pause"),
                                         ("text file", "pause après «hm»")])
def test_textgrids_written_by_praat(ctx, dataset, clips, tmp_path, form, label):
    path = tmp_path / "clip01.TextGrid"
    _praat(WRITE.format(form=form, path=path, label=label), tmp_path)
    if label.isascii():
        assert not path.read_bytes().startswith(codecs.BOM_UTF16_BE)
    else:
        assert path.read_bytes().startswith(codecs.BOM_UTF16_BE)  # what Praat does
    target, preview = _import(ctx, dataset, "textgrid", [path])
    apply_import(ctx, preview)
    note = None if label == "long_pause" else label
    assert _rows(ctx, target) == [("glitch", 123, 1002, None), ("long_pause", 1001, 1999, note)]


def test_textgrid_parser_reports_praat_chronological_files(tmp_path):
    path = tmp_path / "clip01.TextGrid"
    path.write_text('"Praat chronological TextGrid text file"\n0 2   ! Time domain.\n1\n')
    with pytest.raises(Exception, match="chronological TextGrid is not supported"):
        textgrid.parse(path, frozenset())
