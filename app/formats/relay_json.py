"""The platform's bulk-annotation shape, one JSON file for the whole set.

``{"annotations": [{"audio_file_id", "original_filename", "artifact_type", "start_ms",
"end_ms", "confidence", "extra_data": {"note"}}]}``: the body of
``POST .../annotations/bulk`` plus the audio's original file name, which is what import
matches on (an ``audio_file_id`` of this dataset wins). A bare list of items is accepted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.formats.export_model import ExportInput
from app.formats.json_input import load_json, text_field
from app.formats.output import write_text_atomically
from app.formats.records import FormatError, LabelRecord, Location, ParsedFile, display_name
from app.formats.timecodes import ms_value, parse_confidence

EXTENSIONS = (".json",)


def parse(path: Path, known_types: frozenset[str] = frozenset()) -> ParsedFile:
    name = display_name(path)
    document = load_json(path)
    if isinstance(document, dict) and isinstance(document.get("annotations"), list):
        items, prefix = document["annotations"], "annotations"
    elif isinstance(document, list):
        items, prefix = document, ""
    else:
        raise FormatError(Location(name), "expected an object with an \"annotations\" list (the "
                                          "platform's bulk-annotation shape) or a list.")
    parsed = ParsedFile(path)
    for index, item in enumerate(items):
        location = Location(name, None, f"{prefix}[{index}]")
        parsed.records.append(parse_item(item, location, require_name=True))
    return parsed


def parse_item(item: Any, location: Location, require_name: bool,
               default_names: tuple[str, ...] = ()) -> LabelRecord:
    """One annotation or detection object (shared with the detections format)."""
    if not isinstance(item, dict):
        raise FormatError(location, "each entry must be an object with artifact_type, "
                                    "start_ms and end_ms.")
    filename = text_field(item, "original_filename", location, required=False)
    audio_id = text_field(item, "audio_file_id", location, required=False)
    if filename is None and audio_id is None and require_name and not default_names:
        raise FormatError(location, "'original_filename' is missing: import needs it to find "
                                    "the audio file.")
    artifact_type = item.get("artifact_type")
    if artifact_type is None:
        raise FormatError(location, "'artifact_type' is missing.")
    if not isinstance(artifact_type, str):
        raise FormatError(location, "'artifact_type' must be a string.")
    for key in ("start_ms", "end_ms"):
        if key not in item:
            raise FormatError(location, f"'{key}' is missing.")
    confidence = item.get("confidence")
    extra = item.get("extra_data")
    note = item.get("note")
    if isinstance(extra, dict) and note is None:
        note = extra.get("note")
    if note is not None and not isinstance(note, str):
        raise FormatError(location, "'note' must be a string.")
    return LabelRecord(
        location=location,
        audio_names=(filename,) if filename else default_names,
        artifact_type=artifact_type.strip(),
        start_ms=ms_value(item["start_ms"], location, "start_ms"),
        end_ms=ms_value(item["end_ms"], location, "end_ms"),
        confidence=None if confidence is None else parse_confidence(confidence, location),
        note=note if note and note.strip() else None,
        audio_id=audio_id)


def write(export: ExportInput, path: Path) -> None:
    items = []
    for audio, annotation in export.rows():
        item: dict[str, Any] = {
            "audio_file_id": audio.id,
            "original_filename": audio.original_filename,
            "artifact_type": annotation.artifact_type,
            "start_ms": annotation.start_ms,
            "end_ms": annotation.end_ms,
            "confidence": float(annotation.confidence),
        }
        if annotation.note:
            item["extra_data"] = {"note": annotation.note}
        items.append(item)
    write_text_atomically(path, json.dumps({"annotations": items}, indent=2,
                                           ensure_ascii=False) + "\n")
