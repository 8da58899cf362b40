"""The platform in the window: Platform Settings (address, key in the keyring, connection
test), Dataset > Push to Platform (progress, Cancel, report) and the sync indicators of the
browser and the set selector, driven on the real window against the stand-in platform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from app.core.context import AppContext
from app.core.sync_state import SyncStatus
from app.sync.credentials import KEYRING_SERVICE
from app.sync.settings import RemoteSettings
from app.ui.models.audio_list_model import SYNC_ROLE as AUDIO_SYNC_ROLE
from app.ui.models.dataset_list_model import SYNC_ROLE as DATASET_SYNC_ROLE
from tests.audio_samples import write_tone
from tests.sync.conftest import (  # noqa: F401 - fixtures
    API_KEY,
    READ_ONLY_KEY,
    _no_key_in_environment,
    assert_platform_equals_local,
    make_labeled,
    memory_keyring,
    server,
)
from tests.sync.standin_server import StandinServer

pytestmark = pytest.mark.usefixtures("_no_key_in_environment")


def use_platform(ctx: AppContext, server: StandinServer, keyring_backend, key: str | None = API_KEY) -> None:
    RemoteSettings(server.base_url).save(ctx.paths.config_dir)
    if key is not None:
        keyring_backend.set_password(KEYRING_SERVICE, server.base_url, key)


def dataset_status(window, dataset_id: str) -> SyncStatus | None:
    model = window.browser.datasets_model
    for row in range(model.rowCount()):
        index = model.index(row)
        if index.data(Qt.ItemDataRole.UserRole + 1).id == dataset_id:
            state = index.data(DATASET_SYNC_ROLE)
            return state.status if state else None
    raise AssertionError("dataset not listed")


def audio_statuses(window) -> set[SyncStatus]:
    model = window.browser.audio_model
    return {model.index(row, 0).data(AUDIO_SYNC_ROLE).status for row in range(model.rowCount())}


def open_push(window, qtbot):
    window.push_action.trigger()
    qtbot.waitUntil(lambda: window.push_dialog is not None and window.push_dialog.isVisible())
    qtbot.waitExposed(window.push_dialog)
    return window.push_dialog


def buttons_laid_out(dialog) -> bool:
    """The end-of-push buttons are shown, inside the dialog, side by side, not cut."""
    close, copy = dialog.close_button.geometry(), dialog.copy_button.geometry()
    box = dialog.buttons.rect()
    return (dialog.close_button.isVisible() and dialog.copy_button.isVisible()
            and box.contains(close) and box.contains(copy) and not close.intersects(copy)
            and close.height() == copy.height() and close.width() >= close.height())


def click_option(button) -> None:
    """Click a radio button on its label, as a user does (its middle may be empty space)."""
    from pytestqt.qtbot import QtBot

    QtBot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(10, button.height() // 2))


def run_push(dialog, qtbot, timeout: int = 30_000):
    assert dialog.push_button.isEnabled(), dialog.key_message.text() or dialog.audio_message.text()
    with qtbot.waitSignal(dialog.pushed, timeout=timeout) as blocker:
        qtbot.mouseClick(dialog.push_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


# -- Platform Settings ------------------------------------------------------------------------

def test_settings_check_the_key_then_store_it_in_the_keyring_only(
        ctx: AppContext, make_window, qtbot, tmp_path: Path, server: StandinServer,
        memory_keyring) -> None:
    window = make_window()
    window.platform_settings_action.trigger()
    dialog = window.platform_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.url_edit.text() == "https://api.relayai.dev"

    # plain http to another host is refused inline, and OK with it
    dialog.url_edit.setText("http://example.com")
    assert "plain http" in dialog.url_message.text()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()

    dialog.url_edit.setText(server.base_url + "/")
    assert dialog.url_message.text() == ""
    assert dialog.key_state.text() == "None stored for this address."

    # a wrong key: the platform's refusal is shown, nothing is stored
    qtbot.keyClicks(dialog.key_edit, "rk_wrong_key")
    qtbot.mouseClick(dialog.store_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.kind == "error", timeout=10_000)
    assert "rk_wrong_key" not in dialog.message.text()
    assert memory_keyring.passwords == {}

    dialog.key_edit.clear()
    qtbot.keyClicks(dialog.key_edit, API_KEY)
    qtbot.mouseClick(dialog.store_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.kind == "success", timeout=10_000)
    assert memory_keyring.passwords == {(KEYRING_SERVICE, server.base_url): API_KEY}
    assert dialog.key_edit.text() == ""
    assert dialog.key_state.text().startswith("Stored in the keyring")
    settings_file = RemoteSettings.file(ctx.paths.config_dir)
    assert RemoteSettings.load(ctx.paths.config_dir).base_url == server.base_url
    assert API_KEY not in settings_file.read_text()

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.kind == "success" and "accepted" in dialog.message.text(),
                    timeout=10_000)
    assert dialog.grab().save(str(tmp_path / "platform-settings.png"))

    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.passwords == {}
    assert dialog.key_state.text() == "None stored for this address."
    assert not dialog.remove_button.isEnabled()
    dialog.accept()
    assert RemoteSettings.load(ctx.paths.config_dir).base_url == server.base_url


def test_cancel_while_a_key_is_being_checked_stores_nothing(
        ctx: AppContext, make_window, qtbot, server: StandinServer, memory_keyring) -> None:
    server.add_fault("delay", r"/datasets$", seconds=0.8)
    window = make_window()
    window.platform_settings_action.trigger()
    dialog = window.platform_dialog
    dialog.url_edit.setText(server.base_url)
    qtbot.keyClicks(dialog.key_edit, API_KEY)
    qtbot.mouseClick(dialog.store_button, Qt.MouseButton.LeftButton)
    assert dialog.busy
    dialog.reject()
    qtbot.waitUntil(lambda: window.tasks.active == 0, timeout=10_000)
    assert server.api_requests("GET", r"/datasets$")       # the check did run ...
    assert memory_keyring.passwords == {}                   # ... but nothing was stored
    assert not RemoteSettings.file(ctx.paths.config_dir).exists()


def test_test_connection_says_when_the_platform_cannot_be_reached(
        ctx: AppContext, make_window, qtbot, memory_keyring) -> None:
    window = make_window()
    window.platform_settings_action.trigger()
    dialog = window.platform_dialog
    dialog.url_edit.setText("http://127.0.0.1:9")      # nothing listens on the discard port
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.kind == "error", timeout=15_000)
    assert dialog.message.text().startswith("Cannot reach http://127.0.0.1:9")
    dialog.reject()


# -- Push ------------------------------------------------------------------------------------

def test_push_from_the_window_makes_the_platform_equal_and_the_indicators_follow(
        ctx: AppContext, make_window, qtbot, tmp_path: Path, server: StandinServer,
        memory_keyring) -> None:
    labeled = make_labeled(ctx, tmp_path)
    use_platform(ctx, server, memory_keyring)
    window = make_window()
    qtbot.waitUntil(lambda: dataset_status(window, labeled.dataset.id) is SyncStatus.NEVER_PUSHED)
    assert audio_statuses(window) == {SyncStatus.NEVER_PUSHED}

    dialog = open_push(window, qtbot)
    assert dialog.published_radio.isChecked()
    click_option(dialog.all_radio)
    assert dialog.selection() == "all"
    report = run_push(dialog, qtbot)
    assert report.ok, report.failures
    assert [s.local_version for s in report.sets] == [1, 2]
    assert dialog.pages.currentIndex() == 1 and dialog.result_message.kind == "success"
    assert dialog.last_progress is not None
    assert dialog.bars["files"][1].text() == f"{len(labeled.audio)} / {len(labeled.audio)}"
    assert not dialog.failure_tree.isVisible()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = json.loads(QApplication.clipboard().text())
    assert copied["ok"] and copied["remote_dataset_id"] == report.remote_dataset_id
    remote_sets = {s.local_version: s.remote_version for s in report.sets}
    assert_platform_equals_local(server, ctx, labeled.dataset.id, report.remote_dataset_id,
                                 remote_sets)

    qtbot.waitUntil(lambda: dataset_status(window, labeled.dataset.id) is SyncStatus.PUSHED)
    assert audio_statuses(window) == {SyncStatus.PUSHED}
    draft_state = window.set_selector.sync_state(labeled.draft.id)
    assert draft_state is not None and draft_state.status is SyncStatus.PUSHED
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.push_dialog is None)

    # an edit in the pushed draft: the set and the dataset read "changed", a push fixes it
    window.open_set(labeled.draft.id)
    window.create_annotation(10, 90, "glitch")
    qtbot.waitUntil(lambda: window.set_selector.sync_state(labeled.draft.id).status
                    is SyncStatus.CHANGED)
    qtbot.waitUntil(lambda: dataset_status(window, labeled.dataset.id) is SyncStatus.CHANGED)
    assert "Changed since the last push" in window.set_selector.combo.toolTip()

    dialog = open_push(window, qtbot)
    click_option(dialog.all_radio)
    second = run_push(dialog, qtbot)
    assert second.ok and second.annotations_created == 1 and not second.audio_uploaded
    qtbot.waitUntil(lambda: window.set_selector.sync_state(labeled.draft.id).status
                    is SyncStatus.PUSHED)
    assert len(server.datasets) == 1
    assert window.grab().save(str(tmp_path / "window-pushed.png"))
    dialog.close()


def test_cancel_stops_the_push_and_the_next_push_finishes_without_duplicates(
        ctx: AppContext, make_window, qtbot, tmp_path: Path, server: StandinServer,
        memory_keyring) -> None:
    labeled = make_labeled(ctx, tmp_path, files=6)
    use_platform(ctx, server, memory_keyring)
    server.add_fault("delay", "^/storage/upload$", seconds=0.4, times=100)
    window = make_window()
    dialog = open_push(window, qtbot)
    with qtbot.waitSignal(dialog.pushed, timeout=30_000) as blocker:
        qtbot.mouseClick(dialog.push_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.last_progress is not None
                        and dialog.last_progress.files_done >= 1, timeout=20_000)
        assert dialog.cancel_button.text() == "Cancel Push"
        assert dialog.phase_label.text() == "Uploading audio…"
        assert dialog.bars["annotations"][1].text() == "after the audio"   # not "0 / 0"
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    report = blocker.args[0]
    assert report.cancelled and dialog.result_message.kind == "warning"
    assert "cancelled" in dialog.result_message.text()
    assert len(report.audio_uploaded) < len(labeled.audio)
    dialog.close()
    qtbot.waitUntil(lambda: window.push_dialog is None)

    server.clear_faults()
    dialog = open_push(window, qtbot)
    report = run_push(dialog, qtbot)
    assert report.ok
    remote_sets = {s.local_version: s.remote_version for s in report.sets}
    assert_platform_equals_local(server, ctx, labeled.dataset.id, report.remote_dataset_id,
                                 remote_sets)
    assert len(server.audio_of(report.remote_dataset_id)) == len(labeled.audio)
    dialog.close()


def test_a_refused_key_is_reported_and_the_dataset_reads_failed(
        ctx: AppContext, make_window, qtbot, tmp_path: Path, server: StandinServer,
        memory_keyring) -> None:
    labeled = make_labeled(ctx, tmp_path, files=2)
    use_platform(ctx, server, memory_keyring, key=READ_ONLY_KEY)
    window = make_window()
    dialog = open_push(window, qtbot)
    report = run_push(dialog, qtbot)
    assert not report.ok and report.failures
    assert dialog.result_message.kind == "error"
    assert dialog.failure_tree.topLevelItemCount() == len(report.failures)
    reason = dialog.failure_tree.topLevelItem(0).text(2)
    assert "permission" in reason.lower() or "403" in reason
    assert READ_ONLY_KEY not in reason and READ_ONLY_KEY not in dialog.result_message.text()
    qtbot.waitUntil(lambda: dataset_status(window, labeled.dataset.id) is SyncStatus.FAILED)
    qtbot.waitUntil(lambda: buttons_laid_out(dialog))
    assert dialog.grab().save(str(tmp_path / "push-failed.png"))
    dialog.close()


def test_without_a_key_push_cannot_start_and_points_to_the_settings(
        ctx: AppContext, make_window, qtbot, tmp_path: Path, server: StandinServer,
        memory_keyring) -> None:
    make_labeled(ctx, tmp_path, files=1)
    use_platform(ctx, server, memory_keyring, key=None)
    window = make_window()
    dialog = open_push(window, qtbot)
    assert not dialog.push_button.isEnabled()
    assert "No API key" in dialog.key_message.text()
    qtbot.mouseClick(dialog.key_message.button, Qt.MouseButton.LeftButton)
    settings = window.platform_dialog
    qtbot.waitUntil(settings.isVisible)
    qtbot.keyClicks(settings.key_edit, API_KEY)
    qtbot.mouseClick(settings.store_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settings.message.kind == "success", timeout=10_000)
    settings.accept()
    qtbot.waitUntil(dialog.push_button.isEnabled)
    assert dialog.key_message.text() == ""
    assert server.api_requests("POST", r"/datasets$") == []
    dialog.close()


def test_audio_the_platform_refuses_blocks_the_push_until_converted(
        ctx: AppContext, make_window, qtbot, tmp_path: Path, server: StandinServer,
        memory_keyring) -> None:
    labeled = make_labeled(ctx, tmp_path, files=1)
    aiff = write_tone(tmp_path / "studio take.aiff", seconds=0.5, rate=22050, freq=330,
                      channels=2, subtype="PCM_16", format="AIFF")
    assert ctx.audio.import_paths(labeled.dataset.id, [aiff]).ok
    use_platform(ctx, server, memory_keyring)
    window = make_window()
    dialog = open_push(window, qtbot)
    assert not dialog.push_button.isEnabled()
    assert dialog.audio_message.kind == "error"
    assert dialog.problem_tree.topLevelItem(0).text(0) == "studio take.aiff"
    assert dialog.convert_box.isVisible()
    dialog.convert_box.setChecked(True)
    assert dialog.push_button.isEnabled() and dialog.audio_message.kind == "note"
    report = run_push(dialog, qtbot)
    assert report.ok and report.audio_converted == ["studio take.aiff"]
    names = sorted(a["original_filename"] for a in server.audio_of(report.remote_dataset_id))
    assert "studio take.flac" in names
    dialog.close()


def test_the_push_dialog_renders_readably(ctx: AppContext, make_window, qtbot, tmp_path: Path,
                                          server: StandinServer, memory_keyring) -> None:
    labeled = make_labeled(ctx, tmp_path, files=2)
    use_platform(ctx, server, memory_keyring)
    window = make_window()
    dialog = open_push(window, qtbot)
    out = tmp_path / "push-options.png"
    assert dialog.grab().save(str(out)) and out.stat().st_size > 0
    click_option(dialog.chosen_radio)
    assert dialog.set_list.isEnabled()
    item = dialog.set_list.item(0)
    assert item.checkState() == Qt.CheckState.Checked      # v1 is the published one
    dialog.set_list.item(1).setCheckState(Qt.CheckState.Checked)
    assert dialog.selection() == (labeled.published.version, labeled.draft.version)
    report = run_push(dialog, qtbot)
    assert report.ok and len(report.sets) == 2
    assert dialog.close_button.isVisible() and not dialog.cancel_button.isVisible()
    qtbot.waitUntil(lambda: buttons_laid_out(dialog))      # then grabbed
    assert dialog.grab().save(str(tmp_path / "push-report.png"))
    dialog.close()


def test_without_a_keyring_the_window_says_so_and_the_environment_key_is_used(
        ctx: AppContext, make_window, qtbot, tmp_path: Path, server: StandinServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    import keyring.backends.fail

    from app.sync.credentials import API_KEY_ENV

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        labeled = make_labeled(ctx, tmp_path, files=1)
        RemoteSettings(server.base_url).save(ctx.paths.config_dir)
        window = make_window()
        window.platform_settings_action.trigger()
        settings = window.platform_dialog
        assert "no keyring backend is available" in settings.key_state.text()
        assert API_KEY_ENV in settings.key_state.text()
        qtbot.keyClicks(settings.key_edit, API_KEY)
        qtbot.mouseClick(settings.store_button, Qt.MouseButton.LeftButton)
        assert settings.message.kind == "error" and API_KEY_ENV in settings.message.text()
        written = [p for p in ctx.paths.config_dir.rglob("*") if p.is_file()]
        assert not any(API_KEY.encode() in p.read_bytes() for p in written)  # no file fallback
        settings.reject()

        monkeypatch.setenv(API_KEY_ENV, API_KEY)
        dialog = open_push(window, qtbot)
        assert dialog.key_message.text() == ""
        report = run_push(dialog, qtbot)
        assert report.ok and report.remote_dataset_id in server.datasets
        assert len(server.audio_of(report.remote_dataset_id)) == len(labeled.audio)
        dialog.close()
    finally:
        keyring.set_keyring(previous)
