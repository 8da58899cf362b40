"""`dataset ...` through the real program on a real database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.context import AppContext
from app.core.entities import AnnotationDraft
from tests.audio_samples import write_tone
from tests.cli.conftest import check_dataset, ok_json, refused, usage_error
from tests.core.dbstate import db_state, library_files


def test_create_with_types_warns_about_names_and_prints_platform_json(cli, ctx: AppContext) -> None:
    result = cli("dataset", "create", " Speech Quality ", "--description", "Guidelines\nline 2",
                 "--type", "glitch:#ff4444:Pops: and clicks", "--type", "Long Pause",
                 "--type", "filler_words::um, uh", "--json")
    payload = ok_json(result)
    check_dataset(payload)
    assert payload["name"] == "Speech Quality" and payload["description"] == "Guidelines\nline 2"
    assert payload["artifact_types"] == [
        {"name": "glitch", "description": "Pops: and clicks", "color": "#FF4444"},
        {"name": "Long Pause", "description": None, "color": "#FF0000"},
        {"name": "filler_words", "description": "um, uh", "color": "#FF0000"}]
    assert (payload["audio_count"], payload["annotation_set_count"]) == (0, 0)
    assert result.stderr.strip().splitlines() == [
        "warning: 'Long Pause' does not follow the recommended style (lowercase with "
        "underscores); consider 'long_pause'."]
    assert ctx.datasets.resolve("Speech Quality").id == payload["id"]


def test_list_and_show_carry_the_statistics(cli, ctx: AppContext, dataset, audio,
                                            tmp_path: Path) -> None:
    ctx.audio.import_paths(dataset.id, [write_tone(tmp_path / "b.wav", seconds=0.5, freq=900)])
    ctx.sets.create(dataset.id)
    empty = ctx.datasets.create("Empty one")
    listed = ok_json(cli("dataset", "list", "--json"))
    assert isinstance(listed, list) and [d["name"] for d in listed] == ["Empty one", "TTS Glitches"]
    for payload in listed:
        check_dataset(payload)
    assert (listed[0]["audio_count"], listed[0]["annotation_set_count"]) == (0, 0)
    assert (listed[1]["audio_count"], listed[1]["annotation_set_count"],
            listed[1]["total_duration_ms"]) == (2, 1, 2500)
    assert ok_json(cli("dataset", "show", empty.id, "--json"))["name"] == "Empty one"

    shown = cli("dataset", "show", "TTS Glitches")
    assert shown.returncode == 0 and shown.stderr == ""
    for text in ("TTS Glitches", "audio files: 2", "total duration: 0:00:02.500",
                 "annotation sets: 1", "[1] glitch  #FF4444  clicks and pops",
                 "[2] long_pause", "[3] hallucination", "v1"):
        assert text in shown.stdout, text


def test_list_on_an_empty_home_says_how_to_start(cli) -> None:
    result = cli("dataset", "list")
    assert result.returncode == 0 and "dataset create NAME" in result.stdout


# -- refusals: exit 1, one line, nothing changed ---------------------------------------------


@pytest.mark.parametrize("args, fragments", [
    (["dataset", "create", "TTS Glitches"], ["A dataset named 'TTS Glitches' already exists"]),
    (["dataset", "create", "New", "--type", "pop", "--type", "pop"],
     ["Artifact type 'pop' is listed twice"]),
    (["dataset", "create", "New", "--type", "glitch:#GGG"],
     ["Artifact type 'glitch': Color '#GGG' is not a hex color: use #RRGGBB"]),
    (["dataset", "create", "   "], ["Dataset name is required (1-200 characters)"]),
    (["dataset", "create", "n" * 201], ["Dataset name is 201 characters long; the limit is 200"]),
    (["dataset", "create", "two\nlines"], ["Dataset name 'two\\nlines' contains a line break"]),
    (["dataset", "create", "New", "--type", ":#FF0000"],
     ["Artifact type name is required (1-100 characters)"]),
    (["dataset", "create", "New", "--type", "t" * 101], ["the limit is 100"]),
    (["dataset", "show", "Nope"], ["No dataset with id or name 'Nope'", "dataset list"]),
    (["dataset", "update", "TTS Glitches", "--add-type", "glitch"],
     ["Dataset 'TTS Glitches' already has an artifact type 'glitch'"]),
    (["dataset", "update", "TTS Glitches", "--add-type", "pop:#12345"],
     ["Artifact type 'pop': Color '#12345'"]),
    (["dataset", "update", "TTS Glitches", "--remove-type", "glitch"],
     ["cannot remove 'glitch': it is used by 3 annotations (v1: 2, v2: 1)"]),
    (["dataset", "update", "TTS Glitches", "--remove-type", "pop"],
     ["Dataset 'TTS Glitches' has no artifact type 'pop'",
      "its types are: glitch, long_pause, hallucination"]),
    (["dataset", "update", "TTS Glitches", "--name", "Other"],
     ["A dataset named 'Other' already exists"]),
    (["dataset", "update", "Nope", "--name", "x"], ["No dataset with id or name 'Nope'"]),
    (["dataset", "delete", "TTS Glitches"],
     ["Nothing was deleted: this would delete 'TTS Glitches': 1 audio file, 2 annotation sets "
      "(1 published), 3 annotations. Add --yes to delete."]),
    (["dataset", "delete", "Nope", "--yes"], ["No dataset with id or name 'Nope'"]),
])
def test_refusals_change_nothing(cli, ctx: AppContext, dataset, audio, home: Path, args,
                                 fragments) -> None:
    v1 = ctx.sets.create(dataset.id)
    ctx.annotations.create_many(v1.id, [AnnotationDraft(audio.id, "glitch", 0, 10),
                                        AnnotationDraft(audio.id, "glitch", 5, 15)])
    ctx.sets.publish(v1.id)
    v2 = ctx.sets.create(dataset.id)
    ctx.annotations.create(v2.id, AnnotationDraft(audio.id, "glitch", 20, 30))
    ctx.datasets.create("Other")
    before = db_state(home)
    refused(cli(*args), *fragments)
    assert db_state(home) == before


def test_update_with_nothing_to_change_is_a_usage_error(cli, dataset) -> None:
    usage_error(cli("dataset", "update", "TTS Glitches"), "nothing to change",
                "--name, --description, --add-type or --remove-type")


# -- successful edits --------------------------------------------------------------------------


def test_update_renames_describes_adds_and_removes_unused_types(cli, ctx: AppContext, dataset,
                                                               audio) -> None:
    draft = ctx.sets.create(dataset.id)
    ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    result = cli("dataset", "update", "TTS Glitches", "--name", "TTS v2", "--description", "",
                 "--remove-type", "hallucination", "--remove-type", "long_pause",
                 "--add-type", "Audio Glitch:#00aa00", "--add-type", "echo", "--json")
    payload = ok_json(result)
    check_dataset(payload)
    assert payload["name"] == "TTS v2" and payload["description"] is None
    assert [(t["name"], t["color"]) for t in payload["artifact_types"]] == [
        ("glitch", "#FF4444"), ("Audio Glitch", "#00AA00"), ("echo", "#FF0000")]
    assert result.stderr.strip().splitlines() == [
        "warning: 'Audio Glitch' does not follow the recommended style (lowercase with "
        "underscores); consider 'audio_glitch'."]
    assert ctx.datasets.get(dataset.id).type_names() == ["glitch", "Audio Glitch", "echo"]


def test_delete_with_yes_removes_everything_and_unshared_library_audio(cli, ctx: AppContext,
                                                                      dataset, audio, home: Path,
                                                                      tmp_path: Path) -> None:
    own = write_tone(tmp_path / "own.wav", freq=1500)
    ctx.audio.import_paths(dataset.id, [own])
    other = ctx.datasets.create("Other")
    shared = ctx.audio.import_paths(other.id, [tmp_path / "clip01.wav"]).imported[0]
    draft = ctx.sets.create(dataset.id)
    ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    ctx.sets.publish(draft.id)
    assert len(library_files(home / "library")) == 2

    result = cli("dataset", "delete", dataset.id, "--yes")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.strip() == (
        "Deleted 'TTS Glitches': 2 audio files, 1 annotation set (1 published), 1 annotation; "
        "removed 1 file from the audio library.")
    rows, files = db_state(home)
    assert [r[1] for r in rows["datasets"]] == ["Other"]
    assert rows["annotation_sets"] == [] and rows["annotations"] == []
    assert [r[0] for r in rows["audio_files"]] == [shared.id]
    assert files == [f"{shared.sha256[:2]}/{shared.sha256}.wav"]
