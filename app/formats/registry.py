"""The annotation file formats: names (as the command line spells them), what each can do.

A format writes one file for the whole set (``write``) or one file per audio file
(``write_audio``, into a folder), and reads files with ``parse(path, known_types)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.entities import Dataset
from app.core.errors import ValidationError
from app.formats import audacity, csv_table, eaf, relay_detections, relay_json, textgrid
from app.formats.export_model import AudioAnnotations, ExportInput
from app.formats.records import ParsedFile

Parser = Callable[[Path, frozenset[str]], ParsedFile]


@dataclass(frozen=True)
class FormatSpec:
    name: str
    title: str
    extensions: tuple[str, ...]
    carries_confidence: bool
    carries_note: bool
    parse: Parser | None = None
    write: Callable[[ExportInput, Path], None] | None = None
    write_audio: Callable[[Dataset, AudioAnnotations, Path], None] | None = None

    @property
    def per_audio_file(self) -> bool:
        """Export writes one file per audio file into a folder."""
        return self.write_audio is not None

    @property
    def can_import(self) -> bool:
        return self.parse is not None

    @property
    def can_export(self) -> bool:
        return self.write is not None or self.write_audio is not None

    @property
    def file_filter(self) -> str:
        """For file dialogs: ``Praat TextGrid (*.TextGrid)``."""
        return f"{self.title} ({' '.join('*' + e for e in self.extensions)})"


FORMATS: dict[str, FormatSpec] = {spec.name: spec for spec in (
    FormatSpec("relay-json", "Platform JSON (bulk annotations)", relay_json.EXTENSIONS,
               carries_confidence=True, carries_note=True,
               parse=relay_json.parse, write=relay_json.write),
    FormatSpec("relay-detections", "Platform inference detections", relay_detections.EXTENSIONS,
               carries_confidence=True, carries_note=False, parse=relay_detections.parse),
    FormatSpec("csv", "CSV table", csv_table.EXTENSIONS, carries_confidence=True,
               carries_note=True, parse=csv_table.parse, write=csv_table.write),
    FormatSpec("audacity", "Audacity labels", audacity.EXTENSIONS, carries_confidence=False,
               carries_note=False, parse=audacity.parse, write_audio=audacity.write_audio),
    FormatSpec("textgrid", "Praat TextGrid", textgrid.EXTENSIONS, carries_confidence=False,
               carries_note=True, parse=textgrid.parse, write_audio=textgrid.write_audio),
    FormatSpec("eaf", "ELAN annotation file", eaf.EXTENSIONS, carries_confidence=False,
               carries_note=True, parse=eaf.parse, write_audio=eaf.write_audio),
)}

IMPORT_FORMATS = tuple(name for name, spec in FORMATS.items() if spec.can_import)
EXPORT_FORMATS = tuple(name for name, spec in FORMATS.items() if spec.can_export)


def get_format(name: str, *, for_export: bool = False) -> FormatSpec:
    names = EXPORT_FORMATS if for_export else IMPORT_FORMATS
    spec = FORMATS.get(name)
    if spec is None or name not in names:
        raise ValidationError(f"Unknown {'export' if for_export else 'import'} format '{name}'; "
                              f"choose one of: {', '.join(names)}.", field="format")
    return spec
