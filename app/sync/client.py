"""HTTP client for the platform's REST API (remote-api.md): every endpoint, one method each.

Retries: a request the server cannot have carried out (no connection, 429, 503) is
repeated after a backoff that honours ``Retry-After``; a request that may have been
carried out (a lost answer, a 500) is repeated only when it is idempotent (GET, PATCH,
DELETE, confirm, the storage upload). For the other POSTs the error says
``maybe_processed`` and the caller reads back before trying again (app.sync.push).

The API key travels in the ``X-API-Key`` header to the API only; the storage upload is a
separate client without it. Redirects are not followed (they could carry the key to
another host).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from app import __version__
from app.sync import endpoints as ep
from app.sync.cancel import CancelSource, CancelToken
from app.sync.credentials import API_KEY_ENV, ApiKey
from app.sync.errors import (
    AuthenticationError,
    NetworkError,
    PermissionDeniedError,
    PushCancelled,
    RateLimitedError,
    RemoteError,
    RemoteNotFoundError,
    RemoteRejectedError,
    RemoteValidationError,
    ServerError,
    UploadRejectedError,
    detail_text,
    parse_field_errors,
)
from app.sync.retry import NOT_PROCESSED_STATUSES, RETRY_STATUSES, RetryPolicy
from app.sync.settings import check_secure_url, is_loopback_host, normalize_base_url

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=30.0)
UPLOAD_CHUNK = 256 * 1024
MAX_CONNECTIONS = 8

# A request that failed before any byte reached the server: always safe to repeat.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have reached the server: repeat only what is idempotent.
_MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class UploadTicket:
    """Answer of the upload-url step: where to send the file and the form fields to send."""

    audio_id: str
    upload_url: str
    fields: dict[str, str]
    key: str
    expires_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"audio_id": self.audio_id, "upload_url": self.upload_url,
                "fields": self.fields, "key": self.key,
                "expires_at": self.expires_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "UploadTicket":
        return cls(str(data["audio_id"]), str(data["upload_url"]),
                   {str(k): str(v) for k, v in data["fields"].items()}, str(data["key"]),
                   datetime.fromisoformat(data["expires_at"]))

    def valid_for(self, seconds: float) -> bool:
        return self.expires_at - datetime.now(timezone.utc) > timedelta(seconds=seconds)


@dataclass
class ClientStats:
    """Requests sent (every attempt counts) and the bytes they carried (headers + body)."""

    requests: int = 0
    retries: int = 0
    bytes_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, request: httpx.Request) -> None:
        head = len(request.method) + len(request.url.raw_path) + 12 + sum(
            len(k) + len(v) + 4 for k, v in request.headers.raw)
        body = int(request.headers.get("content-length") or 0)
        with self._lock:
            self.requests += 1
            self.bytes_sent += head + body

    def retried(self) -> None:
        with self._lock:
            self.retries += 1


class _Cancelled(Exception):
    """Raised inside an upload body to abort the request."""


class _ApiKeyAuth(httpx.Auth):
    """Adds the key to each request as it goes out, so it is not kept in the client's
    default headers (which anything dumping the client object would show)."""

    def __init__(self, key: ApiKey) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request):
        request.headers["X-API-Key"] = self._key.reveal()
        yield request


class RelayClient:
    """One platform, one key. Thread-safe: uploads run from several threads at once."""

    def __init__(self, base_url: str, api_key: ApiKey | None, *,
                 policy: RetryPolicy | None = None, timeout: httpx.Timeout | float | None = None,
                 cancel: CancelSource | CancelToken = None) -> None:
        self.base_url = normalize_base_url(base_url)
        self.policy = policy or RetryPolicy()
        self.cancel = CancelToken(cancel)
        self.stats = ClientStats()
        self._key = api_key
        loopback = is_loopback_host(urlsplit(self.base_url).hostname or "")
        common = dict(timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
                      follow_redirects=False, trust_env=not loopback,
                      limits=httpx.Limits(max_connections=MAX_CONNECTIONS,
                                          max_keepalive_connections=MAX_CONNECTIONS),
                      event_hooks={"request": [self.stats.add]})
        headers = {"User-Agent": f"artifact-annotator/{__version__}",
                   "Accept": "application/json"}
        self._api = httpx.Client(base_url=self.base_url, headers=headers,
                                 auth=_ApiKeyAuth(api_key) if api_key is not None else None,
                                 **common)
        self._storage = httpx.Client(headers={"User-Agent": headers["User-Agent"]}, **common)

    def close(self) -> None:
        self._api.close()
        self._storage.close()

    def __enter__(self) -> "RelayClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- datasets ---------------------------------------------------------------------------

    def list_datasets(self) -> list[dict[str, Any]]:
        return self._list_all(ep.DATASETS)

    def check_access(self) -> int:
        """One cheap authenticated request (the first page of datasets); returns ``total``."""
        data = self._json("GET", ep.DATASETS, params={"page": ep.FIRST_PAGE, "page_size": 1})
        return int(data.get("total") or 0)

    def create_dataset(self, name: str, description: str | None,
                       artifact_types: list[dict[str, Any]]) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "artifact_types": artifact_types}
        if description is not None:
            body["description"] = description
        return self._json("POST", ep.DATASETS, json=body, idempotent=False)

    def get_dataset(self, dataset_id: str) -> dict[str, Any]:
        return self._json("GET", ep.path(ep.DATASET, dataset_id=dataset_id))

    def update_dataset(self, dataset_id: str, **changes: Any) -> dict[str, Any]:
        """PATCH ``name``, ``description`` and/or ``artifact_types`` (the whole list)."""
        return self._json("PATCH", ep.path(ep.DATASET, dataset_id=dataset_id), json=changes)

    def delete_dataset(self, dataset_id: str) -> None:
        self._send("DELETE", ep.path(ep.DATASET, dataset_id=dataset_id))

    # -- audio ------------------------------------------------------------------------------

    def request_upload(self, dataset_id: str, filename: str, content_type: str,
                       file_size: int) -> UploadTicket:
        """Step 1: the server creates a pending audio record and hands out an upload URL."""
        data = self._json("POST", ep.path(ep.AUDIO_UPLOAD_URL, dataset_id=dataset_id),
                          json={"filename": filename, "content_type": content_type,
                                "file_size": file_size}, idempotent=False)
        try:
            expires_in = float(data.get("expires_in") or 0)
            ticket = UploadTicket(str(data["audio_id"]), str(data["upload_url"]),
                                  {str(k): str(v) for k, v in (data.get("fields") or {}).items()},
                                  str(data.get("key") or ""),
                                  datetime.now(timezone.utc) + timedelta(seconds=expires_in))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise RemoteError("The platform's answer to the upload-url request lacks "
                              "'audio_id' or 'upload_url'.") from None
        return ticket

    def upload_file(self, ticket: UploadTicket, file: Path, filename: str, content_type: str,
                    progress: Callable[[int], None] | None = None) -> None:
        """Step 2: POST the form fields, exactly as handed out, then the file, to storage.

        ``progress(delta_bytes)`` follows the bytes of the file as they go out (negative
        when a retry starts over).
        """
        check_secure_url(ticket.upload_url, "upload URL")
        boundary = "----artifact-annotator-" + secrets.token_hex(12)
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote_field(k)}"'
            f"\r\n\r\n".encode() + v.encode() + b"\r\n" for k, v in ticket.fields.items())
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{_quote_field(filename)}"\r\nContent-Type: {content_type}'
                 f"\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        size = file.stat().st_size
        sent = [0]

        def body() -> Iterator[bytes]:
            if sent[0] and progress is not None:
                progress(-sent[0])
            sent[0] = 0
            yield head
            with open(file, "rb") as handle:
                while chunk := handle.read(UPLOAD_CHUNK):
                    if self.cancel.is_set():
                        raise _Cancelled()
                    yield chunk
                    sent[0] += len(chunk)
                    if progress is not None:
                        progress(len(chunk))
            yield tail

        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                   "Content-Length": str(len(head) + size + len(tail))}
        try:
            self._send("POST", ticket.upload_url, client=self._storage, body=body,
                       headers=headers, what=f"upload of '{filename}'")
        except (AuthenticationError, PermissionDeniedError, RemoteRejectedError,
                RemoteNotFoundError, RemoteValidationError) as error:
            detail = error.detail or "refused"
            raise UploadRejectedError(
                f"The storage refused the upload of '{filename}' ({error.status}: {detail}).",
                status=error.status, expired="expire" in detail.lower(), detail=detail) from None

    def confirm_upload(self, dataset_id: str, audio_id: str) -> dict[str, Any]:
        """Step 3 (repeating it is harmless, so it is retried like a GET)."""
        return self._json("POST", ep.path(ep.AUDIO_CONFIRM, dataset_id=dataset_id),
                          json={"audio_id": audio_id}, idempotent=True)

    def list_audio(self, dataset_id: str) -> list[dict[str, Any]]:
        return self._list_all(ep.path(ep.AUDIO_LIST, dataset_id=dataset_id))

    def delete_audio(self, dataset_id: str, audio_id: str) -> bool:
        """Best-effort removal of an abandoned pending record (assumed endpoint).

        True when it is gone; False when the platform has no such endpoint."""
        try:
            self._send("DELETE", ep.path(ep.AUDIO_ITEM, dataset_id=dataset_id, audio_id=audio_id))
        except RemoteNotFoundError:
            return True
        except RemoteRejectedError as error:
            if error.status in (400, 405, 409):
                return False
            raise
        return True

    # -- annotation sets ------------------------------------------------------------------

    def create_annotation_set(self, dataset_id: str) -> dict[str, Any]:
        return self._json("POST", ep.path(ep.ANNOTATION_SETS, dataset_id=dataset_id),
                          idempotent=False)

    def list_annotation_sets(self, dataset_id: str) -> list[dict[str, Any]]:
        return self._list_all(ep.path(ep.ANNOTATION_SETS, dataset_id=dataset_id))

    def get_annotation_set(self, dataset_id: str, set_id: str) -> dict[str, Any]:
        """The set with all its ``annotations``."""
        return self._json("GET", ep.path(ep.ANNOTATION_SET, dataset_id=dataset_id, set_id=set_id))

    def publish_annotation_set(self, dataset_id: str, set_id: str) -> dict[str, Any]:
        return self._json("POST", ep.path(ep.ANNOTATION_SET_PUBLISH, dataset_id=dataset_id,
                                          set_id=set_id), idempotent=False)

    # -- annotations ------------------------------------------------------------------------

    def create_annotation(self, dataset_id: str, set_id: str,
                          annotation: dict[str, Any]) -> dict[str, Any]:
        return self._json("POST", ep.path(ep.ANNOTATIONS, dataset_id=dataset_id, set_id=set_id),
                          json=annotation, idempotent=False)

    def bulk_create_annotations(self, dataset_id: str, set_id: str,
                                annotations: list[dict[str, Any]]) -> dict[str, Any]:
        """``{"created": N, "annotations": [...]}``; not idempotent (see module doc)."""
        return self._json("POST", ep.path(ep.ANNOTATIONS_BULK, dataset_id=dataset_id,
                                          set_id=set_id),
                          json={"annotations": annotations}, idempotent=False)

    def update_annotation(self, dataset_id: str, set_id: str, annotation_id: str,
                          **changes: Any) -> dict[str, Any]:
        return self._json("PATCH", ep.path(ep.ANNOTATION, dataset_id=dataset_id, set_id=set_id,
                                           annotation_id=annotation_id), json=changes)

    def delete_annotation(self, dataset_id: str, set_id: str, annotation_id: str) -> None:
        self._send("DELETE", ep.path(ep.ANNOTATION, dataset_id=dataset_id, set_id=set_id,
                                     annotation_id=annotation_id))

    # -- plumbing -------------------------------------------------------------------------------

    def _list_all(self, path: str) -> list[dict[str, Any]]:
        """Every page: stop at ``total`` items or at an empty page (remote-api.md)."""
        items: list[dict[str, Any]] = []
        page = ep.FIRST_PAGE
        while True:
            data = self._json("GET", path, params={"page": page, "page_size": ep.PAGE_SIZE})
            batch = data.get("items") if isinstance(data, dict) else None
            if not isinstance(batch, list):
                raise RemoteError(f"The platform's answer to GET {path} has no 'items' list.")
            items.extend(batch)
            total = data.get("total")
            if not batch or (isinstance(total, int) and len(items) >= total) or page > 100_000:
                return items
            page += 1

    def _json(self, method: str, path: str, *, json: Any = None,
              params: dict[str, Any] | None = None, idempotent: bool | None = None) -> Any:
        response = self._send(method, path, json=json, params=params, idempotent=idempotent)
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise RemoteError(f"The platform's answer to {method} {path} is not JSON "
                              f"({response.status_code}).") from None

    def _send(self, method: str, url: str, *, json: Any = None,
              params: dict[str, Any] | None = None, idempotent: bool | None = None,
              client: httpx.Client | None = None, body: Callable[[], Iterator[bytes]] | None = None,
              headers: dict[str, str] | None = None, what: str | None = None) -> httpx.Response:
        client = client or self._api
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "PUT", "PATCH", "DELETE") or body is not None
        label = what or f"{method} {url if client is self._storage else url.split('?')[0]}"
        attempt = 0
        while True:
            attempt += 1
            self.cancel.raise_if_set()
            retry_after: str | None = None
            try:
                response = client.request(method, url, json=json, params=params,
                                          headers=headers,
                                          content=body() if body is not None else None)
            except _Cancelled:
                self.cancel.raise_if_set()
                raise PushCancelled("Push cancelled.") from None
            except _NOT_SENT as error:
                failure: RemoteError = self._network_error(error, label, processed=False)
            except _MAYBE_SENT as error:
                failure = self._network_error(error, label, processed=True)
            else:
                if response.is_success:
                    return response
                if response.status_code not in RETRY_STATUSES:
                    raise self._status_error(response, label)
                failure = self._status_error(response, label)
                retry_after = response.headers.get("Retry-After")
            if (failure.maybe_processed and not idempotent) or attempt >= self.policy.attempts:
                raise failure
            delay = self.policy.delay(attempt, retry_after)
            log.info("%s failed (%s); retry %d in %.1f s", label,
                     failure.status or type(failure).__name__, attempt, delay)
            self.stats.retried()
            if self.cancel.wait(delay):
                self.cancel.raise_if_set()

    def _network_error(self, error: Exception, label: str, *, processed: bool) -> NetworkError:
        reason = self._redact(str(error)) or type(error).__name__
        if isinstance(error, httpx.TimeoutException):
            text = f"{label}: the platform did not answer in time ({type(error).__name__})"
        elif isinstance(error, _NOT_SENT):
            text = (f"{label}: cannot reach {self.base_url} ({reason}); check the address "
                    f"and the network")
        else:
            text = f"{label}: the connection was lost before the answer arrived ({reason})"
        return NetworkError(text + ".", maybe_processed=processed)

    def _status_error(self, response: httpx.Response, label: str) -> RemoteError:
        error = self._status_error_for(response, label)
        error.detail = self._redact(detail_text(response.content,
                                                response.headers.get("content-type", ""),
                                                response.reason_phrase)[0])
        return error

    def _status_error_for(self, response: httpx.Response, label: str) -> RemoteError:
        status = response.status_code
        detail, raw = detail_text(response.content, response.headers.get("content-type", ""),
                                  response.reason_phrase)
        detail = self._redact(detail)
        if status == 401:
            return AuthenticationError(
                f"The platform refused the API key ({label}, 401: {detail}). Store a valid key "
                f"with 'artifact-annotator remote login' or set {API_KEY_ENV}.", status=status)
        if status == 403:
            return PermissionDeniedError(
                f"The API key is not allowed to do this ({label}, 403: {detail}); use a key "
                f"with write access to this dataset.", status=status)
        if status == 404:
            return RemoteNotFoundError(f"{label}: not found on the platform (404: {detail}).",
                                       status=status)
        if status == 422:
            errors = parse_field_errors(raw)
            listed = "; ".join(self._redact(str(e)) for e in errors) or detail
            return RemoteValidationError(f"The platform refused {label} (422): {listed}.",
                                         errors, status=status)
        if status in NOT_PROCESSED_STATUSES:
            return RateLimitedError(f"The platform is busy ({label}, {status}: {detail}); "
                                    f"try again later.", status=status)
        if status >= 500:
            return ServerError(f"The platform failed ({label}, {status}: {detail}).",
                               status=status, maybe_processed=True)
        if 300 <= status < 400:
            where = response.headers.get("location", "another address")
            return RemoteRejectedError(f"{label}: the platform redirects to {where}; set that "
                                       f"as the platform address.", status=status)
        return RemoteRejectedError(f"The platform refused {label} ({status}: {detail}).",
                                   status=status)

    def _redact(self, text: str) -> str:
        secret = self._key.reveal() if self._key is not None else ""
        if secret and secret in text:
            return text.replace(secret, "***")
        return text


def _quote_field(value: str) -> str:
    """Form-data names and file names as browsers send them (HTML5: quotes and newlines
    percent-escaped, everything else UTF-8)."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")

