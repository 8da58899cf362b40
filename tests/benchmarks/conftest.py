"""The benchmark suite (`make bench`): every test records figures with ``bench``.

At the end of the run the figures are printed as a table and written to
``bench-results.json`` (one entry per figure: name, value, unit, target, ok).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYQTGRAPH_QT_LIB"] = "PySide6"

RESULTS_FILE = Path(__file__).resolve().parents[2] / "bench-results.json"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str
    ok: bool | None

    def row(self) -> list[str]:
        verdict = {True: "ok", False: "MISSED", None: "-"}[self.ok]
        value = f"{self.value:.3f}" if isinstance(self.value, float) else str(self.value)
        return [self.name, value, self.unit, self.target, verdict]


_FIGURES: list[Figure] = []


class Recorder:
    def __call__(self, name: str, value: float, unit: str, target: str = "",
                 ok: bool | None = None) -> Figure:
        """Record one figure; ``target`` is the target as text ("<= 300 ms"), ``ok`` whether met."""
        figure = Figure(name, float(value), unit, target, ok)
        _FIGURES.append(figure)
        return figure


@pytest.fixture(scope="session")
def bench() -> Recorder:
    return Recorder()


def pytest_sessionfinish(session, exitstatus) -> None:
    if not _FIGURES:
        return
    RESULTS_FILE.write_text(json.dumps([asdict(f) for f in _FIGURES], indent=2) + "\n",
                            encoding="utf-8")
    rows = [["figure", "value", "unit", "target", ""]] + [f.row() for f in _FIGURES]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["", "Benchmark figures (also in bench-results.json):"]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    print("\n".join(lines))
