"""Tiers for formats that cannot overlap within a tier (Praat TextGrid, ELAN).

Export: one tier per artifact type, named after it; annotations of one type that overlap
go to extra tiers ``glitch_2``, ``glitch_3`` ... (the fewest tiers possible). Every type of
the dataset gets its tier, even an empty one, so a file exported for an unlabeled clip is
ready to be labeled in Praat or ELAN and imported back.

Import: a tier's name gives the type of its labels: a type name as is, or an extra tier
``<type>_<n>``. A tier whose name is no type but whose every label is one (a single
"artifacts" tier labeled "glitch", "long_pause", ...) gives each label its own type. The
label text becomes the annotation's note unless it only repeats the type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.entities import Annotation
from app.formats.output import clean_text

_NUMBERED = re.compile(r"^(.+)_(\d+)$")


@dataclass(frozen=True)
class ExportTier:
    name: str
    artifact_type: str
    annotations: tuple[Annotation, ...]


def layout_tiers(type_names: Sequence[str], annotations: Iterable[Annotation]) -> list[ExportTier]:
    """Non-overlapping tiers in the dataset's type order (touching intervals may share one)."""
    by_type: dict[str, list[Annotation]] = {name: [] for name in type_names}
    for annotation in annotations:
        by_type.setdefault(annotation.artifact_type, []).append(annotation)
    taken = set(by_type)
    tiers: list[ExportTier] = []
    for type_name, items in by_type.items():
        lanes: list[list[Annotation]] = []
        for annotation in sorted(items, key=lambda a: (a.start_ms, a.end_ms, a.id)):
            for lane in lanes:
                if lane[-1].end_ms <= annotation.start_ms:
                    lane.append(annotation)
                    break
            else:
                lanes.append([annotation])
        if not lanes:
            lanes.append([])
        base = clean_text(type_name, single_line=True)
        for index, lane in enumerate(lanes):
            name = base if index == 0 else _free_name(base, index + 1, taken)
            taken.add(name)
            tiers.append(ExportTier(name, type_name, tuple(lane)))
    return tiers


def _free_name(type_name: str, number: int, taken: set[str]) -> str:
    while f"{type_name}_{number}" in taken:
        number += 1
    return f"{type_name}_{number}"


def label_text(annotation: Annotation) -> str:
    """What an exported interval says: the note, or else the type (never empty: an empty
    interval is a gap in Praat)."""
    note = clean_text(annotation.note or "").strip()
    return note or clean_text(annotation.artifact_type)


@dataclass(frozen=True)
class TierReading:
    """How to read one tier: every label is of ``artifact_type``, or (None) the labels are
    the types themselves."""

    artifact_type: str | None
    matched: bool = True  # False: the tier name is no type of the dataset (it may become one)

    def type_and_note(self, label: str) -> tuple[str, str | None]:
        text = label.strip()
        if self.artifact_type is None:
            return text, None
        if not text or text == self.artifact_type:
            return self.artifact_type, None
        return self.artifact_type, label


def read_tier(tier_name: str, labels: Sequence[str], known_types: Iterable[str],
              tier_names: Iterable[str]) -> TierReading:
    known = set(known_types)
    in_file = set(tier_names)
    if tier_name in known:
        return TierReading(tier_name)
    numbered = _NUMBERED.match(tier_name)
    if numbered and int(numbered.group(2)) >= 2:
        base = numbered.group(1)
        if base in known or base in in_file:
            return TierReading(base)
    texts = [label.strip() for label in labels if label.strip()]
    if texts and all(text in known for text in texts):
        return TierReading(None)
    return TierReading(tier_name.strip(), matched=False)
