"""One object that opens the home (database + library) and holds every service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from app.core.annotation_sets import AnnotationSetService
from app.core.annotations import AnnotationService
from app.core.audio_files import AudioService
from app.core.audio_library import AudioLibrary
from app.core.datasets import DatasetService
from app.core.db import Database
from app.core.errors import StorageError
from app.core.paths import AppPaths

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    paths: AppPaths
    db: Database
    library: AudioLibrary
    datasets: DatasetService
    audio: AudioService
    sets: AnnotationSetService
    annotations: AnnotationService
    migration_backup: Path | None = None

    @classmethod
    def open(cls, paths: AppPaths) -> "AppContext":
        """Create the folders, open the database and run pending migrations."""
        try:
            paths.ensure()
        except OSError as error:
            where = error.filename or paths.data_dir
            raise StorageError(f"Cannot create the data folder '{where}': "
                               f"{error.strerror or error}. Choose another --home or fix the "
                               f"folder's permissions.") from error
        db = Database(paths.db_url)
        try:
            backup = db.migrate(paths.backups_dir)
        except Exception:
            db.dispose()
            raise
        if backup is not None:
            log.info("database copied to %s before migrating", backup)
        library = AudioLibrary(paths.library_dir)
        return cls(paths=paths, db=db, library=library,
                   datasets=DatasetService(db, library), audio=AudioService(db, library),
                   sets=AnnotationSetService(db), annotations=AnnotationService(db),
                   migration_backup=backup)

    def close(self) -> None:
        self.db.dispose()
