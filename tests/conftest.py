"""Shared fixtures: a fresh home and database per test, generated audio, the CLI."""

from __future__ import annotations

import os

# Before anything imports Qt or pyqtgraph.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYQTGRAPH_QT_LIB"] = "PySide6"
os.environ.pop("ARTIFACT_ANNOTATOR_HOME", None)
os.environ.pop("ARTIFACT_ANNOTATOR_DB", None)

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.context import AppContext
from app.core.entities import ArtifactType
from app.core.paths import resolve_paths
from tests.audio_samples import write_tone

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def ctx(home: Path) -> Iterator[AppContext]:
    context = AppContext.open(resolve_paths(home=home))
    yield context
    context.close()


@pytest.fixture
def dataset(ctx: AppContext):
    return ctx.datasets.create("TTS Glitches", "Label every audible glitch.", [
        ArtifactType("glitch", "clicks and pops", "#FF4444"),
        ArtifactType("long_pause", "unnatural silence", "#4444FF"),
        ArtifactType("hallucination", "words not in the script", "#44FF44"),
    ])


@pytest.fixture
def audio(ctx: AppContext, dataset, tmp_path: Path):
    """One 2-second mono 16 kHz WAV imported into the dataset."""
    path = write_tone(tmp_path / "clip01.wav", seconds=2.0, rate=16000)
    report = ctx.audio.import_paths(dataset.id, [path])
    assert report.ok and len(report.imported) == 1
    return report.imported[0]


@pytest.fixture
def draft(ctx: AppContext, dataset):
    return ctx.sets.create(dataset.id)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(home: Path):
    """Run the real program in a subprocess against the test's home."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> CliResult:
        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run([sys.executable, str(REPO / "main.py"), "--home", str(home), *args],
                              capture_output=True, text=True, input=input, env=full_env,
                              timeout=timeout, cwd=REPO)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run
