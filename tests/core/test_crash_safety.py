"""Nothing reported as saved is lost when the app is killed: a child process edits through
the services, prints each edit after its commit, and dies by SIGKILL mid-stream."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.context import AppContext
from app.core.paths import resolve_paths

REPO = Path(__file__).resolve().parents[2]

# Creates annotation i, then raises the confidence of annotation i-1 (each annotation is
# updated at most once, so every reported edit has one expected outcome). A line is printed
# only after the service call returned, i.e. after the commit.
_EDITOR = """
import sys
from app.core.annotations import AnnotationChange
from app.core.context import AppContext
from app.core.entities import AnnotationDraft
from app.core.paths import resolve_paths

ctx = AppContext.open(resolve_paths(home=sys.argv[1]))
set_id, audio_id, start = sys.argv[2], sys.argv[3], int(sys.argv[4])
previous = None
for i in range(start, start + 100000):
    created = ctx.annotations.create(set_id, AnnotationDraft(
        audio_id, "glitch", i % 1900, i % 1900 + 50, 0.25, f"edit {i}"))
    print("created", created.id, i, flush=True)
    if previous is not None:
        ctx.annotations.update(previous, AnnotationChange(confidence=0.75))
        print("updated", previous, flush=True)
    previous = created.id
"""


def _edit_until_killed(home: Path, set_id: str, audio_id: str, start: int,
                       kill_after: int) -> list[list[str]]:
    """Run the editor, SIGKILL it after ``kill_after`` reported creations; all its lines."""
    child = subprocess.Popen([sys.executable, "-c", _EDITOR, str(home), set_id, audio_id,
                              str(start)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=REPO)
    assert child.stdout is not None
    lines: list[list[str]] = []
    created = 0
    try:
        while created < kill_after:
            line = child.stdout.readline()
            if not line:
                raise AssertionError(f"the editor stopped early: {child.stderr.read()}")
            lines.append(line.split())
            created += lines[-1][0] == "created"
        os.kill(child.pid, signal.SIGKILL)
        # Whatever it printed before dying was committed, so it counts too.
        lines += [rest.split() for rest in child.stdout.read().splitlines() if rest.strip()]
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=10)
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return lines


@pytest.mark.timeout(120)
def test_every_reported_edit_survives_sigkill(ctx: AppContext, dataset, audio, draft,
                                              home: Path) -> None:
    ctx.close()
    reported_created: dict[str, int] = {}
    reported_updated: set[str] = set()
    for round_number, kill_after in enumerate((25, 40)):
        lines = _edit_until_killed(home, draft.id, audio.id, start=round_number * 1000,
                                   kill_after=kill_after)
        for words in lines:
            if words[0] == "created":
                reported_created[words[1]] = int(words[2])
            else:
                reported_updated.add(words[1])

    db_file = home / "annotator.db"
    con = sqlite3.connect(db_file)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()

    reopened = AppContext.open(resolve_paths(home=home))
    try:
        stored = {a.id: a for a in reopened.annotations.list(draft.id)}
        missing = set(reported_created) - set(stored)
        assert not missing, f"{len(missing)} reported edits were lost"
        for annotation_id, i in reported_created.items():
            annotation = stored[annotation_id]
            assert (annotation.note, annotation.start_ms) == (f"edit {i}", i % 1900)
        for annotation_id in reported_updated:
            assert stored[annotation_id].confidence == 0.75
        # At most the one edit in flight at the kill may be there without a report.
        assert len(stored) - len(reported_created) <= 2
        assert len(reported_created) >= 65
        # The database is fully usable after the crash.
        reopened.sets.publish(draft.id)
    finally:
        reopened.close()
