"""ORM mappings of the push state: what was sent to which platform, and the remote ids.

Every row is keyed by the local id plus ``remote`` (the normalized base URL), so pushing
the same dataset to a second server starts from scratch there. Rows of annotations keep
the values that were sent (not a hash) so that a later push can send only the changed
fields, and they survive the local annotation's deletion (no foreign key on its id):
that is how a push knows which remote annotations to delete. Everything else cascades
away with its dataset, audio file or set. Only ``app.core.sync_state`` touches these.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, UTCDateTime

REMOTE_LENGTH = 500


class SyncDatasetRow(Base):
    __tablename__ = "sync_datasets"

    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True)
    remote: Mapped[str] = mapped_column(String(REMOTE_LENGTH), primary_key=True)
    remote_id: Mapped[str | None] = mapped_column(String(36))
    # Set just before the create request; a row with this and no remote_id means the
    # answer of a create may have been lost (look for the dataset before creating again).
    creating_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushed_name: Mapped[str | None] = mapped_column(String(200))
    pushed_description: Mapped[str | None] = mapped_column(Text)
    pushed_types_json: Mapped[str | None] = mapped_column(Text)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncAudioRow(Base):
    __tablename__ = "sync_audio"
    __table_args__ = (Index("ix_sync_audio_dataset_remote", "dataset_id", "remote"),)

    audio_file_id: Mapped[str] = mapped_column(
        ForeignKey("audio_files.id", ondelete="CASCADE"), primary_key=True)
    remote: Mapped[str] = mapped_column(String(REMOTE_LENGTH), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    # requesting -> requested -> uploaded -> confirmed (see app.core.sync_state)
    stage: Mapped[str] = mapped_column(String(16))
    remote_audio_id: Mapped[str | None] = mapped_column(String(36))
    stage_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uploaded_filename: Mapped[str | None] = mapped_column(String(500))
    content_type: Mapped[str | None] = mapped_column(String(64))
    uploaded_size: Mapped[int | None] = mapped_column(Integer)
    # The presigned upload (URL + form fields, short-lived, never the API key), kept so
    # that an interrupted push can finish the upload without a second remote record.
    upload_ticket_json: Mapped[str | None] = mapped_column(Text)
    upload_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remote_status: Mapped[str | None] = mapped_column(String(32))
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncSetRow(Base):
    __tablename__ = "sync_sets"
    __table_args__ = (Index("ix_sync_sets_dataset_remote", "dataset_id", "remote"),)

    set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"), primary_key=True)
    remote: Mapped[str] = mapped_column(String(REMOTE_LENGTH), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    remote_set_id: Mapped[str | None] = mapped_column(String(36))
    creating_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remote_version: Mapped[int | None] = mapped_column(Integer)
    remote_status: Mapped[str | None] = mapped_column(String(16))
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class SyncAnnotationRow(Base):
    __tablename__ = "sync_annotations"
    __table_args__ = (Index("ix_sync_annotations_set_remote", "set_id", "remote"),)

    annotation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    remote: Mapped[str] = mapped_column(String(REMOTE_LENGTH), primary_key=True)
    set_id: Mapped[str] = mapped_column(ForeignKey("annotation_sets.id", ondelete="CASCADE"))
    remote_annotation_id: Mapped[str] = mapped_column(String(36))
    audio_file_id: Mapped[str] = mapped_column(String(36))
    artifact_type: Mapped[str] = mapped_column(String(100))
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    pushed_at: Mapped[datetime] = mapped_column(UTCDateTime)
