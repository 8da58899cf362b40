"""Audacity label track: ``start<TAB>end<TAB>label`` in seconds, one .txt per audio file.

Audacity writes six decimals ("1.001000"); so does the export. Spectral-selection labels
add a row that starts with a backslash (``\\<TAB>low Hz<TAB>high Hz``) under the label:
import ignores those rows. The label is the artifact type. The file is named after the
audio file (``clip01.txt`` for clip01.wav).
"""

from __future__ import annotations

from pathlib import Path

from app.core.entities import Dataset
from app.formats.export_model import AudioAnnotations
from app.formats.matching import stem
from app.formats.output import clean_text, write_text_atomically
from app.formats.records import FormatError, LabelRecord, Location, ParsedFile, display_name
from app.formats.textfile import read_text
from app.formats.timecodes import ms_to_seconds_text, seconds_to_ms

EXTENSIONS = (".txt",)


def parse(path: Path, known_types: frozenset[str] = frozenset()) -> ParsedFile:
    name = display_name(path)
    parsed = ParsedFile(path)
    audio_names = (stem(path.name),)
    for number, raw in enumerate(read_text(path).split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line.lstrip().startswith("\\"):
            continue  # frequency range of the label above
        location = Location(name, number)
        fields = line.split("\t", 2)
        if len(fields) < 2:  # hand-written files sometimes use spaces
            fields = line.split(None, 2)
        if len(fields) < 2:
            raise FormatError(location, f"expected start and end seconds and a label separated "
                                        f"by tabs, found '{line[:60]}'.")
        start_ms = seconds_to_ms(fields[0], location, "start")
        end_ms = seconds_to_ms(fields[1], location, "end")
        label = fields[2].strip() if len(fields) > 2 else ""
        parsed.records.append(LabelRecord(location, audio_names, label, start_ms, end_ms))
    return parsed


def write_audio(dataset: Dataset, item: AudioAnnotations, path: Path) -> None:
    lines = [f"{ms_to_seconds_text(a.start_ms, 6)}\t{ms_to_seconds_text(a.end_ms, 6)}\t"
             f"{clean_text(a.artifact_type, single_line=True)}\n" for a in item.annotations]
    write_text_atomically(path, "".join(lines))
