"""`set ...` and `annotation ...` through the real program on a real database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.context import AppContext
from app.core.entities import AnnotationDraft
from tests.audio_samples import write_tone
from tests.cli.conftest import check_annotation, check_set, ok_json, refused
from tests.core.dbstate import db_state

# -- sets --------------------------------------------------------------------------------------


def test_set_lifecycle_create_copy_list_publish(cli, ctx: AppContext, dataset, audio) -> None:
    v1 = ok_json(cli("set", "create", "TTS Glitches", "--json"))
    check_set(v1)
    assert (v1["version"], v1["status"], v1["total_annotations"], v1["published_at"]) == (
        1, "draft", 0, None)
    assert v1["annotations_by_type"] == {} and v1["total_positive_duration_ms"] == 0
    ctx.annotations.create_many(v1["id"], [AnnotationDraft(audio.id, "glitch", 100, 150),
                                           AnnotationDraft(audio.id, "long_pause", 200, 1200)])

    published = ok_json(cli("set", "publish", "TTS Glitches", "v1", "--json"))
    check_set(published)
    assert published["status"] == "published" and published["total_annotations"] == 2

    v2 = ok_json(cli("set", "create", dataset.id, "--from", "1", "--json"))
    check_set(v2)
    assert (v2["version"], v2["status"], v2["total_annotations"],
            v2["total_positive_duration_ms"], v2["annotations_by_type"]) == (
        2, "draft", 2, 1050, {"glitch": 1, "long_pause": 1})
    copied = ctx.annotations.list(v2["id"])
    assert [(a.artifact_type, a.start_ms, a.end_ms) for a in copied] == [
        ("glitch", 100, 150), ("long_pause", 200, 1200)]
    assert not {a.id for a in copied} & {a.id for a in ctx.annotations.list(v1["id"])}

    human = cli("set", "create", "TTS Glitches", "--from", "v2")
    assert human.returncode == 0
    assert human.stdout.strip() == "Created draft v3 as a copy of v2 with 2 annotations."

    listed = ok_json(cli("set", "list", "TTS Glitches", "--json"))
    assert isinstance(listed, list) and [s["version"] for s in listed] == [1, 2, 3]
    for payload in listed:
        check_set(payload)
    assert [s["status"] for s in listed] == ["published", "draft", "draft"]


@pytest.fixture
def two_sets(ctx: AppContext, dataset, audio):
    """v1 published with two annotations, v2 a draft copy of it."""
    v1 = ctx.sets.create(dataset.id)
    kept = ctx.annotations.create_many(v1.id, [
        AnnotationDraft(audio.id, "glitch", 100, 150),
        AnnotationDraft(audio.id, "hallucination", 1000, 1500, 0.5, "extra word")])
    ctx.sets.publish(v1.id)
    v2 = ctx.sets.create(dataset.id, from_set_id=v1.id)
    return v1, v2, kept


@pytest.mark.parametrize("args, fragments", [
    (["set", "publish", "TTS Glitches", "1"], ["Annotation set v1 is already published."]),
    (["set", "publish", "TTS Glitches", "7"],
     ["No annotation set version '7' in dataset 'TTS Glitches'", "'set list'"]),
    (["set", "create", "TTS Glitches", "--from", "9"],
     ["No annotation set version '9' in dataset 'TTS Glitches'"]),
    (["set", "create", "Nope"], ["No dataset with id or name 'Nope'"]),
    (["set", "list", "Nope"], ["No dataset with id or name 'Nope'"]),
])
def test_set_refusals_change_nothing(cli, home: Path, two_sets, args, fragments) -> None:
    before = db_state(home)
    refused(cli(*args), *fragments)
    assert db_state(home) == before


# -- annotations -------------------------------------------------------------------------------


def test_add_list_and_delete(cli, ctx: AppContext, dataset, home: Path, tmp_path: Path) -> None:
    name = "Grüße – café take 2.wav"
    other = ctx.audio.import_paths(dataset.id, [write_tone(tmp_path / name, seconds=1.0)]).imported[0]
    clip = ctx.audio.import_paths(dataset.id, [write_tone(tmp_path / "clip.wav", seconds=2.0,
                                                          freq=880)]).imported[0]
    (tmp_path / name).unlink()  # the library copy is what counts
    draft = ctx.sets.create(dataset.id)

    added = ok_json(cli("annotation", "add", "TTS Glitches", "v1", name, "0", "1000",
                        "long_pause", "--confidence", "0.25", "--note", "dead air", "--json"))
    check_annotation(added)
    assert (added["audio_file_id"], added["artifact_type"], added["start_ms"], added["end_ms"],
            added["confidence"], added["note"]) == (other.id, "long_pause", 0, 1000, 0.25,
                                                    "dead air")
    human = cli("annotation", "add", dataset.id, "1", clip.id, "1200", "1450", "glitch")
    assert human.returncode == 0 and human.stdout.startswith(
        "Added glitch 0:00:01.200-0:00:01.450 to v1 (")

    everything = ok_json(cli("annotation", "list", "TTS Glitches", "1", "--json"))
    assert isinstance(everything, list) and len(everything) == 2
    for payload in everything:
        check_annotation(payload)
    only_clip = ok_json(cli("annotation", "list", "TTS Glitches", "1", "--audio", "clip.wav",
                            "--json"))
    assert [(a["start_ms"], a["confidence"]) for a in only_clip] == [(1200, 1.0)]
    table = cli("annotation", "list", "TTS Glitches", "1")
    assert table.returncode == 0 and name in table.stdout and "0:00:01.450" in table.stdout

    deleted = cli("annotation", "delete", "TTS Glitches", "1", added["id"])
    assert deleted.returncode == 0
    assert deleted.stdout.strip() == f"Deleted annotation {added['id']} from v1."
    assert [a.start_ms for a in ctx.annotations.list(draft.id)] == [1200]


@pytest.mark.parametrize("args, fragments", [
    (["2", "clip01.wav", "500", "500", "glitch"], ["start_ms 500 must be before end_ms 500"]),
    (["2", "clip01.wav", "900", "100", "glitch"], ["start_ms 900 must be before end_ms 100"]),
    (["2", "clip01.wav", "1900", "2001", "glitch"],
     ["end_ms 2001 is beyond the end of 'clip01.wav' (2000 ms)"]),
    (["2", "clip01.wav", "-5", "100", "glitch"], ["start_ms -5 is negative"]),
    (["2", "clip01.wav", "0", "100", "pop"],
     ["Unknown artifact type 'pop'; this dataset's types are: glitch, long_pause, hallucination"]),
    (["2", "clip01.wav", "0", "100", "glitch", "--confidence", "1.5"],
     ["Confidence 1.5 is outside 0.0-1.0"]),
    (["2", "clip01.wav", "0", "100", "glitch", "--confidence", "nan"],
     ["Confidence 'nan' is not a number between 0 and 1"]),
    (["2", "missing.wav", "0", "100", "glitch"],
     ["No audio file with id or filename 'missing.wav' in dataset 'TTS Glitches'", "audio list"]),
    (["5", "clip01.wav", "0", "100", "glitch"],
     ["No annotation set version '5' in dataset 'TTS Glitches'"]),
    (["1", "clip01.wav", "0", "100", "glitch"],
     ["Annotation set v1 is published and cannot be changed. Create a new version from it"]),
])
def test_add_refusals_change_nothing(cli, home: Path, two_sets, args, fragments) -> None:
    before = db_state(home)
    refused(cli("annotation", "add", "TTS Glitches", *args), *fragments)
    assert db_state(home) == before


def test_add_to_a_missing_dataset_or_with_another_datasets_audio(cli, ctx: AppContext, home: Path,
                                                                  two_sets, tmp_path: Path) -> None:
    other = ctx.datasets.create("Other", None, [])
    foreign = ctx.audio.import_paths(other.id, [write_tone(tmp_path / "f.wav", freq=321)]).imported[0]
    before = db_state(home)
    refused(cli("annotation", "add", "Nope", "2", "clip01.wav", "0", "10", "glitch"),
            "No dataset with id or name 'Nope'")
    refused(cli("annotation", "add", "TTS Glitches", "2", foreign.id, "0", "10", "glitch"),
            f"No audio file with id or filename '{foreign.id}' in dataset 'TTS Glitches'")
    assert db_state(home) == before


def test_delete_refusals_change_nothing(cli, home: Path, two_sets) -> None:
    v1, v2, kept = two_sets
    before = db_state(home)
    refused(cli("annotation", "delete", "TTS Glitches", "1", kept[0].id),
            "Annotation set v1 is published and cannot be changed")
    refused(cli("annotation", "delete", "TTS Glitches", "2", "no-such-id"),
            "No annotation with id 'no-such-id'")
    refused(cli("annotation", "delete", "TTS Glitches", "2", kept[0].id),
            f"Annotation '{kept[0].id}' is in set v1, not in set v2 of 'TTS Glitches'; "
            f"nothing was deleted.")
    assert db_state(home) == before


def test_list_refusals(cli, two_sets) -> None:
    refused(cli("annotation", "list", "TTS Glitches", "3", "--json"),
            "No annotation set version '3' in dataset 'TTS Glitches'")
    refused(cli("annotation", "list", "TTS Glitches", "1", "--audio", "nope.wav"),
            "No audio file with id or filename 'nope.wav'")
