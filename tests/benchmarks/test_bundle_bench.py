"""Stand-alone bundle figures (issue 7): unpacked size, and the frozen app's start-up to
its first painted window, first start (creates the demo dataset) and warm starts.

Needs the bundle: `make package` first; without it these are skipped, with that reason.
The timing comes from the startup probe built into the bundle
(packaging/pyi_rth_startup_probe.py), the same one packaging/check_bundle.py uses.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "dist" / "artifact-annotator"


def _check_bundle():
    spec = importlib.util.spec_from_file_location("_packaging_check_bundle",
                                                  REPO / "packaging" / "check_bundle.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


checker = _check_bundle()
pytestmark = pytest.mark.skipif(not checker.executable(BUNDLE).is_file(),
                                reason="no bundle in dist/: run `make package` first")


def test_bundle_size(bench):
    size = checker.bundle_size(BUNDLE)
    bench("bundle: unpacked size", size / 2**20, "MiB", "<= 200 MiB", size / 2**20 <= 200)
    bench("bundle: unpacked size (decimal)", size / 1e6, "MB", "<= 200 MB", size / 1e6 <= 200)


def test_frozen_start_up_to_first_window(bench, tmp_path):
    runs = checker.measure_startup(checker.executable(BUNDLE), tmp_path / "home", runs=6)
    first, warm = runs[0], runs[1:]
    bench("bundle: first start to window painted (creates demo)", first.wall_s, "s", "< 3 s",
          first.wall_s < 3)
    median_wall = statistics.median(r.wall_s for r in warm)
    bench("bundle: warm start to window painted, then exit (median)", median_wall, "s",
          "< 3 s", median_wall < 3)
    median_probe = statistics.median(r.probe_s for r in warm)
    bench("bundle: warm start, first Python line to window painted (median)", median_probe,
          "s", "< 3 s", median_probe < 3)
