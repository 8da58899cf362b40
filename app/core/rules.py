"""Field rules of the domain model (product.md): names, colors, times, confidence."""

from __future__ import annotations

import math
import numbers
import re
import unicodedata

from app.core.entities import DEFAULT_TYPE_COLOR, ArtifactType
from app.core.errors import ValidationError

DATASET_NAME_MAX = 200
TYPE_NAME_MAX = 100
COLOR_PATTERN = re.compile(r"^#[0-9A-Fa-f]{6}$")
RECOMMENDED_TYPE_NAME = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")


def _check_printable(what: str, name: str) -> None:
    """Names appear in lists, menus and one-line messages: no line breaks or control codes."""
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise ValidationError(f"{what} {name!r} contains a line break or another control "
                              f"character; use plain text on one line.", field="name")


def clean_dataset_name(name: str | None) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationError("Dataset name is required (1-200 characters).", field="name")
    _check_printable("Dataset name", cleaned)
    if len(cleaned) > DATASET_NAME_MAX:
        raise ValidationError(
            f"Dataset name is {len(cleaned)} characters long; the limit is {DATASET_NAME_MAX}.",
            field="name")
    return cleaned


def clean_description(description: str | None) -> str | None:
    if description is None:
        return None
    return description if description.strip() else None


def clean_type_name(name: str | None) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationError("Artifact type name is required (1-100 characters).", field="name")
    _check_printable("Artifact type name", cleaned)
    if len(cleaned) > TYPE_NAME_MAX:
        raise ValidationError(
            f"Artifact type name '{cleaned[:40]}...' is {len(cleaned)} characters long; "
            f"the limit is {TYPE_NAME_MAX}.", field="name")
    return cleaned


def clean_color(color: str | None) -> str:
    if color is None or not color.strip():
        return DEFAULT_TYPE_COLOR
    value = color.strip()
    if not COLOR_PATTERN.match(value):
        raise ValidationError(
            f"Color '{value}' is not a hex color: use #RRGGBB, for example #FF4444.",
            field="color")
    return value.upper()


def normalized_type_name(name: str) -> str:
    """The platform's recommended form: lowercase words joined by underscores."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    return "_".join(word.lower() for word in words)


def type_name_warning(name: str) -> str | None:
    """A warning (not an error) for names off the platform's convention, with the fix."""
    if RECOMMENDED_TYPE_NAME.match(name):
        return None
    suggestion = normalized_type_name(name)
    if suggestion and suggestion != name:
        return (f"'{name}' does not follow the recommended style (lowercase with underscores); "
                f"consider '{suggestion}'.")
    return f"'{name}' does not follow the recommended style (lowercase with underscores)."


def _type_color(type_name: str, color: str | None) -> str:
    """The cleaned color; a refusal names the type so the user knows which one to fix."""
    try:
        return clean_color(color)
    except ValidationError as error:
        raise ValidationError(f"Artifact type '{type_name}': {error}", field="color") from None


def clean_artifact_type(artifact_type: ArtifactType) -> ArtifactType:
    name = clean_type_name(artifact_type.name)
    return ArtifactType(name=name, description=clean_description(artifact_type.description),
                        color=_type_color(name, artifact_type.color))


def parse_type_spec(spec: str) -> ArtifactType:
    """``NAME[:#RRGGBB[:DESCRIPTION]]`` as used on the command line."""
    name, _, rest = spec.partition(":")
    color, _, description = rest.partition(":")
    name = clean_type_name(name)
    return ArtifactType(name=name, color=_type_color(name, color),
                        description=clean_description(description or None))


def check_confidence(confidence: float) -> float:
    try:
        value = float(confidence)
    except (TypeError, ValueError):
        raise ValidationError(f"Confidence '{confidence}' is not a number between 0 and 1.",
                              field="confidence") from None
    if math.isnan(value):
        raise ValidationError(f"Confidence '{confidence}' is not a number between 0 and 1.",
                              field="confidence")
    if not 0.0 <= value <= 1.0:
        raise ValidationError(f"Confidence {confidence} is outside 0.0-1.0: use a value from "
                              f"0.0 (unsure) to 1.0 (certain).", field="confidence")
    return value


def check_times(start_ms: int, end_ms: int, duration_ms: int, filename: str) -> tuple[int, int]:
    # numbers.Integral / numbers.Real also admit numpy scalars (times computed from
    # sample positions); bools are numbers to Python but never a time.
    for label, value in (("start_ms", start_ms), ("end_ms", end_ms)):
        whole = isinstance(value, numbers.Integral) or (
            isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer())
        if isinstance(value, bool) or not whole:
            raise ValidationError(f"{label} must be a whole number of milliseconds, not {value!r}.",
                                  field=label)
    start, end = int(start_ms), int(end_ms)
    if start < 0:
        raise ValidationError(f"start_ms {start} is negative; times start at 0.", field="start_ms")
    if start >= end:
        raise ValidationError(f"start_ms {start} must be before end_ms {end}.", field="end_ms")
    if end > duration_ms:
        raise ValidationError(
            f"end_ms {end} is beyond the end of '{filename}' ({duration_ms} ms).", field="end_ms")
    return start, end
