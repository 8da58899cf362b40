"""Take the README screenshot of the real window on an X server (run under Xvfb).

    Xvfb :77 -screen 0 1600x1000x24 &
    DISPLAY=:77 QT_QPA_PLATFORM=xcb python packaging/screenshot.py docs/screenshot.png

Uses a temporary home with the demo dataset, selects a file and an annotation, and
grabs the screen (the window as the X server shows it, decorations aside).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QTimer  # noqa: E402

from app.core.context import AppContext  # noqa: E402
from app.core.demo import seed_demo  # noqa: E402
from app.core.paths import resolve_paths  # noqa: E402
from app.resources import resource  # noqa: E402
from app.ui.application import build_window, ensure_application, open_initial, open_settings  # noqa: E402


def main(out: Path) -> int:
    app = ensure_application()
    with tempfile.TemporaryDirectory() as home:
        ctx = AppContext.open(resolve_paths(home=home))
        seed_demo(ctx, resource("demo"))
        window = build_window(ctx, open_settings(ctx.paths))
        window.setGeometry(0, 0, 1600, 1000)
        window.show()
        open_initial(window, argparse.Namespace(dataset=None, audio=None, set_version=None))
        audio = next(a for a in ctx.audio.list(window.dataset.id)
                     if a.original_filename == "transfer_call.flac")
        window.open_audio(audio.id)

        def pose() -> None:
            annotations = window.current_annotations()
            window._select([annotations[-1].id])
            window.set_playhead(2900)

        def shoot() -> None:
            screen = app.primaryScreen()
            screen.grabWindow(0).copy(window.frameGeometry()).save(str(out))
            app.quit()

        QTimer.singleShot(1200, pose)
        QTimer.singleShot(2200, shoot)
        app.exec()
        window.close()
        ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
