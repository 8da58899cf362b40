"""SQLAlchemy 2.x typed ORM mappings. Only the services in app.core touch these."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.core.entities import Annotation, ArtifactType, AudioFile


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, hands back timezone-aware UTC datetimes on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


class Base(DeclarativeBase):
    pass


class DatasetRow(Base):
    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    artifact_types: Mapped[list[ArtifactTypeRow]] = relationship(
        order_by="ArtifactTypeRow.position", back_populates="dataset")


class ArtifactTypeRow(Base):
    __tablename__ = "artifact_types"
    __table_args__ = (UniqueConstraint("dataset_id", "name", name="uq_artifact_type_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    color: Mapped[str] = mapped_column(String(7), default="#FF0000")

    dataset: Mapped[DatasetRow] = relationship(back_populates="artifact_types")


class AudioFileRow(Base):
    __tablename__ = "audio_files"
    __table_args__ = (UniqueConstraint("dataset_id", "sha256", name="uq_audio_content"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    original_filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str] = mapped_column(String(32))
    sample_rate: Mapped[int] = mapped_column(Integer)
    channels: Mapped[int] = mapped_column(Integer)
    frames: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AnnotationSetRow(Base):
    __tablename__ = "annotation_sets"
    __table_args__ = (
        UniqueConstraint("dataset_id", "version", name="uq_set_version"),
        CheckConstraint("status IN ('draft', 'published')", name="ck_set_status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    source_set_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnnotationRow(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        CheckConstraint("start_ms >= 0 AND end_ms > start_ms", name="ck_annotation_times"),
        CheckConstraint("confidence >= 0.0 AND confidence <= 1.0", name="ck_annotation_confidence"),
        Index("ix_annotations_set_audio_start", "annotation_set_id", "audio_file_id", "start_ms"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    annotation_set_id: Mapped[str] = mapped_column(
        ForeignKey("annotation_sets.id", ondelete="CASCADE"))
    audio_file_id: Mapped[str] = mapped_column(
        ForeignKey("audio_files.id", ondelete="CASCADE"), index=True)
    # RESTRICT: the database itself refuses to drop a type that annotations still use.
    artifact_type_id: Mapped[int] = mapped_column(
        ForeignKey("artifact_types.id", ondelete="RESTRICT"), index=True)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    artifact_type: Mapped[ArtifactTypeRow] = relationship(lazy="joined")


# -- rows to the plain dataclasses the services hand out ---------------------------------

def type_entity(row: ArtifactTypeRow) -> ArtifactType:
    return ArtifactType(name=row.name, description=row.description, color=row.color)


def audio_entity(row: AudioFileRow) -> AudioFile:
    return AudioFile(id=row.id, dataset_id=row.dataset_id, original_filename=row.original_filename,
                     sha256=row.sha256, format=row.format, subtype=row.subtype,
                     sample_rate=row.sample_rate, channels=row.channels, frames=row.frames,
                     duration_ms=row.duration_ms, size_bytes=row.size_bytes,
                     created_at=row.created_at)


def annotation_entity(row: AnnotationRow) -> Annotation:
    return Annotation(id=row.id, annotation_set_id=row.annotation_set_id,
                      audio_file_id=row.audio_file_id, artifact_type=row.artifact_type.name,
                      start_ms=row.start_ms, end_ms=row.end_ms, confidence=row.confidence,
                      note=row.note, created_at=row.created_at, updated_at=row.updated_at)
