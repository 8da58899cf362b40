"""The platform's inference output, imported as annotations that keep their confidence.

Accepted shapes (the platform documents none of them; these are assumed, see the README):
one file's result ``{"original_filename", "detections": [...]}``, a whole inference job
``{"files": [{"original_filename", "detections": [...]}, ...]}``, or a bare list of
detections. A detection is ``{"artifact_type", "start_ms", "end_ms", "confidence"}``.
When a file's result names no audio (``original_filename`` or ``filename``), the JSON
file's own name is used ("clip01.json" for clip01.wav).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from app.formats.json_input import load_json, text_field
from app.formats.matching import stem
from app.formats.records import FormatError, Location, ParsedFile, display_name
from app.formats.relay_json import parse_item

EXTENSIONS = (".json",)


def parse(path: Path, known_types: frozenset[str] = frozenset()) -> ParsedFile:
    name = display_name(path)
    document = load_json(path)
    parsed = ParsedFile(path)
    fallback = (stem(path.name),)
    if isinstance(document, dict) and isinstance(document.get("files"), list):
        for index, result in enumerate(document["files"]):
            _file_result(parsed, result, Location(name, None, f"files[{index}]"), fallback)
    elif isinstance(document, dict) and isinstance(document.get("detections"), list):
        _file_result(parsed, document, Location(name), fallback)
    elif isinstance(document, list):
        _detections(parsed, document, Location(name), "", fallback, None)
    else:
        raise FormatError(Location(name), 'expected inference results: an object with '
                                          'a "detections" list, a job with a "files" list, or a '
                                          'list of detections.')
    return parsed


def _file_result(parsed: ParsedFile, result: Any, location: Location,
                 fallback: tuple[str, ...]) -> None:
    if not isinstance(result, dict) or not isinstance(result.get("detections"), list):
        raise FormatError(location, 'expected an object with a "detections" list.')
    names = tuple(n for n in (text_field(result, "original_filename", location, False),
                              text_field(result, "filename", location, False)) if n)
    audio_id = (text_field(result, "audio_file_id", location, False)
                or text_field(result, "audio_id", location, False))
    prefix = f"{location.detail}." if location.detail else ""
    _detections(parsed, result["detections"], location, f"{prefix}detections",
                names or fallback, audio_id)


def _detections(parsed: ParsedFile, detections: list, location: Location, prefix: str,
                names: tuple[str, ...], audio_id: str | None) -> None:
    for index, detection in enumerate(detections):
        where = Location(location.file, None, f"{prefix}[{index}]")
        record = parse_item(detection, where, require_name=False, default_names=names)
        if record.audio_id is None and audio_id is not None:
            record = replace(record, audio_id=audio_id)
        parsed.records.append(record)
