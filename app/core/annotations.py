"""Annotations: validated create / update / delete, each write in its own transaction.

Every write path checks that the set is a draft (published sets are immutable; SQLite
triggers back this up in the database itself), that the type is defined in the dataset,
that 0 <= start < end <= duration and 0 <= confidence <= 1, and that the audio file
belongs to the set's dataset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.annotation_sets import require_draft
from app.core.db import Database
from app.core.entities import Annotation, AnnotationDraft, ArtifactType
from app.core.errors import ConflictError, NotFoundError, ValidationError
from app.core.models import (
    AnnotationRow,
    AnnotationSetRow,
    ArtifactTypeRow,
    AudioFileRow,
    DatasetRow,
    annotation_entity,
    new_id,
    utcnow,
)
from app.core.rules import check_confidence, check_times, clean_artifact_type

@dataclass(frozen=True)
class AnnotationChange:
    """Fields to change; leave a field out (None) to keep it. ``note=""`` clears the note."""

    artifact_type: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    confidence: float | None = None
    note: str | None = None


class _Validator:
    """Per-transaction cache of the set's dataset types and audio durations."""

    def __init__(self, session: Session, set_row: AnnotationSetRow) -> None:
        self.session = session
        self.set_row = set_row
        self.types = {t.name: t.id for t in session.scalars(select(ArtifactTypeRow).where(
            ArtifactTypeRow.dataset_id == set_row.dataset_id))}
        self._audio: dict[str, AudioFileRow] = {}

    def type_id(self, name: str) -> int:
        if name not in self.types:
            known = ", ".join(self.types) or "none defined yet"
            raise ValidationError(f"Unknown artifact type '{name}'; this dataset's types are: "
                                  f"{known}.", field="artifact_type")
        return self.types[name]

    def audio(self, audio_id: str) -> AudioFileRow:
        row = self._audio.get(audio_id)
        if row is None:
            row = self.session.get(AudioFileRow, audio_id)
            if row is None:
                raise NotFoundError(f"No audio file with id '{audio_id}'.")
            if row.dataset_id != self.set_row.dataset_id:
                raise ValidationError(f"Audio file '{row.original_filename}' belongs to another "
                                      f"dataset than annotation set v{self.set_row.version}.",
                                      field="audio_file_id")
            self._audio[audio_id] = row
        return row

    def row_values(self, draft: AnnotationDraft) -> dict:
        audio = self.audio(draft.audio_file_id)
        start, end = check_times(draft.start_ms, draft.end_ms, audio.duration_ms,
                                 audio.original_filename)
        return {"audio_file_id": audio.id, "artifact_type_id": self.type_id(draft.artifact_type),
                "start_ms": start, "end_ms": end,
                "confidence": check_confidence(draft.confidence),
                "note": draft.note if draft.note and draft.note.strip() else None}


def _chunks(ids: list[str], size: int = 500) -> Iterable[list[str]]:
    """Slices for IN (...) queries, far below SQLite's limit on bound variables."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _append_types(session: Session, dataset_id: str, new_types: Iterable[ArtifactType]) -> None:
    existing = session.scalars(select(ArtifactTypeRow).where(
        ArtifactTypeRow.dataset_id == dataset_id)).all()
    names = {row.name for row in existing}
    position = max((row.position for row in existing), default=-1) + 1
    added = False
    for artifact_type in new_types:
        cleaned = clean_artifact_type(artifact_type)
        if cleaned.name in names:
            continue
        session.add(ArtifactTypeRow(dataset_id=dataset_id, position=position, name=cleaned.name,
                                    description=cleaned.description, color=cleaned.color))
        names.add(cleaned.name)
        position += 1
        added = True
    if added:
        session.get(DatasetRow, dataset_id).updated_at = utcnow()
        session.flush()


class AnnotationService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading ------------------------------------------------------------------------

    def list(self, set_id: str, audio_file_id: str | None = None) -> list[Annotation]:
        with self.db.read() as session:
            if session.get(AnnotationSetRow, set_id) is None:
                raise NotFoundError(f"No annotation set with id '{set_id}'.")
            query = select(AnnotationRow).where(AnnotationRow.annotation_set_id == set_id)
            if audio_file_id is not None:
                query = query.where(AnnotationRow.audio_file_id == audio_file_id)
            query = query.order_by(AnnotationRow.audio_file_id, AnnotationRow.start_ms,
                                   AnnotationRow.end_ms, AnnotationRow.id)
            return [annotation_entity(row) for row in session.scalars(query).unique()]

    def get(self, annotation_id: str) -> Annotation:
        with self.db.read() as session:
            return annotation_entity(self._row(session, annotation_id))

    # -- writing ------------------------------------------------------------------------

    def create(self, set_id: str, draft: AnnotationDraft, annotation_id: str | None = None) -> Annotation:
        return self.create_many(set_id, [draft], [annotation_id] if annotation_id else None)[0]

    def create_many(self, set_id: str, drafts: Iterable[AnnotationDraft],
                    ids: list[str] | None = None,
                    new_types: Iterable[ArtifactType] = ()) -> list[Annotation]:
        """All or nothing: one transaction for the whole batch.

        ``new_types`` are appended to the set's dataset in the same transaction (an import
        that brings types of its own); names the dataset already has are left as they are.
        """
        drafts = list(drafts)
        with self.db.write() as session:
            set_row = require_draft(session, set_id)
            _append_types(session, set_row.dataset_id, new_types)
            validator = _Validator(session, set_row)
            now = utcnow()
            rows = []
            for index, draft in enumerate(drafts):
                try:
                    values = validator.row_values(draft)
                except ValidationError as error:
                    if len(drafts) > 1:
                        raise ValidationError(f"Annotation {index + 1}: {error}", error.field) from None
                    raise
                rows.append(AnnotationRow(id=(ids[index] if ids else None) or new_id(),
                                          annotation_set_id=set_id, created_at=now,
                                          updated_at=now, **values))
            if ids:
                self._check_ids_free(session, [i for i in ids if i], "added")
            session.add_all(rows)
            session.flush()
            return [annotation_entity(row) for row in rows]

    def restore(self, annotations: Iterable[Annotation]) -> list[Annotation]:
        """Recreate deleted annotations with their ids and timestamps (undo of a delete)."""
        annotations = list(annotations)
        by_set: dict[str, list[Annotation]] = {}
        for annotation in annotations:
            by_set.setdefault(annotation.annotation_set_id, []).append(annotation)
        restored: list[Annotation] = []
        with self.db.write() as session:
            self._check_ids_free(session, [a.id for a in annotations], "restored")
            for set_id, items in by_set.items():
                validator = _Validator(session, require_draft(session, set_id))
                for item in items:
                    values = validator.row_values(AnnotationDraft(
                        item.audio_file_id, item.artifact_type, item.start_ms, item.end_ms,
                        item.confidence, item.note))
                    row = AnnotationRow(id=item.id, annotation_set_id=set_id,
                                        created_at=item.created_at or utcnow(),
                                        updated_at=utcnow(), **values)
                    session.add(row)
                    session.flush()
                    restored.append(annotation_entity(row))
        return restored

    def update(self, annotation_id: str, change: AnnotationChange) -> Annotation:
        return self.update_many({annotation_id: change})[0]

    def update_many(self, changes: dict[str, AnnotationChange]) -> list[Annotation]:
        """Apply several changes in one transaction (a multi-nudge, a retype of many)."""
        results = []
        with self.db.write() as session:
            validators: dict[str, _Validator] = {}
            for annotation_id, change in changes.items():
                row = self._row(session, annotation_id)
                validator = validators.get(row.annotation_set_id)
                if validator is None:
                    validator = _Validator(session, require_draft(session, row.annotation_set_id))
                    validators[row.annotation_set_id] = validator
                current = annotation_entity(row)
                merged = AnnotationDraft(
                    audio_file_id=current.audio_file_id,
                    artifact_type=change.artifact_type if change.artifact_type is not None
                    else current.artifact_type,
                    start_ms=change.start_ms if change.start_ms is not None else current.start_ms,
                    end_ms=change.end_ms if change.end_ms is not None else current.end_ms,
                    confidence=change.confidence if change.confidence is not None
                    else current.confidence,
                    note=change.note if change.note is not None else current.note)
                values = validator.row_values(merged)
                for key, value in values.items():
                    setattr(row, key, value)
                row.updated_at = utcnow()
                session.flush()
                session.refresh(row)
                results.append(annotation_entity(row))
        return results

    def delete(self, annotation_id: str) -> Annotation:
        return self.delete_many([annotation_id])[0]

    def delete_many(self, annotation_ids: Iterable[str]) -> list[Annotation]:
        """Delete and return what was deleted (so the deletion can be undone)."""
        annotation_ids = list(dict.fromkeys(annotation_ids))
        with self.db.write() as session:
            # Rows are fetched in chunks, not one get() each: deleting every annotation of
            # an hour-long recording (tens of thousands) must take a moment, not a minute.
            found: dict[str, AnnotationRow] = {}
            for chunk in _chunks(annotation_ids):
                found.update((row.id, row) for row in session.scalars(
                    select(AnnotationRow).where(AnnotationRow.id.in_(chunk))).unique())
            for annotation_id in annotation_ids:
                if annotation_id not in found:
                    raise NotFoundError(f"No annotation with id '{annotation_id}'.")
            rows = [found[annotation_id] for annotation_id in annotation_ids]
            for set_id in {row.annotation_set_id for row in rows}:
                require_draft(session, set_id)
            deleted = [annotation_entity(row) for row in rows]
            # The session ends here, so it need not find the deleted rows among its loaded
            # objects (that search is quadratic: seconds for a few thousand rows).
            for chunk in _chunks(annotation_ids):
                session.execute(delete(AnnotationRow).where(AnnotationRow.id.in_(chunk))
                                .execution_options(synchronize_session=False))
            return deleted

    @staticmethod
    def _check_ids_free(session: Session, ids: list[str], verb: str) -> None:
        """Caller-chosen ids (undo, import) must be new: say so instead of a UNIQUE error."""
        repeated = [i for i, count in Counter(ids).items() if count > 1]
        if repeated:
            raise ConflictError(f"Annotation id '{repeated[0]}' is given twice; nothing was "
                                f"{verb}.")
        for chunk in _chunks(ids):
            taken = session.scalars(select(AnnotationRow.id).where(
                AnnotationRow.id.in_(chunk))).first()
            if taken is not None:
                raise ConflictError(f"An annotation with id '{taken}' already exists; nothing "
                                    f"was {verb}.")

    @staticmethod
    def _row(session: Session, annotation_id: str) -> AnnotationRow:
        row = session.get(AnnotationRow, annotation_id)
        if row is None:
            raise NotFoundError(f"No annotation with id '{annotation_id}'.")
        return row
