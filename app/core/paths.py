"""Where the app keeps its data: database, audio library, caches and configuration.

By default everything follows the platform conventions (platformdirs). ``--home DIR`` or
``ARTIFACT_ANNOTATOR_HOME`` moves the whole home (database, audio library, cache and
config) under one folder; ``--db URL`` or ``ARTIFACT_ANNOTATOR_DB`` points the database at
any SQLAlchemy URL while the audio library stays in the home.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_DIR_NAME = "artifact-annotator"
HOME_ENV = "ARTIFACT_ANNOTATOR_HOME"
DB_ENV = "ARTIFACT_ANNOTATOR_DB"


@dataclass(frozen=True)
class AppPaths:
    """Resolved locations; ``ensure()`` creates the folders."""

    data_dir: Path
    config_dir: Path
    cache_dir: Path
    db_url: str

    @property
    def library_dir(self) -> Path:
        """Content-addressed audio library (files named by sha256)."""
        return self.data_dir / "library"

    @property
    def peaks_dir(self) -> Path:
        return self.cache_dir / "peaks"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.ini"

    @property
    def keymap_file(self) -> Path:
        return self.config_dir / "keymap.json"

    @property
    def sqlite_file(self) -> Path | None:
        """The database file when the database is a SQLite file, else None."""
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and ":memory:" not in self.db_url:
            path = self.db_url[len(prefix):].split("?", 1)[0]
            return Path(path) if path else None
        return None

    def ensure(self) -> "AppPaths":
        for folder in (self.data_dir, self.config_dir, self.cache_dir, self.library_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def resolve_paths(home: str | os.PathLike[str] | None = None, db: str | None = None,
                  environ: dict[str, str] | None = None) -> AppPaths:
    """Resolve the paths from the command-line values, then the environment, then defaults."""
    env = os.environ if environ is None else environ
    home = home or env.get(HOME_ENV) or None
    db = db or env.get(DB_ENV) or None
    if home:
        root = Path(home).expanduser().resolve()
        data_dir, config_dir, cache_dir = root, root / "config", root / "cache"
    else:
        data_dir = Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))
        config_dir = Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False))
        cache_dir = Path(platformdirs.user_cache_dir(APP_DIR_NAME, appauthor=False))
    db_url = db or sqlite_url(data_dir / "annotator.db")
    return AppPaths(data_dir=data_dir, config_dir=config_dir, cache_dir=cache_dir, db_url=db_url)
