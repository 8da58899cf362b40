"""Audio files of a dataset: import into the library, list, resolve."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.audio_library import AudioLibrary, AudioProbeError, expand_audio_paths
from app.core.db import Database
from app.core.entities import AudioFile
from app.core.errors import NotFoundError
from app.core.models import AudioFileRow, DatasetRow, audio_entity


@dataclass(frozen=True)
class ImportFailure:
    path: str
    reason: str


@dataclass(frozen=True)
class ImportDuplicate:
    path: str
    existing: AudioFile


@dataclass
class ImportReport:
    imported: list[AudioFile] = field(default_factory=list)
    duplicates: list[ImportDuplicate] = field(default_factory=list)
    failed: list[ImportFailure] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict:
        return {
            "imported": [a.to_json() for a in self.imported],
            "duplicates": [{"path": d.path, "existing_audio_id": d.existing.id,
                            "existing_filename": d.existing.original_filename}
                           for d in self.duplicates],
            "failed": [{"path": f.path, "reason": f.reason} for f in self.failed],
            "cancelled": self.cancelled,
        }


# progress(done, total, current_path); return value ignored
ProgressCallback = Callable[[int, int, Path], None]


class AudioService:
    def __init__(self, db: Database, library: AudioLibrary) -> None:
        self.db = db
        self.library = library

    def list(self, dataset_id: str) -> list[AudioFile]:
        with self.db.read() as session:
            self._require_dataset(session, dataset_id)
            rows = session.scalars(select(AudioFileRow).where(AudioFileRow.dataset_id == dataset_id)
                                   .order_by(func.lower(AudioFileRow.original_filename),
                                             AudioFileRow.created_at)).all()
            return [audio_entity(row) for row in rows]

    def get(self, audio_id: str) -> AudioFile:
        with self.db.read() as session:
            row = session.get(AudioFileRow, audio_id)
            if row is None:
                raise NotFoundError(f"No audio file with id '{audio_id}'.")
            return audio_entity(row)

    def resolve(self, dataset_id: str, ref: str) -> AudioFile:
        """An audio file of the dataset by id or original filename."""
        with self.db.read() as session:
            row = session.get(AudioFileRow, ref)
            if row is not None and row.dataset_id == dataset_id:
                return audio_entity(row)
            rows = session.scalars(select(AudioFileRow).where(
                AudioFileRow.dataset_id == dataset_id,
                AudioFileRow.original_filename == ref)).all()
            if not rows:
                dataset = session.get(DatasetRow, dataset_id)
                where = f"dataset '{dataset.name}'" if dataset is not None else "this dataset"
                raise NotFoundError(f"No audio file with id or filename '{ref}' in {where}; "
                                    f"'audio list' shows its files.")
            if len(rows) > 1:
                ids = ", ".join(r.id for r in rows)
                raise NotFoundError(f"Several audio files are named '{ref}' ({ids}); "
                                    f"give the id instead.")
            return audio_entity(rows[0])

    def path_of(self, audio: AudioFile) -> Path:
        return self.library.path_for(audio.sha256, audio.format)

    def import_paths(self, dataset_id: str, paths: list[Path],
                     progress: ProgressCallback | None = None,
                     cancelled: Callable[[], bool] | None = None) -> ImportReport:
        """Import files and folders (recursively). Each good file is committed on its own,
        so a failure or a cancel never loses the files already imported."""
        with self.db.read() as session:
            self._require_dataset(session, dataset_id)
        files, missing = expand_audio_paths([Path(p) for p in paths])
        report = ImportReport(failed=[ImportFailure(str(p), reason) for p, reason in missing])
        for index, path in enumerate(files):
            if cancelled is not None and cancelled():
                report.cancelled = True
                break
            if progress is not None:
                progress(index, len(files), path)
            self._import_one(dataset_id, path, report)
        if progress is not None and not report.cancelled:
            progress(len(files), len(files), files[-1] if files else Path())
        return report

    def _import_one(self, dataset_id: str, path: Path, report: ImportReport) -> None:
        try:
            stored = self.library.store(path)
        except AudioProbeError as error:
            report.failed.append(ImportFailure(str(path), str(error)))
            return
        except OSError as error:
            report.failed.append(ImportFailure(str(path), f"cannot copy into the library: {error}"))
            return
        try:
            with self.db.write() as session:
                existing = session.scalar(select(AudioFileRow).where(
                    AudioFileRow.dataset_id == dataset_id, AudioFileRow.sha256 == stored.sha256))
                if existing is not None:
                    report.duplicates.append(ImportDuplicate(str(path), audio_entity(existing)))
                    return
                probe = stored.probe
                row = AudioFileRow(dataset_id=dataset_id, original_filename=path.name,
                                   sha256=stored.sha256, format=probe.format,
                                   subtype=probe.subtype, sample_rate=probe.sample_rate,
                                   channels=probe.channels, frames=probe.frames,
                                   duration_ms=probe.duration_ms, size_bytes=stored.size_bytes)
                session.add(row)
                session.flush()
                report.imported.append(audio_entity(row))
        except Exception:
            if stored.newly_stored and not self._sha_in_use(stored.sha256):
                self.library.remove(stored.sha256, stored.probe.format)
            raise

    def _sha_in_use(self, sha256: str) -> bool:
        with self.db.read() as session:
            return session.scalar(select(AudioFileRow.id).where(
                AudioFileRow.sha256 == sha256).limit(1)) is not None

    @staticmethod
    def _require_dataset(session: Session, dataset_id: str) -> None:
        if session.get(DatasetRow, dataset_id) is None:
            raise NotFoundError(f"No dataset with id '{dataset_id}'.")
