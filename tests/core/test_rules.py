"""Field rules of product.md (app.core.rules): names, colors, the naming warning, times,
confidence, and the command line's type spec."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.entities import ArtifactType
from app.core.errors import ValidationError
from app.core.rules import (
    RECOMMENDED_TYPE_NAME,
    check_confidence,
    check_times,
    clean_artifact_type,
    clean_color,
    clean_dataset_name,
    clean_description,
    clean_type_name,
    normalized_type_name,
    parse_type_spec,
    type_name_warning,
)

# -- dataset name ------------------------------------------------------------------------


def test_dataset_name_is_trimmed() -> None:
    assert clean_dataset_name("  TTS Glitches \n") == "TTS Glitches"


@pytest.mark.parametrize("name", ["", "   ", "\t\n", None])
def test_dataset_name_is_required(name) -> None:
    with pytest.raises(ValidationError, match="Dataset name is required") as info:
        clean_dataset_name(name)
    assert info.value.field == "name"


@pytest.mark.parametrize("name", ["two\nlines", "tab\there", "bell\x07"])
def test_names_with_control_characters_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="control character; use plain text on one line"):
        clean_dataset_name(name)
    with pytest.raises(ValidationError, match="Artifact type name"):
        clean_type_name(name)
    assert clean_dataset_name("Grüße – café 🎙") == "Grüße – café 🎙"


def test_dataset_name_length_limit_is_200() -> None:
    assert clean_dataset_name("x" * 200) == "x" * 200
    with pytest.raises(ValidationError, match="201 characters long; the limit is 200"):
        clean_dataset_name("x" * 201)


def test_blank_description_becomes_none_but_text_is_kept_verbatim() -> None:
    assert clean_description(None) is None
    assert clean_description("  \n ") is None
    assert clean_description("Line one\n  line two ") == "Line one\n  line two "


# -- artifact type name --------------------------------------------------------------------


def test_type_name_length_is_1_to_100() -> None:
    assert clean_type_name("g") == "g"
    assert clean_type_name("x" * 100) == "x" * 100
    with pytest.raises(ValidationError, match="101 characters long; the limit is 100"):
        clean_type_name("x" * 101)
    with pytest.raises(ValidationError, match="Artifact type name is required"):
        clean_type_name("  ")


@pytest.mark.parametrize("name, suggestion", [
    ("Audio Glitch", "audio_glitch"),
    ("LONG-PAUSE", "long_pause"),
    ("tts hallucination", "tts_hallucination"),
    ("Pop!", "pop"),
    ("filler__words", "filler_words"),
])
def test_naming_warning_offers_the_normalized_form(name: str, suggestion: str) -> None:
    warning = type_name_warning(name)
    assert warning is not None
    assert f"'{name}'" in warning and f"consider '{suggestion}'" in warning
    assert normalized_type_name(name) == suggestion


@pytest.mark.parametrize("name", ["glitch", "long_pause", "tts_hallucination", "click2"])
def test_recommended_names_get_no_warning(name: str) -> None:
    assert type_name_warning(name) is None


def test_warning_without_a_possible_suggestion_still_explains_the_style() -> None:
    warning = type_name_warning("!!!")
    assert warning is not None and "lowercase with underscores" in warning
    assert "consider" not in warning


@given(st.text(min_size=1, max_size=60))
def test_normalized_name_always_follows_the_recommendation(name: str) -> None:
    suggestion = normalized_type_name(name)
    assert suggestion == "" or RECOMMENDED_TYPE_NAME.match(suggestion)
    # A warning is given exactly when the name is off the convention.
    assert (type_name_warning(name) is None) == bool(RECOMMENDED_TYPE_NAME.match(name))
    # Normalizing is idempotent: the suggestion itself earns no further warning.
    if suggestion:
        assert type_name_warning(suggestion) is None


# -- color ---------------------------------------------------------------------------------


def test_color_defaults_to_red_and_is_uppercased() -> None:
    assert clean_color(None) == "#FF0000"
    assert clean_color("") == "#FF0000"
    assert clean_color(" #ff44aa ") == "#FF44AA"


@pytest.mark.parametrize("color", ["#GGG", "#FFF", "FF4444", "#FF44", "#FF44445", "red", "#GGGGGG"])
def test_bad_colors_are_refused_with_the_value_and_the_format(color: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_color(color)
    assert f"'{color}'" in str(info.value) and "#RRGGBB" in str(info.value)
    assert info.value.field == "color"


@given(st.text(alphabet="0123456789abcdefABCDEF", min_size=6, max_size=6))
def test_every_hex_triplet_is_accepted(digits: str) -> None:
    assert clean_color("#" + digits) == "#" + digits.upper()


def test_clean_artifact_type_names_the_type_when_its_color_is_bad() -> None:
    with pytest.raises(ValidationError) as info:
        clean_artifact_type(ArtifactType("glitch", None, "#GGG"))
    assert "'glitch'" in str(info.value) and "'#GGG'" in str(info.value)


# -- type spec (command line) --------------------------------------------------------------


def test_type_spec_name_only_gets_the_default_color() -> None:
    assert parse_type_spec("glitch") == ArtifactType("glitch", None, "#FF0000")


def test_type_spec_with_color_and_description() -> None:
    assert parse_type_spec("long_pause:#4444ff:Unnatural pause: over 1 s") == ArtifactType(
        "long_pause", "Unnatural pause: over 1 s", "#4444FF")


def test_type_spec_with_empty_color_and_a_description() -> None:
    assert parse_type_spec("pop::a short click") == ArtifactType("pop", "a short click", "#FF0000")


def test_type_spec_bad_color_names_type_and_value() -> None:
    with pytest.raises(ValidationError) as info:
        parse_type_spec("glitch:#GGG")
    message = str(info.value)
    assert "'glitch'" in message and "'#GGG'" in message and "#RRGGBB" in message


# -- confidence ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 0.0, 0.5, 1, 1.0, "0.25", np.float32(0.75)])
def test_confidence_within_0_and_1_is_accepted(value) -> None:
    assert check_confidence(value) == pytest.approx(float(value))


@pytest.mark.parametrize("value", [1.5, -0.1, 1.0000001, math.inf, -math.inf])
def test_confidence_outside_0_and_1_is_refused(value) -> None:
    with pytest.raises(ValidationError, match="outside 0.0-1.0") as info:
        check_confidence(value)
    assert str(value) in str(info.value)
    assert info.value.field == "confidence"


@pytest.mark.parametrize("value", [math.nan, "high", None, "nan"])
def test_confidence_that_is_not_a_number_is_refused(value) -> None:
    with pytest.raises(ValidationError) as info:
        check_confidence(value)
    assert info.value.field == "confidence"
    assert "between 0" in str(info.value) or "outside 0.0-1.0" in str(info.value)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_confidence_is_accepted_exactly_inside_the_closed_interval(value: float) -> None:
    if not math.isnan(value) and 0.0 <= value <= 1.0:
        assert check_confidence(value) == value
    else:
        with pytest.raises(ValidationError):
            check_confidence(value)


# -- times ---------------------------------------------------------------------------------


def test_times_inside_the_audio_are_accepted() -> None:
    assert check_times(0, 2000, 2000, "a.wav") == (0, 2000)
    assert check_times(1999, 2000, 2000, "a.wav") == (1999, 2000)


def test_start_equal_to_end_is_refused() -> None:
    with pytest.raises(ValidationError, match="start_ms 500 must be before end_ms 500"):
        check_times(500, 500, 2000, "a.wav")


def test_start_after_end_is_refused() -> None:
    with pytest.raises(ValidationError, match="start_ms 900 must be before end_ms 100"):
        check_times(900, 100, 2000, "a.wav")


def test_negative_start_is_refused() -> None:
    with pytest.raises(ValidationError, match="start_ms -1 is negative"):
        check_times(-1, 100, 2000, "a.wav")


def test_end_beyond_the_duration_names_the_file_and_its_length() -> None:
    with pytest.raises(ValidationError) as info:
        check_times(100, 2001, 2000, "clip 01.wav")
    assert "end_ms 2001" in str(info.value)
    assert "'clip 01.wav' (2000 ms)" in str(info.value)
    assert info.value.field == "end_ms"


@pytest.mark.parametrize("start, end", [(1.5, 10), (0, "10"), (True, 10), (0, None)])
def test_times_must_be_whole_milliseconds(start, end) -> None:
    with pytest.raises(ValidationError, match="whole number of milliseconds"):
        check_times(start, end, 2000, "a.wav")


def test_whole_valued_floats_and_numpy_integers_are_accepted() -> None:
    assert check_times(10.0, 20.0, 2000, "a.wav") == (10, 20)
    start, end = check_times(np.int64(10), np.int32(20), 2000, "a.wav")
    assert (start, end) == (10, 20) and type(start) is int and type(end) is int


@given(st.integers(-5, 60), st.integers(-5, 60), st.integers(1, 50))
def test_times_accepted_exactly_when_0_le_start_lt_end_le_duration(start, end, duration) -> None:
    if 0 <= start < end <= duration:
        assert check_times(start, end, duration, "a.wav") == (start, end)
    else:
        with pytest.raises(ValidationError):
            check_times(start, end, duration, "a.wav")
