"""CSV with a header: ``original_filename,artifact_type,start_ms,end_ms,confidence,note``.

Columns are found by their header names (any order; extra columns are ignored);
confidence and note may be left out. UTF-8, with or without the BOM Excel writes.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from app.formats.export_model import ExportInput
from app.formats.output import clean_text, write_text_atomically
from app.formats.records import FormatError, LabelRecord, Location, ParsedFile, display_name
from app.formats.textfile import read_text
from app.formats.timecodes import ms_value, parse_confidence

EXTENSIONS = (".csv",)
COLUMNS = ("original_filename", "artifact_type", "start_ms", "end_ms", "confidence", "note")
REQUIRED = COLUMNS[:4]


def parse(path: Path, known_types: frozenset[str] = frozenset()) -> ParsedFile:
    name = display_name(path)
    reader = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    parsed = ParsedFile(path)
    header = _next_row(reader, name)
    if header is None:
        raise FormatError(Location(name, 1), f"the file is empty; the first line must be the "
                                             f"header {','.join(COLUMNS)}.")
    columns = _columns(header, name)
    while True:
        line = reader.line_num + 1
        row = _next_row(reader, name)
        if row is None:
            break
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise FormatError(Location(name, line),
                              f"has {len(row)} fields but the header has {len(header)} "
                              f"({','.join(header)}); a column is missing or a value contains "
                              f"an unquoted comma.")
        parsed.records.append(_record(row, columns, Location(name, line)))
    return parsed


def _next_row(reader, name: str) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as error:
        raise FormatError(Location(name, reader.line_num), f"CSV syntax error: {error}.") from None


def _columns(header: list[str], name: str) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = cell.strip().lower()
        if key in columns and key in COLUMNS:
            raise FormatError(Location(name, 1), f"the header names column '{key}' twice.")
        columns.setdefault(key, index)
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise FormatError(Location(name, 1),
                          f"the header lacks {', '.join(missing)}; it must name the columns "
                          f"{','.join(COLUMNS)} (confidence and note are optional).")
    return columns


def _record(row: list[str], columns: dict[str, int], location: Location) -> LabelRecord:
    def cell(column: str) -> str:
        index = columns.get(column)
        return row[index] if index is not None else ""

    filename = cell("original_filename").strip()
    if not filename:
        raise FormatError(location, "original_filename is empty.")
    confidence_text = cell("confidence").strip()
    note = cell("note")
    return LabelRecord(
        location=location, audio_names=(filename,), artifact_type=cell("artifact_type").strip(),
        start_ms=ms_value(cell("start_ms"), location, "start_ms"),
        end_ms=ms_value(cell("end_ms"), location, "end_ms"),
        confidence=parse_confidence(confidence_text, location) if confidence_text else None,
        note=note if note.strip() else None)


def write(export: ExportInput, path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for audio, annotation in export.rows():
        writer.writerow([audio.original_filename, clean_text(annotation.artifact_type),
                         annotation.start_ms, annotation.end_ms,
                         repr(float(annotation.confidence)), clean_text(annotation.note or "")])
    write_text_atomically(path, buffer.getvalue())
