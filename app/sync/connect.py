"""Entry points for the command line and the UI: which platform, a client for it, a
connection check, and the sync state of a dataset there."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.core.context import AppContext
from app.core.sync_state import DatasetSyncOverview, SyncStateService
from app.sync.cancel import CancelSource
from app.sync.client import RelayClient
from app.sync.credentials import (
    keyring_status,
    load_api_key,
    require_api_key,
    stored_in_keyring,
)
from app.sync.errors import AuthenticationError, NetworkError, RemoteError
from app.sync.retry import RetryPolicy
from app.sync.settings import normalize_base_url
from app.sync.settings import platform_url as settings_platform_url


def platform_url(ctx: AppContext, given: str | None = None) -> str:
    """``given`` (validated), else the address in the settings, else the default."""
    return settings_platform_url(ctx.paths.config_dir, given)


def connect(ctx: AppContext, base_url: str | None = None,
            cancel: CancelSource = None) -> RelayClient:
    """A client for the platform with the key from the environment or the keyring
    (CredentialsError, with what to do, when there is none). Close it when done."""
    url = platform_url(ctx, base_url)
    return RelayClient(url, require_api_key(url), cancel=cancel)


@dataclass(frozen=True)
class ConnectionCheck:
    """What "Test connection" / ``remote status`` show."""

    base_url: str
    keyring_available: bool
    keyring_backend: str
    keyring_problem: str | None
    key_stored: bool             # in the keyring, for this address
    key_source: str | None       # "environment", "keyring" or None
    reachable: bool
    key_accepted: bool | None    # None: no key to check
    message: str                 # "ok", or why not

    @property
    def ok(self) -> bool:
        return self.reachable and bool(self.key_accepted)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_connection(base_url: str) -> ConnectionCheck:
    """One request (the first page of datasets), with the stored key if there is one."""
    url = normalize_base_url(base_url)
    state = keyring_status()
    key = load_api_key(url)
    reachable, accepted, message = False, None, ""
    with RelayClient(url, key, policy=RetryPolicy(attempts=2)) as client:
        try:
            client.check_access()
            reachable, accepted, message = True, key is not None, "ok"
        except AuthenticationError as error:
            reachable = True
            accepted = False if key is not None else None
            message = str(error) if key is not None else "reachable; no API key to check"
        except NetworkError as error:
            message = str(error)
        except RemoteError as error:
            reachable, message = True, str(error)
    return ConnectionCheck(url, state.available, state.backend, state.reason,
                           stored_in_keyring(url), key.source if key else None, reachable,
                           accepted, message)


def sync_overview(ctx: AppContext, dataset_id: str,
                  base_url: str | None = None) -> DatasetSyncOverview:
    """Never pushed / pushed / changed / failed for the dataset, its audio and its sets, on
    the platform in the settings (or ``base_url``). Reads the database only."""
    return SyncStateService(ctx.db).overview(dataset_id, platform_url(ctx, base_url))
