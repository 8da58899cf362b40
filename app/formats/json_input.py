"""Strict JSON loading for the platform formats: exact decimals, NaN and Infinity kept as
markers that every number field refuses (with the field's path), line and column of a
syntax error."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.formats.records import FormatError, Location, display_name
from app.formats.textfile import read_text
from app.formats.timecodes import NotFinite

_LONG_NUMBER = re.compile(r"\d{4000,}")


def load_json(path: Path) -> Any:
    name = display_name(path)
    text = read_text(path)
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=NotFinite)
    except json.JSONDecodeError as error:
        detail = "the file ends too early (truncated?)" if error.pos >= len(text.rstrip()) \
            else error.msg
        raise FormatError(Location(name, error.lineno),
                          f"not valid JSON: {detail} (column {error.colno}).") from None
    except RecursionError:
        raise FormatError(Location(name), "not valid JSON: nested too deeply.") from None
    except ValueError as error:  # an integer with thousands of digits
        long_number = _LONG_NUMBER.search(text)
        if "integer string conversion" in str(error) and long_number:
            raise FormatError(Location(name, text.count("\n", 0, long_number.start()) + 1),
                              "not valid JSON for an import: a number has thousands of "
                              "digits.") from None
        raise FormatError(Location(name), f"not valid JSON: {error}.") from None


def text_field(item: dict, key: str, location: Location, required: bool = True) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise FormatError(location, f"'{key}' is missing.")
        return None
    if not isinstance(value, str):
        kind = "a number" if isinstance(value, (int, Decimal, NotFinite)) else type(value).__name__
        raise FormatError(location, f"'{key}' must be a string, found {kind}.")
    return value
