"""What a push tells its caller: progress while it runs, a report when it ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Phases, in order.
CHECKING, CONVERTING, DATASET, AUDIO, ANNOTATIONS, DONE = (
    "checking", "converting", "dataset", "audio", "annotations", "done")


@dataclass(frozen=True)
class PushProgress:
    """A snapshot; the callback gets a new one after every step (from the push's threads,
    never two calls at once)."""

    phase: str
    files_done: int = 0
    files_total: int = 0
    bytes_sent: int = 0
    bytes_total: int = 0
    annotations_done: int = 0
    annotations_total: int = 0
    current: str = ""


ProgressCallback = Callable[[PushProgress], None]


@dataclass(frozen=True)
class PushFailure:
    """One item that did not arrive, and why. ``kind``: dataset, audio, set or annotation."""

    kind: str
    name: str
    reason: str
    local_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "local_id": self.local_id,
                "reason": self.reason}


@dataclass
class SetResult:
    local_id: str
    local_version: int
    local_status: str
    remote_id: str | None = None
    remote_version: int | None = None
    remote_status: str | None = None
    created: bool = False
    updated: bool = False
    published: bool = False
    annotations_created: int = 0
    annotations_updated: int = 0
    annotations_deleted: int = 0

    def brief(self) -> dict[str, Any]:
        return {"local_version": self.local_version, "remote_version": self.remote_version,
                "remote_id": self.remote_id, "remote_status": self.remote_status}

    def to_json(self) -> dict[str, Any]:
        return {"local_id": self.local_id, "local_version": self.local_version,
                "local_status": self.local_status, "remote_id": self.remote_id,
                "remote_version": self.remote_version, "remote_status": self.remote_status,
                "created": self.created, "updated": self.updated, "published": self.published,
                "annotations_created": self.annotations_created,
                "annotations_updated": self.annotations_updated,
                "annotations_deleted": self.annotations_deleted}


@dataclass
class PushReport:
    dataset_id: str
    dataset_name: str
    base_url: str
    remote_dataset_id: str | None = None
    dataset_created: bool = False
    dataset_updated: bool = False
    audio_uploaded: list[str] = field(default_factory=list)
    audio_skipped: list[str] = field(default_factory=list)
    audio_converted: list[str] = field(default_factory=list)
    sets: list[SetResult] = field(default_factory=list)
    failures: list[PushFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False
    requests: int = 0
    bytes_sent: int = 0
    audio_bytes_sent: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.cancelled

    @property
    def audio_failed(self) -> list[PushFailure]:
        return [f for f in self.failures if f.kind == "audio"]

    @property
    def annotations_created(self) -> int:
        return sum(s.annotations_created for s in self.sets)

    @property
    def annotations_updated(self) -> int:
        return sum(s.annotations_updated for s in self.sets)

    @property
    def annotations_deleted(self) -> int:
        return sum(s.annotations_deleted for s in self.sets)

    def summary_lines(self) -> list[str]:
        """What the push did, a line per part: audio, each set, annotations and requests
        (what the command line prints and the window's report shows)."""
        converted = (f", {len(self.audio_converted)} converted to FLAC"
                     if self.audio_converted else "")
        lines = [f"audio: {len(self.audio_uploaded)} uploaded, {len(self.audio_skipped)} "
                 f"already there, {len(self.audio_failed)} failed{converted}"]
        for result in self.sets:
            done = [word for word, flag in (("created", result.created),
                                            ("updated", result.updated),
                                            ("published", result.published)) if flag]
            remote = (f"remote v{result.remote_version}" if result.remote_version
                      else "not on the platform")
            lines.append(f"set v{result.local_version} ({result.local_status}) -> {remote}: "
                         f"{', '.join(done) or 'unchanged'}")
        lines.append(f"annotations: {self.annotations_created} created, "
                     f"{self.annotations_updated} updated, {self.annotations_deleted} deleted")
        lines.append(f"{self.requests} requests in {self.seconds:.1f} s")
        return lines

    def fail(self, kind: str, name: str, reason: str, local_id: str | None = None) -> None:
        self.failures.append(PushFailure(kind, name, reason, local_id))

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "cancelled": self.cancelled,
            "dataset_id": self.dataset_id,
            "dataset_name": self.dataset_name,
            "base_url": self.base_url,
            "remote_dataset_id": self.remote_dataset_id,
            "dataset_created": self.dataset_created,
            "dataset_updated": self.dataset_updated,
            "audio": {"uploaded": self.audio_uploaded, "skipped": self.audio_skipped,
                      "failed": [f.to_json() for f in self.audio_failed],
                      "converted_to_flac": self.audio_converted},
            "sets": {"created": [s.brief() for s in self.sets if s.created],
                     "updated": [s.brief() for s in self.sets if s.updated and not s.created],
                     "published": [s.brief() for s in self.sets if s.published],
                     "unchanged": [s.brief() for s in self.sets
                                   if not (s.created or s.updated or s.published)]},
            "set_details": [s.to_json() for s in self.sets],
            "annotations": {"created": self.annotations_created,
                            "updated": self.annotations_updated,
                            "deleted": self.annotations_deleted},
            "failures": [f.to_json() for f in self.failures],
            "warnings": self.warnings,
            "requests": self.requests,
            "bytes_sent": self.bytes_sent,
            "audio_bytes_sent": self.audio_bytes_sent,
            "seconds": round(self.seconds, 3),
        }
