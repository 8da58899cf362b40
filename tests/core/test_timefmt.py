"""Times as users read and type them (app.core.timefmt)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import ValidationError
from app.core.timefmt import format_ms, format_seconds, parse_time


@pytest.mark.parametrize("ms, text", [
    (0, "0:00:00.000"),
    (1450, "0:00:01.450"),
    (3_723_004, "1:02:03.004"),
    (36_000_000, "10:00:00.000"),
    (-1500, "-0:00:01.500"),
])
def test_format_ms(ms: int, text: str) -> None:
    assert format_ms(ms) == text


def test_format_ms_without_hours_when_there_are_none() -> None:
    assert format_ms(63_004, always_hours=False) == "1:03.004"
    assert format_ms(3_723_004, always_hours=False) == "1:02:03.004"


def test_format_seconds() -> None:
    assert format_seconds(1450) == "1.450"


@pytest.mark.parametrize("text, ms", [
    ("1:02:03.004", 3_723_004),
    ("2:03.5", 123_500),
    ("12.25", 12_250),
    ("12,25", 12_250),
    ("12.25s", 12_250),
    ("450ms", 450),
    (" 450 ms ", 450),
    ("7", 7000),
    ("0:00:00.1", 100),
    ("75:00", 4_500_000),
])
def test_parse_time(text: str, ms: int) -> None:
    assert parse_time(text) == ms


@pytest.mark.parametrize("text, expected", [
    ("", "A time is required"),
    ("abc", "'abc' is not a time"),
    ("1:2:3:4", "is not a time"),
    ("-5", "is not a time"),
    ("1.5ms", "not a time in milliseconds"),
    ("0:61.000", "seconds must be below 60"),
    ("1:75:00", "minutes must be below 60"),
    ("1.0005", "is not a time"),
])
def test_parse_time_refusals_quote_the_input(text: str, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        parse_time(text)


@given(st.integers(min_value=0, max_value=100 * 3_600_000), st.booleans())
def test_format_then_parse_round_trips(ms: int, always_hours: bool) -> None:
    assert parse_time(format_ms(ms, always_hours=always_hours)) == ms


@given(st.integers(min_value=0, max_value=10_000_000))
def test_milliseconds_and_seconds_spellings_agree(ms: int) -> None:
    assert parse_time(f"{ms}ms") == ms
    assert parse_time(format_seconds(ms)) == ms
