"""Exact millisecond conversion (floats would turn 1.001 s into 1000 ms) and text decoding."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.formats.records import FormatError, Location
from app.formats.textfile import decode_text
from app.formats.timecodes import (
    MAX_TIME_MS,
    ms_to_seconds_text,
    ms_value,
    parse_confidence,
    seconds_to_ms,
)

HERE = Location("f.txt", 3)


@pytest.mark.parametrize("text, ms", [
    ("1.001", 1001), ("1.0009999999999999", 1001), ("1.00099999", 1001), ("1.0005", 1001),
    ("1.0004999", 1000), ("0.3125", 313), ("1e-3", 1), ("2.5E3", 2_500_000), ("-0", 0),
    ("+7", 7000), (".5", 500), ("1.", 1000), (" 4.2 ", 4200),
])
def test_seconds_round_half_up_to_the_millisecond(text, ms):
    assert seconds_to_ms(text, HERE, "start") == ms


def test_the_float_trap_this_module_avoids():
    assert int(1.001 * 1000) == 1000  # truncating a float loses a millisecond
    assert seconds_to_ms("1.001", HERE, "start") == 1001


@given(st.integers(min_value=0, max_value=MAX_TIME_MS))
def test_every_millisecond_survives_seconds_text_and_floats(ms):
    assert seconds_to_ms(ms_to_seconds_text(ms), HERE, "t") == ms
    assert seconds_to_ms(ms_to_seconds_text(ms, 6), HERE, "t") == ms
    assert seconds_to_ms(repr(ms / 1000), HERE, "t") == ms       # praatio writes repr()
    assert seconds_to_ms(f"{ms / 1000:.17g}", HERE, "t") == ms   # and %.17g writers
    assert ms_value(str(ms), HERE, "t") == ms


@given(st.floats(min_value=0.0, max_value=1.0))
def test_confidence_text_round_trips(value):
    assert parse_confidence(repr(value), HERE) == value


@pytest.mark.parametrize("text, message", [
    ("nan", "not a finite number"), ("-inf", "not a finite number"), ("Infinity", "not a finite"),
    ("--undefined--", "not a finite number"), ("1,5", "is not a number"), ("0x10", "not a number"),
    ("-0.001", "negative"), ("1e400", "not a plausible time"), ("", "is empty"),
])
def test_refused_times_name_the_place(text, message):
    with pytest.raises(FormatError) as error:
        seconds_to_ms(text, HERE, "start")
    assert str(error.value).startswith("f.txt:3: start")
    assert message in str(error.value)


@pytest.mark.parametrize("data", [
    codecs.BOM_UTF16_BE + "é\n".encode("utf-16-be"), codecs.BOM_UTF16_LE + "é\n".encode("utf-16-le"),
    codecs.BOM_UTF8 + "é\n".encode(), "é\n".encode(), "é\n".encode("utf-16-le"),
    "xx é\n".encode("utf-16-be"), codecs.BOM_UTF32_LE + "é\n".encode("utf-32-le"),
])
def test_text_encodings(data):
    assert decode_text(data, Path("x")).rstrip("\n").endswith("é")
