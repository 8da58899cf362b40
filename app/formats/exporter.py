"""Exporting an annotation set: one file (relay-json, csv) or one file per audio file
(audacity, textgrid, eaf) into a folder. Files appear complete or not at all: everything
is written to temporary files first and moved into place at the end."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.context import AppContext
from app.core.errors import DomainError, ValidationError
from app.formats.export_model import AudioAnnotations, ExportInput
from app.formats.output import per_audio_file_names, temporary_sibling
from app.formats.records import Cancelled
from app.formats.registry import get_format

# progress(files done, files in all, file being written)
ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ExportResult:
    format: str
    paths: tuple[Path, ...]
    annotation_count: int
    audio_count: int

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "paths": [str(p) for p in self.paths],
                "annotation_count": self.annotation_count, "audio_count": self.audio_count}


def collect(ctx: AppContext, dataset_id: str, set_id: str,
            audio_ids: Sequence[str] | None = None) -> ExportInput:
    """The set's annotations grouped by audio file (all of the dataset's files, or some)."""
    dataset = ctx.datasets.get(dataset_id)
    annotation_set = ctx.sets.get(set_id)
    if annotation_set.dataset_id != dataset.id:
        raise ValidationError(f"Annotation set v{annotation_set.version} belongs to another "
                              f"dataset.")
    audio_files = ctx.audio.list(dataset.id)
    if audio_ids is not None:
        wanted = set(audio_ids)
        audio_files = [a for a in audio_files if a.id in wanted]
    by_audio: dict[str, list] = {a.id: [] for a in audio_files}
    for annotation in ctx.annotations.list(annotation_set.id):
        if annotation.audio_file_id in by_audio:
            by_audio[annotation.audio_file_id].append(annotation)
    files = tuple(AudioAnnotations(audio, tuple(sorted(
        by_audio[audio.id], key=lambda a: (a.start_ms, a.end_ms, a.artifact_type, a.id))))
        for audio in audio_files)
    return ExportInput(dataset, annotation_set, files)


def export_annotations(ctx: AppContext, dataset_id: str, set_id: str, format_name: str,
                       out: Path, *, audio_ids: Sequence[str] | None = None,
                       progress: ProgressCallback | None = None,
                       cancelled: Callable[[], bool] | None = None) -> ExportResult:
    """Write the set in ``format_name`` to ``out``: a file, or a folder for per-file formats
    (created if needed; files of the same names in it are replaced)."""
    spec = get_format(format_name, for_export=True)
    export = collect(ctx, dataset_id, set_id, audio_ids)
    count = sum(len(item.annotations) for item in export.files)
    out = Path(out)
    if spec.write is not None:
        if out.is_dir():
            raise DomainError(f"{out} is a folder; the {spec.name} format writes one file: give "
                              f"its name, such as {out / ('annotations' + spec.extensions[0])}.")
        _require_folder(out.parent)
        if progress is not None:
            progress(0, 1, str(out))
        _write(lambda: spec.write(export, out), out)
        if progress is not None:
            progress(1, 1, str(out))
        return ExportResult(spec.name, (out,), count, len(export.files))

    if out.exists() and not out.is_dir():
        raise DomainError(f"{out} is a file; the {spec.name} format writes one file per audio "
                          f"file into a folder: give a folder.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DomainError(f"Cannot create the folder {out}: {error.strerror or error}.") from None
    names = per_audio_file_names([item.audio for item in export.files], spec.extensions[0])
    staged: list[tuple[Path, Path]] = []
    try:
        for index, item in enumerate(export.files):
            if cancelled is not None and cancelled():
                raise Cancelled("Export cancelled; no file was written.")
            target = out / names[item.audio.id]
            if progress is not None:
                progress(index, len(export.files), str(target))
            temporary = temporary_sibling(target)
            staged.append((temporary, target))
            _write(lambda: spec.write_audio(export.dataset, item, temporary), target)
        for temporary, target in staged:
            os.replace(temporary, target)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    if progress is not None:
        progress(len(export.files), len(export.files), "")
    return ExportResult(spec.name, tuple(target for _, target in staged), count,
                        len(export.files))


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise DomainError(f"The folder {folder} does not exist.")


def _write(write: Callable[[], None], target: Path) -> None:
    try:
        write()
    except OSError as error:
        raise DomainError(f"Cannot write {target}: {error.strerror or error}.") from None
