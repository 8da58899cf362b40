"""AnnotationService: validated create / update / delete / restore, one transaction each."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.annotations import AnnotationChange
from app.core.context import AppContext
from app.core.entities import AnnotationDraft
from app.core.errors import ConflictError, NotFoundError, PublishedSetError, ValidationError
from tests.audio_samples import write_tone
from tests.core.dbstate import db_state

# -- create ------------------------------------------------------------------------------------


def test_create_stores_every_field(ctx: AppContext, audio, draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(
        audio.id, "long_pause", 250, 1250, 0.75, "  breath? "))
    assert (created.annotation_set_id, created.audio_file_id, created.artifact_type) == (
        draft.id, audio.id, "long_pause")
    assert (created.start_ms, created.end_ms, created.duration_ms) == (250, 1250, 1000)
    assert created.confidence == 0.75 and created.note == "  breath? "
    assert created.created_at is not None and created.created_at == created.updated_at
    assert ctx.annotations.get(created.id) == created


def test_defaults_confidence_1_and_blank_note_is_none(ctx: AppContext, audio, draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10, note="  "))
    assert created.confidence == 1.0 and created.note is None


def test_create_with_a_given_id(ctx: AppContext, audio, draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10),
                                     annotation_id="0b5c7a56-0000-4000-8000-000000000001")
    assert created.id == "0b5c7a56-0000-4000-8000-000000000001"


def test_full_length_and_overlapping_annotations_are_allowed(ctx: AppContext, audio, draft) -> None:
    full = AnnotationDraft(audio.id, "glitch", 0, audio.duration_ms)
    ctx.annotations.create_many(draft.id, [full, full, AnnotationDraft(audio.id, "glitch", 5, 15)])
    assert len(ctx.annotations.list(draft.id)) == 3


def _refuse(ctx: AppContext, set_id: str, draft: AnnotationDraft, error=ValidationError):
    before = db_state(ctx)
    with pytest.raises(error) as info:
        ctx.annotations.create(set_id, draft)
    assert db_state(ctx) == before
    return info.value


def test_start_equal_or_after_end_is_refused(ctx: AppContext, audio, draft) -> None:
    error = _refuse(ctx, draft.id, AnnotationDraft(audio.id, "glitch", 500, 500))
    assert str(error) == "start_ms 500 must be before end_ms 500." and error.field == "end_ms"
    _refuse(ctx, draft.id, AnnotationDraft(audio.id, "glitch", 600, 500))


def test_negative_start_is_refused(ctx: AppContext, audio, draft) -> None:
    assert _refuse(ctx, draft.id, AnnotationDraft(audio.id, "glitch", -5, 500)).field == "start_ms"


def test_end_beyond_the_duration_is_refused(ctx: AppContext, audio, draft) -> None:
    error = _refuse(ctx, draft.id, AnnotationDraft(audio.id, "glitch", 1900, 2001))
    assert str(error) == "end_ms 2001 is beyond the end of 'clip01.wav' (2000 ms)."


def test_unknown_type_is_refused_listing_the_known_ones(ctx: AppContext, audio, draft) -> None:
    error = _refuse(ctx, draft.id, AnnotationDraft(audio.id, "Glitch", 0, 10))
    assert str(error) == ("Unknown artifact type 'Glitch'; this dataset's types are: glitch, "
                          "long_pause, hallucination.")
    assert error.field == "artifact_type"


def test_unknown_type_in_a_dataset_without_types(ctx: AppContext, tmp_path: Path) -> None:
    bare = ctx.datasets.create("Bare")
    audio = ctx.audio.import_paths(bare.id, [write_tone(tmp_path / "a.wav")]).imported[0]
    draft = ctx.sets.create(bare.id)
    assert "none defined yet" in str(_refuse(ctx, draft.id, AnnotationDraft(audio.id, "x", 0, 10)))


@pytest.mark.parametrize("confidence", [1.5, -0.5, math.nan, math.inf])
def test_confidence_outside_0_1_is_refused(ctx: AppContext, audio, draft, confidence) -> None:
    error = _refuse(ctx, draft.id, AnnotationDraft(audio.id, "glitch", 0, 10, confidence))
    assert error.field == "confidence" and str(confidence) in str(error)


def test_audio_of_another_dataset_is_refused(ctx: AppContext, draft, tmp_path: Path) -> None:
    other = ctx.datasets.create("Other")
    foreign = ctx.audio.import_paths(other.id, [write_tone(tmp_path / "f.wav", freq=123)]).imported[0]
    error = _refuse(ctx, draft.id, AnnotationDraft(foreign.id, "glitch", 0, 10))
    assert "'f.wav' belongs to another dataset" in str(error) and error.field == "audio_file_id"


def test_missing_audio_or_set_is_refused(ctx: AppContext, audio, draft) -> None:
    assert "No audio file with id 'nope'" in str(
        _refuse(ctx, draft.id, AnnotationDraft("nope", "glitch", 0, 10), NotFoundError))
    assert "No annotation set with id 'nope'" in str(
        _refuse(ctx, "nope", AnnotationDraft(audio.id, "glitch", 0, 10), NotFoundError))


def test_create_many_is_all_or_nothing_and_names_the_bad_item(ctx: AppContext, audio, draft) -> None:
    before = db_state(ctx)
    with pytest.raises(ValidationError) as info:
        ctx.annotations.create_many(draft.id, [AnnotationDraft(audio.id, "glitch", 0, 10),
                                               AnnotationDraft(audio.id, "glitch", 10, 20),
                                               AnnotationDraft(audio.id, "pop", 20, 30)])
    assert str(info.value).startswith("Annotation 3: Unknown artifact type 'pop'")
    assert db_state(ctx) == before


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(-50, 2100), length=st.integers(-20, 300),
       confidence=st.floats(-0.5, 1.5, allow_nan=False))
def test_create_accepts_exactly_what_the_rules_allow(ctx: AppContext, audio, draft, start, length,
                                                     confidence) -> None:
    end = start + length
    valid = 0 <= start < end <= audio.duration_ms and 0.0 <= confidence <= 1.0
    draft_values = AnnotationDraft(audio.id, "glitch", start, end, confidence)
    if valid:
        created = ctx.annotations.create(draft.id, draft_values)
        assert (created.start_ms, created.end_ms, created.confidence) == (start, end, confidence)
        ctx.annotations.delete(created.id)
    else:
        with pytest.raises(ValidationError):
            ctx.annotations.create(draft.id, draft_values)
    assert ctx.annotations.list(draft.id) == []


# -- read --------------------------------------------------------------------------------------


def test_list_orders_by_audio_then_time_and_filters_by_audio(ctx: AppContext, dataset, audio, draft,
                                                             tmp_path: Path) -> None:
    second = ctx.audio.import_paths(dataset.id, [write_tone(tmp_path / "b.wav", freq=880)]).imported[0]
    ctx.annotations.create_many(draft.id, [
        AnnotationDraft(audio.id, "glitch", 900, 950), AnnotationDraft(second.id, "glitch", 5, 6),
        AnnotationDraft(audio.id, "glitch", 100, 300), AnnotationDraft(audio.id, "glitch", 100, 200)])
    mine = ctx.annotations.list(draft.id, audio.id)
    assert [(a.start_ms, a.end_ms) for a in mine] == [(100, 200), (100, 300), (900, 950)]
    assert [a.start_ms for a in ctx.annotations.list(draft.id, second.id)] == [5]
    assert len(ctx.annotations.list(draft.id)) == 4
    with pytest.raises(NotFoundError, match="No annotation with id 'nope'"):
        ctx.annotations.get("nope")


# -- update ------------------------------------------------------------------------------------


def test_update_changes_only_the_given_fields(ctx: AppContext, audio, draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 100, 200, 0.9, "n"))
    time.sleep(0.002)  # updated_at must move on
    moved = ctx.annotations.update(created.id, AnnotationChange(start_ms=50, end_ms=250))
    assert (moved.start_ms, moved.end_ms, moved.artifact_type, moved.confidence, moved.note) == (
        50, 250, "glitch", 0.9, "n")
    assert moved.updated_at > created.updated_at and moved.created_at == created.created_at
    retyped = ctx.annotations.update(created.id, AnnotationChange(artifact_type="hallucination",
                                                                  confidence=0.3))
    assert (retyped.artifact_type, retyped.confidence, retyped.start_ms) == ("hallucination", 0.3, 50)
    cleared = ctx.annotations.update(created.id, AnnotationChange(note=""))
    assert cleared.note is None and ctx.annotations.get(created.id) == cleared


@pytest.mark.parametrize("change, field", [
    (AnnotationChange(start_ms=200), "end_ms"),
    (AnnotationChange(end_ms=2001), "end_ms"),
    (AnnotationChange(start_ms=-1), "start_ms"),
    (AnnotationChange(artifact_type="pop"), "artifact_type"),
    (AnnotationChange(confidence=1.5), "confidence"),
    (AnnotationChange(confidence=math.nan), "confidence"),
])
def test_update_is_validated(ctx: AppContext, audio, draft, change, field) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 100, 200))
    before = db_state(ctx)
    with pytest.raises(ValidationError) as info:
        ctx.annotations.update(created.id, change)
    assert info.value.field == field
    assert db_state(ctx) == before


def test_update_many_is_one_transaction(ctx: AppContext, audio, draft) -> None:
    a, b = ctx.annotations.create_many(draft.id, [AnnotationDraft(audio.id, "glitch", 100, 200),
                                                  AnnotationDraft(audio.id, "glitch", 1800, 1990)])
    before = db_state(ctx)
    with pytest.raises(ValidationError):
        ctx.annotations.update_many({a.id: AnnotationChange(start_ms=110, end_ms=210),
                                     b.id: AnnotationChange(start_ms=1810, end_ms=2010)})
    assert db_state(ctx) == before
    nudged = ctx.annotations.update_many({a.id: AnnotationChange(start_ms=110, end_ms=210),
                                          b.id: AnnotationChange(start_ms=1805, end_ms=1995)})
    assert [(n.start_ms, n.end_ms) for n in nudged] == [(110, 210), (1805, 1995)]


def test_update_missing_annotation_is_not_found(ctx: AppContext) -> None:
    with pytest.raises(NotFoundError, match="No annotation with id 'nope'"):
        ctx.annotations.update("nope", AnnotationChange(note="x"))


# -- delete and restore ------------------------------------------------------------------------


def test_delete_returns_what_it_deleted_and_restore_brings_it_back(ctx: AppContext, audio,
                                                                   draft) -> None:
    created = ctx.annotations.create_many(draft.id, [
        AnnotationDraft(audio.id, "glitch", 100, 200, 0.4, "first"),
        AnnotationDraft(audio.id, "long_pause", 300, 900)])
    deleted = ctx.annotations.delete_many([c.id for c in created] + [created[0].id])
    assert [d.id for d in deleted] == [c.id for c in created]
    assert ctx.annotations.list(draft.id) == []
    restored = ctx.annotations.restore(deleted)
    assert [(r.id, r.artifact_type, r.start_ms, r.end_ms, r.confidence, r.note, r.created_at)
            for r in restored] == [(c.id, c.artifact_type, c.start_ms, c.end_ms, c.confidence,
                                    c.note, c.created_at) for c in created]
    assert len(ctx.annotations.list(draft.id)) == 2


def test_delete_missing_annotation_is_not_found_and_deletes_nothing(ctx: AppContext, audio,
                                                                   draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    with pytest.raises(NotFoundError, match="No annotation with id 'nope'"):
        ctx.annotations.delete_many([created.id, "nope"])
    assert ctx.annotations.list(draft.id) == [created]


def test_restore_revalidates(ctx: AppContext, dataset, audio, draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "hallucination", 0, 10))
    ctx.annotations.delete(created.id)
    ctx.datasets.remove_type(dataset.id, "hallucination")
    with pytest.raises(ValidationError, match="Unknown artifact type 'hallucination'"):
        ctx.annotations.restore([created])
    assert ctx.annotations.list(draft.id) == []


# -- caller-chosen ids, big batches, the database's own backstop ----------------------------------


def test_a_taken_id_is_refused_clearly(ctx: AppContext, audio, draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    before = db_state(ctx)
    with pytest.raises(ConflictError, match=f"An annotation with id '{created.id}' already "
                                            f"exists; nothing was added"):
        ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 20, 30), created.id)
    with pytest.raises(ConflictError, match="Annotation id 'twice' is given twice"):
        ctx.annotations.create_many(draft.id, [AnnotationDraft(audio.id, "glitch", 20, 30)] * 2,
                                    ids=["twice", "twice"])
    with pytest.raises(ConflictError, match="already exists; nothing was restored"):
        ctx.annotations.restore([created])
    assert db_state(ctx) == before


def test_thousands_of_annotations_are_deleted_and_returned_in_one_go(ctx: AppContext, audio,
                                                                     draft) -> None:
    made = ctx.annotations.create_many(draft.id, [
        AnnotationDraft(audio.id, "glitch", i % 1900, i % 1900 + 5) for i in range(1200)])
    deleted = ctx.annotations.delete_many([a.id for a in reversed(made)])
    assert [d.id for d in deleted] == [a.id for a in reversed(made)]
    assert ctx.annotations.list(draft.id) == []
    assert len(ctx.annotations.restore(deleted)) == 1200


def test_the_database_backs_up_the_published_rule(ctx: AppContext, audio, draft,
                                                   monkeypatch) -> None:
    """If a code path ever skipped the service check, the trigger's refusal still reads well."""
    import app.core.annotations as annotations_module
    from app.core.models import AnnotationSetRow

    ctx.sets.publish(draft.id)
    monkeypatch.setattr(annotations_module, "require_draft",
                        lambda session, set_id: session.get(AnnotationSetRow, set_id))
    before = db_state(ctx)
    with pytest.raises(PublishedSetError) as info:
        ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    message = str(info.value)
    assert "annotation set is published and cannot be changed" in message and "\n" not in message
    assert db_state(ctx) == before
