"""Versioned annotation sets: create (empty or as a copy), publish (for good), stats."""

from __future__ import annotations

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.entities import DRAFT, PUBLISHED, AnnotationSet, SetStats
from app.core.errors import ConflictError, NotFoundError, PublishedSetError
from app.core.models import (
    AnnotationRow,
    AnnotationSetRow,
    ArtifactTypeRow,
    DatasetRow,
    new_id,
    utcnow,
)


def published_message(version: int) -> str:
    return (f"Annotation set v{version} is published and cannot be changed. "
            f"Create a new version from it to keep editing.")


def require_draft(session: Session, set_id: str) -> AnnotationSetRow:
    """The set row, or a clear refusal when it is missing or published."""
    row = session.get(AnnotationSetRow, set_id)
    if row is None:
        raise NotFoundError(f"No annotation set with id '{set_id}'.")
    if row.status == PUBLISHED:
        raise PublishedSetError(published_message(row.version))
    return row


class AnnotationSetService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def list(self, dataset_id: str) -> list[AnnotationSet]:
        with self.db.read() as session:
            if session.get(DatasetRow, dataset_id) is None:
                raise NotFoundError(f"No dataset with id '{dataset_id}'.")
            rows = session.scalars(select(AnnotationSetRow).where(
                AnnotationSetRow.dataset_id == dataset_id).order_by(AnnotationSetRow.version)).all()
            stats = self._stats(session, [r.id for r in rows])
            return [self._entity(row, stats.get(row.id)) for row in rows]

    def get(self, set_id: str) -> AnnotationSet:
        with self.db.read() as session:
            row = session.get(AnnotationSetRow, set_id)
            if row is None:
                raise NotFoundError(f"No annotation set with id '{set_id}'.")
            return self._entity(row, self._stats(session, [row.id]).get(row.id))

    def resolve(self, dataset_id: str, version: int | str) -> AnnotationSet:
        """A set of the dataset by version number (``3`` or ``v3``) or by id."""
        with self.db.read() as session:
            text = str(version).strip()
            number = text[1:] if text[:1] in "vV" else text
            row = None
            if number.isdigit():
                row = session.scalar(select(AnnotationSetRow).where(
                    AnnotationSetRow.dataset_id == dataset_id,
                    AnnotationSetRow.version == int(number)))
            if row is None:
                candidate = session.get(AnnotationSetRow, text)
                row = candidate if candidate is not None and candidate.dataset_id == dataset_id else None
            if row is None:
                dataset = session.get(DatasetRow, dataset_id)
                where = f"dataset '{dataset.name}'" if dataset is not None else "this dataset"
                raise NotFoundError(f"No annotation set version '{version}' in {where}; "
                                    f"'set list' shows the versions there are.")
            return self._entity(row, self._stats(session, [row.id]).get(row.id))

    def create(self, dataset_id: str, from_set_id: str | None = None,
               set_id: str | None = None) -> AnnotationSet:
        """A new draft with the next version number, empty or a copy of ``from_set_id``."""
        with self.db.write() as session:
            if session.get(DatasetRow, dataset_id) is None:
                raise NotFoundError(f"No dataset with id '{dataset_id}'.")
            if from_set_id is not None:
                source = session.get(AnnotationSetRow, from_set_id)
                if source is None or source.dataset_id != dataset_id:
                    raise NotFoundError(f"No annotation set '{from_set_id}' in this dataset to copy.")
            if set_id is not None and session.get(AnnotationSetRow, set_id) is not None:
                raise ConflictError(f"An annotation set with id '{set_id}' already exists.")
            version = (session.scalar(select(func.max(AnnotationSetRow.version)).where(
                AnnotationSetRow.dataset_id == dataset_id)) or 0) + 1
            row = AnnotationSetRow(id=set_id or new_id(), dataset_id=dataset_id, version=version,
                                   status=DRAFT, source_set_id=from_set_id)
            session.add(row)
            session.flush()
            if from_set_id is not None:
                now = utcnow()
                sources = session.execute(select(
                    AnnotationRow.audio_file_id, AnnotationRow.artifact_type_id,
                    AnnotationRow.start_ms, AnnotationRow.end_ms, AnnotationRow.confidence,
                    AnnotationRow.note).where(AnnotationRow.annotation_set_id == from_set_id)).all()
                if sources:
                    session.execute(insert(AnnotationRow), [
                        {"id": new_id(), "annotation_set_id": row.id, "audio_file_id": s[0],
                         "artifact_type_id": s[1], "start_ms": s[2], "end_ms": s[3],
                         "confidence": s[4], "note": s[5], "created_at": now, "updated_at": now}
                        for s in sources])
            return self._entity(row, self._stats(session, [row.id]).get(row.id))

    def publish(self, set_id: str) -> AnnotationSet:
        with self.db.write() as session:
            row = session.get(AnnotationSetRow, set_id)
            if row is None:
                raise NotFoundError(f"No annotation set with id '{set_id}'.")
            if row.status == PUBLISHED:
                raise PublishedSetError(f"Annotation set v{row.version} is already published.")
            row.status = PUBLISHED
            row.published_at = utcnow()
            session.flush()
            return self._entity(row, self._stats(session, [row.id]).get(row.id))

    def delete_draft(self, set_id: str) -> None:
        """Remove a draft and its annotations (the undo of "new version")."""
        with self.db.write() as session:
            row = require_draft(session, set_id)
            latest = session.scalar(select(func.max(AnnotationSetRow.version)).where(
                AnnotationSetRow.dataset_id == row.dataset_id))
            if latest != row.version:
                raise ConflictError(f"Only the newest version can be removed; v{row.version} "
                                    f"is followed by v{latest}.")
            session.delete(row)

    def annotation_counts_by_audio(self, set_id: str) -> dict[str, int]:
        with self.db.read() as session:
            rows = session.execute(select(AnnotationRow.audio_file_id, func.count(AnnotationRow.id))
                                   .where(AnnotationRow.annotation_set_id == set_id)
                                   .group_by(AnnotationRow.audio_file_id)).all()
            return {audio_id: count for audio_id, count in rows}

    @staticmethod
    def _stats(session: Session, set_ids: list[str]) -> dict[str, SetStats]:
        if not set_ids:
            return {}
        rows = session.execute(
            select(AnnotationRow.annotation_set_id, ArtifactTypeRow.name,
                   func.count(AnnotationRow.id),
                   func.sum(AnnotationRow.end_ms - AnnotationRow.start_ms))
            .join(ArtifactTypeRow, ArtifactTypeRow.id == AnnotationRow.artifact_type_id)
            .where(AnnotationRow.annotation_set_id.in_(set_ids))
            .group_by(AnnotationRow.annotation_set_id, ArtifactTypeRow.name)).all()
        totals: dict[str, list] = {}
        for set_id, type_name, count, duration in rows:
            entry = totals.setdefault(set_id, [0, 0, {}])
            entry[0] += count
            entry[1] += int(duration or 0)
            entry[2][type_name] = count
        return {set_id: SetStats(total, duration, dict(sorted(by_type.items())))
                for set_id, (total, duration, by_type) in totals.items()}

    @staticmethod
    def _entity(row: AnnotationSetRow, stats: SetStats | None) -> AnnotationSet:
        return AnnotationSet(id=row.id, dataset_id=row.dataset_id, version=row.version,
                             status=row.status, created_at=row.created_at,
                             published_at=row.published_at, stats=stats or SetStats())
