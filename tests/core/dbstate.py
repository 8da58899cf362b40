"""A snapshot of everything a home holds, to prove that a refused operation changed nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.core.context import AppContext

TABLES = ("datasets", "artifact_types", "audio_files", "annotation_sets", "annotations")


def db_rows(db_file: Path) -> dict[str, list[tuple]]:
    """Every row of the domain tables, read with plain sqlite3 (not through the services)."""
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        return {table: sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
                for table in TABLES}
    finally:
        con.close()


def library_files(library_dir: Path) -> list[str]:
    """All files under the library (temp files of an import included)."""
    if not library_dir.exists():
        return []
    return sorted(str(p.relative_to(library_dir)) for p in library_dir.rglob("*") if p.is_file())


def db_state(where: AppContext | Path) -> tuple[dict[str, list[tuple]], list[str]]:
    """Rows and library files of a context, or of a home folder (default file layout)."""
    if isinstance(where, AppContext):
        return db_rows(where.paths.sqlite_file), library_files(where.paths.library_dir)
    return db_rows(where / "annotator.db"), library_files(where / "library")


def row_count(db_file: Path, table: str) -> int:
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()
