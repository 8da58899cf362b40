"""Millisecond times as users read and type them: ``h:mm:ss.mmm``."""

from __future__ import annotations

import re

from app.core.errors import ValidationError

_CLOCK = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+)(?:\.(\d{1,3}))?$")


def format_ms(ms: int, *, always_hours: bool = True) -> str:
    """``3723004`` -> ``1:02:03.004``; negative values get a leading minus."""
    sign = "-" if ms < 0 else ""
    ms = abs(int(ms))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    if hours or always_hours:
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    return f"{sign}{minutes}:{seconds:02d}.{millis:03d}"


def format_seconds(ms: int) -> str:
    """``1450`` -> ``1.450`` (seconds with milliseconds), for compact labels."""
    return f"{ms / 1000:.3f}"


def parse_time(text: str) -> int:
    """Parse ``1:02:03.004``, ``2:03.5``, ``12.25`` (seconds) or ``450ms`` into milliseconds."""
    value = text.strip().lower().replace(",", ".")
    if not value:
        raise ValidationError("A time is required (h:mm:ss.mmm, seconds, or 450ms).")
    if value.endswith("ms"):
        number = value[:-2].strip()
        if number.isdigit():
            return int(number)
        raise ValidationError(f"'{text}' is not a time in milliseconds.")
    if value.endswith("s"):
        value = value[:-1].strip()
    match = _CLOCK.match(value)
    if not match:
        raise ValidationError(f"'{text}' is not a time: use h:mm:ss.mmm, seconds (12.25) or 450ms.")
    hours, minutes, seconds, fraction = match.groups()
    if minutes is not None and int(seconds) >= 60:
        raise ValidationError(f"'{text}': seconds must be below 60 in h:mm:ss.mmm.")
    # Without hours, "75:00" reads naturally as 75 minutes; with hours it is a typo.
    if hours is not None and int(minutes) >= 60:
        raise ValidationError(f"'{text}': minutes must be below 60 in h:mm:ss.mmm.")
    total = (int(hours or 0) * 3600 + int(minutes or 0) * 60 + int(seconds)) * 1000
    if fraction:
        total += int(fraction.ljust(3, "0"))
    return total
