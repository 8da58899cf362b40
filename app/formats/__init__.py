"""Import and export of annotation files in other tools' formats. No Qt.

The API the window (File > Import / Export annotations) and the command line use:

- ``registry.FORMATS`` / ``IMPORT_FORMATS`` / ``EXPORT_FORMATS`` / ``get_format(name)``:
  each ``FormatSpec`` has a title, file extensions (``file_filter`` for dialogs), whether
  it writes one file per audio file into a folder, and whether it carries confidence and
  notes.
- ``importer.preview_import(ctx, dataset_id, set_id, format, paths, add_types=,
  strict=, progress=, cancelled=) -> ImportPreview``: parses, matches and checks;
  writes nothing. The preview holds counts per type and per audio file, unmatched audio
  names, skipped entries with file and line, unknown / new types, and ``errors`` (the
  reasons it cannot be applied; ``can_apply`` is False when there are any).
- ``importer.apply_import(ctx, preview) -> ImportResult``: one transaction; ``created``
  (undo = delete them) and ``added_types``. Raises ``ImportRefused`` for a preview with
  errors, or a DomainError if the database changed since the preview.
- ``exporter.export_annotations(ctx, dataset_id, set_id, format, out, audio_ids=,
  progress=, cancelled=) -> ExportResult``: files appear complete or not at all.

One module per format (relay_json, relay_detections, csv_table, audacity, textgrid, eaf);
the rest is shared: records (what parsers yield), timecodes (exact ms), textfile
(encodings), xml_safe (hardened XML), matching (audio names), tiers (TextGrid/ELAN
tiers), output (atomic writes, file names).
"""
