"""The database layer: migrations at start-up with a backup, pragmas, the published-set
triggers, and clear refusals for databases that cannot be used."""

from __future__ import annotations

import importlib.util
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.context import AppContext
from app.core.db import (
    BUSY_TIMEOUT_ENV,
    VERSIONS_DIR,
    Database,
    declared_head,
    describe_db_error,
    url_for_display,
)
from app.core.entities import AnnotationDraft
from app.core.errors import StorageError
from app.core.paths import resolve_paths, sqlite_url
from tests.core.dbstate import TABLES, db_rows

TRIGGERS = {"annotations_published_insert", "annotations_published_update",
            "annotations_published_delete", "annotation_sets_stay_published"}


def _schema(db_file: Path) -> dict[str, set[str]]:
    con = sqlite3.connect(db_file)
    try:
        rows = con.execute("SELECT type, name FROM sqlite_master").fetchall()
    finally:
        con.close()
    result: dict[str, set[str]] = {}
    for kind, name in rows:
        result.setdefault(kind, set()).add(name)
    return result


# -- migrations ----------------------------------------------------------------------------------


def test_an_empty_database_is_upgraded_to_head(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "fresh.db"))
    try:
        assert db.current_revision() is None
        assert db.head_revision() is not None
        db.migrate(tmp_path / "backups")
        assert db.current_revision() == db.head_revision()
    finally:
        db.dispose()
    schema = _schema(tmp_path / "fresh.db")
    assert set(TABLES) | {"alembic_version"} <= schema["table"]
    assert TRIGGERS <= schema["trigger"]


def test_first_open_copies_the_file_aside_and_the_second_does_not_migrate(home: Path,
                                                                          monkeypatch) -> None:
    paths = resolve_paths(home=home)
    first = AppContext.open(paths)
    first.close()
    backup = first.migration_backup
    assert backup is not None and backup.exists() and backup.parent == home / "backups"
    assert backup.name.startswith("annotator-") and backup.name.endswith("-before-empty.db")
    con = sqlite3.connect(backup)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()

    import alembic.command

    def no_upgrade(*args, **kwargs):
        raise AssertionError("a second open must not migrate")

    monkeypatch.setattr(alembic.command, "upgrade", no_upgrade)
    second = AppContext.open(paths)
    second.close()
    assert second.migration_backup is None
    assert sorted((home / "backups").iterdir()) == [backup]


def test_the_declared_head_is_alembics_head() -> None:
    db = Database("sqlite://")
    try:
        assert declared_head(VERSIONS_DIR) == db.head_revision() is not None
    finally:
        db.dispose()


def _versions(folder: Path, *files: str) -> Path:
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for index, body in enumerate(files):
        (folder / f"{index:04d}_m.py").write_text(body)
    return folder


def test_declared_head_reads_plain_chains_and_gives_up_on_anything_else(tmp_path: Path) -> None:
    chain = _versions(tmp_path / "chain", "revision = 'a'\ndown_revision = None\n",
                      "revision: str = 'b'\ndown_revision: str | None = 'a'\n",
                      'revision = "c"\ndown_revision = "b"\n')
    assert declared_head(chain) == "c"
    merged = _versions(tmp_path / "merged", "revision = 'a'\ndown_revision = None\n",
                       "revision = 'b1'\ndown_revision = 'a'\n",
                       "revision = 'b2'\ndown_revision = 'a'\n",
                       "revision = 'm'\ndown_revision = ('b1', 'b2')\n")
    assert declared_head(merged) == "m"
    two_heads = _versions(tmp_path / "two_heads", "revision = 'a'\ndown_revision = None\n",
                          "revision = 'b1'\ndown_revision = 'a'\n",
                          "revision = 'b2'\ndown_revision = 'a'\n")
    assert declared_head(two_heads) is None
    computed = _versions(tmp_path / "computed", "revision = 'a'\ndown_revision = None\n",
                         "revision = 'b'.upper()\ndown_revision = 'a'\n")
    assert declared_head(computed) is None
    labelled = _versions(tmp_path / "labelled",
                         "revision = 'a'\ndown_revision = None\nbranch_labels = ('x',)\n")
    assert declared_head(labelled) is None
    assert declared_head(_versions(tmp_path / "empty")) is None


def test_without_a_declared_head_alembic_decides(home: Path, monkeypatch) -> None:
    AppContext.open(resolve_paths(home=home)).close()
    import app.core.db as db_module

    monkeypatch.setattr(db_module, "declared_head", lambda folder: None)
    again = AppContext.open(resolve_paths(home=home))
    again.close()
    assert again.migration_backup is None


def test_opening_a_current_database_does_not_load_alembic(home: Path) -> None:
    AppContext.open(resolve_paths(home=home)).close()
    probe = ("import sys\n"
             "from app.core.context import AppContext\n"
             "from app.core.paths import resolve_paths\n"
             f"ctx = AppContext.open(resolve_paths(home={str(home)!r}))\n"
             "ctx.datasets.list()\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'numpy')))\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_backup_holds_the_content_from_before_the_migration(tmp_path: Path) -> None:
    target = tmp_path / "old.db"
    con = sqlite3.connect(target)
    con.execute("CREATE TABLE user_notes (text TEXT)")
    con.execute("INSERT INTO user_notes VALUES ('keep me')")
    con.commit()
    con.close()
    db = Database(sqlite_url(target))
    try:
        backup = db.migrate(tmp_path / "backups")
    finally:
        db.dispose()
    assert backup is not None and backup.parent == tmp_path / "backups"
    con = sqlite3.connect(backup)
    try:
        assert con.execute("SELECT text FROM user_notes").fetchall() == [("keep me",)]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "datasets" not in tables  # the copy was made before the schema was created
    finally:
        con.close()
    assert "datasets" in _schema(target)["table"]


def test_upgrading_a_database_with_data_keeps_it_and_backs_it_up(home: Path, audio, draft,
                                                                 ctx: AppContext) -> None:
    """Step the real schema back to its first revision, then let start-up migrate it."""
    from alembic import command
    from alembic.script import ScriptDirectory

    ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10, note="keep"))
    ctx.close()
    first = Database(sqlite_url(home / "annotator.db"))
    config = first._alembic_config()
    script_revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]
    if len(script_revisions) < 2:
        first.dispose()
        pytest.skip("only one schema revision exists so far")
    oldest = script_revisions[-1]
    with first.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, oldest)
    first.dispose()
    before = db_rows(home / "annotator.db")

    reopened = AppContext.open(resolve_paths(home=home))
    try:
        backup = reopened.migration_backup
        assert backup is not None and backup.name.endswith(f"-before-{oldest}.db")
        assert db_rows(backup) == before
        assert db_rows(home / "annotator.db") == before
        assert reopened.db.current_revision() == reopened.db.head_revision()
        assert [a.note for a in reopened.annotations.list(draft.id)] == ["keep"]
    finally:
        reopened.close()


def test_a_database_from_a_newer_version_is_refused_untouched(home: Path) -> None:
    AppContext.open(resolve_paths(home=home)).close()
    db_file = home / "annotator.db"
    con = sqlite3.connect(db_file)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    backups_before = sorted((home / "backups").iterdir())
    with pytest.raises(StorageError) as info:
        AppContext.open(resolve_paths(home=home))
    message = str(info.value)
    assert str(db_file) in message and "'9999_future'" in message and "newer version" in message
    assert sorted((home / "backups").iterdir()) == backups_before


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"this is not sqlite" * 300)
    with pytest.raises(StorageError) as info:
        AppContext.open(resolve_paths(home=tmp_path / "home", db=sqlite_url(bogus)))
    assert str(bogus) in str(info.value) and "not a database" in str(info.value)
    assert bogus.read_bytes() == b"this is not sqlite" * 300


@pytest.mark.parametrize("url, expected", [
    ("nonsense", "cannot be used"),
    ("nosuchdialect://host/db", "cannot be used"),
    ("postgresql+psycopg://me:secret@host/labels", "needs the Python package"),
])
def test_unusable_database_urls_are_refused(tmp_path: Path, url: str, expected: str) -> None:
    if "psycopg" in url and importlib.util.find_spec("psycopg") is not None:
        pytest.skip("psycopg is installed here, so that URL would be usable")
    with pytest.raises(StorageError) as info:
        AppContext.open(resolve_paths(home=tmp_path / "home", db=url))
    assert expected in str(info.value) and "secret" not in str(info.value)


def test_a_home_that_is_a_file_is_refused(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "home"
    not_a_folder.write_text("x")
    with pytest.raises(StorageError, match=f"Cannot create the data folder '{not_a_folder}"):
        AppContext.open(resolve_paths(home=not_a_folder))


def test_messages_never_show_a_password() -> None:
    assert url_for_display("postgresql://me:secret@db.example/labels") == (
        "postgresql://me:***@db.example/labels")
    assert url_for_display("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"
    message = describe_db_error(Exception("database is locked"), "postgresql://me:pw@h/db")
    assert "pw" not in message and "locked" in message


@pytest.mark.parametrize("text, expected", [
    ("database is locked", "is locked by another program"),
    ("attempt to write a readonly database", "is read-only"),
    ("database or disk is full", "is full"),
    ("file is not a database", "damaged or not a database"),
    ("no such table: x", "Database error on /tmp/a.db: no such table: x"),
])
def test_database_failures_are_one_line_naming_the_file(text: str, expected: str) -> None:
    message = describe_db_error(sqlite3.OperationalError(text), "sqlite:////tmp/a.db")
    assert expected in message and "/tmp/a.db" in message and "\n" not in message


# -- pragmas -------------------------------------------------------------------------------------


def test_connections_use_wal_foreign_keys_full_sync_and_a_busy_timeout(home: Path,
                                                                       monkeypatch) -> None:
    monkeypatch.delenv(BUSY_TIMEOUT_ENV, raising=False)
    ctx = AppContext.open(resolve_paths(home=home))
    try:
        with ctx.db.read() as session:
            pragma = {name: session.connection().exec_driver_sql(f"PRAGMA {name}").scalar()
                      for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")}
    finally:
        ctx.close()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2,
                      "busy_timeout": 5000}


# -- the database itself guards published sets ---------------------------------------------------


@pytest.fixture
def published_db(ctx: AppContext, dataset, audio, draft) -> tuple[Path, str, str]:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    ctx.sets.publish(draft.id)
    return ctx.paths.sqlite_file, draft.id, created.id


@pytest.mark.parametrize("statement", [
    "UPDATE annotations SET start_ms = 5",
    "UPDATE annotations SET note = 'sneaky'",
    "DELETE FROM annotations",
    "INSERT INTO annotations (id, annotation_set_id, audio_file_id, artifact_type_id, start_ms, "
    "end_ms, confidence, created_at, updated_at) SELECT 'new', annotation_set_id, audio_file_id, "
    "artifact_type_id, 20, 30, 1.0, created_at, updated_at FROM annotations",
    "UPDATE annotation_sets SET status = 'draft'",
    "UPDATE annotation_sets SET published_at = NULL",
    "UPDATE annotation_sets SET version = 9",
])
def test_direct_sql_cannot_change_a_published_set(published_db, statement: str) -> None:
    db_file, _, _ = published_db
    before = db_rows(db_file)
    con = sqlite3.connect(db_file)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="published"):
            con.execute(statement)
        con.rollback()
    finally:
        con.close()
    assert db_rows(db_file) == before


def test_direct_sql_may_edit_a_draft(ctx: AppContext, audio, draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    con = sqlite3.connect(ctx.paths.sqlite_file)
    con.execute("UPDATE annotations SET note = 'by hand' WHERE id = ?", (created.id,))
    con.commit()
    con.close()
    assert ctx.annotations.get(created.id).note == "by hand"


def test_the_database_refuses_to_drop_a_used_type(ctx: AppContext, audio, draft) -> None:
    ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    con = sqlite3.connect(ctx.paths.sqlite_file)
    con.execute("PRAGMA foreign_keys = ON")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            con.execute("DELETE FROM artifact_types WHERE name = 'glitch'")
        con.rollback()
        con.execute("DELETE FROM artifact_types WHERE name = 'hallucination'")  # unused: fine
        con.rollback()
    finally:
        con.close()
    assert ctx.datasets.type_usage(draft.dataset_id, "glitch") == {1: 1}


def test_check_constraints_back_up_the_rules(ctx: AppContext, audio, draft) -> None:
    created = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    con = sqlite3.connect(ctx.paths.sqlite_file)
    try:
        for statement in ("UPDATE annotations SET start_ms = 10, end_ms = 10",
                          "UPDATE annotations SET start_ms = -1",
                          "UPDATE annotations SET confidence = 1.5",
                          "UPDATE annotation_sets SET status = 'archived'"):
            with pytest.raises(sqlite3.IntegrityError):
                con.execute(statement)
            con.rollback()
    finally:
        con.close()
    assert ctx.annotations.get(created.id) == created
