"""`--smoke-test` from source (CI runs the same flag on the frozen bundle): it opens the
window on the demo dataset in a temporary home, renders a waveform and exits 0, leaving
the user's data untouched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_smoke_test_opens_the_demo_and_exits_0(tmp_path: Path) -> None:
    home = tmp_path / "untouched"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ARTIFACT_ANNOTATOR_HOME": str(home)}
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "--smoke-test"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = proc.stdout.strip().splitlines()[-1]
    assert line.startswith("smoke test ok: Artifact Annotator ")
    assert "TTS Quality Detection" in line and "demo files" in line
    # only the log is written there; no database, no library
    assert not list(home.rglob("*.db")) and not (home / "library").exists()
