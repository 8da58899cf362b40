"""Datasets and their artifact types: create, edit, list with statistics, delete."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.audio_library import AudioLibrary
from app.core.db import Database
from app.core.entities import ArtifactType, Dataset
from app.core.errors import ConflictError, NotFoundError, ValidationError
from app.core.models import (
    AnnotationRow,
    AnnotationSetRow,
    ArtifactTypeRow,
    AudioFileRow,
    DatasetRow,
    type_entity,
    utcnow,
)
from app.core.rules import clean_artifact_type, clean_dataset_name, clean_description


@dataclass(frozen=True)
class TypeEdit:
    """One entry of an edited type list: ``original_name`` is None for a new type."""

    name: str
    description: str | None = None
    color: str | None = None
    original_name: str | None = None


@dataclass(frozen=True)
class DeletionSummary:
    dataset_name: str
    audio_count: int
    annotation_set_count: int
    annotation_count: int
    published_set_count: int
    library_files_removed: int = 0


_UNSET = object()


def _check_unique_types(types: list[ArtifactType]) -> None:
    seen: set[str] = set()
    for artifact_type in types:
        if artifact_type.name in seen:
            raise ValidationError(
                f"Artifact type '{artifact_type.name}' is listed twice; type names must be "
                f"unique within a dataset.", field="artifact_types")
        seen.add(artifact_type.name)


def describe_usage(type_name: str, usage: dict[int, int]) -> str:
    total = sum(usage.values())
    per_set = ", ".join(f"v{version}: {count}" for version, count in sorted(usage.items()))
    noun = "annotation" if total == 1 else "annotations"
    return f"'{type_name}': it is used by {total} {noun} ({per_set})"


class DatasetService:
    def __init__(self, db: Database, library: AudioLibrary) -> None:
        self.db = db
        self.library = library

    # -- reading ------------------------------------------------------------------------

    def list(self) -> list[Dataset]:
        with self.db.read() as session:
            rows = session.scalars(select(DatasetRow).order_by(func.lower(DatasetRow.name))).all()
            return [self._entity(session, row) for row in rows]

    def get(self, dataset_id: str) -> Dataset:
        with self.db.read() as session:
            return self._entity(session, self._row(session, dataset_id))

    def resolve(self, ref: str) -> Dataset:
        """A dataset by id or by exact name."""
        with self.db.read() as session:
            row = session.get(DatasetRow, ref) or session.scalar(
                select(DatasetRow).where(DatasetRow.name == ref))
            if row is None:
                raise NotFoundError(f"No dataset with id or name '{ref}'. "
                                    f"'dataset list' shows the datasets there are.")
            return self._entity(session, row)

    def type_usage(self, dataset_id: str, type_name: str) -> dict[int, int]:
        """Set version -> number of annotations of the type."""
        with self.db.read() as session:
            return self._usage(session, dataset_id)[type_name]

    def usage_by_type(self, dataset_id: str) -> dict[str, dict[int, int]]:
        """Type name -> (set version -> number of annotations); unused types are absent."""
        with self.db.read() as session:
            self._row(session, dataset_id)
            return dict(self._usage(session, dataset_id))

    # -- writing ------------------------------------------------------------------------

    def create(self, name: str, description: str | None = None,
               artifact_types: list[ArtifactType] | tuple[ArtifactType, ...] = ()) -> Dataset:
        name = clean_dataset_name(name)
        types = [clean_artifact_type(t) for t in artifact_types]
        _check_unique_types(types)
        with self.db.write() as session:
            self._check_name_free(session, name)
            row = DatasetRow(name=name, description=clean_description(description))
            session.add(row)
            session.flush()
            for position, artifact_type in enumerate(types):
                session.add(ArtifactTypeRow(dataset_id=row.id, position=position,
                                            name=artifact_type.name,
                                            description=artifact_type.description,
                                            color=artifact_type.color))
            session.flush()
            session.refresh(row)
            return self._entity(session, row)

    def update(self, dataset_id: str, *, name: str | None = None, description: object = _UNSET,
               artifact_types: list[TypeEdit] | None = None) -> Dataset:
        """Change name, description and/or the whole ordered type list in one transaction.

        Types missing from ``artifact_types`` are removed, entries whose ``original_name``
        differs from ``name`` are renamed; both are refused while annotations use the type.
        """
        with self.db.write() as session:
            row = self._row(session, dataset_id)
            if name is not None:
                cleaned = clean_dataset_name(name)
                if cleaned != row.name:
                    self._check_name_free(session, cleaned)
                    row.name = cleaned
            if description is not _UNSET:
                row.description = clean_description(description)  # type: ignore[arg-type]
            if artifact_types is not None:
                self._apply_type_edits(session, row, artifact_types)
            row.updated_at = utcnow()
            session.flush()
            session.refresh(row)
            return self._entity(session, row)

    def add_types(self, dataset_id: str, new_types: list[ArtifactType]) -> Dataset:
        current = self.get(dataset_id).artifact_types
        edits = [TypeEdit(t.name, t.description, t.color, original_name=t.name) for t in current]
        edits += [TypeEdit(t.name, t.description, t.color) for t in new_types]
        return self.update(dataset_id, artifact_types=edits)

    def remove_type(self, dataset_id: str, type_name: str) -> Dataset:
        dataset = self.get(dataset_id)
        current = dataset.artifact_types
        if type_name not in [t.name for t in current]:
            raise NotFoundError(f"Dataset '{dataset.name}' has no artifact type '{type_name}'; "
                                f"its types are: {', '.join(dataset.type_names()) or 'none'}.")
        edits = [TypeEdit(t.name, t.description, t.color, original_name=t.name)
                 for t in current if t.name != type_name]
        return self.update(dataset_id, artifact_types=edits)

    def deletion_summary(self, dataset_id: str) -> DeletionSummary:
        with self.db.read() as session:
            row = self._row(session, dataset_id)
            return self._summary(session, row)

    def delete(self, dataset_id: str) -> DeletionSummary:
        """Delete the dataset with its audio, sets and annotations; prune unused library audio."""
        with self.db.write() as session:
            row = self._row(session, dataset_id)
            summary = self._summary(session, row)
            audio = session.execute(select(AudioFileRow.sha256, AudioFileRow.format).where(
                AudioFileRow.dataset_id == dataset_id)).all()
            # Order matters: sets first (their annotations go with them), then the rows
            # the annotations referenced, then the dataset.
            session.execute(delete(AnnotationSetRow).where(AnnotationSetRow.dataset_id == dataset_id))
            session.execute(delete(AudioFileRow).where(AudioFileRow.dataset_id == dataset_id))
            session.execute(delete(ArtifactTypeRow).where(ArtifactTypeRow.dataset_id == dataset_id))
            session.delete(row)
            session.flush()
            still_used = set(session.scalars(select(AudioFileRow.sha256).where(
                AudioFileRow.sha256.in_({sha for sha, _ in audio}))).all())
        removed = 0
        for sha256, audio_format in set(audio):
            if sha256 not in still_used and self.library.remove(sha256, audio_format):
                removed += 1
        return DeletionSummary(**{**summary.__dict__, "library_files_removed": removed})

    # -- internals ------------------------------------------------------------------------

    def _row(self, session: Session, dataset_id: str) -> DatasetRow:
        row = session.get(DatasetRow, dataset_id)
        if row is None:
            raise NotFoundError(f"No dataset with id '{dataset_id}'.")
        return row

    def _check_name_free(self, session: Session, name: str) -> None:
        if session.scalar(select(DatasetRow.id).where(DatasetRow.name == name)):
            raise ConflictError(f"A dataset named '{name}' already exists; choose another name.")

    def _usage(self, session: Session, dataset_id: str) -> dict[str, dict[int, int]]:
        rows = session.execute(
            select(ArtifactTypeRow.name, AnnotationSetRow.version, func.count(AnnotationRow.id))
            .join(AnnotationRow, AnnotationRow.artifact_type_id == ArtifactTypeRow.id)
            .join(AnnotationSetRow, AnnotationSetRow.id == AnnotationRow.annotation_set_id)
            .where(ArtifactTypeRow.dataset_id == dataset_id)
            .group_by(ArtifactTypeRow.name, AnnotationSetRow.version)).all()
        usage: dict[str, dict[int, int]] = defaultdict(dict)
        for type_name, version, count in rows:
            usage[type_name][version] = count
        return usage

    def _apply_type_edits(self, session: Session, row: DatasetRow, edits: list[TypeEdit]) -> None:
        cleaned = [(clean_artifact_type(ArtifactType(e.name, e.description, e.color or "")),
                    e.original_name) for e in edits]
        # A new type that takes the name of a type the dataset keeps is the common mistake
        # ("add glitch" when glitch exists): say so rather than "listed twice".
        kept_names = {t.name for t, original in cleaned if original is not None}
        for artifact_type, original in cleaned:
            if original is None and artifact_type.name in kept_names:
                raise ConflictError(
                    f"Dataset '{row.name}' already has an artifact type '{artifact_type.name}'; "
                    f"type names must be unique within a dataset, choose another name.")
        _check_unique_types([t for t, _ in cleaned])
        existing = {t.name: t for t in row.artifact_types}
        for _, original in cleaned:
            if original is not None and original not in existing:
                raise NotFoundError(f"Dataset '{row.name}' has no artifact type '{original}'.")
        usage = self._usage(session, row.id)
        kept = {original for _, original in cleaned if original is not None}
        problems = []
        for type_name in existing:
            if type_name not in kept and usage.get(type_name):
                problems.append(f"cannot remove {describe_usage(type_name, usage[type_name])}")
        for artifact_type, original in cleaned:
            if original is not None and original != artifact_type.name and usage.get(original):
                problems.append(f"cannot rename {describe_usage(original, usage[original])}; "
                                f"renaming would silently change those labels")
        if problems:
            raise ConflictError("Artifact types not changed: " + "; ".join(problems) + ".")
        for type_name, type_row in existing.items():
            if type_name not in kept:
                session.delete(type_row)
        session.flush()
        # Park kept types on temporary names/positions first so swaps never collide.
        for type_row in existing.values():
            if type_row.name in kept:
                type_row.name = f"\x00{type_row.id}"
        session.flush()
        for position, (artifact_type, original) in enumerate(cleaned):
            if original is None:
                session.add(ArtifactTypeRow(dataset_id=row.id, position=position,
                                            name=artifact_type.name,
                                            description=artifact_type.description,
                                            color=artifact_type.color))
            else:
                type_row = existing[original]
                type_row.name = artifact_type.name
                type_row.description = artifact_type.description
                type_row.color = artifact_type.color
                type_row.position = position
        try:
            session.flush()
        except IntegrityError as error:  # pragma: no cover - guarded by the checks above
            raise ConflictError(f"Artifact types not changed: {error.orig}") from error
        session.expire(row, ["artifact_types"])

    def _summary(self, session: Session, row: DatasetRow) -> DeletionSummary:
        audio_count = session.scalar(select(func.count(AudioFileRow.id)).where(
            AudioFileRow.dataset_id == row.id)) or 0
        set_count = session.scalar(select(func.count(AnnotationSetRow.id)).where(
            AnnotationSetRow.dataset_id == row.id)) or 0
        published = session.scalar(select(func.count(AnnotationSetRow.id)).where(
            AnnotationSetRow.dataset_id == row.id, AnnotationSetRow.status == "published")) or 0
        annotation_count = session.scalar(
            select(func.count(AnnotationRow.id)).join(
                AnnotationSetRow, AnnotationSetRow.id == AnnotationRow.annotation_set_id)
            .where(AnnotationSetRow.dataset_id == row.id)) or 0
        return DeletionSummary(dataset_name=row.name, audio_count=audio_count,
                               annotation_set_count=set_count, annotation_count=annotation_count,
                               published_set_count=published)

    def _entity(self, session: Session, row: DatasetRow) -> Dataset:
        audio_count, total_ms = session.execute(
            select(func.count(AudioFileRow.id), func.coalesce(func.sum(AudioFileRow.duration_ms), 0))
            .where(AudioFileRow.dataset_id == row.id)).one()
        set_count = session.scalar(select(func.count(AnnotationSetRow.id)).where(
            AnnotationSetRow.dataset_id == row.id)) or 0
        return Dataset(id=row.id, name=row.name, description=row.description,
                       artifact_types=tuple(type_entity(t) for t in row.artifact_types),
                       created_at=row.created_at, updated_at=row.updated_at,
                       audio_count=audio_count, annotation_set_count=set_count,
                       total_duration_ms=int(total_ms))
