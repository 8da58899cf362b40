"""Praat TextGrid: one interval tier per artifact type, per audio file.

Writing uses praatio (long text form, UTF-8, which Praat reads). Reading follows Praat's
own rule for its text files instead of praatio's line-oriented reader: Praat reads only
free-standing numbers, texts in double quotes and ``<flags>``, and ignores everything else
("xmin =", "item [1]:"), so one reader takes the long and the short form alike. praatio's
reader silently returns fewer intervals from a truncated short file, drops the minus sign
of negative times and rejects exponents ("1e-05"); this one reports each of those with
its line. Files may be UTF-8 or UTF-16 (Praat writes UTF-16 with a BOM when a label is not
ASCII).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path

from praatio import textgrid as praat_textgrid
from praatio.data_classes.interval_tier import IntervalTier

from app.core.entities import Dataset
from app.formats.export_model import AudioAnnotations
from app.formats.matching import stem
from app.formats.output import write_atomically
from app.formats.records import (
    POINT_TIER,
    FormatError,
    LabelRecord,
    Location,
    ParsedFile,
    Problem,
    display_name,
)
from app.formats.textfile import decode_text, read_bytes
from app.formats.tiers import label_text, layout_tiers, read_tier
from app.formats.timecodes import parse_decimal, seconds_to_ms

EXTENSIONS = (".TextGrid",)
INTERVAL_TIER = "IntervalTier"
TEXT_TIER = "TextTier"
MAX_COUNT = 10_000_000

_TOKEN = re.compile(r'''
    (?P<string>"(?:[^"]|"")*")      # a text: "" inside is one quote
  | (?P<open>")                     # a quote that is never closed
  | (?P<comment>![^\n]*)            # Praat comment, to the end of the line
  | (?P<flag><[^<>\s"]*>)           # <exists>, <absent>
  | (?P<word>[^\s"]+)               # a number, or a word Praat ignores (xmin, =, [1]:)
''', re.VERBOSE)
_NUMBERISH = re.compile(r"^[+-]?(?:[\d.]+(?:[eE][+-]?\d+)?|nan|inf|infinity|--undefined--)$",
                        re.IGNORECASE)


@dataclass(frozen=True)
class _Token:
    kind: str  # "string", "number", "flag"
    value: str
    line: int


class _Tokens:
    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.tokens = list(self._scan(text))
        self.position = 0

    def _scan(self, text: str):
        newlines = [match.start() for match in re.finditer("\n", text)]
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            line = bisect.bisect_right(newlines, match.start()) + 1
            if kind == "string":
                yield _Token("string", match.group()[1:-1].replace('""', '"'), line)
            elif kind == "open":
                raise FormatError(Location(self.name, line),
                                  "a text in quotes is never closed (truncated file?).")
            elif kind == "flag":
                yield _Token("flag", match.group(), line)
            elif kind == "word" and _NUMBERISH.match(match.group()):
                yield _Token("number", match.group(), line)

    def last_line(self) -> int | None:
        return self.tokens[-1].line if self.tokens else None

    def next(self, kind: str, what: str) -> _Token:
        if self.position >= len(self.tokens):
            raise FormatError(Location(self.name, self.last_line()),
                              f"the file ends where {what} should be (truncated file?).")
        token = self.tokens[self.position]
        if token.kind != kind:
            found = f'"{token.value}"' if token.kind == "string" else token.value
            expected = {"number": "a number", "string": "a text in quotes",
                        "flag": "<exists> or <absent>"}[kind]
            raise FormatError(Location(self.name, token.line),
                              f"expected {expected} for {what}, found {found[:40]}.")
        self.position += 1
        return token

    def count(self, what: str) -> int:
        token = self.next("number", what)
        value = parse_decimal(token.value, Location(self.name, token.line), what)
        if value != value.to_integral_value() or not 0 <= value <= MAX_COUNT:
            raise FormatError(Location(self.name, token.line),
                              f"{what} {token.value} is not a count.")
        return int(value)

    def remaining(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None


@dataclass
class _Interval:
    start_ms: int
    end_ms: int
    text: str
    line: int
    index: int


@dataclass
class _Tier:
    name: str
    kind: str
    line: int
    intervals: list[_Interval]
    point_count: int = 0


def _read_tiers(text: str, name: str) -> list[_Tier]:
    tokens = _Tokens(text, name)
    if not tokens.tokens or tokens.tokens[0].kind != "string":
        raise FormatError(Location(name, 1), 'not a Praat TextGrid: it does not start with '
                                             'File type = "ooTextFile".')
    file_type = tokens.next("string", "the file type").value
    if "chronological" in file_type:
        raise FormatError(Location(name, 1), "a chronological TextGrid is not supported: in "
                                             "Praat, save it with Save as text file.")
    if not file_type.startswith("ooTextFile"):
        raise FormatError(Location(name, 1), f'not a Praat text file (file type "{file_type}").')
    object_class = tokens.next("string", "the object class")
    if not object_class.value.startswith("TextGrid"):
        raise FormatError(Location(name, object_class.line),
                          f'is a Praat "{object_class.value}", not a TextGrid.')
    for what in ("the TextGrid's xmin", "the TextGrid's xmax"):
        token = tokens.next("number", what)
        parse_decimal(token.value, Location(name, token.line), what)
    flag = tokens.next("flag", "the tiers flag")
    tier_count = tokens.count("the number of tiers") if flag.value == "<exists>" else 0
    tiers: list[_Tier] = []
    for tier_index in range(1, tier_count + 1):
        where = f"tier {tier_index} of {tier_count}"
        tier_class = tokens.next("string", f"the class of {where}")
        tier_name = tokens.next("string", f"the name of {where}").value
        where = f"tier '{tier_name}'"
        tokens.next("number", f"the xmin of {where}")
        tokens.next("number", f"the xmax of {where}")
        if tier_class.value == INTERVAL_TIER:
            size = tokens.count(f"the number of intervals of {where}")
            tier = _Tier(tier_name, INTERVAL_TIER, tier_class.line, [])
            for number in range(1, size + 1):
                part = f"interval {number} of {size} in {where}"
                start = tokens.next("number", f"the xmin of {part}")
                end = tokens.next("number", f"the xmax of {part}")
                label = tokens.next("string", f"the text of {part}")
                detail = f"{where}, interval {number}"
                tier.intervals.append(_Interval(
                    seconds_to_ms(start.value, Location(name, start.line, detail), "xmin"),
                    seconds_to_ms(end.value, Location(name, end.line, detail), "xmax"),
                    label.value, start.line, number))
        elif tier_class.value == TEXT_TIER:
            size = tokens.count(f"the number of points of {where}")
            for number in range(1, size + 1):
                part = f"point {number} of {size} in {where}"
                tokens.next("number", f"the time of {part}")
                tokens.next("string", f"the mark of {part}")
            tier = _Tier(tier_name, TEXT_TIER, tier_class.line, [], point_count=size)
        else:
            raise FormatError(Location(name, tier_class.line),
                              f'unknown tier class "{tier_class.value}" (expected IntervalTier '
                              f'or TextTier).')
        tiers.append(tier)
    extra = tokens.remaining()
    if extra is not None:
        raise FormatError(Location(name, extra.line),
                          f"more data after the last of the {tier_count} tiers the file "
                          f"announces.")
    return tiers


def parse(path: Path, known_types: frozenset[str] = frozenset()) -> ParsedFile:
    name = display_name(path)
    data = read_bytes(path)
    if data.lstrip().startswith(b"ooBinaryFile"):
        raise FormatError(Location(name, 1), "a binary TextGrid is not supported: in Praat, "
                                             "save it with Save as text file.")
    tiers = _read_tiers(decode_text(data, path), name)
    audio_names = (stem(path.name),)
    parsed = ParsedFile(path)
    tier_names = [tier.name for tier in tiers]
    for tier in tiers:
        if tier.kind == TEXT_TIER:
            if tier.point_count:
                parsed.problems.append(Problem(
                    Location(name, tier.line, f"tier '{tier.name}'"), POINT_TIER,
                    f"point tier with {tier.point_count} points skipped: annotations need a "
                    f"start and an end."))
            continue
        labeled = [interval for interval in tier.intervals if interval.text.strip()]
        reading = read_tier(tier.name, [i.text for i in labeled], known_types, tier_names)
        for interval in labeled:  # unlabeled intervals are the gaps between annotations
            artifact_type, note = reading.type_and_note(interval.text)
            parsed.records.append(LabelRecord(
                location=Location(name, interval.line,
                                  f"tier '{tier.name}', interval {interval.index}"),
                audio_names=audio_names, artifact_type=artifact_type,
                start_ms=interval.start_ms, end_ms=interval.end_ms, note=note))
    return parsed


def write_audio(dataset: Dataset, item: AudioAnnotations, path: Path) -> None:
    """One long-form TextGrid for one audio file, spanning the whole audio."""
    end_ms = max([item.audio.duration_ms, 1] + [a.end_ms for a in item.annotations])
    grid = praat_textgrid.Textgrid(0, end_ms / 1000)
    for tier in layout_tiers(dataset.type_names(), item.annotations):
        entries = [(a.start_ms / 1000, a.end_ms / 1000, label_text(a)) for a in tier.annotations]
        grid.addTier(IntervalTier(tier.name, entries, 0, end_ms / 1000), reportingMode="error")
    write_atomically(path, lambda target: grid.save(
        str(target), format="long_textgrid", includeBlankSpaces=True,
        minimumIntervalLength=None, reportingMode="error"))
