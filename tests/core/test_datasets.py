"""DatasetService: datasets, their artifact types and their statistics."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.core.context import AppContext
from app.core.datasets import TypeEdit
from app.core.entities import AnnotationDraft, ArtifactType
from app.core.errors import ConflictError, NotFoundError, ValidationError
from tests.audio_samples import write_tone
from tests.core.dbstate import db_state


def _edits(dataset) -> list[TypeEdit]:
    """The dataset's current type list as unchanged edits."""
    return [TypeEdit(t.name, t.description, t.color, original_name=t.name)
            for t in dataset.artifact_types]


# -- create / read -----------------------------------------------------------------------


def test_create_keeps_fields_and_type_order(ctx: AppContext, dataset) -> None:
    assert dataset.name == "TTS Glitches"
    assert dataset.description == "Label every audible glitch."
    assert dataset.type_names() == ["glitch", "long_pause", "hallucination"]
    assert dataset.artifact_types[0] == ArtifactType("glitch", "clicks and pops", "#FF4444")
    assert dataset.created_at.tzinfo is not None and dataset.updated_at.tzinfo is not None
    assert (dataset.audio_count, dataset.annotation_set_count, dataset.total_duration_ms) == (0, 0, 0)
    assert ctx.datasets.get(dataset.id) == dataset


def test_create_trims_name_and_gives_types_the_default_color(ctx: AppContext) -> None:
    created = ctx.datasets.create("  Voice Agent Issues ", None,
                                  [ArtifactType("echo", None, None), ArtifactType("dropout")])
    assert created.name == "Voice Agent Issues"
    assert [t.color for t in created.artifact_types] == ["#FF0000", "#FF0000"]


def test_many_types_keep_their_order(ctx: AppContext) -> None:
    names = [f"type_{i:02d}" for i in range(12)]
    created = ctx.datasets.create("Many", None, [ArtifactType(n) for n in reversed(names)])
    assert created.type_names() == list(reversed(names))


def test_list_is_sorted_by_name_case_insensitively(ctx: AppContext) -> None:
    for name in ("beta", "Alpha", "gamma"):
        ctx.datasets.create(name)
    assert [d.name for d in ctx.datasets.list()] == ["Alpha", "beta", "gamma"]


def test_resolve_by_id_or_exact_name(ctx: AppContext, dataset) -> None:
    assert ctx.datasets.resolve(dataset.id).id == dataset.id
    assert ctx.datasets.resolve("TTS Glitches").id == dataset.id
    with pytest.raises(NotFoundError, match="No dataset with id or name 'tts glitches'"):
        ctx.datasets.resolve("tts glitches")


def test_get_unknown_id_is_not_found(ctx: AppContext) -> None:
    with pytest.raises(NotFoundError, match="No dataset with id 'nope'"):
        ctx.datasets.get("nope")


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_invalid_dataset_names_are_refused_and_nothing_is_stored(ctx: AppContext, name: str) -> None:
    with pytest.raises(ValidationError):
        ctx.datasets.create(name)
    assert ctx.datasets.list() == []


def test_duplicate_dataset_name_is_refused(ctx: AppContext, dataset) -> None:
    before = db_state(ctx)
    with pytest.raises(ConflictError, match="A dataset named 'TTS Glitches' already exists"):
        ctx.datasets.create(" TTS Glitches ")
    assert db_state(ctx) == before


def test_duplicate_type_in_create_is_refused(ctx: AppContext) -> None:
    with pytest.raises(ValidationError, match="'glitch' is listed twice") as info:
        ctx.datasets.create("D", None, [ArtifactType("glitch"), ArtifactType(" glitch ")])
    assert info.value.field == "artifact_types"
    assert ctx.datasets.list() == []


def test_bad_type_color_in_create_is_refused(ctx: AppContext) -> None:
    with pytest.raises(ValidationError, match="Artifact type 'pop': Color '#GGG'"):
        ctx.datasets.create("D", None, [ArtifactType("pop", None, "#GGG")])
    assert ctx.datasets.list() == []


def test_type_name_over_100_chars_is_refused(ctx: AppContext) -> None:
    with pytest.raises(ValidationError, match="the limit is 100"):
        ctx.datasets.create("D", None, [ArtifactType("t" * 101)])
    assert ctx.datasets.list() == []


def test_unconventional_type_names_are_accepted_as_written(ctx: AppContext) -> None:
    # The naming convention is a warning (shown by the UI and the CLI), never an error.
    created = ctx.datasets.create("D", None, [ArtifactType("Audio Glitch"), ArtifactType("LONG-PAUSE")])
    assert created.type_names() == ["Audio Glitch", "LONG-PAUSE"]


# -- update ----------------------------------------------------------------------------------


def test_rename_and_describe(ctx: AppContext, dataset) -> None:
    updated = ctx.datasets.update(dataset.id, name=" Renamed ", description="new\nguidelines")
    assert (updated.name, updated.description) == ("Renamed", "new\nguidelines")
    assert updated.updated_at >= dataset.updated_at
    assert ctx.datasets.update(dataset.id, description=None).description is None


def test_rename_to_an_existing_name_is_refused(ctx: AppContext, dataset) -> None:
    other = ctx.datasets.create("Other")
    before = db_state(ctx)
    with pytest.raises(ConflictError, match="A dataset named 'TTS Glitches' already exists"):
        ctx.datasets.update(other.id, name="TTS Glitches")
    assert db_state(ctx) == before


def test_update_unknown_dataset_is_not_found(ctx: AppContext) -> None:
    with pytest.raises(NotFoundError, match="No dataset with id 'missing'"):
        ctx.datasets.update("missing", name="x")


def test_add_types_appends_after_the_existing_ones(ctx: AppContext, dataset) -> None:
    updated = ctx.datasets.add_types(dataset.id, [ArtifactType("echo", None, "#00ff00"),
                                                  ArtifactType("crosstalk")])
    assert updated.type_names() == ["glitch", "long_pause", "hallucination", "echo", "crosstalk"]
    assert updated.artifact_types[3].color == "#00FF00"
    assert updated.artifact_types[4].color == "#FF0000"


def test_adding_an_existing_type_name_is_refused_clearly(ctx: AppContext, dataset) -> None:
    before = db_state(ctx)
    with pytest.raises(ConflictError) as info:
        ctx.datasets.add_types(dataset.id, [ArtifactType("glitch")])
    assert "'TTS Glitches' already has an artifact type 'glitch'" in str(info.value)
    assert db_state(ctx) == before


def test_adding_a_type_with_a_bad_color_changes_nothing(ctx: AppContext, dataset) -> None:
    before = db_state(ctx)
    with pytest.raises(ValidationError, match="'#GGG'"):
        ctx.datasets.add_types(dataset.id, [ArtifactType("pop", None, "#GGG")])
    assert db_state(ctx) == before


def test_unused_type_can_be_removed(ctx: AppContext, dataset, audio) -> None:
    draft = ctx.sets.create(dataset.id)
    ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    updated = ctx.datasets.remove_type(dataset.id, "hallucination")
    assert updated.type_names() == ["glitch", "long_pause"]


def test_removing_an_unknown_type_names_the_dataset_and_its_types(ctx: AppContext, dataset) -> None:
    with pytest.raises(NotFoundError) as info:
        ctx.datasets.remove_type(dataset.id, "pop")
    message = str(info.value)
    assert "'TTS Glitches'" in message and "'pop'" in message
    assert "glitch, long_pause, hallucination" in message


def _use_glitch_in_two_sets(ctx: AppContext, dataset, audio) -> None:
    """glitch: 2 annotations in v1 (published), 1 in v2 (draft)."""
    v1 = ctx.sets.create(dataset.id)
    ctx.annotations.create_many(v1.id, [AnnotationDraft(audio.id, "glitch", 0, 10),
                                        AnnotationDraft(audio.id, "glitch", 20, 30),
                                        AnnotationDraft(audio.id, "long_pause", 40, 90)])
    ctx.sets.publish(v1.id)
    v2 = ctx.sets.create(dataset.id)
    ctx.annotations.create(v2.id, AnnotationDraft(audio.id, "glitch", 100, 110))


def test_removing_a_used_type_is_refused_with_counts_per_set(ctx: AppContext, dataset, audio) -> None:
    _use_glitch_in_two_sets(ctx, dataset, audio)
    before = db_state(ctx)
    with pytest.raises(ConflictError) as info:
        ctx.datasets.remove_type(dataset.id, "glitch")
    assert "cannot remove 'glitch': it is used by 3 annotations (v1: 2, v2: 1)" in str(info.value)
    assert db_state(ctx) == before
    assert ctx.datasets.type_usage(dataset.id, "glitch") == {1: 2, 2: 1}
    assert ctx.datasets.type_usage(dataset.id, "hallucination") == {}


def test_removing_two_used_types_lists_both(ctx: AppContext, dataset, audio) -> None:
    _use_glitch_in_two_sets(ctx, dataset, audio)
    with pytest.raises(ConflictError) as info:
        ctx.datasets.update(dataset.id, artifact_types=[_edits(dataset)[2]])
    message = str(info.value)
    assert "'glitch': it is used by 3 annotations (v1: 2, v2: 1)" in message
    assert "'long_pause': it is used by 1 annotation (v1: 1)" in message


def test_renaming_a_used_type_is_refused_with_counts(ctx: AppContext, dataset, audio) -> None:
    _use_glitch_in_two_sets(ctx, dataset, audio)
    edits = _edits(dataset)
    edits[0] = TypeEdit("click", "clicks and pops", "#FF4444", original_name="glitch")
    before = db_state(ctx)
    with pytest.raises(ConflictError) as info:
        ctx.datasets.update(dataset.id, artifact_types=edits)
    assert "cannot rename 'glitch': it is used by 3 annotations (v1: 2, v2: 1)" in str(info.value)
    assert db_state(ctx) == before


def test_renaming_an_unused_type_is_allowed(ctx: AppContext, dataset, audio) -> None:
    _use_glitch_in_two_sets(ctx, dataset, audio)
    edits = _edits(dataset)
    edits[2] = TypeEdit("tts_hallucination", "made-up words", "#44FF44",
                        original_name="hallucination")
    updated = ctx.datasets.update(dataset.id, artifact_types=edits)
    assert updated.type_names() == ["glitch", "long_pause", "tts_hallucination"]


def test_swapping_two_unused_type_names_works(ctx: AppContext, dataset) -> None:
    a, b, c = _edits(dataset)
    updated = ctx.datasets.update(dataset.id, artifact_types=[
        TypeEdit("long_pause", a.description, a.color, original_name="glitch"),
        TypeEdit("glitch", b.description, b.color, original_name="long_pause"), c])
    assert updated.type_names() == ["long_pause", "glitch", "hallucination"]
    assert updated.artifact_types[0].color == "#FF4444"


def test_reordering_used_types_keeps_their_annotations(ctx: AppContext, dataset, audio) -> None:
    _use_glitch_in_two_sets(ctx, dataset, audio)
    a, b, c = _edits(dataset)
    updated = ctx.datasets.update(dataset.id, artifact_types=[c, a, b])
    assert updated.type_names() == ["hallucination", "glitch", "long_pause"]
    v1 = ctx.sets.resolve(dataset.id, 1)
    assert v1.stats.annotations_by_type == {"glitch": 2, "long_pause": 1}


def test_description_and_color_of_a_used_type_can_always_change(ctx: AppContext, dataset,
                                                               audio) -> None:
    _use_glitch_in_two_sets(ctx, dataset, audio)  # glitch is used, also by a published set
    edits = _edits(dataset)
    edits[0] = TypeEdit("glitch", "any short discontinuity", "#123abc", original_name="glitch")
    updated = ctx.datasets.update(dataset.id, artifact_types=edits)
    assert updated.artifact_types[0] == ArtifactType("glitch", "any short discontinuity", "#123ABC")
    assert ctx.sets.resolve(dataset.id, 1).stats.annotations_by_type["glitch"] == 2


def test_type_edit_naming_an_unknown_original_is_refused(ctx: AppContext, dataset) -> None:
    with pytest.raises(NotFoundError, match="has no artifact type 'pop'"):
        ctx.datasets.update(dataset.id, artifact_types=[TypeEdit("pop", original_name="pop")])


def test_type_edits_with_a_duplicate_name_are_refused(ctx: AppContext, dataset) -> None:
    before = db_state(ctx)
    with pytest.raises(ValidationError, match="'pop' is listed twice"):
        ctx.datasets.update(dataset.id, artifact_types=_edits(dataset) + [TypeEdit("pop"),
                                                                          TypeEdit("pop")])
    with pytest.raises(ConflictError, match="already has an artifact type 'glitch'"):
        ctx.datasets.update(dataset.id, artifact_types=_edits(dataset) + [TypeEdit("glitch")])
    assert db_state(ctx) == before


def test_a_refused_type_edit_also_keeps_the_name_change_out(ctx: AppContext, dataset, audio) -> None:
    _use_glitch_in_two_sets(ctx, dataset, audio)
    with pytest.raises(ConflictError):
        ctx.datasets.update(dataset.id, name="New name", artifact_types=[])
    assert ctx.datasets.get(dataset.id).name == "TTS Glitches"


# -- statistics --------------------------------------------------------------------------------


def test_dataset_statistics(ctx: AppContext, dataset, tmp_path: Path) -> None:
    files = [write_tone(tmp_path / "a.wav", 1.0, 16000, 440),
             write_tone(tmp_path / "b.wav", 2.5, 8000, 660),
             write_tone(tmp_path / "c.flac", 0.25, 44100, 880)]
    ctx.audio.import_paths(dataset.id, files)
    ctx.sets.create(dataset.id)
    ctx.sets.create(dataset.id)
    stats = ctx.datasets.get(dataset.id)
    assert (stats.audio_count, stats.annotation_set_count) == (3, 2)
    assert stats.total_duration_ms == 1000 + 2500 + 250
    listed = {d.id: d for d in ctx.datasets.list()}[dataset.id]
    assert (listed.audio_count, listed.annotation_set_count, listed.total_duration_ms) == (3, 2, 3750)


# -- delete ----------------------------------------------------------------------------------


def test_delete_cascades_to_audio_sets_annotations_and_types(ctx: AppContext, dataset, audio) -> None:
    _use_glitch_in_two_sets(ctx, dataset, audio)
    summary = ctx.datasets.deletion_summary(dataset.id)
    assert (summary.dataset_name, summary.audio_count, summary.annotation_set_count,
            summary.annotation_count, summary.published_set_count) == ("TTS Glitches", 1, 2, 4, 1)
    done = ctx.datasets.delete(dataset.id)
    assert done.annotation_count == 4 and done.library_files_removed == 1
    con = sqlite3.connect(ctx.paths.sqlite_file)
    try:
        for table in ("datasets", "artifact_types", "audio_files", "annotation_sets", "annotations"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    finally:
        con.close()
    assert not ctx.audio.path_of(audio).exists()
    with pytest.raises(NotFoundError):
        ctx.datasets.get(dataset.id)


def test_delete_keeps_library_audio_another_dataset_uses(ctx: AppContext, tmp_path: Path) -> None:
    shared = write_tone(tmp_path / "shared.wav", 1.0)
    only_a = write_tone(tmp_path / "only_a.wav", 1.0, freq=300)
    a = ctx.datasets.create("A")
    b = ctx.datasets.create("B")
    report_a = ctx.audio.import_paths(a.id, [shared, only_a])
    report_b = ctx.audio.import_paths(b.id, [shared])
    shared_a, own_a = report_a.imported
    assert ctx.audio.path_of(shared_a) == ctx.audio.path_of(report_b.imported[0])
    summary = ctx.datasets.delete(a.id)
    assert summary.library_files_removed == 1
    assert ctx.audio.path_of(shared_a).exists()
    assert not ctx.audio.path_of(own_a).exists()
    assert [f.original_filename for f in ctx.audio.list(b.id)] == ["shared.wav"]
    ctx.datasets.delete(b.id)
    assert not ctx.audio.path_of(shared_a).exists()
    assert [p for p in ctx.paths.library_dir.rglob("*") if p.is_file()] == []


def test_delete_unknown_dataset_is_not_found(ctx: AppContext) -> None:
    with pytest.raises(NotFoundError):
        ctx.datasets.delete("missing")
    with pytest.raises(NotFoundError):
        ctx.datasets.deletion_summary("missing")
