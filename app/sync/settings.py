"""The platform's address: validation (https, or http to loopback only) and its settings file.

The base URL lives in ``<config dir>/remote.json``; the API key never does (see
``app.sync.credentials``).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from app.sync.endpoints import API_PREFIX
from app.sync.errors import RemoteConfigError

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.relayai.dev"
SETTINGS_FILE_NAME = "remote.json"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def check_secure_url(url: str, what: str) -> None:
    """Refuse anything but https, except plain http to this machine."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise RemoteConfigError(f"The {what} '{_display(url)}' is not an http(s) address.")
    if scheme == "http" and not is_loopback_host(parts.hostname):
        raise RemoteConfigError(
            f"The {what} '{_display(url)}' uses plain http, which would send data (and the API "
            f"key) unencrypted; use https (plain http is only allowed for this machine: "
            f"localhost, 127.0.0.1, ::1).")


def normalize_base_url(url: str) -> str:
    """``https://host[:port][/prefix]`` without a trailing slash or ``/api/v1``."""
    text = (url or "").strip()
    if not text:
        raise RemoteConfigError("The platform address is empty; give one like "
                                f"{DEFAULT_BASE_URL}.")
    if "://" not in text:
        raise RemoteConfigError(f"The platform address '{text}' has no scheme; write "
                                f"https://{text}.")
    parts = urlsplit(text)
    if parts.username is not None or parts.password is not None:
        raise RemoteConfigError("The platform address must not contain a user name or "
                                "password; the API key is asked for separately.")
    if parts.query or parts.fragment:
        raise RemoteConfigError(f"The platform address '{_display(text)}' must not contain a "
                                f"query or fragment.")
    try:
        parts.port
    except ValueError:
        raise RemoteConfigError(f"The platform address '{text}' has an invalid port.") from None
    check_secure_url(text, "platform address")
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def _display(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return urlunsplit((parts.scheme, parts.hostname or "", parts.path, "", ""))
    return url


@dataclass(frozen=True)
class RemoteSettings:
    base_url: str = DEFAULT_BASE_URL

    @staticmethod
    def file(config_dir: Path) -> Path:
        return config_dir / SETTINGS_FILE_NAME

    @classmethod
    def load(cls, config_dir: Path) -> "RemoteSettings":
        path = cls.file(config_dir)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(base_url=normalize_base_url(str(data["base_url"])))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError, RemoteConfigError) as error:
            log.warning("ignoring unusable remote settings in %s: %s", path, error)
            return cls()

    def save(self, config_dir: Path) -> Path:
        """Write atomically (a crash never leaves half a file)."""
        path = self.file(config_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".remote-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"base_url": normalize_base_url(self.base_url)}, handle, indent=2)
                handle.write("\n")
            os.replace(temp, path)
        finally:
            Path(temp).unlink(missing_ok=True)
        return path


def platform_url(config_dir: Path, given: str | None = None) -> str:
    """``given`` (validated), else the address in the settings, else the default. Light: the
    window's sync indicators call it without loading httpx or keyring."""
    return normalize_base_url(given) if given else RemoteSettings.load(config_dir).base_url
