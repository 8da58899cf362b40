"""Databases the program cannot use right now (locked) or at all: one line, exit 1."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from app.core.context import AppContext
from tests.cli.conftest import refused
from tests.core.dbstate import db_state
from tests.core.locking import write_lock_held_by_another_process

QUICK = {"ARTIFACT_ANNOTATOR_BUSY_TIMEOUT_MS": "200"}


def test_a_locked_database_refuses_writes_and_says_so(cli, ctx: AppContext, dataset, audio,
                                                      home: Path) -> None:
    draft = ctx.sets.create(dataset.id)
    before = db_state(home)
    db_file = home / "annotator.db"
    with write_lock_held_by_another_process(db_file):
        started = time.monotonic()
        refused(cli("annotation", "add", "TTS Glitches", "1", "clip01.wav", "0", "10", "glitch",
                    env=QUICK),
                f"The database {db_file} is locked by another program",
                "Close it or wait, then try again.")
        assert time.monotonic() - started < 10
        listed = cli("set", "list", "TTS Glitches", env=QUICK)  # reading still works
        assert listed.returncode == 0 and "v1" in listed.stdout
    assert db_state(home) == before
    assert ctx.annotations.list(draft.id) == []


def test_a_damaged_database_file(cli, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"\x00garbage" * 512)
    refused(cli("--db", f"sqlite:///{bogus}", "dataset", "list"),
            f"The database {bogus} is damaged or not a database")
    assert bogus.read_bytes() == b"\x00garbage" * 512


def test_a_database_from_a_newer_version(cli, ctx: AppContext, home: Path) -> None:
    con = sqlite3.connect(home / "annotator.db")
    con.execute("UPDATE alembic_version SET version_num = 'f00d_future'")
    con.commit()
    con.close()
    refused(cli("dataset", "list"), "schema revision 'f00d_future'", "newer version",
            "Update Artifact Annotator")


def test_an_unusable_database_url(cli) -> None:
    refused(cli("--db", "not a url", "dataset", "list"),
            "The database URL 'not a url' cannot be used", "sqlite:///")


def test_a_home_that_is_a_file(run_main, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "home.txt"
    not_a_folder.write_text("x")
    refused(run_main("--home", str(not_a_folder), "dataset", "list"),
            f"Cannot create the data folder '{not_a_folder}'", "Choose another --home")
