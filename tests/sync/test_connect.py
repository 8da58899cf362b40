"""The entry points the UI uses: connection check, client from settings, sync overview."""

from __future__ import annotations

import pytest

from app.core.context import AppContext
from app.core.sync_state import SyncStatus
from app.sync.connect import check_connection, connect, sync_overview
from app.sync.credentials import store_api_key
from app.sync.errors import CredentialsError
from app.sync.push import Pusher
from app.sync.settings import RemoteSettings
from tests.sync.conftest import API_KEY, Labeled
from tests.sync.keyrings import MemoryKeyring
from tests.sync.standin_server import StandinServer


def test_check_connection_tells_apart_no_key_a_refused_key_and_a_good_one(
        server: StandinServer, memory_keyring: MemoryKeyring,
        monkeypatch: pytest.MonkeyPatch) -> None:
    check = check_connection(server.base_url)
    assert (check.reachable, check.key_accepted, check.key_source, check.ok) == (
        True, None, None, False)
    store_api_key(server.base_url, "rk_not_valid_anywhere")
    check = check_connection(server.base_url)
    assert (check.key_stored, check.key_source, check.key_accepted) == (True, "keyring", False)
    assert "refused the API key" in check.message
    store_api_key(server.base_url, API_KEY)
    check = check_connection(server.base_url)
    assert check.ok and check.message == "ok" and API_KEY not in str(check.to_json())
    monkeypatch.setenv("RELAY_API_KEY", API_KEY)
    assert check_connection(server.base_url).key_source == "environment"


def test_check_connection_reports_an_unreachable_platform(memory_keyring: MemoryKeyring) -> None:
    platform = StandinServer().start()
    url = platform.base_url
    platform.stop()
    check = check_connection(url)
    assert not check.reachable and "cannot reach" in check.message


def test_the_client_and_the_overview_follow_the_settings(
        ctx: AppContext, server: StandinServer, labeled: Labeled,
        memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(CredentialsError, match="remote login"):
        connect(ctx, server.base_url)
    RemoteSettings(server.base_url).save(ctx.paths.config_dir)
    store_api_key(server.base_url, API_KEY)
    assert sync_overview(ctx, labeled.dataset.id).dataset.status is SyncStatus.NEVER_PUSHED
    with connect(ctx) as client:
        assert client.base_url == server.base_url
        assert Pusher(ctx, client).run(labeled.dataset.id).ok
    state = sync_overview(ctx, labeled.dataset.id)
    assert state.dataset.status is SyncStatus.PUSHED and state.remote == server.base_url
    other = sync_overview(ctx, labeled.dataset.id, "https://staging.relayai.dev")
    assert other.dataset.status is SyncStatus.NEVER_PUSHED  # state is per platform
