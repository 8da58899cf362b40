"""Push state in the database: remote ids, what was sent, and each item's sync status.

The push (``app.sync.push``) records every step here as soon as the platform has
answered it, each in its own transaction, so an interrupted push resumes where it
stopped. The same records answer the question the UI asks for its indicators: is this
dataset / audio file / set never pushed, pushed, changed since the last push, or failed?

No HTTP here: the platform is known only by its base URL (``remote``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.entities import PUBLISHED, Annotation, ArtifactType
from app.core.errors import NotFoundError
from app.core.models import (
    AnnotationRow,
    AnnotationSetRow,
    ArtifactTypeRow,
    AudioFileRow,
    DatasetRow,
    utcnow,
)
from app.core.sync_state_models import (
    SyncAnnotationRow,
    SyncAudioRow,
    SyncDatasetRow,
    SyncSetRow,
)

# Stages of one audio upload (the platform's three steps, remote-api.md).
REQUESTING = "requesting"   # upload URL asked for; the answer (and the remote id) may be lost
REQUESTED = "requested"     # remote pending record exists; the file is not in storage yet
UPLOADED = "uploaded"       # storage accepted the file; not confirmed yet
CONFIRMED = "confirmed"     # done


class SyncStatus(str, enum.Enum):
    NEVER_PUSHED = "never_pushed"
    PUSHED = "pushed"
    CHANGED = "changed"
    FAILED = "failed"


@dataclass(frozen=True)
class DatasetLink:
    dataset_id: str
    remote: str
    remote_id: str | None
    creating_since: datetime | None
    pushed_name: str | None
    pushed_description: str | None
    pushed_types: tuple[ArtifactType, ...]
    pushed_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class AudioLink:
    audio_file_id: str
    remote: str
    stage: str
    remote_audio_id: str | None
    stage_since: datetime | None
    uploaded_filename: str | None
    content_type: str | None
    uploaded_size: int | None
    ticket: dict[str, Any] | None
    upload_expires_at: datetime | None
    remote_status: str | None
    pushed_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class SetLink:
    set_id: str
    remote: str
    remote_set_id: str | None
    creating_since: datetime | None
    remote_version: int | None
    remote_status: str | None
    pushed_at: datetime | None
    published_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class AnnotationLink:
    """One annotation as it was last sent, with its remote id."""

    annotation_id: str
    remote_annotation_id: str
    audio_file_id: str
    artifact_type: str
    start_ms: int
    end_ms: int
    confidence: float
    note: str | None = None

    def matches(self, annotation: Annotation) -> bool:
        return (self.audio_file_id == annotation.audio_file_id
                and self.artifact_type == annotation.artifact_type
                and self.start_ms == annotation.start_ms and self.end_ms == annotation.end_ms
                and self.confidence == annotation.confidence
                and (self.note or None) == (annotation.note or None))

    @classmethod
    def of(cls, annotation: Annotation, remote_annotation_id: str) -> "AnnotationLink":
        return cls(annotation.id, remote_annotation_id, annotation.audio_file_id,
                   annotation.artifact_type, annotation.start_ms, annotation.end_ms,
                   annotation.confidence, annotation.note)


@dataclass(frozen=True)
class ItemSyncState:
    """What an indicator shows: the status, plus when, which remote id and why it failed."""

    status: SyncStatus
    pushed_at: datetime | None = None
    remote_id: str | None = None
    error: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class DatasetSyncOverview:
    """Sync state of a dataset and of each of its audio files and sets on one platform."""

    remote: str
    dataset: ItemSyncState
    audio: dict[str, ItemSyncState] = field(default_factory=dict)
    sets: dict[str, ItemSyncState] = field(default_factory=dict)


def types_fingerprint(types: Iterable[ArtifactType]) -> str:
    return json.dumps([{"name": t.name, "description": t.description, "color": t.color}
                       for t in types], sort_keys=True)


def _types_from_json(text: str | None) -> tuple[ArtifactType, ...]:
    if not text:
        return ()
    return tuple(ArtifactType(t["name"], t.get("description"), t.get("color") or "#FF0000")
                 for t in json.loads(text))


def _dataset_link(row: SyncDatasetRow) -> DatasetLink:
    return DatasetLink(row.dataset_id, row.remote, row.remote_id, row.creating_since,
                       row.pushed_name, row.pushed_description,
                       _types_from_json(row.pushed_types_json), row.pushed_at, row.last_error)


def _audio_link(row: SyncAudioRow) -> AudioLink:
    ticket = json.loads(row.upload_ticket_json) if row.upload_ticket_json else None
    return AudioLink(row.audio_file_id, row.remote, row.stage, row.remote_audio_id,
                     row.stage_since, row.uploaded_filename, row.content_type, row.uploaded_size,
                     ticket, row.upload_expires_at, row.remote_status, row.pushed_at,
                     row.last_error)


def _set_link(row: SyncSetRow) -> SetLink:
    return SetLink(row.set_id, row.remote, row.remote_set_id, row.creating_since,
                   row.remote_version, row.remote_status, row.pushed_at, row.published_at,
                   row.last_error)


class SyncStateService:
    """Reads and writes the push state; every write is its own committed transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading ------------------------------------------------------------------------

    def dataset_link(self, dataset_id: str, remote: str) -> DatasetLink | None:
        with self.db.read() as session:
            row = session.get(SyncDatasetRow, (dataset_id, remote))
            return _dataset_link(row) if row is not None else None

    def audio_links(self, dataset_id: str, remote: str) -> dict[str, AudioLink]:
        with self.db.read() as session:
            rows = session.scalars(select(SyncAudioRow).where(
                SyncAudioRow.dataset_id == dataset_id, SyncAudioRow.remote == remote))
            return {row.audio_file_id: _audio_link(row) for row in rows}

    def set_links(self, dataset_id: str, remote: str) -> dict[str, SetLink]:
        with self.db.read() as session:
            rows = session.scalars(select(SyncSetRow).where(
                SyncSetRow.dataset_id == dataset_id, SyncSetRow.remote == remote))
            return {row.set_id: _set_link(row) for row in rows}

    def annotation_links(self, set_id: str, remote: str) -> dict[str, AnnotationLink]:
        with self.db.read() as session:
            rows = session.execute(select(
                SyncAnnotationRow.annotation_id, SyncAnnotationRow.remote_annotation_id,
                SyncAnnotationRow.audio_file_id, SyncAnnotationRow.artifact_type,
                SyncAnnotationRow.start_ms, SyncAnnotationRow.end_ms,
                SyncAnnotationRow.confidence, SyncAnnotationRow.note).where(
                SyncAnnotationRow.set_id == set_id, SyncAnnotationRow.remote == remote)).all()
            return {r[0]: AnnotationLink(*r) for r in rows}

    def unsynced_counts(self, set_ids: list[str], remote: str) -> dict[str, int]:
        """Per set: annotations added, changed or deleted locally since they were last
        sent (sets with none are left out). One query, whatever the number of annotations."""
        if not set_ids:
            return {}
        with self.db.read() as session:
            return _annotation_changes(session, set_ids, remote)

    def remotes(self, dataset_id: str) -> list[str]:
        """The platforms this dataset was pushed to (or tried to be)."""
        with self.db.read() as session:
            return list(session.scalars(select(SyncDatasetRow.remote).where(
                SyncDatasetRow.dataset_id == dataset_id).order_by(SyncDatasetRow.remote)))

    # -- dataset ------------------------------------------------------------------------

    def begin_dataset_create(self, dataset_id: str, remote: str) -> None:
        with self.db.write() as session:
            row = self._dataset_row(session, dataset_id, remote)
            row.creating_since = row.creating_since or utcnow()
            row.last_attempt_at = utcnow()

    def record_dataset(self, dataset_id: str, remote: str, remote_id: str, name: str,
                       description: str | None, types: Iterable[ArtifactType]) -> None:
        with self.db.write() as session:
            row = self._dataset_row(session, dataset_id, remote)
            row.remote_id = remote_id
            row.creating_since = None
            row.pushed_name = name
            row.pushed_description = description
            row.pushed_types_json = types_fingerprint(types)
            row.pushed_at = row.last_attempt_at = utcnow()

    def record_dataset_error(self, dataset_id: str, remote: str, message: str | None) -> None:
        """Remember why the last push failed (None: it succeeded)."""
        with self.db.write() as session:
            row = self._dataset_row(session, dataset_id, remote)
            row.last_error = message
            row.last_attempt_at = utcnow()

    def forget_dataset(self, dataset_id: str, remote: str) -> None:
        """The remote dataset is gone: drop every link of the dataset on that platform."""
        with self.db.write() as session:
            set_ids = select(AnnotationSetRow.id).where(AnnotationSetRow.dataset_id == dataset_id)
            session.execute(delete(SyncAnnotationRow).where(
                SyncAnnotationRow.remote == remote, SyncAnnotationRow.set_id.in_(set_ids)))
            for model in (SyncSetRow, SyncAudioRow, SyncDatasetRow):
                session.execute(delete(model).where(model.remote == remote,
                                                    model.dataset_id == dataset_id))

    # -- audio ----------------------------------------------------------------------------

    def begin_audio_request(self, audio_file_id: str, dataset_id: str, remote: str) -> None:
        with self.db.write() as session:
            row = self._audio_row(session, audio_file_id, dataset_id, remote)
            row.stage, row.stage_since = REQUESTING, utcnow()
            row.remote_audio_id = None
            row.upload_ticket_json = None
            row.upload_expires_at = None

    def record_upload_ticket(self, audio_file_id: str, remote: str, remote_audio_id: str,
                             filename: str, content_type: str, size: int,
                             ticket: dict[str, Any], expires_at: datetime) -> None:
        with self.db.write() as session:
            row = self._existing_audio_row(session, audio_file_id, remote)
            row.stage, row.stage_since = REQUESTED, utcnow()
            row.remote_audio_id = remote_audio_id
            row.uploaded_filename, row.content_type, row.uploaded_size = filename, content_type, size
            row.upload_ticket_json = json.dumps(ticket)
            row.upload_expires_at = expires_at
            row.remote_status = "pending"

    def record_audio_uploaded(self, audio_file_id: str, remote: str) -> None:
        with self.db.write() as session:
            row = self._existing_audio_row(session, audio_file_id, remote)
            row.stage, row.stage_since = UPLOADED, utcnow()
            row.upload_ticket_json = None

    def record_audio_confirmed(self, audio_file_id: str, remote: str,
                               remote_status: str | None) -> None:
        with self.db.write() as session:
            row = self._existing_audio_row(session, audio_file_id, remote)
            row.stage, row.stage_since = CONFIRMED, utcnow()
            row.upload_ticket_json = None
            row.upload_expires_at = None
            row.remote_status = remote_status
            row.pushed_at = utcnow()
            row.last_error = None

    def record_audio_remote_statuses(self, remote: str, statuses: dict[str, str]) -> None:
        """The platform's processing status of audio already confirmed (one transaction)."""
        if not statuses:
            return
        with self.db.write() as session:
            for audio_file_id, status in statuses.items():
                row = session.get(SyncAudioRow, (audio_file_id, remote))
                if row is not None:
                    row.remote_status = status

    def record_audio_error(self, audio_file_id: str, dataset_id: str, remote: str,
                           message: str | None) -> None:
        with self.db.write() as session:
            row = session.get(SyncAudioRow, (audio_file_id, remote))
            if row is None:
                if message is None:
                    return
                row = self._audio_row(session, audio_file_id, dataset_id, remote)
            row.last_error = message

    def forget_audio(self, audio_file_id: str, remote: str) -> None:
        with self.db.write() as session:
            session.execute(delete(SyncAudioRow).where(
                SyncAudioRow.audio_file_id == audio_file_id, SyncAudioRow.remote == remote))

    # -- sets -----------------------------------------------------------------------------

    def begin_set_create(self, set_id: str, dataset_id: str, remote: str) -> None:
        with self.db.write() as session:
            row = self._set_row(session, set_id, dataset_id, remote)
            row.creating_since = row.creating_since or utcnow()

    def record_set(self, set_id: str, dataset_id: str, remote: str, remote_set_id: str,
                   remote_version: int | None, remote_status: str) -> None:
        with self.db.write() as session:
            row = self._set_row(session, set_id, dataset_id, remote)
            row.remote_set_id = remote_set_id
            row.creating_since = None
            row.remote_version = remote_version
            row.remote_status = remote_status
            row.pushed_at = utcnow()
            if remote_status == PUBLISHED and row.published_at is None:
                row.published_at = utcnow()

    def record_set_error(self, set_id: str, dataset_id: str, remote: str,
                         message: str | None) -> None:
        with self.db.write() as session:
            row = session.get(SyncSetRow, (set_id, remote))
            if row is None and message is None:
                return
            row = row or self._set_row(session, set_id, dataset_id, remote)
            row.last_error = message

    def forget_set(self, set_id: str, remote: str) -> None:
        """The remote set is gone: drop its link and its annotations' links."""
        with self.db.write() as session:
            session.execute(delete(SyncAnnotationRow).where(
                SyncAnnotationRow.set_id == set_id, SyncAnnotationRow.remote == remote))
            session.execute(delete(SyncSetRow).where(SyncSetRow.set_id == set_id,
                                                     SyncSetRow.remote == remote))

    # -- annotations --------------------------------------------------------------------

    def record_annotations(self, set_id: str, remote: str,
                           links: Iterable[AnnotationLink]) -> None:
        """Insert or replace the links (one transaction for the whole batch)."""
        links = list(links)
        if not links:
            return
        now = utcnow()
        with self.db.write() as session:
            ids = [link.annotation_id for link in links]
            for start in range(0, len(ids), 500):
                session.execute(delete(SyncAnnotationRow).where(
                    SyncAnnotationRow.remote == remote,
                    SyncAnnotationRow.annotation_id.in_(ids[start:start + 500])))
            session.add_all(SyncAnnotationRow(
                annotation_id=link.annotation_id, remote=remote, set_id=set_id,
                remote_annotation_id=link.remote_annotation_id,
                audio_file_id=link.audio_file_id, artifact_type=link.artifact_type,
                start_ms=link.start_ms, end_ms=link.end_ms, confidence=link.confidence,
                note=link.note, pushed_at=now) for link in links)

    def forget_annotations(self, set_id: str, remote: str, annotation_ids: Iterable[str]) -> None:
        ids = list(annotation_ids)
        with self.db.write() as session:
            for start in range(0, len(ids), 500):
                session.execute(delete(SyncAnnotationRow).where(
                    SyncAnnotationRow.set_id == set_id, SyncAnnotationRow.remote == remote,
                    SyncAnnotationRow.annotation_id.in_(ids[start:start + 500])))

    # -- the status query ---------------------------------------------------------------

    def overview(self, dataset_id: str, remote: str) -> DatasetSyncOverview:
        """Never pushed / pushed / changed since the last push / failed, for the dataset
        and each of its audio files and annotation sets, on the platform ``remote``."""
        with self.db.read() as session:
            dataset = session.get(DatasetRow, dataset_id)
            if dataset is None:
                raise NotFoundError(f"No dataset with id '{dataset_id}'.")
            audio = self._audio_states(session, dataset_id, remote)
            sets, published_ids = self._set_states(session, dataset_id, remote)
            link_row = session.get(SyncDatasetRow, (dataset_id, remote))
            types = tuple(ArtifactType(t.name, t.description, t.color)
                          for t in dataset.artifact_types)
            state = self._dataset_state(dataset, types, link_row, audio, sets, published_ids)
            return DatasetSyncOverview(remote=remote, dataset=state, audio=audio, sets=sets)

    @staticmethod
    def _dataset_state(dataset: DatasetRow, types: tuple[ArtifactType, ...],
                       row: SyncDatasetRow | None, audio: dict[str, ItemSyncState],
                       sets: dict[str, ItemSyncState], published_ids: set[str]) -> ItemSyncState:
        if row is None or row.remote_id is None:
            if row is not None and row.last_error:
                return ItemSyncState(SyncStatus.FAILED, error=row.last_error)
            return ItemSyncState(SyncStatus.NEVER_PUSHED)
        base = {"pushed_at": row.pushed_at, "remote_id": row.remote_id}
        if row.last_error:
            return ItemSyncState(SyncStatus.FAILED, error=row.last_error, **base)
        reasons = []
        if (row.pushed_name != dataset.name or row.pushed_description != dataset.description
                or row.pushed_types_json != types_fingerprint(types)):
            reasons.append("name, description or artifact types changed")
        unpushed_audio = sum(1 for s in audio.values() if s.status is not SyncStatus.PUSHED)
        if unpushed_audio:
            reasons.append(f"{unpushed_audio} audio files not pushed")
        # Drafts never pushed do not count: a push leaves them out unless asked.
        stale = sum(1 for set_id, s in sets.items()
                    if s.status is not SyncStatus.PUSHED
                    and (set_id in published_ids or s.status is not SyncStatus.NEVER_PUSHED))
        if stale:
            reasons.append(f"{stale} annotation sets not in line")
        if reasons:
            return ItemSyncState(SyncStatus.CHANGED, detail="; ".join(reasons), **base)
        return ItemSyncState(SyncStatus.PUSHED, **base)

    @staticmethod
    def _audio_states(session: Session, dataset_id: str, remote: str) -> dict[str, ItemSyncState]:
        rows = session.execute(
            select(AudioFileRow.id, SyncAudioRow)
            .outerjoin(SyncAudioRow, and_(SyncAudioRow.audio_file_id == AudioFileRow.id,
                                          SyncAudioRow.remote == remote))
            .where(AudioFileRow.dataset_id == dataset_id)).all()
        states: dict[str, ItemSyncState] = {}
        for audio_id, link in rows:
            if link is None:
                states[audio_id] = ItemSyncState(SyncStatus.NEVER_PUSHED)
            elif link.stage == CONFIRMED:
                if link.remote_status == "failed":
                    states[audio_id] = ItemSyncState(
                        SyncStatus.FAILED, link.pushed_at, link.remote_audio_id,
                        error="the platform could not process this file")
                else:
                    states[audio_id] = ItemSyncState(SyncStatus.PUSHED, link.pushed_at,
                                                     link.remote_audio_id,
                                                     detail=link.remote_status)
            elif link.last_error:
                states[audio_id] = ItemSyncState(SyncStatus.FAILED, None, link.remote_audio_id,
                                                 error=link.last_error)
            else:
                states[audio_id] = ItemSyncState(SyncStatus.NEVER_PUSHED,
                                                 remote_id=link.remote_audio_id,
                                                 detail=f"upload interrupted ({link.stage})")
        return states

    @staticmethod
    def _set_states(session: Session, dataset_id: str,
                    remote: str) -> tuple[dict[str, ItemSyncState], set[str]]:
        set_rows = session.execute(
            select(AnnotationSetRow.id, AnnotationSetRow.status, SyncSetRow)
            .outerjoin(SyncSetRow, and_(SyncSetRow.set_id == AnnotationSetRow.id,
                                        SyncSetRow.remote == remote))
            .where(AnnotationSetRow.dataset_id == dataset_id)).all()
        set_ids = [r[0] for r in set_rows]
        changes = _annotation_changes(session, set_ids, remote) if set_ids else {}
        states: dict[str, ItemSyncState] = {}
        published: set[str] = set()
        for set_id, status, link in set_rows:
            if status == PUBLISHED:
                published.add(set_id)
            if link is None or link.remote_set_id is None:
                if link is not None and link.last_error:
                    states[set_id] = ItemSyncState(SyncStatus.FAILED, error=link.last_error)
                else:
                    states[set_id] = ItemSyncState(SyncStatus.NEVER_PUSHED)
                continue
            base = {"pushed_at": link.pushed_at, "remote_id": link.remote_set_id}
            remote_label = f"remote v{link.remote_version} ({link.remote_status})"
            if link.last_error:
                states[set_id] = ItemSyncState(SyncStatus.FAILED, error=link.last_error,
                                               detail=remote_label, **base)
            elif status == PUBLISHED and link.remote_status != PUBLISHED:
                states[set_id] = ItemSyncState(SyncStatus.CHANGED, detail="published locally, "
                                               f"still a draft on the platform; {remote_label}",
                                               **base)
            elif changes.get(set_id):
                states[set_id] = ItemSyncState(
                    SyncStatus.CHANGED, detail=f"{changes[set_id]} annotations changed; "
                    f"{remote_label}", **base)
            else:
                states[set_id] = ItemSyncState(SyncStatus.PUSHED, detail=remote_label, **base)
        return states, published

    # -- row helpers ----------------------------------------------------------------------

    @staticmethod
    def _dataset_row(session: Session, dataset_id: str, remote: str) -> SyncDatasetRow:
        row = session.get(SyncDatasetRow, (dataset_id, remote))
        if row is None:
            if session.get(DatasetRow, dataset_id) is None:
                raise NotFoundError(f"No dataset with id '{dataset_id}'.")
            row = SyncDatasetRow(dataset_id=dataset_id, remote=remote)
            session.add(row)
        return row

    @staticmethod
    def _audio_row(session: Session, audio_file_id: str, dataset_id: str,
                   remote: str) -> SyncAudioRow:
        row = session.get(SyncAudioRow, (audio_file_id, remote))
        if row is None:
            if session.get(AudioFileRow, audio_file_id) is None:
                raise NotFoundError(f"No audio file with id '{audio_file_id}'.")
            row = SyncAudioRow(audio_file_id=audio_file_id, remote=remote,
                               dataset_id=dataset_id, stage=REQUESTING, stage_since=utcnow())
            session.add(row)
        return row

    @staticmethod
    def _existing_audio_row(session: Session, audio_file_id: str, remote: str) -> SyncAudioRow:
        row = session.get(SyncAudioRow, (audio_file_id, remote))
        if row is None:
            raise NotFoundError(f"No upload of audio file '{audio_file_id}' was started.")
        return row

    @staticmethod
    def _set_row(session: Session, set_id: str, dataset_id: str, remote: str) -> SyncSetRow:
        row = session.get(SyncSetRow, (set_id, remote))
        if row is None:
            if session.get(AnnotationSetRow, set_id) is None:
                raise NotFoundError(f"No annotation set with id '{set_id}'.")
            row = SyncSetRow(set_id=set_id, remote=remote, dataset_id=dataset_id)
            session.add(row)
        return row


def _annotation_changes(session: Session, set_ids: list[str], remote: str) -> dict[str, int]:
    """Per set: local annotations added, changed or deleted since they were last sent."""
    link = SyncAnnotationRow
    counts: dict[str, int] = {}
    added = session.execute(
        select(AnnotationRow.annotation_set_id, func.count())
        .outerjoin(link, and_(link.annotation_id == AnnotationRow.id, link.remote == remote))
        .where(AnnotationRow.annotation_set_id.in_(set_ids), link.annotation_id.is_(None))
        .group_by(AnnotationRow.annotation_set_id)).all()
    removed = session.execute(
        select(link.set_id, func.count())
        .outerjoin(AnnotationRow, AnnotationRow.id == link.annotation_id)
        .where(link.set_id.in_(set_ids), link.remote == remote, AnnotationRow.id.is_(None))
        .group_by(link.set_id)).all()
    changed = session.execute(
        select(link.set_id, func.count())
        .join(AnnotationRow, AnnotationRow.id == link.annotation_id)
        .join(ArtifactTypeRow, ArtifactTypeRow.id == AnnotationRow.artifact_type_id)
        .where(link.set_id.in_(set_ids), link.remote == remote, or_(
            link.audio_file_id != AnnotationRow.audio_file_id,
            link.artifact_type != ArtifactTypeRow.name,
            link.start_ms != AnnotationRow.start_ms, link.end_ms != AnnotationRow.end_ms,
            link.confidence != AnnotationRow.confidence,
            link.note.is_distinct_from(AnnotationRow.note)))
        .group_by(link.set_id)).all()
    for rows in (added, removed, changed):
        for set_id, count in rows:
            counts[set_id] = counts.get(set_id, 0) + count
    return counts
