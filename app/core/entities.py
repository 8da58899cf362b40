"""Plain dataclasses the services take and return (never attached ORM rows).

Field names follow the platform's API (remote-api.md) so that a push is a plain mapping.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

DEFAULT_TYPE_COLOR = "#FF0000"
DRAFT = "draft"
PUBLISHED = "published"


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z suffix, as the platform writes it."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class ArtifactType:
    name: str
    description: str | None = None
    color: str = DEFAULT_TYPE_COLOR

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "color": self.color}


@dataclass(frozen=True)
class Dataset:
    id: str
    name: str
    description: str | None
    artifact_types: tuple[ArtifactType, ...]
    created_at: datetime
    updated_at: datetime
    audio_count: int = 0
    annotation_set_count: int = 0
    total_duration_ms: int = 0

    def type_names(self) -> list[str]:
        return [t.name for t in self.artifact_types]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "artifact_types": [t.to_json() for t in self.artifact_types],
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "audio_count": self.audio_count,
            "annotation_set_count": self.annotation_set_count,
            "total_duration_ms": self.total_duration_ms,
        }


@dataclass(frozen=True)
class AudioFile:
    id: str
    dataset_id: str
    original_filename: str
    sha256: str
    format: str
    subtype: str
    sample_rate: int
    channels: int
    frames: int
    duration_ms: int
    size_bytes: int
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "original_filename": self.original_filename,
            "duration_ms": self.duration_ms,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "frames": self.frames,
            "format": self.format,
            "subtype": self.subtype,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True)
class SetStats:
    total_annotations: int = 0
    total_positive_duration_ms: int = 0
    annotations_by_type: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AnnotationSet:
    id: str
    dataset_id: str
    version: int
    status: str
    created_at: datetime
    published_at: datetime | None
    stats: SetStats = field(default_factory=SetStats)

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dataset_id": self.dataset_id,
            "version": self.version,
            "status": self.status,
            "total_annotations": self.stats.total_annotations,
            "total_positive_duration_ms": self.stats.total_positive_duration_ms,
            "annotations_by_type": dict(self.stats.annotations_by_type),
            "created_at": iso(self.created_at),
            "published_at": iso(self.published_at),
        }


@dataclass(frozen=True)
class Annotation:
    id: str
    annotation_set_id: str
    audio_file_id: str
    artifact_type: str
    start_ms: int
    end_ms: int
    confidence: float = 1.0
    note: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "annotation_set_id": self.annotation_set_id,
            "audio_file_id": self.audio_file_id,
            "artifact_type": self.artifact_type,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "confidence": self.confidence,
            "note": self.note,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(frozen=True)
class AnnotationDraft:
    """The user-editable fields of an annotation, before it has an id."""

    audio_file_id: str
    artifact_type: str
    start_ms: int
    end_ms: int
    confidence: float = 1.0
    note: str | None = None


def as_dict(value: Any) -> dict[str, Any]:
    return asdict(value)
