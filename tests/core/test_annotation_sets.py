"""AnnotationSetService: versions, copies, publishing (for good) and statistics."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.annotations import AnnotationChange
from app.core.context import AppContext
from app.core.entities import AnnotationDraft, SetStats
from app.core.errors import ConflictError, NotFoundError, PublishedSetError
from tests.audio_samples import write_tone
from tests.core.dbstate import db_state


def _content(annotations) -> list[tuple]:
    """What an annotation says, without its identity."""
    return sorted((a.audio_file_id, a.artifact_type, a.start_ms, a.end_ms, a.confidence, a.note)
                  for a in annotations)


@pytest.fixture
def labeled(ctx: AppContext, dataset, audio, draft):
    """v1 (draft) with four annotations on the 2 s clip."""
    ctx.annotations.create_many(draft.id, [
        AnnotationDraft(audio.id, "glitch", 100, 150),
        AnnotationDraft(audio.id, "glitch", 120, 180, 0.5, "overlaps the first"),
        AnnotationDraft(audio.id, "long_pause", 500, 1500, 0.9),
        AnnotationDraft(audio.id, "hallucination", 1800, 2000, 1.0, "made-up word"),
    ])
    return ctx.sets.get(draft.id)


# -- versions ----------------------------------------------------------------------------------


def test_versions_count_up_per_dataset(ctx: AppContext, dataset) -> None:
    other = ctx.datasets.create("Other")
    assert [ctx.sets.create(dataset.id).version for _ in range(3)] == [1, 2, 3]
    assert ctx.sets.create(other.id).version == 1
    assert ctx.sets.create(dataset.id).version == 4
    assert [s.version for s in ctx.sets.list(dataset.id)] == [1, 2, 3, 4]
    assert [s.version for s in ctx.sets.list(other.id)] == [1]


def test_a_new_set_is_an_empty_draft(ctx: AppContext, dataset, draft) -> None:
    assert (draft.version, draft.status, draft.published_at) == (1, "draft", None)
    assert not draft.is_published and draft.dataset_id == dataset.id
    assert draft.stats == SetStats(0, 0, {})
    assert ctx.annotations.list(draft.id) == []


def test_create_in_a_missing_dataset_is_refused(ctx: AppContext) -> None:
    with pytest.raises(NotFoundError, match="No dataset with id 'missing'"):
        ctx.sets.create("missing")


def test_resolve_by_number_v_number_or_id(ctx: AppContext, dataset, draft) -> None:
    for ref in (1, "1", "v1", "V1", " v1 ", draft.id):
        assert ctx.sets.resolve(dataset.id, ref).id == draft.id


def test_resolve_unknown_version_names_the_dataset(ctx: AppContext, dataset, draft) -> None:
    with pytest.raises(NotFoundError) as info:
        ctx.sets.resolve(dataset.id, "v7")
    assert "'v7'" in str(info.value) and "'TTS Glitches'" in str(info.value)
    other = ctx.datasets.create("Other")
    with pytest.raises(NotFoundError):
        ctx.sets.resolve(other.id, draft.id)  # an id from another dataset
    with pytest.raises(NotFoundError, match="No annotation set with id 'x'"):
        ctx.sets.get("x")
    with pytest.raises(NotFoundError):
        ctx.sets.list("missing")


# -- copies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("publish_source", [False, True])
def test_copy_of_any_set_has_identical_annotations_with_new_ids(ctx: AppContext, dataset,
                                                               labeled, publish_source) -> None:
    if publish_source:
        ctx.sets.publish(labeled.id)
    source_annotations = ctx.annotations.list(labeled.id)
    copy = ctx.sets.create(dataset.id, from_set_id=labeled.id)
    assert (copy.version, copy.status) == (2, "draft")
    copied = ctx.annotations.list(copy.id)
    assert _content(copied) == _content(source_annotations)
    assert not {a.id for a in copied} & {a.id for a in source_annotations}
    assert all(a.annotation_set_id == copy.id for a in copied)
    assert copy.stats == ctx.sets.get(labeled.id).stats
    # The copy is independent: editing it leaves the source alone.
    ctx.annotations.delete(copied[0].id)
    assert _content(ctx.annotations.list(labeled.id)) == _content(source_annotations)


def test_copy_of_a_copy_of_an_empty_set(ctx: AppContext, dataset, draft) -> None:
    second = ctx.sets.create(dataset.id, from_set_id=draft.id)
    third = ctx.sets.create(dataset.id, from_set_id=second.id)
    assert third.version == 3 and third.stats.total_annotations == 0


def test_copy_from_another_dataset_is_refused(ctx: AppContext, dataset, labeled) -> None:
    other = ctx.datasets.create("Other")
    before = db_state(ctx)
    with pytest.raises(NotFoundError, match="to copy"):
        ctx.sets.create(other.id, from_set_id=labeled.id)
    with pytest.raises(NotFoundError, match="to copy"):
        ctx.sets.create(dataset.id, from_set_id="missing")
    assert db_state(ctx) == before


# -- statistics --------------------------------------------------------------------------------


def test_set_statistics(ctx: AppContext, labeled) -> None:
    assert labeled.stats.total_annotations == 4
    assert labeled.stats.total_positive_duration_ms == 50 + 60 + 1000 + 200
    assert labeled.stats.annotations_by_type == {"glitch": 2, "hallucination": 1, "long_pause": 1}
    listed = ctx.sets.list(labeled.dataset_id)[0]
    assert listed.stats == labeled.stats
    payload = listed.to_json()
    assert payload["total_annotations"] == 4 and payload["total_positive_duration_ms"] == 1310
    assert payload["annotations_by_type"] == {"glitch": 2, "hallucination": 1, "long_pause": 1}


def test_counts_by_audio(ctx: AppContext, dataset, audio, labeled, tmp_path: Path) -> None:
    second = ctx.audio.import_paths(dataset.id, [write_tone(tmp_path / "b.wav", freq=900)]).imported[0]
    ctx.annotations.create(labeled.id, AnnotationDraft(second.id, "glitch", 0, 10))
    assert ctx.sets.annotation_counts_by_audio(labeled.id) == {audio.id: 4, second.id: 1}


# -- publishing --------------------------------------------------------------------------------


def test_publish_locks_the_set(ctx: AppContext, labeled) -> None:
    published = ctx.sets.publish(labeled.id)
    assert published.status == "published" and published.is_published
    assert published.published_at is not None and published.published_at >= published.created_at
    assert published.stats == labeled.stats
    assert ctx.sets.get(labeled.id).status == "published"


def test_publish_twice_is_refused(ctx: AppContext, labeled) -> None:
    first = ctx.sets.publish(labeled.id)
    before = db_state(ctx)
    with pytest.raises(PublishedSetError, match="Annotation set v1 is already published"):
        ctx.sets.publish(labeled.id)
    assert db_state(ctx) == before
    assert ctx.sets.get(labeled.id).published_at == first.published_at


def test_publish_missing_set_is_refused(ctx: AppContext) -> None:
    with pytest.raises(NotFoundError):
        ctx.sets.publish("missing")


@pytest.fixture
def published(ctx: AppContext, labeled):
    ctx.sets.publish(labeled.id)
    return ctx.sets.get(labeled.id)


def _edits_of_a_published_set(ctx: AppContext, published, audio):
    first = ctx.annotations.list(published.id)[0]
    return {
        "add": lambda: ctx.annotations.create(
            published.id, AnnotationDraft(audio.id, "glitch", 10, 20)),
        "add many (paste / copy-into)": lambda: ctx.annotations.create_many(
            published.id, [AnnotationDraft(audio.id, "glitch", 10, 20)] * 2),
        "move": lambda: ctx.annotations.update(first.id, AnnotationChange(start_ms=0)),
        "resize": lambda: ctx.annotations.update(first.id, AnnotationChange(end_ms=400)),
        "retype": lambda: ctx.annotations.update(first.id, AnnotationChange(artifact_type="long_pause")),
        "confidence": lambda: ctx.annotations.update(first.id, AnnotationChange(confidence=0.1)),
        "note": lambda: ctx.annotations.update(first.id, AnnotationChange(note="changed")),
        "update many": lambda: ctx.annotations.update_many(
            {a.id: AnnotationChange(start_ms=a.start_ms + 1)
             for a in ctx.annotations.list(published.id)}),
        "delete": lambda: ctx.annotations.delete(first.id),
        "delete many": lambda: ctx.annotations.delete_many(
            [a.id for a in ctx.annotations.list(published.id)]),
        "restore (undo of a delete)": lambda: ctx.annotations.restore(
            [first.__class__(**{**first.__dict__, "id": "restored-id"})]),
        "remove the set": lambda: ctx.sets.delete_draft(published.id),
    }


def test_every_write_path_refuses_a_published_set(ctx: AppContext, published, audio) -> None:
    before = db_state(ctx)
    for name, edit in _edits_of_a_published_set(ctx, published, audio).items():
        with pytest.raises(PublishedSetError) as info:
            edit()
        assert str(info.value) == ("Annotation set v1 is published and cannot be changed. "
                                   "Create a new version from it to keep editing."), name
        assert db_state(ctx) == before, name


def test_a_mixed_batch_touching_a_published_set_changes_nothing(ctx: AppContext, dataset, audio,
                                                                published) -> None:
    draft = ctx.sets.create(dataset.id, from_set_id=published.id)
    draft_annotation = ctx.annotations.list(draft.id)[0]
    published_annotation = ctx.annotations.list(published.id)[0]
    before = db_state(ctx)
    with pytest.raises(PublishedSetError):
        ctx.annotations.update_many({draft_annotation.id: AnnotationChange(note="ok"),
                                     published_annotation.id: AnnotationChange(note="not ok")})
    with pytest.raises(PublishedSetError):
        ctx.annotations.delete_many([draft_annotation.id, published_annotation.id])
    assert db_state(ctx) == before


def test_a_new_version_from_a_published_set_is_editable(ctx: AppContext, dataset, audio,
                                                        published) -> None:
    v2 = ctx.sets.create(dataset.id, from_set_id=published.id)
    ctx.annotations.create(v2.id, AnnotationDraft(audio.id, "glitch", 10, 20))
    assert ctx.sets.get(v2.id).stats.total_annotations == 5
    assert ctx.sets.get(published.id).stats.total_annotations == 4


# -- removing a draft (undo of "new version") ----------------------------------------------------


def test_delete_draft_removes_the_newest_draft_and_its_annotations(ctx: AppContext, dataset,
                                                                  labeled) -> None:
    v2 = ctx.sets.create(dataset.id, from_set_id=labeled.id)
    ctx.sets.delete_draft(v2.id)
    assert [s.version for s in ctx.sets.list(dataset.id)] == [1]
    assert len(ctx.annotations.list(labeled.id)) == 4
    with pytest.raises(NotFoundError):
        ctx.annotations.list(v2.id)
    assert ctx.sets.create(dataset.id).version == 2


def test_delete_draft_refuses_an_older_version(ctx: AppContext, dataset, labeled) -> None:
    ctx.sets.create(dataset.id)
    with pytest.raises(ConflictError, match="Only the newest version can be removed; v1 is "
                                            "followed by v2"):
        ctx.sets.delete_draft(labeled.id)
    with pytest.raises(NotFoundError):
        ctx.sets.delete_draft("missing")


def test_a_taken_set_id_is_refused(ctx: AppContext, dataset, draft) -> None:
    before = db_state(ctx)
    with pytest.raises(ConflictError, match=f"An annotation set with id '{draft.id}' already exists"):
        ctx.sets.create(dataset.id, set_id=draft.id)
    assert db_state(ctx) == before
    chosen = ctx.sets.create(dataset.id, set_id="3f1d6c52-0000-4000-8000-00000000000a")
    assert chosen.id == "3f1d6c52-0000-4000-8000-00000000000a" and chosen.version == 2
