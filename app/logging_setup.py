"""Logging to a rotating file in the home (details of failures the user saw in one line)."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import sys

from app.core.paths import resolve_paths


def setup_logging(args: argparse.Namespace) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_artifact_annotator", False) for h in root.handlers):
        return
    try:
        paths = resolve_paths(home=args.home, db=args.db)
        log_dir = paths.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_dir / "artifact-annotator.log", maxBytes=2_000_000, backupCount=3,
            encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler._artifact_annotator = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
