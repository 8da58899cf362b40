"""The API key: from ``RELAY_API_KEY`` or the OS keyring, never anywhere else.

There is deliberately no plain-text fallback: without a keyring backend the key can
only come from the environment variable, and the user is told so. The key is handed
around as an :class:`ApiKey` whose ``str``/``repr`` never show it, so it cannot end up
in a log line, an exception or a crash report by accident.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

from app.sync.errors import CredentialsError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "artifact-annotator"
API_KEY_ENV = "RELAY_API_KEY"
FROM_ENVIRONMENT = "environment"
FROM_KEYRING = "keyring"


class ApiKey:
    """An API key that does not print itself."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        """The key itself, for the one header that carries it."""
        return self._value

    def __repr__(self) -> str:
        return f"ApiKey(***, source={self.source!r})"

    __str__ = __repr__

    def __reduce__(self):  # never pickled into a crash dump or a queue
        raise TypeError("an API key cannot be pickled")


@dataclass(frozen=True)
class KeyringStatus:
    available: bool
    backend: str
    reason: str | None = None


def keyring_status() -> KeyringStatus:
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # noqa: BLE001 - a broken backend is "no backend"
        return KeyringStatus(False, "none", f"the keyring could not be loaded ({error})")
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)):
        return KeyringStatus(False, name, "no keyring backend is available on this system "
                             "(on Linux: a Secret Service such as GNOME Keyring or KWallet)")
    if _writes_plain_files(backend):
        return KeyringStatus(False, name, f"the only keyring backend is {name}, which would "
                             f"keep the key in a plain file; install a Secret Service "
                             f"(GNOME Keyring, KWallet) or use the environment variable")
    return KeyringStatus(True, name)


def _writes_plain_files(backend) -> bool:
    """keyrings.alt's file backends (plain text or weakly encoded): not a safe place."""
    chain = getattr(backend, "backends", None)     # a ChainerBackend: look at its members
    members = list(chain) if chain else [backend]
    return bool(members) and all(type(b).__module__.startswith("keyrings.alt")
                                 or "Plaintext" in type(b).__name__ for b in members)


def no_keyring_message(status: KeyringStatus) -> str:
    return (f"Cannot store the API key: {status.reason}. Set the key in the environment "
            f"variable {API_KEY_ENV} instead (it is never written to a file).")


def load_api_key(base_url: str) -> ApiKey | None:
    """The environment variable first (explicit for this process), then the keyring."""
    value = os.environ.get(API_KEY_ENV, "").strip()
    if value:
        return ApiKey(value, FROM_ENVIRONMENT)
    if not keyring_status().available:
        return None
    try:
        stored = keyring.get_password(KEYRING_SERVICE, base_url)
    except Exception as error:  # noqa: BLE001 - any backend failure means "no key from there"
        log.warning("the keyring could not be read: %s", type(error).__name__)
        return None
    return ApiKey(stored, FROM_KEYRING) if stored else None


def require_api_key(base_url: str) -> ApiKey:
    key = load_api_key(base_url)
    if key is not None:
        return key
    status = keyring_status()
    where = ("store one with 'artifact-annotator remote login'" if status.available
             else f"{status.reason}, so set the environment variable {API_KEY_ENV}")
    raise CredentialsError(f"No API key for {base_url}: {where}.")


def stored_in_keyring(base_url: str) -> bool:
    if not keyring_status().available:
        return False
    try:
        return bool(keyring.get_password(KEYRING_SERVICE, base_url))
    except Exception:  # noqa: BLE001 - a backend that fails holds nothing we can use
        return False


def store_api_key(base_url: str, key: str) -> None:
    status = keyring_status()
    if not status.available:
        raise CredentialsError(no_keyring_message(status))
    try:
        keyring.set_password(KEYRING_SERVICE, base_url, key)
    except keyring.errors.KeyringError as error:
        raise CredentialsError(
            f"The keyring refused to store the API key ({type(error).__name__}). Set the "
            f"environment variable {API_KEY_ENV} instead.") from None


def delete_api_key(base_url: str) -> bool:
    """True when a key was stored and is now gone."""
    if not keyring_status().available:
        return False
    try:
        keyring.delete_password(KEYRING_SERVICE, base_url)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as error:
        raise CredentialsError(f"The keyring refused to delete the API key "
                               f"({type(error).__name__}).") from None
    return True
