"""Importing annotation files into a draft set, in two steps.

``preview_import`` reads and checks everything and writes nothing: it parses the files,
matches their audio names to the dataset's audio, checks types and times, and returns an
``ImportPreview`` (counts per type and per audio file, unmatched names, skipped entries
with their line, and the reasons the import would be refused). ``apply_import`` writes a
preview's annotations, and the types it brings when asked, in ONE transaction: all or
nothing (so the GUI can undo an import as one step by deleting ``ImportResult.created``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.annotation_sets import published_message
from app.core.context import AppContext
from app.core.entities import Annotation, AnnotationDraft, ArtifactType, AudioFile
from app.core.errors import DomainError, ValidationError
from app.core.rules import clean_type_name
from app.formats.matching import AudioMatcher
from app.formats.records import (
    BAD_TIMES,
    EMPTY_LABEL,
    OUTSIDE_AUDIO,
    Cancelled,
    FormatError,
    LabelRecord,
    Location,
    Problem,
)
from app.formats.registry import FormatSpec, get_format
from app.formats.timecodes import ms_to_seconds_text

# progress(files done, files in all, file being read)
ProgressCallback = Callable[[int, int, str], None]

# Colors for types an import adds, so they do not all arrive in the default red.
NEW_TYPE_COLORS = ("#E6194B", "#3CB44B", "#4363D8", "#F58231", "#911EB4", "#42D4F4",
                   "#F032E6", "#BFEF45", "#469990", "#9A6324", "#800000", "#000075")


@dataclass(frozen=True)
class UnmatchedAudio:
    """An audio name from the files that matches no audio file of the dataset (or several)."""

    name: str
    reason: str
    candidates: tuple[str, ...]
    annotation_count: int
    locations: tuple[Location, ...]  # the first place in each file that names it

    def __str__(self) -> str:
        where = ", ".join(str(location) for location in self.locations[:3])
        more = f" and {len(self.locations) - 3} more files" if len(self.locations) > 3 else ""
        noun = "annotation" if self.annotation_count == 1 else "annotations"
        return f"{self.reason}; {self.annotation_count} {noun} skipped ({where}{more})"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "reason": self.reason, "candidates": list(self.candidates),
                "annotation_count": self.annotation_count,
                "locations": [location.to_json() for location in self.locations]}


@dataclass(frozen=True)
class PlannedAnnotation:
    draft: AnnotationDraft
    original_filename: str
    location: Location


@dataclass(frozen=True)
class ImportPreview:
    """Everything an import would do, computed without writing anything."""

    format: str
    dataset_id: str
    dataset_name: str
    set_id: str
    set_version: int
    set_published: bool
    add_types: bool
    strict: bool
    files: tuple[str, ...]
    planned: tuple[PlannedAnnotation, ...]
    counts_by_type: dict[str, int]
    counts_by_audio: dict[str, int]
    unknown_types: dict[str, int]
    new_types: tuple[str, ...]
    unmatched: tuple[UnmatchedAudio, ...]
    problems: tuple[Problem, ...]
    duplicates: int
    errors: tuple[str, ...]

    @property
    def can_apply(self) -> bool:
        return not self.errors

    @property
    def annotation_count(self) -> int:
        return len(self.planned)

    @property
    def skipped_count(self) -> int:
        return (len(self.problems) + sum(u.annotation_count for u in self.unmatched)
                + self.duplicates)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format, "dataset_id": self.dataset_id,
            "dataset_name": self.dataset_name, "annotation_set_id": self.set_id,
            "version": self.set_version, "strict": self.strict, "add_types": self.add_types,
            "files": list(self.files), "can_apply": self.can_apply,
            "annotation_count": self.annotation_count,
            "counts_by_type": dict(self.counts_by_type),
            "counts_by_audio": dict(self.counts_by_audio),
            "unknown_types": dict(self.unknown_types), "new_types": list(self.new_types),
            "unmatched": [u.to_json() for u in self.unmatched],
            "problems": [p.to_json() for p in self.problems],
            "duplicates": self.duplicates, "errors": list(self.errors),
        }


@dataclass(frozen=True)
class ImportResult:
    preview: ImportPreview
    created: tuple[Annotation, ...]
    added_types: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.preview.to_json(), "imported": len(self.created),
                "added_types": list(self.added_types),
                "annotation_ids": [a.id for a in self.created]}


class ImportRefused(DomainError):
    """apply_import on a preview that has errors; ``preview.errors`` lists them all."""

    def __init__(self, preview: ImportPreview) -> None:
        count = len(preview.errors)
        more = f" (and {count - 1} more problems)" if count > 1 else ""
        super().__init__(f"Nothing imported: {preview.errors[0]}{more}")
        self.preview = preview


@dataclass
class _Plan:
    known_types: set[str]
    existing: set[tuple[str, str, int, int]]
    planned: list[PlannedAnnotation] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: Counter = field(default_factory=Counter)
    unmatched: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0


def expand_paths(paths: Iterable[Path], spec: FormatSpec) -> tuple[list[Path], list[str]]:
    """Files to read (folders give their files with the format's extensions, recursively)
    and the errors for paths that give nothing."""
    suffixes = {extension.lower() for extension in spec.extensions}
    files: list[Path] = []
    errors: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file()
                           and p.suffix.lower() in suffixes and not p.name.startswith("."))
            if not found:
                errors.append(f"{path}: the folder holds no {'/'.join(spec.extensions)} files.")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            errors.append(f"{path}: no such file or folder.")
    unique: dict[Path, Path] = {}
    for file in files:
        unique.setdefault(file.resolve(), file)
    return list(unique.values()), errors


def preview_import(ctx: AppContext, dataset_id: str, set_id: str, format_name: str,
                   paths: Sequence[Path], *, add_types: bool = False, strict: bool = False,
                   progress: ProgressCallback | None = None,
                   cancelled: Callable[[], bool] | None = None) -> ImportPreview:
    """Parse, match and check an import; writes nothing.

    Raises DomainError only when the dataset, the set or the format does not exist;
    everything wrong with the files ends up in the preview (``errors``, ``problems``,
    ``unmatched``) so that it can all be shown at once.
    """
    spec = get_format(format_name)
    dataset = ctx.datasets.get(dataset_id)
    target = ctx.sets.get(set_id)
    if target.dataset_id != dataset.id:
        raise ValidationError(f"Annotation set v{target.version} belongs to another dataset.")
    audio_files = ctx.audio.list(dataset.id)
    matcher = AudioMatcher(audio_files)
    plan = _Plan(known_types=set(dataset.type_names()),
                 existing={(a.audio_file_id, a.artifact_type, a.start_ms, a.end_ms)
                           for a in ctx.annotations.list(target.id)})
    if target.is_published:
        plan.errors.append(published_message(target.version))

    files, path_errors = expand_paths(paths, spec)
    plan.errors.extend(path_errors)
    known = frozenset(plan.known_types)
    for index, path in enumerate(files):
        if cancelled is not None and cancelled():
            raise Cancelled("Import cancelled; nothing was imported.")
        if progress is not None:
            progress(index, len(files), str(path))
        try:
            parsed = spec.parse(path, known)
        except FormatError as error:
            plan.errors.append(str(error))
            continue
        plan.problems.extend(parsed.problems)
        for record in parsed.records:
            _plan_record(plan, record, matcher)
    if progress is not None:
        progress(len(files), len(files), "")

    new_types = _check_types(plan, add_types)
    unmatched = tuple(UnmatchedAudio(name, entry["reason"], entry["candidates"],
                                     entry["count"], tuple(entry["locations"].values()))
                      for name, entry in plan.unmatched.items())
    if strict and (plan.problems or unmatched):
        parts = []
        if plan.problems:
            parts.append(f"{len(plan.problems)} {'entry has a problem' if len(plan.problems) == 1 else 'entries have problems'}")
        if unmatched:
            parts.append(f"{len(unmatched)} audio {'name matches' if len(unmatched) == 1 else 'names match'} "
                         f"no audio file")
        plan.errors.append(f"strict import refused: {' and '.join(parts)} (listed with their "
                           f"lines).")
    if not plan.planned and (plan.problems or unmatched) and not plan.errors:
        plan.errors.append("nothing to import: every entry was skipped (see the problems).")

    return ImportPreview(
        format=spec.name, dataset_id=dataset.id, dataset_name=dataset.name, set_id=target.id,
        set_version=target.version, set_published=target.is_published, add_types=add_types,
        strict=strict, files=tuple(str(f) for f in files), planned=tuple(plan.planned),
        counts_by_type=dict(sorted(Counter(p.draft.artifact_type for p in plan.planned).items())),
        counts_by_audio=dict(sorted(Counter(p.original_filename for p in plan.planned).items())),
        unknown_types=dict(plan.unknown), new_types=new_types, unmatched=unmatched,
        problems=tuple(plan.problems), duplicates=plan.duplicates, errors=tuple(plan.errors))


def _plan_record(plan: _Plan, record: LabelRecord, matcher: AudioMatcher) -> None:
    if not record.artifact_type:
        plan.problems.append(Problem(record.location, EMPTY_LABEL,
                                     "the label is empty, so the artifact type is unknown; "
                                     "skipped."))
        return
    match = matcher.match(record.audio_names, record.audio_id)
    if match.audio is None:
        entry = plan.unmatched.setdefault(match.name, {
            "reason": match.reason(), "candidates": match.candidates, "count": 0,
            "locations": {}})
        entry["count"] += 1
        entry["locations"].setdefault(record.location.file, record.location)
        return
    audio = match.audio
    problem = _time_problem(record, audio)
    if problem is not None:
        plan.problems.append(problem)
        return
    if record.artifact_type not in plan.known_types:
        plan.unknown[record.artifact_type] += 1
    key = (audio.id, record.artifact_type, record.start_ms, record.end_ms)
    if key in plan.existing:
        plan.duplicates += 1
        return
    draft = AnnotationDraft(audio_file_id=audio.id, artifact_type=record.artifact_type,
                            start_ms=record.start_ms, end_ms=record.end_ms,
                            confidence=1.0 if record.confidence is None else record.confidence,
                            note=record.note)
    plan.planned.append(PlannedAnnotation(draft, audio.original_filename, record.location))


def _time_problem(record: LabelRecord, audio: AudioFile) -> Problem | None:
    start, end = ms_to_seconds_text(record.start_ms), ms_to_seconds_text(record.end_ms)
    if record.start_ms >= record.end_ms:
        return Problem(record.location, BAD_TIMES,
                       f"start {start} s is not before end {end} s; skipped.")
    if record.end_ms > audio.duration_ms:
        return Problem(record.location, OUTSIDE_AUDIO,
                       f"{start}-{end} s reaches past the end of '{audio.original_filename}' "
                       f"({ms_to_seconds_text(audio.duration_ms)} s); skipped.")
    return None


def _check_types(plan: _Plan, add_types: bool) -> tuple[str, ...]:
    if not plan.unknown:
        return ()
    listing = ", ".join(f"'{name}' ({count})" for name, count in plan.unknown.items())
    if not add_types:
        known = ", ".join(sorted(plan.known_types)) or "none yet"
        plan.errors.append(f"unknown artifact types {listing}; the dataset's types are: {known}. "
                           f"Add them to the dataset (--add-types) or correct the labels.")
        return ()
    for name in plan.unknown:
        try:
            clean_type_name(name)
        except ValidationError as error:
            plan.errors.append(f"'{name[:40]}' cannot become an artifact type: {error}")
    return tuple(plan.unknown)


def apply_import(ctx: AppContext, preview: ImportPreview) -> ImportResult:
    """Write the previewed annotations (and new types) in one transaction.

    Refuses (ImportRefused) a preview with errors. Everything is validated again inside
    the transaction, so a set published or a type removed since the preview refuses the
    whole import instead of writing part of it.
    """
    if preview.errors:
        raise ImportRefused(preview)
    used_colors = {t.color.upper() for t in ctx.datasets.get(preview.dataset_id).artifact_types}
    palette = [c for c in NEW_TYPE_COLORS if c not in used_colors] or list(NEW_TYPE_COLORS)
    new_types = [ArtifactType(name, color=palette[index % len(palette)])
                 for index, name in enumerate(preview.new_types)]
    created = ctx.annotations.create_many(preview.set_id, [p.draft for p in preview.planned],
                                          new_types=new_types)
    return ImportResult(preview, tuple(created), preview.new_types)
