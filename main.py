"""Thin launcher: ``python main.py`` opens the window, ``python main.py COMMAND`` runs it."""

import os
import sys

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from app.launcher import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
