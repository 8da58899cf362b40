"""Fixtures for tests that drive the real main window offscreen."""

from __future__ import annotations

import pytest

from app.core.context import AppContext
from app.ui.store import Store


@pytest.fixture
def store(ctx: AppContext, qtbot) -> Store:
    return Store(ctx)


@pytest.fixture
def make_window(ctx: AppContext, qtbot):
    """Build the real main window on the test's home (call it after preparing data)."""
    from app.ui.application import build_window, ensure_application, open_settings

    windows = []

    def build(args=None, show: bool = True):
        import argparse

        from app.ui.application import open_initial

        ensure_application()
        window = build_window(ctx, open_settings(ctx.paths))
        qtbot.addWidget(window)
        windows.append(window)
        window.restore_window_state()
        if show:
            window.show()
            qtbot.waitExposed(window)
            # Window shortcuts need the window to be the active one.
            window.activateWindow()
            qtbot.waitUntil(window.isActiveWindow)
        open_initial(window, args or argparse.Namespace(dataset=None, audio=None, set_version=None))
        return window

    yield build
    for window in windows:
        window.waveform.clear()
        window.sync_indicators.stop()
        window.tasks.shutdown()
