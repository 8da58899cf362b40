"""Exact conversions between the times files hold and whole milliseconds.

Files hold seconds as decimal text ("1.001") or milliseconds; floats would turn 1.001 s
into 1000.9999999999999 ms and a truncation into 1000 ms. Everything here is parsed with
``Decimal`` and rounded half up to the millisecond, so a round trip is exact. Values that
are not plain finite numbers (NaN, infinity, "--undefined--"), negative times and absurdly
large ones are refused with a ``FormatError`` that names the field.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from app.formats.records import FormatError, Location

# About 31 years: far beyond any recording, far below where integer columns overflow.
MAX_TIME_MS = 10**12
_MAX_SECONDS = Decimal(MAX_TIME_MS) / 1000
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_ONE = Decimal(1)
_NOT_FINITE = {"nan", "snan", "inf", "infinity", "--undefined--"}


class NotFinite:
    """NaN / Infinity / -Infinity as read from JSON (which does not allow them)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


def parse_decimal(value: object, location: Location, what: str) -> Decimal:
    """A finite decimal number from text, an int or a Decimal (JSON numbers)."""
    if isinstance(value, NotFinite):
        raise FormatError(location, f"{what} {value} is not a finite number.")
    if isinstance(value, bool):
        raise FormatError(location, f"{what} must be a number, not {str(value).lower()}.")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FormatError(location, f"{what} {value} is not a finite number.")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise FormatError(location, f"{what} {value} is not a finite number.")
        return value
    if not isinstance(value, str):
        raise FormatError(location, f"{what} must be a number, found {_describe(value)}.")
    text = value.strip()
    if not text:
        raise FormatError(location, f"{what} is empty; a number is required.")
    if text.lower() in _NOT_FINITE or text.lower().lstrip("+-") in _NOT_FINITE:
        raise FormatError(location, f"{what} '{text}' is not a finite number.")
    if not _PLAIN_NUMBER.match(text):
        raise FormatError(location, f"{what} '{_clip(text)}' is not a number.")
    return Decimal(text)


def seconds_to_ms(value: object, location: Location, what: str) -> int:
    """Seconds as a file writes them ("1.001") -> 1001, rounded half up."""
    seconds = parse_decimal(value, location, what)
    _refuse_negative(seconds, value, location, what, "s")
    if seconds > _MAX_SECONDS:
        raise FormatError(location, f"{what} {_clip(str(value))} s is not a plausible time "
                                    f"(more than {MAX_TIME_MS // 3_600_000} hours).")
    with localcontext() as context:
        context.prec = 50
        return _whole_ms(seconds * 1000, value, location, what, "s")


def ms_value(value: object, location: Location, what: str) -> int:
    """A millisecond field (CSV, JSON): whole numbers as they are, decimals rounded."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise FormatError(location, f"{what} {value} is negative; times start at 0.")
        if value > MAX_TIME_MS:
            raise FormatError(location, f"{what} {_clip(str(value))} is not a plausible time "
                                        f"in milliseconds.")
        return value
    milliseconds = parse_decimal(value, location, what)
    _refuse_negative(milliseconds, value, location, what, "ms")
    if milliseconds > MAX_TIME_MS:
        raise FormatError(location, f"{what} {_clip(str(value))} is not a plausible time "
                                    f"in milliseconds.")
    with localcontext() as context:
        context.prec = 50
        return _whole_ms(milliseconds, value, location, what, "ms")


def _refuse_negative(number: Decimal, original: object, location: Location, what: str,
                     unit: str) -> None:
    if number < 0:  # "-0" (which Praat may write) is not below 0
        raise FormatError(location, f"{what} {_clip(str(original))} {unit} is negative; "
                                    f"times start at 0.")


def _whole_ms(milliseconds: Decimal, original: object, location: Location, what: str,
              unit: str) -> int:
    try:
        rounded = milliseconds.quantize(_ONE, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # pragma: no cover - bounded above, kept as a safety net
        raise FormatError(location, f"{what} {_clip(str(original))} {unit} is not a usable "
                                    f"time.") from None
    return int(rounded)


def parse_confidence(value: object, location: Location) -> float:
    number = parse_decimal(value, location, "confidence")
    if not Decimal(0) <= number <= _ONE:
        raise FormatError(location, f"confidence {_clip(str(value))} is outside 0.0-1.0.")
    return float(number)


def ms_to_seconds_text(ms: int, decimals: int = 3) -> str:
    """1001 -> "1.001" (decimals=3) or "1.001000" (decimals=6, as Audacity writes)."""
    whole, rest = divmod(int(ms), 1000)
    return f"{whole}.{rest:03d}{'0' * (decimals - 3)}"


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"'{_clip(str(value))}'"
