"""Entry point: a command runs headless; no command opens the desktop window."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from app.cli import EXIT_USAGE, UsageError, parse_args, run_command
from app.logging_setup import setup_logging


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
    except UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    setup_logging(args)
    if args.command is not None:
        return run_command(args)
    # pyqtgraph picks its Qt binding on import; make sure it is PySide6.
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from app.ui.application import run_gui

    return run_gui(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
