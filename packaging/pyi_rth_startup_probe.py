"""PyInstaller runtime hook: measure the frozen app's start-up to its first painted window.

Inert unless ``ARTIFACT_ANNOTATOR_STARTUP_PROBE=1`` is set. Then, once the event loop
starts, the first paint of a top-level window prints one line to stderr,
``startup-probe: first window painted after N.NNN s`` (N counted from this hook, the
first Python code the bundle runs), and the app quits normally. ``packaging/
check_bundle.py`` times the whole process from the outside as well, so the figure
includes the bootloader unpacking nothing and loading the libraries.
"""


def _install_probe() -> None:
    import os
    import sys
    import time

    if os.environ.get("ARTIFACT_ANNOTATOR_STARTUP_PROBE") != "1":
        return
    started = time.perf_counter()

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    original_exec = QApplication.exec

    class FirstPaint(QObject):
        def __init__(self, app: QApplication) -> None:
            super().__init__()
            self.app = app
            self.seen = False

        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if (not self.seen and event.type() == QEvent.Type.Paint
                    and isinstance(obj, QWidget) and obj.window().isVisible()):
                self.seen = True
                QTimer.singleShot(0, self.report)  # after this paint cycle is flushed
            return False

        def report(self) -> None:
            self.app.removeEventFilter(self)
            print(f"startup-probe: first window painted after "
                  f"{time.perf_counter() - started:.3f} s", file=sys.stderr, flush=True)
            self.app.quit()

    def exec_with_probe(*_self):  # QApplication.exec() is static; app.exec() passes self
        app = QApplication.instance()
        probe = FirstPaint(app)
        app.installEventFilter(probe)
        try:
            return original_exec()
        finally:
            app.removeEventFilter(probe)

    QApplication.exec = exec_with_probe


_install_probe()
