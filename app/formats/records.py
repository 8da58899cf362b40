"""What a parsed annotation file yields: label records, skippable problems, fatal errors.

Parsers never touch the database: they turn a file into ``LabelRecord``s (times already in
whole milliseconds), plus ``Problem``s for entries that are well-formed but unusable (an
empty label), and raise ``FormatError`` for a file that is malformed or hostile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.errors import DomainError

# Problem kinds: skipped on a normal import, refused with --strict.
EMPTY_LABEL = "empty_label"
BAD_TIMES = "start_not_before_end"
OUTSIDE_AUDIO = "outside_audio"
NO_TIME = "no_time"
POINT_TIER = "point_tier"
DEPENDENT_TIER = "dependent_tier"
UNMATCHED_AUDIO = "unmatched_audio"


@dataclass(frozen=True)
class Location:
    """Where something is in a file: a line number and/or a position such as a JSON path."""

    file: str
    line: int | None = None
    detail: str | None = None

    def __str__(self) -> str:
        text = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{text} ({self.detail})" if self.detail else text

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "detail": self.detail}


class FormatError(DomainError):
    """A file that cannot be imported as it is: malformed, truncated, hostile."""

    def __init__(self, location: Location, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.reason = message


class Cancelled(DomainError):
    """The user cancelled a long import preview or export; nothing was written."""


@dataclass(frozen=True)
class LabelRecord:
    """One annotation as a file states it, before matching audio and checking types.

    ``audio_names`` are the names the file gives for its audio, best first; ``audio_id`` is
    set when the file carries this app's own audio id. ``confidence`` is None when the
    format has no confidence (the default 1.0 applies).
    """

    location: Location
    audio_names: tuple[str, ...]
    artifact_type: str
    start_ms: int
    end_ms: int
    confidence: float | None = None
    note: str | None = None
    audio_id: str | None = None


@dataclass(frozen=True)
class Problem:
    """An entry that is skipped on import (or refuses it with --strict)."""

    location: Location
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {**self.location.to_json(), "kind": self.kind, "message": self.message}


@dataclass
class ParsedFile:
    path: Path
    records: list[LabelRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def display_name(path: Path) -> str:
    """How messages name a file: as the user gave it."""
    return str(path)
