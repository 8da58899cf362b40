"""Check a built bundle the way a user would run it; CI calls this after ``make package``.

``python packaging/check_bundle.py [dist/artifact-annotator]`` (with the project's venv
Python, which has Alembic for building an old-schema database) runs the frozen app:

1. ``--version`` answers with the project's version;
2. ``--smoke-test`` offscreen: window, demo dataset, one rendered waveform;
3. a new home: the frozen app creates its database by running every migration from the
   ``.py`` files it ships (which must match the source tree's);
4. a database at the oldest revision: the frozen app copies it aside and upgrades it;
5. the size of the folder (fails above ``--max-mib``);
6. start-up to the first painted window (first start, which also creates the demo
   dataset, then warm starts), via the ``pyi_rth_startup_probe`` hook. Reported only:
   timing targets are checked by ``make bench`` (tests/benchmarks/test_bundle_bench.py),
   not here, since CI machines are shared.

Exit status 0 when every check passed; otherwise 1, with each failure on one line.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "artifact-annotator"
PROBE_ENV = "ARTIFACT_ANNOTATOR_STARTUP_PROBE"
PROBE_LINE = re.compile(r"startup-probe: first window painted after ([0-9.]+) s")
TIMEOUT_S = 120


class CheckFailed(Exception):
    """One check did not pass; str() says which and why."""


@dataclass(frozen=True)
class Startup:
    wall_s: float  # process start to exit, measured here
    probe_s: float  # first Python code in the bundle to the first painted window


def executable(bundle: Path) -> Path:
    """The console executable: on Windows the GUI one has no stdout."""
    if sys.platform.startswith("win"):
        return bundle / f"{NAME}-cli.exe"
    return bundle / NAME


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def frozen_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ARTIFACT_ANNOTATOR_", "PYTHON"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


def run(exe: Path, *args: str, env: dict[str, str] | None = None,
        what: str) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run([str(exe), *args], capture_output=True, text=True,
                                env=env or frozen_env(), timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{what}: no answer within {TIMEOUT_S} s") from None
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise CheckFailed(f"{what}: exit status {result.returncode}\n{tail}")
    return result


def bundle_size(bundle: Path) -> int:
    """Bytes of every file in the folder (symlinks counted once, as links)."""
    return sum(p.lstat().st_size for p in bundle.rglob("*") if p.is_file() or p.is_symlink())


def revisions() -> tuple[str, str]:
    """(oldest, newest) revision of the source tree's migrations."""
    from alembic.script import ScriptDirectory

    from app.core.db import MIGRATIONS_DIR

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    bases = script.get_bases()
    return bases[0], script.get_current_head()


def stored_revision(db_file: Path) -> str | None:
    with sqlite3.connect(db_file) as connection:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def database_at(revision: str, home: Path) -> Path:
    """A database in ``home`` migrated by the source tree's Alembic up to ``revision``."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from app.core.db import MIGRATIONS_DIR
    from app.core.paths import resolve_paths

    paths = resolve_paths(home=str(home))
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = create_engine(paths.db_url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
    return Path(paths.db_url.removeprefix("sqlite:///"))


def check_version(exe: Path) -> str:
    out = run(exe, "--version", what="--version").stdout.strip()
    expected = f"{NAME} {project_version()}"
    if out != expected:
        raise CheckFailed(f"--version printed {out!r}, expected {expected!r}")
    return out


def check_smoke_test(exe: Path) -> str:
    started = time.perf_counter()
    result = run(exe, "--smoke-test", what="--smoke-test")
    elapsed = time.perf_counter() - started
    line = next((l for l in result.stdout.splitlines() if l.startswith("smoke test ok")), None)
    if line is None:
        raise CheckFailed(f"--smoke-test exited 0 without its 'smoke test ok' line:\n"
                          f"{result.stdout}{result.stderr}")
    return f"{line} ({elapsed:.2f} s)"


def check_shipped_migrations(bundle: Path) -> str:
    """The bundle has every migration script, byte for byte, as a file Alembic can load."""
    source = ROOT / "app" / "core" / "migrations"
    shipped = next((p for p in (bundle / "_internal" / "app" / "core" / "migrations",
                                bundle / "app" / "core" / "migrations") if p.is_dir()), None)
    if shipped is None:
        raise CheckFailed("the bundle has no app/core/migrations folder")
    names = sorted(p.relative_to(source) for p in source.rglob("*.py")
                   if "__pycache__" not in p.parts)
    for name in names:
        copy = shipped / name
        if not copy.is_file() or copy.read_bytes() != (source / name).read_bytes():
            raise CheckFailed(f"migration {name} is missing from the bundle or differs")
    return f"{len(names)} migration files shipped"


def check_new_database(exe: Path, head: str) -> str:
    with tempfile.TemporaryDirectory(prefix="bundle-check-") as home:
        run(exe, "--home", home, "dataset", "create", "Bundle check", "--type", "glitch",
            "--json", what="dataset create in a new home")
        listed = run(exe, "--home", home, "dataset", "list", "--json", what="dataset list")
        if "Bundle check" not in listed.stdout:
            raise CheckFailed(f"the dataset just created is not listed: {listed.stdout!r}")
        got = stored_revision(Path(home) / "annotator.db")
    if got != head:
        raise CheckFailed(f"a new database is at revision {got!r}, expected {head!r}")
    return f"new database created at revision {head}"


def check_upgrade(exe: Path, base: str, head: str) -> str:
    if base == head:
        return f"upgrade not checked: {head} is the only revision"
    with tempfile.TemporaryDirectory(prefix="bundle-check-") as home:
        db_file = database_at(base, Path(home))
        run(exe, "--home", home, "dataset", "list", what=f"upgrade from {base}")
        got = stored_revision(db_file)
        backups = sorted(p.name for p in (Path(home) / "backups").glob("*"))
    if got != head:
        raise CheckFailed(f"a database at {base} was left at {got!r}, expected {head!r}")
    if not backups:
        raise CheckFailed(f"the database was upgraded from {base} without a backup copy")
    return f"upgraded {base} -> {head}, backup {backups[0]}"


def measure_startup(exe: Path, home: Path, runs: int = 3) -> list[Startup]:
    """Start the window ``runs`` times in ``home``; the first start creates the demo."""
    figures = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run(exe, "--home", str(home), env=frozen_env(**{PROBE_ENV: "1"}),
                     what="start-up probe")
        wall = time.perf_counter() - started
        match = PROBE_LINE.search(result.stderr)
        if match is None:
            raise CheckFailed(f"start-up probe: the window was never painted:\n{result.stderr}")
        figures.append(Startup(wall, float(match.group(1))))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", nargs="?", type=Path, default=ROOT / "dist" / NAME)
    parser.add_argument("--max-mib", type=float, default=200.0,
                        help="fail when the folder is larger (default: 200 MiB)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    exe = executable(args.bundle)
    if not exe.is_file():
        print(f"error: {exe} does not exist; build the bundle with `make package` first",
              file=sys.stderr)
        return 1

    failures = []

    def check(title: str, func, *func_args) -> None:
        try:
            print(f"ok   {title}: {func(*func_args)}", flush=True)
        except CheckFailed as error:
            failures.append(title)
            print(f"FAIL {title}: {error}", flush=True)

    base, head = revisions()
    check("version", check_version, exe)
    check("smoke test", check_smoke_test, exe)
    check("migrations shipped", check_shipped_migrations, args.bundle)
    check("new database", check_new_database, exe, head)
    check("schema upgrade", check_upgrade, exe, base, head)

    size = bundle_size(args.bundle)
    mib, mb = size / 2**20, size / 1e6
    if mib > args.max_mib:
        failures.append("size")
        print(f"FAIL size: {mib:.1f} MiB ({mb:.1f} MB) is over {args.max_mib:g} MiB")
    else:
        print(f"ok   size: {mib:.1f} MiB ({mb:.1f} MB, {size} bytes) unpacked")

    def startup() -> str:
        with tempfile.TemporaryDirectory(prefix="bundle-check-") as home:
            figures = measure_startup(exe, Path(home))
        return "; ".join(
            f"{'first start (creates the demo)' if i == 0 else 'warm start'} "
            f"{f.wall_s:.2f} s to exit, window painted after {f.probe_s:.2f} s"
            for i, f in enumerate(figures))

    check("start-up", startup)
    if failures:
        print(f"bundle check FAILED: {', '.join(failures)}", file=sys.stderr)
        return 1
    print("bundle check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
