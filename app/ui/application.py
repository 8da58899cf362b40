"""Start of the desktop app: QApplication, theme, home, demo on first run, main window."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import traceback

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_ID, APP_NAME, __version__
from app.cli import paths_from_args
from app.core.context import AppContext
from app.core.demo import seed_demo, should_seed
from app.core.errors import DomainError
from app.core.paths import AppPaths, resolve_paths
from app.resources import resource
from app.ui.keymap import load_keymap
from app.ui.main_window import MainWindow
from app.ui.store import Store
from app.ui.tasks import TaskRunner
from app.ui.theme import apply_theme

log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        png = resource("icons", f"artifact-annotator-{size}.png")
        if png.exists():
            icon.addFile(str(png))
    svg = resource("icons", "artifact-annotator.svg")
    if icon.isNull() and svg.exists():
        icon.addFile(str(svg))
    return icon


def ensure_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    apply_theme(app)
    return app  # type: ignore[return-value]


def open_settings(paths: AppPaths) -> QSettings:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    return QSettings(str(paths.settings_file), QSettings.Format.IniFormat)


def build_window(ctx: AppContext, settings: QSettings) -> MainWindow:
    store = Store(ctx)
    # Four threads: a push and an audio import can each hold one for minutes (mostly
    # waiting on the network or the disk) while peaks, previews and sync-state reads go on.
    tasks = TaskRunner(max_threads=4)
    keymap = load_keymap(resource("keymap.json"), ctx.paths.keymap_file)
    window = MainWindow(store, settings, tasks, keymap)
    store.setParent(window)
    tasks.setParent(window)
    return window


def open_initial(window: MainWindow, args: argparse.Namespace) -> bool:
    """Open what the command line asked for, else the last session, else the first dataset;
    then the keyboard focus goes to the waveform editor, so keyboard.md works at once."""
    try:
        return _open_initial(window, args)
    finally:
        window.waveform.setFocus()


def _open_initial(window: MainWindow, args: argparse.Namespace) -> bool:
    window.load_datasets()
    store = window.store
    if getattr(args, "dataset", None):
        try:
            dataset = store.ctx.datasets.resolve(args.dataset)
            audio_id = None
            if getattr(args, "audio", None):
                audio_id = store.ctx.audio.resolve(dataset.id, args.audio).id
            set_ref = getattr(args, "set_version", None)
            if set_ref is not None:
                store.ctx.sets.resolve(dataset.id, set_ref)
        except DomainError as error:
            window.show_error(str(error))
            return False
        return window.open_dataset(dataset.id, set_ref=set_ref, audio_id=audio_id)
    last = window.settings.value("session/dataset")
    datasets = window.browser.datasets_model.datasets()
    target = next((d for d in datasets if d.id == last), datasets[0] if datasets else None)
    if target is not None:
        return window.open_dataset(target.id)
    return True


def run_gui(args: argparse.Namespace) -> int:
    if getattr(args, "smoke_test", False):
        return run_smoke_test(args)
    app = ensure_application()
    try:
        ctx = AppContext.open(paths_from_args(args))
    except DomainError as error:
        QMessageBox.critical(None, APP_NAME, f"The app cannot open its data:\n\n{error}")
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        if should_seed(ctx):
            try:
                seed_demo(ctx, resource("demo"))
            except (DomainError, OSError, RuntimeError) as error:
                log.warning("demo dataset not created: %s", error)
        settings = open_settings(ctx.paths)
        window = build_window(ctx, settings)
        window.restore_window_state()
        window.show()
        open_initial(window, args)
        return app.exec()
    finally:
        ctx.close()


def run_smoke_test(args: argparse.Namespace) -> int:
    """Open the window on the demo dataset in a temporary home, render one waveform, exit."""
    with tempfile.TemporaryDirectory(prefix="artifact-annotator-smoke-") as home:
        try:
            app = ensure_application()
            ctx = AppContext.open(resolve_paths(home=home))
            try:
                result = seed_demo(ctx, resource("demo"))
                settings = open_settings(ctx.paths)
                window = build_window(ctx, settings)
                window.show()
                if not window.open_dataset(result.dataset.id):
                    raise RuntimeError("the demo dataset did not open")
                if window.audio is None:
                    raise RuntimeError("no audio file was shown")
                ready = {"done": False}
                window.waveform.peaks_ready.connect(lambda: ready.update(done=True))
                timer = QTimer()
                timer.setSingleShot(True)
                timer.timeout.connect(app.quit)
                timer.start(15_000)
                poll = QTimer()
                poll.timeout.connect(lambda: app.quit() if ready["done"] else None)
                poll.start(50)
                app.exec()
                poll.stop()
                if not ready["done"]:
                    raise RuntimeError("the waveform was not rendered within 15 s")
                image = window.grab().toImage()
                if image.isNull() or image.width() < 100:
                    raise RuntimeError("the window did not render")
                window.close()
                print(f"smoke test ok: {APP_NAME} {__version__}, '{window.windowTitle()}', "
                      f"{result.dataset.audio_count} demo files, {image.width()}x{image.height()}")
                return 0
            finally:
                ctx.close()
        except Exception as error:  # noqa: BLE001 - the smoke test reports any failure
            traceback.print_exc()
            print(f"smoke test FAILED: {error}", file=sys.stderr)
            return 1

