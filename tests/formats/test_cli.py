"""The export and import commands, run as the real program in a subprocess."""

from __future__ import annotations

import json

from tests.formats.conftest import DATA, db_counts, keys

HEADER = "original_filename,artifact_type,start_ms,end_ms,confidence,note\n"


def test_export_then_import_every_format(cli, ctx, dataset, clips, labeled, tmp_path):
    for fmt, out in [("relay-json", tmp_path / "all.json"), ("csv", tmp_path / "all.csv"),
                     ("audacity", tmp_path / "aud"), ("textgrid", tmp_path / "tg"),
                     ("eaf", tmp_path / "eaf")]:
        done = cli("export", "TTS Glitches", "v1", "--format", fmt, "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("Exported 7 annotations of 'TTS Glitches' v1 (3 audio files) to ")
        created = cli("set", "create", "TTS Glitches", "--json")
        version = json.loads(created.stdout)["version"]
        done = cli("import", "TTS Glitches", str(version), "--format", fmt, str(out))
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[0] == (f"Imported 7 annotations into 'TTS Glitches' "
                                               f"v{version} (glitch: 5, hallucination: 1, "
                                               f"long_pause: 1).")
        assert done.stderr == ""
        target = ctx.sets.resolve(dataset.id, version)
        assert keys(ctx, target.id, confidence=False) == keys(ctx, labeled.id, confidence=False)


def test_export_one_audio_file_into_a_folder(cli, ctx, dataset, clips, labeled, tmp_path):
    done = cli("export", "TTS Glitches", "1", "--format", "textgrid", "--out",
               str(tmp_path / "one"), "--audio", "clip02.flac")
    assert done.returncode == 0, done.stderr
    assert "(1 audio file) to 1 file in" in done.stdout
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["clip02.TextGrid"]


def test_import_reports_skipped_lines_and_imports_the_rest(cli, ctx, dataset, clips, tmp_path):
    ctx.sets.create(dataset.id)
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "clip01.wav,glitch,100,200,0.5,\nclip01.wav,glitch,300,250,,\n"
                    "clip01.wav,,1,2,,\nelsewhere.wav,glitch,1,2,,\n", encoding="utf-8")
    done = cli("import", "TTS Glitches", "1", "--format", "csv", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"warning: {path}:3: start 0.300 s is not before end 0.250 s; skipped.",
        f"warning: {path}:4: the label is empty, so the artifact type is unknown; skipped.",
        f"warning: no audio file named 'elsewhere.wav' in the dataset; 1 annotation skipped "
        f"({path}:5)"]
    assert done.stdout.splitlines() == [
        "Imported 1 annotation into 'TTS Glitches' v1 (glitch: 1).",
        "Skipped: 2 with problems, 1 for unmatched audio names."]


def test_refusals_exit_1_and_change_nothing(cli, ctx, dataset, clips, labeled, tmp_path):
    ctx.sets.create(dataset.id)
    path = tmp_path / "labels.csv"
    path.write_text(HEADER + "clip01.wav,pop,100,200,,\nclip01.wav,glitch,300,250,,\n",
                    encoding="utf-8")
    before = db_counts(ctx)

    done = cli("import", "TTS Glitches", "2", "--format", "csv", str(path))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].startswith("error: unknown artifact types 'pop' (1)")

    done = cli("import", "TTS Glitches", "2", "--format", "csv", str(path), "--add-types", "--strict")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: {path}:3: start 0.300 s is not before end 0.250 s.",
        "error: strict import refused: 1 entry has a problem (listed with their lines)."]

    ctx.sets.publish(labeled.id)
    done = cli("import", "TTS Glitches", "1", "--format", "csv", str(path), "--add-types")
    assert done.returncode == 1
    assert "error: Annotation set v1 is published and cannot be changed" in done.stderr

    hostile = tmp_path / "clip01.eaf"
    hostile.write_text('<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                       "\n<a>&x;</a>\n")
    done = cli("import", "TTS Glitches", "2", "--format", "eaf", str(hostile))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: {hostile}:2: refused: the XML has a document type declaration (<!DOCTYPE>); its "
        f"entities could expand without limit or read other files. Annotation files never need one."]
    assert "Traceback" not in done.stderr
    assert db_counts(ctx) == before


def test_add_types_and_json_report(cli, ctx, dataset, clips, tmp_path):
    ctx.sets.create(dataset.id)
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"files": [{"original_filename": "clip01.wav", "detections": [
        {"artifact_type": "pop", "start_ms": 10, "end_ms": 30, "confidence": 0.42},
        {"artifact_type": "glitch", "start_ms": 50, "end_ms": 70, "confidence": 0.9}]}]}))
    done = cli("import", "TTS Glitches", "1", "--format", "relay-detections", str(path),
               "--add-types", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["imported"] == 2 and report["added_types"] == ["pop"]
    assert report["counts_by_type"] == {"glitch": 1, "pop": 1}
    assert len(report["annotation_ids"]) == 2
    assert "pop" in ctx.datasets.get(dataset.id).type_names()
    assert sorted(a.confidence for a in ctx.annotations.list(report["annotation_set_id"])) == [0.42, 0.9]


def test_refused_json_report_still_lists_everything(cli, ctx, dataset, clips, tmp_path):
    ctx.sets.create(dataset.id)
    path = tmp_path / "clip01.TextGrid"
    path.write_bytes((DATA / "praat_long.TextGrid").read_bytes())
    done = cli("import", "TTS Glitches", "1", "--format", "textgrid", str(path), "--strict", "--json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["imported"] == 0 and report["can_apply"] is False
    assert [p["kind"] for p in report["problems"]] == ["point_tier"]
    assert report["problems"][0]["line"] == 54


def test_usage_errors_exit_2(cli, ctx, dataset, labeled, tmp_path):
    assert cli("export", "TTS Glitches", "1", "--out", str(tmp_path / "x.csv")).returncode == 2
    assert cli("export", "TTS Glitches", "1", "--format", "csv").returncode == 2
    done = cli("export", "TTS Glitches", "1", "--format", "relay-detections", "--out", "x")
    assert done.returncode == 2 and "invalid choice: 'relay-detections'" in done.stderr
    assert cli("import", "TTS Glitches", "1", "--format", "csv").returncode == 2
    done = cli("export", "TTS Glitches", "1", "--format", "eaf", "--out", str(DATA / "elan_call.eaf"))
    assert done.returncode == 1 and "is a file; the eaf format writes one file per audio file" in done.stderr
    done = cli("export", "Nope", "1", "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 1 and "No dataset with id or name 'Nope'" in done.stderr
