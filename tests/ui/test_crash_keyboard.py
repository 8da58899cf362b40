"""SIGKILL after a scripted keyboard session: every annotation made is in the database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from app.core.context import AppContext
from app.core.paths import resolve_paths
from tests.audio_samples import write_tone

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import argparse, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, sys.argv[2])
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from app.core.context import AppContext
    from app.core.paths import resolve_paths
    from app.ui.application import build_window, ensure_application, open_initial, open_settings

    app = ensure_application()
    ctx = AppContext.open(resolve_paths(home=sys.argv[1]))
    window = build_window(ctx, open_settings(ctx.paths))
    window.show()
    window.activateWindow()
    while not window.isActiveWindow():
        app.processEvents()
    open_initial(window, argparse.Namespace(dataset=None, audio=None, set_version=None))
    window.waveform.setFocus()
    app.processEvents()
    keys = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3]
    for n in range(10_000):
        start = (n * 37) % 55_000
        window.set_playhead(start)
        QTest.keyClick(window.waveform, Qt.Key.Key_I)
        window.set_playhead(start + 120 + n % 50)
        QTest.keyClick(window.waveform, Qt.Key.Key_O)
        QTest.keyClick(window.waveform, keys[n % 3])
        made = window.selected_annotations()
        if n % 4 == 3:      # now and then a nudge and a delete, as a user would
            QTest.keyClick(window.waveform, Qt.Key.Key_Period)
        made = window.selected_annotations()
        if made:
            a = made[0]
            print(f"{a.id} {a.artifact_type} {a.start_ms} {a.end_ms}", flush=True)
        app.processEvents()
""")


def test_sigkill_after_keyboard_session_loses_nothing(home: Path, tmp_path: Path):
    ctx = AppContext.open(resolve_paths(home=home))
    from app.core.entities import ArtifactType

    dataset = ctx.datasets.create("Crash", None, [ArtifactType("glitch"), ArtifactType("pause"),
                                                  ArtifactType("word")])
    ctx.audio.import_paths(dataset.id, [write_tone(tmp_path / "long.wav", seconds=60, rate=8000)])
    draft = ctx.sets.create(dataset.id)
    ctx.close()

    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(home), str(REPO)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    reported: dict[str, tuple[str, int, int]] = {}
    deadline = time.monotonic() + 120
    try:
        while len(reported) < 60 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            annotation_id, type_name, start, end = line.split()
            reported[annotation_id] = (type_name, int(start), int(end))
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert len(reported) >= 60, proc.stderr.read()[-3000:]

    database = home / "annotator.db"
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ctx = AppContext.open(resolve_paths(home=home))
    try:
        stored = {a.id: (a.artifact_type, a.start_ms, a.end_ms) for a in ctx.annotations.list(draft.id)}
    finally:
        ctx.close()
    for annotation_id, values in reported.items():
        assert stored.get(annotation_id) == values
