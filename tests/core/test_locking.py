"""The database locked by another process: every write is refused quickly with a message that
says so, reads keep working, and nothing is half-written (no row, no library file)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.annotations import AnnotationChange
from app.core.context import AppContext
from app.core.db import BUSY_TIMEOUT_ENV
from app.core.entities import AnnotationDraft, ArtifactType
from app.core.errors import StorageError
from app.core.paths import resolve_paths
from tests.audio_samples import write_tone
from tests.core.dbstate import db_state
from tests.core.locking import write_lock_held_by_another_process


def test_writes_are_refused_while_another_process_holds_the_lock(ctx: AppContext, dataset, audio,
                                                                 draft, home: Path, tmp_path: Path,
                                                                 monkeypatch) -> None:
    existing = ctx.annotations.create(draft.id, AnnotationDraft(audio.id, "glitch", 0, 10))
    new_audio = write_tone(tmp_path / "new.wav", freq=1234)
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "150")
    impatient = AppContext.open(resolve_paths(home=home))
    writes = {
        "create dataset": lambda: impatient.datasets.create("Another"),
        "add a type": lambda: impatient.datasets.add_types(dataset.id, [ArtifactType("pop")]),
        "delete dataset": lambda: impatient.datasets.delete(dataset.id),
        "import audio": lambda: impatient.audio.import_paths(dataset.id, [new_audio]),
        "new set": lambda: impatient.sets.create(dataset.id),
        "publish": lambda: impatient.sets.publish(draft.id),
        "add annotation": lambda: impatient.annotations.create(
            draft.id, AnnotationDraft(audio.id, "glitch", 20, 30)),
        "move annotation": lambda: impatient.annotations.update(existing.id,
                                                                AnnotationChange(start_ms=5)),
        "delete annotation": lambda: impatient.annotations.delete(existing.id),
    }
    before = db_state(ctx)
    try:
        with write_lock_held_by_another_process(ctx.paths.sqlite_file):
            assert [d.name for d in impatient.datasets.list()] == ["TTS Glitches"]  # reads work
            # Write transactions take the lock at BEGIN (IMMEDIATE), not at their first
            # write, so two writers can never deadlock upgrading a read lock.
            with pytest.raises(StorageError, match="is locked"):
                with impatient.db.write() as session:
                    session.execute(text("SELECT 1"))
            for name, write in writes.items():
                started = time.monotonic()
                with pytest.raises(StorageError) as info:
                    write()
                assert time.monotonic() - started < 3, name
                message = str(info.value)
                assert f"The database {ctx.paths.sqlite_file} is locked by another program" in message
                assert "try again" in message, name
            assert db_state(ctx) == before
    finally:
        impatient.close()
    assert db_state(ctx) == before
    # Once the other process lets go, the same writes go through.
    assert ctx.audio.import_paths(dataset.id, [new_audio]).imported
    assert ctx.datasets.create("Another").name == "Another"


@pytest.mark.parametrize("value, expected", [("150", 150), ("0", 0), ("-5", 0), ("soon", 5000),
                                             (None, 5000)])
def test_busy_timeout_setting(value, expected, monkeypatch) -> None:
    from app.core.db import _busy_timeout_ms

    if value is None:
        monkeypatch.delenv(BUSY_TIMEOUT_ENV, raising=False)
    else:
        monkeypatch.setenv(BUSY_TIMEOUT_ENV, value)
    assert _busy_timeout_ms() == expected
