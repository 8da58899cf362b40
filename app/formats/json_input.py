"""Strict JSON loading for the platform formats: no NaN or Infinity, exact decimals,
line and column of a syntax error, and the field path of a bad value."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.formats.records import FormatError, Location, display_name
from app.formats.textfile import read_text


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def load_json(path: Path) -> Any:
    name = display_name(path)
    text = read_text(path)
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        detail = "the file ends too early (truncated?)" if error.pos >= len(text.rstrip()) \
            else error.msg
        raise FormatError(Location(name, error.lineno),
                          f"not valid JSON: {detail} (column {error.colno}).") from None
    except RecursionError:
        raise FormatError(Location(name), "not valid JSON: nested too deeply.") from None
    except ValueError as error:  # NaN/Infinity, or an integer with thousands of digits
        raise FormatError(Location(name), f"not valid JSON: {error}.") from None


def text_field(item: dict, key: str, location: Location, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise FormatError(location, f"'{key}' is missing.")
        return None
    if not isinstance(value, str):
        kind = "a number" if isinstance(value, (int, Decimal)) else type(value).__name__
        raise FormatError(location, f"'{key}' must be a string, found {kind}.")
    return value
