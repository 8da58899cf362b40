"""The database: engine set-up (SQLite pragmas), sessions, and migrations at start-up.

Every unit of work is one session and one transaction (``db.write()`` / ``db.read()``).
SQLite runs in WAL mode with foreign keys on, ``synchronous=FULL`` (a committed edit
survives a crash of the app or the machine) and a busy timeout. Write transactions start
with ``BEGIN IMMEDIATE`` so that two writers never deadlock on a lock upgrade.
"""

from __future__ import annotations

import ast
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.core.errors import ConflictError, DomainError, PublishedSetError, StorageError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
BUSY_TIMEOUT_ENV = "ARTIFACT_ANNOTATOR_BUSY_TIMEOUT_MS"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def _busy_timeout_ms() -> int:
    try:
        return max(0, int(os.environ.get(BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT_MS)))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT_MS


def create_db_engine(url: str) -> Engine:
    """An engine with the pragmas and transaction handling this app relies on."""
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        file_part = url.split("///", 1)[-1].split("?", 1)[0]
        if file_part and file_part != ":memory:":
            Path(file_part).parent.mkdir(parents=True, exist_ok=True)
        timeout_ms = _busy_timeout_ms()
        engine = create_engine(url, connect_args={"timeout": timeout_ms / 1000,
                                                  "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:  # pragma: no branch
            # Take transaction control away from pysqlite so BEGIN is ours (see below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection) -> None:
            immediate = connection.get_execution_options().get("sqlite_immediate")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def _sqlite_file(url: str) -> str | None:
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):].split("?", 1)[0]
        return path if path and path != ":memory:" else None
    return None


def describe_db_error(error: Exception, url: str) -> str:
    """One clear line for a database failure, naming the database."""
    text = str(getattr(error, "orig", None) or error).strip()
    # A SQLite database is a file to the user: name the file, not the URL.
    where = _sqlite_file(url) or url_for_display(url)
    if "locked" in text or "busy" in text:
        return (f"The database {where} is locked by another program (another Artifact "
                f"Annotator window or command?). Close it or wait, then try again.")
    if "readonly" in text or "read-only" in text:
        return f"The database {where} is read-only: check the file's permissions."
    if "disk is full" in text or "database or disk is full" in text:
        return f"The disk holding the database {where} is full: free some space and try again."
    if "not a database" in text or "malformed" in text:
        return (f"The database {where} is damaged or not a database ({text}). Restore a copy "
                f"from the backups folder next to it, or move it away to start fresh.")
    return f"Database error on {where}: {text}"


def integrity_failure(error: IntegrityError) -> DomainError:
    """The database's own refusal (constraint or trigger) as one line for the user.

    The services check every rule first; this is the backstop for anything that slips past
    them (another program's edit in between, a bug), so it must still read clearly.
    """
    text = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    if "published" in text:
        return PublishedSetError(f"The database refused the change: {text}. Create a new "
                                 f"version of the set to keep editing.")
    return ConflictError(f"The database refused the change ({text}); nothing was saved.")


def url_for_display(url: str) -> str:
    """The URL without a password."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


_REVISION_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")


def declared_head(versions_dir: Path) -> str | None:
    """The newest revision as the migration files declare it (``revision = "..."`` and
    ``down_revision = ...``), read with ``ast`` instead of importing Alembic.

    Returns None unless the files form one plain chain with literal values; callers then
    fall back to Alembic, which is always right.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions_dir.glob("*.py")):
        if path.name.startswith("__"):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            return None
        values: dict[str, object] = {}
        for node in tree.body:
            target = (node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                      else node.target if isinstance(node, ast.AnnAssign) else None)
            if isinstance(target, ast.Name) and target.id in _REVISION_FIELDS and node.value:
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    return None
        revision, parent = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str) or values.get("branch_labels") or values.get("depends_on"):
            return None
        if isinstance(parent, str):
            parents.add(parent)
        elif isinstance(parent, (tuple, list)):
            parents.update(parent)
        elif parent is not None:
            return None
        revisions.add(revision)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


class Database:
    """Engine + session factory; hands out one session per unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = create_db_engine(url)
        except ImportError as error:
            raise StorageError(
                f"The database URL '{url_for_display(url)}' needs the Python package "
                f"'{error.name or error}', which is not installed: install it or use "
                f"another database.") from error
        except SQLAlchemyError as error:
            raise StorageError(
                f"The database URL '{url_for_display(url)}' cannot be used ({error}); give a "
                f"SQLAlchemy URL such as sqlite:////home/me/labels.db.") from error
        except OSError as error:
            raise StorageError(
                f"Cannot create the folder for the database '{url_for_display(url)}': "
                f"{error.strerror or error}.") from error
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a write transaction, committed on success, rolled back on error."""
        with self._sessions() as session:
            try:
                with session.begin():
                    session.connection(execution_options={"sqlite_immediate": True})
                    yield session
            except OperationalError as error:
                raise StorageError(describe_db_error(error, self.url)) from error
            except IntegrityError as error:
                raise integrity_failure(error) from error

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            try:
                with session.begin():
                    yield session
            except OperationalError as error:
                raise StorageError(describe_db_error(error, self.url)) from error

    def dispose(self) -> None:
        self.engine.dispose()

    # -- migrations ---------------------------------------------------------------------
    # Alembic is imported only when it is needed: importing it costs about a tenth of a
    # second, paid by every command-line call, while the schema is nearly always current.

    def _alembic_config(self):
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def _is_current_fast(self) -> bool:
        """True when the stored revision is the declared head, decided without Alembic.

        Anything unusual (no version table, several rows, migration files that are not a
        plain chain) answers False, and ``migrate`` then asks Alembic itself.
        """
        head = declared_head(VERSIONS_DIR)
        if head is None:
            return False
        with self.engine.connect() as connection:
            try:
                rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
            except OperationalError:  # no version table yet: a new database
                return False
        return len(rows) == 1 and rows[0][0] == head

    def migrate(self, backups_dir: Path | None = None) -> Path | None:
        """Bring the schema to the newest revision; returns the backup made, if any.

        A SQLite file is copied aside (with SQLite's online backup, so the copy is
        consistent even in WAL mode) before any migration touches it.
        """
        try:
            if self._is_current_fast():
                return None
            current, head = self.current_revision(), self.head_revision()
            if current == head:
                return None
            self._check_known_revision(current)
            backup = self._backup_sqlite(backups_dir, current) if backups_dir else None
            from alembic import command

            config = self._alembic_config()
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            log.info("database migrated from %s to %s", current, head)
            return backup
        except SQLAlchemyError as error:
            raise StorageError(describe_db_error(error, self.url)) from error
        except sqlite3.Error as error:  # the online backup talks to sqlite3 directly
            raise StorageError(describe_db_error(error, self.url)) from error
        except OSError as error:
            raise StorageError(f"Cannot copy the database {self._where()} aside before "
                               f"migrating it: {error.strerror or error}.") from error

    def _where(self) -> str:
        return _sqlite_file(self.url) or url_for_display(self.url)

    def _check_known_revision(self, current: str | None) -> None:
        """A schema this program does not know came from a newer version: never touch it."""
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError as AlembicError

        if current is None:
            return
        try:
            ScriptDirectory.from_config(self._alembic_config()).get_revision(current)
        except AlembicError:
            raise StorageError(
                f"The database {self._where()} has schema revision '{current}', which this "
                f"version of the app does not know (it was written by a newer version). "
                f"Update Artifact Annotator, or point --db / --home elsewhere.") from None

    def _backup_sqlite(self, backups_dir: Path, current: str | None) -> Path | None:
        if not self.url.startswith("sqlite:///"):
            return None
        source = Path(self.url[len("sqlite:///"):].split("?", 1)[0])
        if not source.exists():
            return None
        backups_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = backups_dir / f"{source.stem}-{stamp}-before-{current or 'empty'}.db"
        src = sqlite3.connect(str(source))
        try:
            dst = sqlite3.connect(str(target))
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        return target
