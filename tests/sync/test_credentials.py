"""The API key (keyring or RELAY_API_KEY, never a file) and the base-URL settings file."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from app.sync.credentials import (
    API_KEY_ENV,
    KEYRING_SERVICE,
    delete_api_key,
    keyring_status,
    load_api_key,
    require_api_key,
    store_api_key,
    stored_in_keyring,
)
from app.sync.errors import CredentialsError
from app.sync.settings import DEFAULT_BASE_URL, RemoteSettings
from tests.sync.conftest import API_KEY
from tests.sync.keyrings import MemoryKeyring

URL = "https://api.relayai.dev"


def test_the_key_goes_to_the_keyring_per_platform(memory_keyring: MemoryKeyring) -> None:
    assert keyring_status().available
    assert load_api_key(URL) is None
    store_api_key(URL, API_KEY)
    assert memory_keyring.passwords == {(KEYRING_SERVICE, URL): API_KEY}
    key = load_api_key(URL)
    assert key is not None and key.reveal() == API_KEY and key.source == "keyring"
    assert load_api_key("https://staging.relayai.dev") is None
    assert stored_in_keyring(URL)
    assert delete_api_key(URL) and not delete_api_key(URL)
    assert load_api_key(URL) is None and memory_keyring.passwords == {}


def test_the_environment_variable_comes_first(memory_keyring: MemoryKeyring,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store_api_key(URL, "from-the-keyring")
    monkeypatch.setenv(API_KEY_ENV, API_KEY)
    key = require_api_key(URL)
    assert key.reveal() == API_KEY and key.source == "environment"


def test_without_a_keyring_backend_nothing_is_stored_anywhere(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.chdir(tmp_path)
    try:
        status = keyring_status()
        assert not status.available and "no keyring backend" in status.reason
        with pytest.raises(CredentialsError) as caught:
            store_api_key(URL, API_KEY)
        assert API_KEY_ENV in str(caught.value) and API_KEY not in str(caught.value)
        with pytest.raises(CredentialsError, match=API_KEY_ENV):
            require_api_key(URL)
        monkeypatch.setenv(API_KEY_ENV, API_KEY)
        assert require_api_key(URL).source == "environment"
    finally:
        keyring.set_keyring(previous)
    assert list(tmp_path.iterdir()) == []  # no plain-text fallback appeared


def test_the_settings_file_holds_the_address_only(tmp_path: Path,
                                                  memory_keyring: MemoryKeyring) -> None:
    assert RemoteSettings.load(tmp_path).base_url == DEFAULT_BASE_URL
    store_api_key("http://127.0.0.1:9999", API_KEY)
    path = RemoteSettings("http://127.0.0.1:9999/api/v1/").save(tmp_path)
    assert json.loads(path.read_text()) == {"base_url": "http://127.0.0.1:9999"}
    assert RemoteSettings.load(tmp_path).base_url == "http://127.0.0.1:9999"
    assert API_KEY not in path.read_text()


def test_an_unusable_settings_file_falls_back_to_the_default(tmp_path: Path) -> None:
    RemoteSettings.file(tmp_path).write_text('{"base_url": "http://evil.example.com"}')
    assert RemoteSettings.load(tmp_path).base_url == DEFAULT_BASE_URL
    RemoteSettings.file(tmp_path).write_text("not json")
    assert RemoteSettings.load(tmp_path).base_url == DEFAULT_BASE_URL


class PlaintextKeyring(MemoryKeyring):
    """Stands for keyrings.alt's file backend (which writes the key to a plain file)."""


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise OSError("the D-Bus session went away")


def test_a_plain_text_keyring_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    try:
        status = keyring_status()
        assert not status.available and "plain file" in status.reason
        with pytest.raises(CredentialsError, match=API_KEY_ENV):
            store_api_key(URL, API_KEY)
        assert backend.passwords == {}
    finally:
        keyring.set_keyring(previous)


def test_a_failing_keyring_reads_as_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        assert load_api_key(URL) is None and not stored_in_keyring(URL)
        with pytest.raises(CredentialsError):
            require_api_key(URL)
    finally:
        keyring.set_keyring(previous)
