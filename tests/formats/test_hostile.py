"""Malformed and hostile files: each gives a clear message naming the file and the line
(or field) and changes nothing in the database (row counts are compared)."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from app.formats.importer import ImportRefused, apply_import, preview_import
from tests.formats.conftest import DATA, db_counts

GOOD_CSV = ("original_filename,artifact_type,start_ms,end_ms,confidence,note\n"
            "clip01.wav,glitch,100,200,0.9,first\n"
            "clip01.wav,long_pause,300,900,1.0,\n")
GOOD_AUDACITY = "0.100000\t0.200000\tglitch\n0.300000\t0.900000\tlong_pause\n"
GOOD_JSON = {"annotations": [
    {"original_filename": "clip01.wav", "artifact_type": "glitch", "start_ms": 100,
     "end_ms": 200, "confidence": 0.9},
    {"original_filename": "clip01.wav", "artifact_type": "long_pause", "start_ms": 300,
     "end_ms": 900, "confidence": 1.0}]}
LONG_TEXTGRID = (DATA / "praat_long.TextGrid").read_text(encoding="ascii")
SHORT_TEXTGRID = (DATA / "praat_short.TextGrid").read_text(encoding="ascii")
ELAN = (DATA / "elan_call.eaf").read_text(encoding="utf-8")


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _refused(ctx, dataset, fmt, paths, *fragments, line=None, strict=False):
    """Preview refuses, naming the file (and line); apply refuses; the database is as it was."""
    target = ctx.sets.create(dataset.id)
    before = db_counts(ctx)
    preview = preview_import(ctx, dataset.id, target.id, fmt, paths, strict=strict)
    assert not preview.can_apply
    message = " | ".join(preview.errors)
    for fragment in fragments:
        assert fragment in message, message
    bad = paths[-1]
    if line is not None:
        assert f"{bad}:{line}" in message, message
    with pytest.raises(ImportRefused):
        apply_import(ctx, preview)
    assert db_counts(ctx) == before
    assert ctx.annotations.list(target.id) == []
    return message


@pytest.fixture
def seeded(ctx, dataset, clips, labeled):
    """Existing annotations, so that "nothing changed" is checked against a non-empty table."""
    assert db_counts(ctx)[0] == 7
    return labeled


# -- TextGrid -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, fragments, line", [
    (LONG_TEXTGRID[:LONG_TEXTGRID.index("xmax = 1.5")], ["ends where", "truncated"], 28),
    (SHORT_TEXTGRID[:SHORT_TEXTGRID.index('"click')], ["ends where", "truncated"], 23),
    (LONG_TEXTGRID[:LONG_TEXTGRID.index('loud""') + 3], ["never closed"], 30),
    (LONG_TEXTGRID.replace("xmin = 0.25 ", "xmin = nan ", 1), ["xmin 'nan' is not a finite number"], 20),
    (LONG_TEXTGRID.replace("xmin = 0.25 ", "xmin = --undefined-- ", 1), ["not a finite number"], 20),
    (LONG_TEXTGRID.replace("xmin = 0.25 ", "xmin = -0.25 ", 1), ["negative"], 20),
    (LONG_TEXTGRID.replace("xmax = 0.3125 ", "xmax = 1e999999999 ", 1), ["not a plausible time"], 21),
    (LONG_TEXTGRID.replace("intervals: size = 5", "intervals: size = 99999999999", 1), ["not a count"], 14),
    (LONG_TEXTGRID.replace("intervals: size = 5", "intervals: size = 6", 1), ["expected a number"], 36),
    (LONG_TEXTGRID.replace('name = "glitch"', "name = glitch", 1), ["expected a text in quotes"], 12),
    (LONG_TEXTGRID + "\n    item [4]:\n", None, None),
    ("just some notes\n", ["not a Praat TextGrid"], 1),
    ("", ["not a Praat TextGrid"], 1),
])
def test_malformed_textgrids(ctx, dataset, seeded, tmp_path, text, fragments, line):
    path = _write(tmp_path, "clip01.TextGrid", text)
    if fragments is None:  # trailing words Praat ignores too: still a good file
        preview = preview_import(ctx, dataset.id, ctx.sets.create(dataset.id).id, "textgrid", [path])
        assert preview.can_apply
        return
    _refused(ctx, dataset, "textgrid", [path], *fragments, line=line)


def test_textgrid_with_more_tiers_than_announced(ctx, dataset, seeded, tmp_path):
    path = _write(tmp_path, "clip01.TextGrid", LONG_TEXTGRID.replace("size = 3 ", "size = 2 ", 1))
    _refused(ctx, dataset, "textgrid", [path], "more data after the last of the 2 tiers", line=54)


@pytest.mark.parametrize("data, fragments, line", [
    (LONG_TEXTGRID.replace('"click', '"cl\u00e9ck').encode("latin-1"),
     ["not valid UTF-8 text", "0xe9"], 30),
    (codecs.BOM_UTF16_BE + LONG_TEXTGRID.encode("utf-16-be")[:-1],
     ["ends in the middle of a character"], None),
    (codecs.BOM_UTF8 + LONG_TEXTGRID.encode("utf-16-be"), ["NUL characters"], 1),
    (codecs.BOM_UTF16_LE + LONG_TEXTGRID.encode("utf-8"), ["not a Praat TextGrid"], 1),
    (b"ooBinaryFile\x08TextGrid\x00\x00", ["binary TextGrid"], 1),
    (bytes(range(256)) * 8, ["not valid UTF-8"], None),
])
def test_textgrid_encodings_and_boms(ctx, dataset, seeded, tmp_path, data, fragments, line):
    path = _write(tmp_path, "clip01.TextGrid", data)
    _refused(ctx, dataset, "textgrid", [path], *fragments, line=line)


def test_textgrid_doubled_bom_is_read(ctx, dataset, seeded, tmp_path):
    path = _write(tmp_path, "clip01.TextGrid", codecs.BOM_UTF8 * 2 + LONG_TEXTGRID.encode())
    preview = preview_import(ctx, dataset.id, ctx.sets.create(dataset.id).id, "textgrid", [path])
    assert preview.can_apply and preview.annotation_count == 3


# -- ELAN -----------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ANNOTATION_DOCUMENT><TIER TIER_ID="glitch"><ANNOTATION><REF_ANNOTATION ANNOTATION_ID="a1"
 ANNOTATION_REF="a1"><ANNOTATION_VALUE>&lol9;</ANNOTATION_VALUE></REF_ANNOTATION></ANNOTATION>
</TIER></ANNOTATION_DOCUMENT>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE ANNOTATION_DOCUMENT [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<ANNOTATION_DOCUMENT><HEADER TIME_UNITS="milliseconds"/><TIER TIER_ID="glitch">
<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="t" TIME_SLOT_REF2="t">
<ANNOTATION_VALUE>&secret;</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION></TIER>
</ANNOTATION_DOCUMENT>
"""
EXTERNAL_DTD = ('<?xml version="1.0"?>\n<!DOCTYPE ANNOTATION_DOCUMENT SYSTEM '
                '"http://127.0.0.1:9/evil.dtd">\n<ANNOTATION_DOCUMENT/>\n')


@pytest.mark.parametrize("text, fragments, line", [
    (BILLION_LAUGHS, ["refused", "document type declaration", "entities"], 2),
    (EXTERNAL_ENTITY, ["refused", "document type declaration"], 2),
    (EXTERNAL_DTD, ["refused", "document type declaration"], 2),
    (ELAN[:ELAN.index("<TIER LINGUISTIC_TYPE_REF=\"default-lt\" TIER_ID=\"long_pause\"")],
     ["not well-formed XML", "truncated"], 37),
    (ELAN.replace('TIME_VALUE="250"', 'TIME_VALUE="NaN"'), ["TIME_VALUE 'NaN' is not a finite number"], 10),
    (ELAN.replace('TIME_VALUE="250"', 'TIME_VALUE="-250"'), ["negative"], 10),
    (ELAN.replace('TIME_VALUE="250"', 'TIME_VALUE="' + "9" * 5000 + '"'), ["not a plausible time"], 10),
    (ELAN.replace('TIME_SLOT_REF2="ts2"', 'TIME_SLOT_REF2="ts99"'), ["ts99", "does not define"], 20),
    (ELAN.replace('TIME_SLOT_ID="ts2"', 'TIME_SLOT_ID="ts1"'), ["defined twice"], 10),
    (ELAN.replace('ANNOTATION_REF="a2"', 'ANNOTATION_REF="a77"'), ["a77", "names no annotation"], 53),
    (ELAN.replace("ANNOTATION_DOCUMENT", "HTML"), ["not an ELAN file"], 2),
    (ELAN.replace('TIME_UNITS="milliseconds"', 'TIME_UNITS="NTSC-frames"'), ["NTSC-frames"], 3),
    (ELAN.replace("pop before", "pop b\u00e9fore").encode("latin-1"), ["not well-formed XML"], 26),
    ("", ["not well-formed XML"], 1),
])
def test_malformed_and_hostile_elan_files(ctx, dataset, seeded, tmp_path, text, fragments, line):
    path = _write(tmp_path, "clip01.eaf", text)
    message = _refused(ctx, dataset, "eaf", [path], *fragments, line=line)
    assert "root:" not in message  # nothing of /etc/passwd leaks into the message


# -- CSV ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, fragments, line", [
    ("original_filename,artifact_type,start_ms\nclip01.wav,glitch,5\n", ["lacks end_ms"], 1),
    ("file,type,start,end\nclip01.wav,glitch,5,9\n",
     ["lacks original_filename, artifact_type, start_ms, end_ms"], 1),
    (GOOD_CSV + "clip01.wav,glitch,300\n", ["has 3 fields but the header has 6"], 4),
    (GOOD_CSV.replace(",100,", ",NaN,"), ["start_ms 'NaN' is not a finite number"], 2),
    (GOOD_CSV.replace(",200,", ",inf,"), ["end_ms 'inf' is not a finite number"], 2),
    (GOOD_CSV.replace(",100,", ",-100,"), ["start_ms -100 ms is negative"], 2),
    (GOOD_CSV.replace(",200,", ",1e30,"), ["not a plausible time"], 2),
    (GOOD_CSV.replace(",200,", "," + "9" * 5000 + ","), ["not a plausible time"], 2),
    (GOOD_CSV.replace(",100,", ",1 200,"), ["'1 200' is not a number"], 2),
    (GOOD_CSV.replace(",100,", ",,"), ["start_ms is empty"], 2),
    (GOOD_CSV.replace("0.9", "1.5"), ["confidence 1.5 is outside 0.0-1.0"], 2),
    (GOOD_CSV.replace("0.9", "nan"), ["confidence 'nan' is not a finite number"], 2),
    (GOOD_CSV.replace("first", '"never closed'), ["CSV syntax error"], None),
    (GOOD_CSV.replace("clip01.wav,long", ",long"), ["original_filename is empty"], 3),
    ("", ["the file is empty"], 1),
])
def test_malformed_csv(ctx, dataset, seeded, tmp_path, text, fragments, line):
    path = _write(tmp_path, "labels.csv", text)
    _refused(ctx, dataset, "csv", [path], *fragments, line=line)


def test_csv_in_the_wrong_encoding(ctx, dataset, seeded, tmp_path):
    path = _write(tmp_path, "labels.csv", (GOOD_CSV + "clip01.wav,glitch,1,2,1.0,caf\u00e9\n")
                  .encode("cp1252"))
    _refused(ctx, dataset, "csv", [path], "not valid UTF-8 text", "save the file as UTF-8", line=4)


def test_csv_from_excel_with_bom_and_crlf_is_read(ctx, dataset, seeded, tmp_path):
    path = _write(tmp_path, "labels.csv", codecs.BOM_UTF8 + GOOD_CSV.replace("\n", "\r\n").encode())
    preview = preview_import(ctx, dataset.id, ctx.sets.create(dataset.id).id, "csv", [path])
    assert preview.can_apply and preview.annotation_count == 2


# -- platform JSON ----------------------------------------------------------------------------

def _json_text(**change) -> str:
    item = {**GOOD_JSON["annotations"][0], **change}
    return json.dumps({"annotations": [GOOD_JSON["annotations"][1], item]}, indent=2)


@pytest.mark.parametrize("text, fragments", [
    (json.dumps(GOOD_JSON, indent=2)[:-40], ["not valid JSON", "truncated"]),
    (_json_text(start_ms=float("nan")), ["annotations[1]", "start_ms NaN is not a finite number"]),
    (_json_text(end_ms=float("inf")), ["annotations[1]", "end_ms Infinity is not a finite number"]),
    (_json_text(confidence=float("nan")), ["annotations[1]", "confidence NaN is not a finite"]),
    (_json_text(start_ms=-5), ["annotations[1]", "start_ms -5 is negative"]),
    (_json_text(end_ms=1e300), ["annotations[1]", "not a plausible time"]),
    (_json_text(end_ms=10 ** 30), ["annotations[1]", "not a plausible time"]),
    (_json_text(start_ms=True), ["annotations[1]", "start_ms must be a number, not true"]),
    (_json_text(confidence=2), ["annotations[1]", "confidence 2 is outside"]),
    (_json_text(artifact_type=None), ["annotations[1]", "'artifact_type' is missing"]),
    (_json_text(original_filename=None), ["annotations[1]", "'original_filename' is missing"]),
    (_json_text(original_filename=7), ["annotations[1]", "'original_filename' must be a string"]),
    (json.dumps({"items": []}), ["expected an object with an \"annotations\" list"]),
    ("[" * 100000 + "]" * 100000, ["nested too deeply"]),
    ('{"annotations": [{"start_ms": ' + "9" * 5000 + "}]}", ["thousands of digits"]),
    ("", ["not valid JSON"]),
])
def test_malformed_platform_json(ctx, dataset, seeded, tmp_path, text, fragments):
    path = _write(tmp_path, "labels.json", text)
    _refused(ctx, dataset, "relay-json", [path], str(path), *fragments)


def test_json_syntax_error_names_line_and_column(ctx, dataset, seeded, tmp_path):
    text = json.dumps(GOOD_JSON, indent=2).replace('"end_ms": 200', '"end_ms": 200,,')
    path = _write(tmp_path, "labels.json", text)
    _refused(ctx, dataset, "relay-json", [path], "not valid JSON", "column", line=7)


def test_malformed_detections(ctx, dataset, seeded, tmp_path):
    path = _write(tmp_path, "job.json", json.dumps({"files": [{"original_filename": "clip01.wav",
        "detections": [{"artifact_type": "glitch", "start_ms": 1, "end_ms": 2,
                        "confidence": 1.5}]}]}))
    _refused(ctx, dataset, "relay-detections", [path], "files[0].detections[0]",
             "confidence 1.5 is outside")
    path = _write(tmp_path, "job.json", json.dumps({"files": [{"detections": "none"}]}))
    _refused(ctx, dataset, "relay-detections", [path], "files[0]", '"detections" list')


# -- Audacity ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, fragments, line", [
    (GOOD_AUDACITY + "0.5\n", ["expected start and end seconds"], 3),
    (GOOD_AUDACITY.replace("0.100000", "NaN"), ["start 'NaN' is not a finite number"], 1),
    (GOOD_AUDACITY.replace("0.200000", "-0.2"), ["end -0.2 s is negative"], 1),
    (GOOD_AUDACITY.replace("0.900000", "1e999"), ["not a plausible time"], 2),
    (GOOD_AUDACITY.replace("0.900000", "0,9"), ["'0,9' is not a number"], 2),
])
def test_malformed_audacity_labels(ctx, dataset, seeded, tmp_path, text, fragments, line):
    path = _write(tmp_path, "clip01.txt", text)
    _refused(ctx, dataset, "audacity", [path], *fragments, line=line)


# -- across files -----------------------------------------------------------------------------

def test_one_bad_file_refuses_the_whole_import(ctx, dataset, seeded, tmp_path):
    good = _write(tmp_path, "clip01.txt", GOOD_AUDACITY)
    bad = _write(tmp_path, "Call 0042.txt", GOOD_AUDACITY + "oops\n")
    _refused(ctx, dataset, "audacity", [good, bad], "expected start and end seconds", line=3)


def test_missing_path_and_empty_folder(ctx, dataset, seeded, tmp_path):
    (tmp_path / "empty").mkdir()
    message = _refused(ctx, dataset, "textgrid", [tmp_path / "empty", tmp_path / "nope.TextGrid"],
                       "holds no .TextGrid files", "no such file or folder")
    assert str(tmp_path / "empty") in message


def test_oversized_file_is_refused_before_reading(ctx, dataset, seeded, tmp_path, monkeypatch):
    from app.formats import textfile

    monkeypatch.setattr(textfile, "MAX_IMPORT_BYTES", 100)
    path = _write(tmp_path, "labels.csv", GOOD_CSV * 5)
    _refused(ctx, dataset, "csv", [path], "annotation files over 0 MB are refused")
