"""ELAN annotation files (.eaf, EAF 3.0): one tier per artifact type, per audio file.

Times are milliseconds in ``TIME_ORDER/TIME_SLOT``; an ``ALIGNABLE_ANNOTATION`` points at
two slots, a ``REF_ANNOTATION`` (dependent tier) takes the times of the annotation it
refers to. The audio is named by the ``MEDIA_DESCRIPTOR`` (RELATIVE_MEDIA_URL, then
MEDIA_URL), then by the .eaf file's own name; ``TIME_ORIGIN`` (media offset) is honoured.
The XML is parsed by a hardened parser (see ``xml_safe``).
"""

from __future__ import annotations

import mimetypes
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from app.core.entities import Dataset
from app.formats.export_model import AudioAnnotations
from app.formats.matching import base_name, stem
from app.formats.output import write_atomically
from app.formats.records import (
    DEPENDENT_TIER,
    NO_TIME,
    FormatError,
    LabelRecord,
    Location,
    ParsedFile,
    Problem,
    display_name,
)
from app.formats.textfile import read_bytes
from app.formats.tiers import label_text, layout_tiers, read_tier
from app.formats.timecodes import ms_value
from app.formats.xml_safe import Element, parse_xml

EXTENSIONS = (".eaf",)
LINGUISTIC_TYPE = "default-lt"
_MIME = {".wav": "audio/x-wav", ".mp3": "audio/mpeg", ".flac": "audio/flac",
         ".ogg": "audio/ogg", ".opus": "audio/ogg", ".m4a": "audio/mp4",
         ".aif": "audio/x-aiff", ".aiff": "audio/x-aiff"}


@dataclass
class _Entry:
    annotation_id: str
    value: str
    line: int
    start_ms: int | None = None
    end_ms: int | None = None
    ref: str | None = None


def _required(element: Element, attribute: str, name: str) -> str:
    value = element.attributes.get(attribute)
    if not value:
        raise FormatError(Location(name, element.line),
                          f"<{element.tag}> lacks its {attribute} attribute.")
    return value


def _audio_names(root: Element, name: str, path: Path) -> tuple[tuple[str, ...], int]:
    header = root.find("HEADER")
    names: list[str] = []
    origin = 0
    if header is not None:
        units = header.attributes.get("TIME_UNITS", "milliseconds")
        if units != "milliseconds":
            raise FormatError(Location(name, header.line),
                              f"TIME_UNITS '{units}' is not supported (ELAN writes milliseconds).")
        descriptors = sorted(header.find_all("MEDIA_DESCRIPTOR"),
                             key=lambda d: not d.attributes.get("MIME_TYPE", "").startswith("audio"))
        for index, descriptor in enumerate(descriptors):
            for attribute in ("RELATIVE_MEDIA_URL", "MEDIA_URL"):
                url = descriptor.attributes.get(attribute, "").strip()
                if url:
                    names.append(base_name(unquote(urlparse(url).path or url)))
            if index == 0 and descriptor.attributes.get("TIME_ORIGIN"):
                origin = ms_value(descriptor.attributes["TIME_ORIGIN"],
                                  Location(name, descriptor.line), "TIME_ORIGIN")
        if header.attributes.get("MEDIA_FILE"):
            names.append(base_name(header.attributes["MEDIA_FILE"]))
    names.append(stem(path.name))
    return tuple(dict.fromkeys(n for n in names if n)), origin


def parse(path: Path, known_types: frozenset[str] = frozenset()) -> ParsedFile:
    name = display_name(path)
    root = parse_xml(read_bytes(path), name)
    if root.tag != "ANNOTATION_DOCUMENT":
        raise FormatError(Location(name, root.line),
                          f"not an ELAN file: the root element is <{root.tag}>, not "
                          f"<ANNOTATION_DOCUMENT>.")
    audio_names, origin = _audio_names(root, name, path)

    slots: dict[str, int | None] = {}
    for time_order in root.find_all("TIME_ORDER"):
        for slot in time_order.find_all("TIME_SLOT"):
            slot_id = _required(slot, "TIME_SLOT_ID", name)
            if slot_id in slots:
                raise FormatError(Location(name, slot.line), f"time slot '{slot_id}' is defined twice.")
            value = slot.attributes.get("TIME_VALUE")
            slots[slot_id] = None if value is None else ms_value(
                value, Location(name, slot.line, f"time slot {slot_id}"), "TIME_VALUE")

    tiers: list[tuple[str, str | None, int, list[_Entry]]] = []
    entries_by_id: dict[str, _Entry] = {}
    for tier in root.find_all("TIER"):
        tier_id = _required(tier, "TIER_ID", name)
        entries: list[_Entry] = []
        for annotation in tier.find_all("ANNOTATION"):
            for child in annotation.children:
                entry = _entry(child, slots, name)
                if entry is None:
                    continue
                if entry.annotation_id in entries_by_id:
                    raise FormatError(Location(name, child.line),
                                      f"annotation id '{entry.annotation_id}' is used twice.")
                entries_by_id[entry.annotation_id] = entry
                entries.append(entry)
        tiers.append((tier_id, tier.attributes.get("PARENT_REF"), tier.line, entries))
    _resolve_references(entries_by_id, name)

    parsed = ParsedFile(path)
    tier_ids = [tier_id for tier_id, _, _, _ in tiers]
    for tier_id, parent, line, entries in tiers:
        reading = read_tier(tier_id, [e.value for e in entries], known_types, tier_ids)
        if parent and not reading.matched:
            # Comments, transcriptions ... on the annotations of another tier.
            if entries:
                parsed.problems.append(Problem(
                    Location(name, line, f"tier '{tier_id}'"), DEPENDENT_TIER,
                    f"dependent tier of '{parent}' is not an artifact type of the dataset; "
                    f"its {len(entries)} annotations skipped."))
            continue
        for entry in entries:
            location = Location(name, entry.line, f"tier '{tier_id}', annotation {entry.annotation_id}")
            if entry.start_ms is None or entry.end_ms is None:
                parsed.problems.append(Problem(location, NO_TIME,
                                               "the annotation is not aligned to a time; skipped."))
                continue
            artifact_type, note = reading.type_and_note(entry.value)
            parsed.records.append(LabelRecord(location, audio_names, artifact_type,
                                              entry.start_ms + origin, entry.end_ms + origin,
                                              note=note))
    return parsed


def _entry(child: Element, slots: dict[str, int | None], name: str) -> _Entry | None:
    value_element = child.find("ANNOTATION_VALUE")
    value = value_element.text if value_element is not None else ""
    if child.tag == "ALIGNABLE_ANNOTATION":
        times = []
        for attribute in ("TIME_SLOT_REF1", "TIME_SLOT_REF2"):
            slot_id = _required(child, attribute, name)
            if slot_id not in slots:
                raise FormatError(Location(name, child.line),
                                  f"{attribute} refers to time slot '{slot_id}', which "
                                  f"TIME_ORDER does not define.")
            times.append(slots[slot_id])
        return _Entry(_required(child, "ANNOTATION_ID", name), value, child.line, times[0], times[1])
    if child.tag == "REF_ANNOTATION":
        return _Entry(_required(child, "ANNOTATION_ID", name), value, child.line,
                      ref=_required(child, "ANNOTATION_REF", name))
    return None


def _resolve_references(entries: dict[str, _Entry], name: str) -> None:
    for entry in entries.values():
        seen: set[str] = set()
        target = entry
        while target.ref is not None:
            if target.annotation_id in seen:
                raise FormatError(Location(name, entry.line),
                                  f"annotation '{entry.annotation_id}' refers to itself in a loop.")
            seen.add(target.annotation_id)
            referred = entries.get(target.ref)
            if referred is None:
                raise FormatError(Location(name, target.line),
                                  f"ANNOTATION_REF '{target.ref}' names no annotation.")
            target = referred
        entry.start_ms, entry.end_ms = target.start_ms, target.end_ms


def write_audio(dataset: Dataset, item: AudioAnnotations, path: Path) -> None:
    audio = item.audio
    document = ET.Element("ANNOTATION_DOCUMENT", {
        "AUTHOR": "",
        "DATE": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "FORMAT": "3.0", "VERSION": "3.0",
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"})
    header = ET.SubElement(document, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    suffix = Path(audio.original_filename).suffix.lower()
    mime = _MIME.get(suffix) or mimetypes.guess_type(audio.original_filename)[0] or "unknown"
    ET.SubElement(header, "MEDIA_DESCRIPTOR", {
        "MEDIA_URL": (path.parent.resolve() / audio.original_filename).as_uri(),
        "MIME_TYPE": mime,
        "RELATIVE_MEDIA_URL": f"./{quote(audio.original_filename)}"})
    tiers = layout_tiers(dataset.type_names(), item.annotations)
    # Two slots per annotation, as ELAN makes them: a shared slot would tie the boundaries
    # of annotations in different tiers together when one is dragged in ELAN.
    slots = sorted(((a.start_ms if edge == 0 else a.end_ms, a.id, edge)
                    for tier in tiers for a in tier.annotations for edge in (0, 1)))
    slot_ids = {(annotation_id, edge): f"ts{index}"
                for index, (_, annotation_id, edge) in enumerate(slots, start=1)}
    annotation_count = sum(len(tier.annotations) for tier in tiers)
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(annotation_count)
    time_order = ET.SubElement(document, "TIME_ORDER")
    for index, (value, _, _) in enumerate(slots, start=1):
        ET.SubElement(time_order, "TIME_SLOT", {"TIME_SLOT_ID": f"ts{index}",
                                                "TIME_VALUE": str(value)})
    number = 0
    for tier in tiers:
        tier_element = ET.SubElement(document, "TIER", {"LINGUISTIC_TYPE_REF": LINGUISTIC_TYPE,
                                                        "TIER_ID": tier.name})
        for annotation in tier.annotations:
            number += 1
            alignable = ET.SubElement(ET.SubElement(tier_element, "ANNOTATION"),
                                      "ALIGNABLE_ANNOTATION", {
                                          "ANNOTATION_ID": f"a{number}",
                                          "TIME_SLOT_REF1": slot_ids[(annotation.id, 0)],
                                          "TIME_SLOT_REF2": slot_ids[(annotation.id, 1)]})
            ET.SubElement(alignable, "ANNOTATION_VALUE").text = label_text(annotation)
    ET.SubElement(document, "LINGUISTIC_TYPE", {"GRAPHIC_REFERENCES": "false",
                                                "LINGUISTIC_TYPE_ID": LINGUISTIC_TYPE,
                                                "TIME_ALIGNABLE": "true"})
    for stereotype, description in (
            ("Time_Subdivision", "Time subdivision of parent annotation's time interval, no "
                                 "time gaps allowed within this interval"),
            ("Symbolic_Subdivision", "Symbolic subdivision of a parent annotation. Annotations "
                                     "refering to the same parent are ordered"),
            ("Symbolic_Association", "1-1 association with a parent annotation"),
            ("Included_In", "Time alignable annotations within the parent annotation's time "
                            "interval, gaps are allowed")):
        ET.SubElement(document, "CONSTRAINT", {"DESCRIPTION": description,
                                               "STEREOTYPE": stereotype})
    ET.indent(document, space="    ")
    tree = ET.ElementTree(document)
    write_atomically(path, lambda target: tree.write(target, encoding="UTF-8",
                                                     xml_declaration=True))
