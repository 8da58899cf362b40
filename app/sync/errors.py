"""Errors of the platform client, each with a message written for the user.

The message names the request and shows the server's ``detail`` (for a 422, every field
and its message). ``maybe_processed`` tells the push whether the server may have carried
out the request although no answer arrived (a lost answer, a 500): such a request is
reconciled by reading back before it is sent again, never blindly repeated.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from app.core.errors import DomainError


class RemoteError(DomainError):
    """A request to the platform failed or was refused."""

    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None,
                 maybe_processed: bool = False, detail: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.maybe_processed = maybe_processed
        self.detail = detail


class RemoteConfigError(RemoteError):
    """The platform's address cannot be used (malformed, or plain http to another host)."""


class CredentialsError(RemoteError):
    """No API key, or no place to keep one."""


class NetworkError(RemoteError):
    """The platform could not be reached or did not answer in time."""


class AuthenticationError(RemoteError):
    """401: the key is missing or invalid."""


class PermissionDeniedError(RemoteError):
    """403: the key is valid but may not do this."""


class RemoteNotFoundError(RemoteError):
    """404."""


class RemoteRejectedError(RemoteError):
    """400, 409 and other refusals of a request as sent."""


class RateLimitedError(RemoteError):
    """429 or 503 still answered after every retry."""


class ServerError(RemoteError):
    """5xx: the platform failed."""


class UploadRejectedError(RemoteError):
    """The storage refused an upload; ``expired`` when the upload URL has expired."""

    def __init__(self, message: str, *, status: int | None = None, expired: bool = False,
                 detail: str | None = None) -> None:
        super().__init__(message, status=status, detail=detail)
        self.expired = expired


class PushCancelled(RemoteError):
    """The user cancelled; everything sent so far is recorded, a later push resumes."""


@dataclass(frozen=True)
class FieldError:
    """One entry of a 422 answer."""

    loc: tuple[Any, ...]
    msg: str
    type: str = ""

    @property
    def field(self) -> str:
        parts = [p for p in self.loc if p not in ("body",)]
        text = ""
        for part in parts:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text or "request"

    @property
    def leaf(self) -> str:
        """The field's own name ("end_ms" of annotations[3].end_ms)."""
        names = [str(p) for p in self.loc if not isinstance(p, int) and p != "body"]
        return names[-1] if names else "request"

    @property
    def index(self) -> int | None:
        """The item's position when the error is about one element of a list."""
        for part in self.loc:
            if isinstance(part, int):
                return part
        return None

    def __str__(self) -> str:
        return f"{self.field}: {self.msg}"


class RemoteValidationError(RemoteError):
    """422: the server named each field it refused."""

    def __init__(self, message: str, errors: list[FieldError], *, status: int = 422,
                 detail: str | None = None) -> None:
        super().__init__(message, status=status, detail=detail)
        self.errors = errors


_XML_MESSAGE = re.compile(r"<Message>(.*?)</Message>", re.S)
_XML_CODE = re.compile(r"<Code>(.*?)</Code>", re.S)


def parse_field_errors(detail: Any) -> list[FieldError]:
    errors = []
    for item in detail if isinstance(detail, list) else []:
        if isinstance(item, dict):
            loc = tuple(item.get("loc") or ())
            errors.append(FieldError(loc, str(item.get("msg", "invalid value")),
                                     str(item.get("type", ""))))
        else:
            errors.append(FieldError((), str(item)))
    return errors


def detail_text(body: bytes, content_type: str, reason: str) -> tuple[str, Any]:
    """The server's explanation as one line, plus the parsed ``detail`` when JSON."""
    text = body.decode("utf-8", "replace").strip()
    if "json" in content_type or text.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and "detail" in data:
            detail = data["detail"]
            if isinstance(detail, list):
                return "; ".join(str(e) for e in parse_field_errors(detail)), detail
            if isinstance(detail, str):
                return detail, detail
            return json.dumps(detail), detail
    if "<Error>" in text:
        message, code = _XML_MESSAGE.search(text), _XML_CODE.search(text)
        parts = [m.group(1).strip() for m in (code, message) if m]
        if parts:
            return ": ".join(parts), None
    if text:
        first = " ".join(text.split())
        return (first[:200] + "...") if len(first) > 200 else first, None
    return reason or "no explanation given", None
