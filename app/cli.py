"""The command line: the same program as the GUI, for scripting the whole domain.

Exit status: 0 on success, 1 when an operation is refused or fails (one line on stderr,
never a traceback), 2 on a usage error. ``--json`` prints the platform's field names.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app import APP_NAME, __version__
from app.core.context import AppContext
from app.core.datasets import DeletionSummary
from app.core.entities import AnnotationDraft, AnnotationSet, AudioFile, Dataset
from app.core.errors import DomainError
from app.core.paths import DB_ENV, HOME_ENV, AppPaths, resolve_paths
from app.core.rules import parse_type_spec, type_name_warning
from app.core.timefmt import format_ms
from app.formats.names import EXPORT_FORMAT_NAMES, IMPORT_FORMAT_NAMES, PER_AUDIO_FILE_FORMATS

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

EPILOG = f"""\
Without a command, the desktop window opens.

environment:
  {HOME_ENV}   the home folder (like --home)
  {DB_ENV}     a SQLAlchemy database URL (like --db)

examples:
  artifact-annotator dataset create "TTS Glitches" --type glitch:#FF4444 --type long_pause
  artifact-annotator audio import "TTS Glitches" ~/clips/
  artifact-annotator set create "TTS Glitches"
  artifact-annotator annotation add "TTS Glitches" 1 clip01.wav 1200 1450 glitch
  artifact-annotator set publish "TTS Glitches" 1 --json
"""


class UsageError(Exception):
    """A command line that cannot be run as written (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse that leaves the exit to us, so tests and the launcher can call it."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: error: {message}")


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (platform field names)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="artifact-annotator",
        description=f"{APP_NAME}: label artifacts (glitches, clicks, long pauses, "
                    f"hallucinations, echo, dropouts) in speech audio.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--home", metavar="DIR",
                        help="keep everything (database, audio library, cache, config) in DIR")
    parser.add_argument("--db", metavar="URL", help="database as a SQLAlchemy URL "
                        "(default: SQLite file in the home)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    gui = parser.add_argument_group("window options (without a command)")
    gui.add_argument("--dataset", metavar="NAME_OR_ID", help="open the window on this dataset")
    gui.add_argument("--audio", metavar="FILENAME_OR_ID", help="... and this audio file")
    gui.add_argument("--set", metavar="VERSION", dest="set_version",
                     help="... and this annotation set version")
    gui.add_argument("--smoke-test", action="store_true",
                     help="open the window on the demo dataset in a temporary home, render "
                          "one waveform and exit (0 = all good)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    # dataset ---------------------------------------------------------------------------
    dataset = commands.add_parser("dataset", help="list, create, show, update, delete datasets")
    dataset_cmds = dataset.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = dataset_cmds.add_parser("list", help="list datasets with their statistics")
    _json_flag(p)
    p = dataset_cmds.add_parser("create", help="create a dataset")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--description", metavar="TEXT")
    p.add_argument("--type", dest="types", action="append", default=[],
                   metavar="NAME[:#RRGGBB[:DESCRIPTION]]", help="an artifact type (repeatable)")
    _json_flag(p)
    p = dataset_cmds.add_parser("show", help="show one dataset")
    p.add_argument("dataset", metavar="DATASET", help="id or exact name")
    _json_flag(p)
    p = dataset_cmds.add_parser("update", help="rename, describe, add or remove types")
    p.add_argument("dataset", metavar="DATASET", help="id or exact name")
    p.add_argument("--name", metavar="N")
    p.add_argument("--description", metavar="D")
    p.add_argument("--add-type", dest="add_types", action="append", default=[],
                   metavar="NAME[:#RRGGBB[:DESCRIPTION]]", help="add an artifact type (repeatable)")
    p.add_argument("--remove-type", dest="remove_types", action="append", default=[],
                   metavar="NAME", help="remove an unused artifact type (repeatable)")
    _json_flag(p)
    p = dataset_cmds.add_parser("delete", help="delete a dataset with its audio, sets and "
                                "annotations")
    p.add_argument("dataset", metavar="DATASET", help="id or exact name")
    p.add_argument("--yes", action="store_true", help="confirm the deletion")

    # audio -----------------------------------------------------------------------------
    audio = commands.add_parser("audio", help="import and list audio files")
    audio_cmds = audio.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = audio_cmds.add_parser("import", help="import files and folders (recursively)")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("paths", metavar="PATH", nargs="+", type=Path)
    _json_flag(p)
    p = audio_cmds.add_parser("list", help="list a dataset's audio files")
    p.add_argument("dataset", metavar="DATASET")
    _json_flag(p)

    # set -------------------------------------------------------------------------------
    sets = commands.add_parser("set", help="create, list and publish annotation sets")
    set_cmds = sets.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = set_cmds.add_parser("create", help="create a draft set (empty or a copy)")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("--from", dest="from_version", metavar="VERSION",
                   help="start as a copy of this version")
    _json_flag(p)
    p = set_cmds.add_parser("list", help="list a dataset's sets with their statistics")
    p.add_argument("dataset", metavar="DATASET")
    _json_flag(p)
    p = set_cmds.add_parser("publish", help="publish a set (it becomes immutable)")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("version", metavar="VERSION")
    _json_flag(p)

    # annotation ------------------------------------------------------------------------
    annotation = commands.add_parser("annotation", help="add, list and delete annotations")
    ann_cmds = annotation.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = ann_cmds.add_parser("add", help="add an annotation to a draft set")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("audio", metavar="AUDIO", help="audio id or original filename")
    p.add_argument("start_ms", metavar="START_MS", type=int)
    p.add_argument("end_ms", metavar="END_MS", type=int)
    p.add_argument("artifact_type", metavar="TYPE")
    p.add_argument("--confidence", type=float, default=1.0, metavar="X",
                   help="0.0-1.0 (default 1.0)")
    p.add_argument("--note", metavar="T")
    _json_flag(p)
    p = ann_cmds.add_parser("list", help="list a set's annotations")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--audio", metavar="AUDIO", help="only this audio file (id or filename)")
    _json_flag(p)
    p = ann_cmds.add_parser("delete", help="delete an annotation from a draft set")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("annotation_id", metavar="ANNOTATION_ID")

    # export / import of annotation files (app.formats) ------------------------------------
    p = commands.add_parser("export", help="write a set's annotations in another tool's format")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--format", dest="file_format", required=True, choices=EXPORT_FORMAT_NAMES,
                   metavar="|".join(EXPORT_FORMAT_NAMES))
    p.add_argument("--out", required=True, type=Path, metavar="PATH",
                   help=f"the file to write; a folder for {', '.join(PER_AUDIO_FILE_FORMATS)} "
                        f"(one file per audio file, named after it)")
    p.add_argument("--audio", dest="audio_ref", metavar="AUDIO",
                   help="only this audio file (id or original filename)")
    p = commands.add_parser("import", help="add annotations from files to a draft set (all or "
                                           "nothing)")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--format", dest="file_format", required=True, choices=IMPORT_FORMAT_NAMES,
                   metavar="|".join(IMPORT_FORMAT_NAMES))
    p.add_argument("paths", metavar="PATH", nargs="+", type=Path,
                   help="files, or folders (searched for the format's files)")
    p.add_argument("--add-types", action="store_true",
                   help="add artifact types the files use but the dataset lacks")
    p.add_argument("--strict", action="store_true",
                   help="refuse the whole import if any entry would be skipped")
    _json_flag(p)
    _add_platform_commands(commands)

    return parser


_HANDLERS: dict[tuple[str, str | None], Callable[[AppContext, argparse.Namespace], int]] = {}


def command(name: str, action: str | None = None):
    def register(function: Callable[[AppContext, argparse.Namespace], int]):
        _HANDLERS[(name, action)] = function
        return function
    return register


# -- output ------------------------------------------------------------------------------

def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[str(c) for c in headers]] + [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _print_dataset(dataset: Dataset) -> None:
    print(f"{dataset.name}  ({dataset.id})")
    if dataset.description:
        for line in dataset.description.splitlines():
            print(f"  {line}")
    print(f"audio files: {dataset.audio_count}  total duration: "
          f"{format_ms(dataset.total_duration_ms)}  annotation sets: "
          f"{dataset.annotation_set_count}")
    print("artifact types:")
    for key, artifact_type in enumerate(dataset.artifact_types, start=1):
        shortcut = str(key) if key <= 9 else "-"
        print(f"  [{shortcut}] {artifact_type.name}  {artifact_type.color}"
              f"{'  ' + artifact_type.description if artifact_type.description else ''}")


def _print_sets(sets: list[AnnotationSet]) -> None:
    _table(["version", "status", "annotations", "positive", "by type", "id"],
           [[f"v{s.version}", s.status, s.stats.total_annotations,
             format_ms(s.stats.total_positive_duration_ms),
             ", ".join(f"{k}: {v}" for k, v in s.stats.annotations_by_type.items()), s.id]
            for s in sets])


def _print_audio(files: list[AudioFile]) -> None:
    _table(["filename", "duration", "rate", "ch", "format", "id"],
           [[a.original_filename, format_ms(a.duration_ms), a.sample_rate, a.channels,
             f"{a.format}/{a.subtype}", a.id] for a in files])


def _warn_type_names(names: list[str]) -> None:
    for name in names:
        warning = type_name_warning(name)
        if warning:
            _warn(warning)


# -- handlers ----------------------------------------------------------------------------

@command("dataset", "list")
def _dataset_list(ctx: AppContext, args: argparse.Namespace) -> int:
    datasets = ctx.datasets.list()
    if args.json:
        _print_json([d.to_json() for d in datasets])
    elif not datasets:
        print("No datasets yet. Create one with: artifact-annotator dataset create NAME")
    else:
        _table(["name", "audio", "duration", "sets", "types", "id"],
               [[d.name, d.audio_count, format_ms(d.total_duration_ms), d.annotation_set_count,
                 ", ".join(d.type_names()), d.id] for d in datasets])
    return EXIT_OK


@command("dataset", "create")
def _dataset_create(ctx: AppContext, args: argparse.Namespace) -> int:
    types = [parse_type_spec(spec) for spec in args.types]
    dataset = ctx.datasets.create(args.name, args.description, types)
    _warn_type_names([t.name for t in types])
    if args.json:
        _print_json(dataset.to_json())
    else:
        print(f"Created dataset '{dataset.name}' ({dataset.id}).")
    return EXIT_OK


@command("dataset", "show")
def _dataset_show(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    if args.json:
        _print_json(dataset.to_json())
    else:
        _print_dataset(dataset)
        sets = ctx.sets.list(dataset.id)
        if sets:
            print("annotation sets:")
            _print_sets(sets)
    return EXIT_OK


@command("dataset", "update")
def _dataset_update(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    new_types = [parse_type_spec(spec) for spec in args.add_types]
    if args.name is None and args.description is None and not new_types and not args.remove_types:
        raise UsageError("dataset update: nothing to change; give --name, --description, "
                         "--add-type or --remove-type")
    kwargs: dict[str, Any] = {}
    if args.name is not None:
        kwargs["name"] = args.name
    if args.description is not None:
        kwargs["description"] = args.description
    if new_types or args.remove_types:
        from app.core.datasets import TypeEdit

        known = dataset.type_names()
        missing = [name for name in args.remove_types if name not in known]
        if missing:
            raise DomainError(f"Dataset '{dataset.name}' has no artifact type "
                              f"{', '.join(repr(m) for m in missing)}; its types are: "
                              f"{', '.join(known) or 'none'}.")
        edits = [TypeEdit(t.name, t.description, t.color, original_name=t.name)
                 for t in dataset.artifact_types if t.name not in args.remove_types]
        edits += [TypeEdit(t.name, t.description, t.color) for t in new_types]
        kwargs["artifact_types"] = edits
    updated = ctx.datasets.update(dataset.id, **kwargs)
    _warn_type_names([t.name for t in new_types])
    if args.json:
        _print_json(updated.to_json())
    else:
        print(f"Updated dataset '{updated.name}'.")
    return EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def describe_deletion(summary: DeletionSummary) -> str:
    return (f"'{summary.dataset_name}': {_count(summary.audio_count, 'audio file')}, "
            f"{_count(summary.annotation_set_count, 'annotation set')} "
            f"({summary.published_set_count} published), "
            f"{_count(summary.annotation_count, 'annotation')}")


@command("dataset", "delete")
def _dataset_delete(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    if not args.yes:
        summary = ctx.datasets.deletion_summary(dataset.id)
        raise DomainError(f"Nothing was deleted: this would delete {describe_deletion(summary)}. "
                          f"Add --yes to delete.")
    summary = ctx.datasets.delete(dataset.id)
    print(f"Deleted {describe_deletion(summary)}; removed "
          f"{_count(summary.library_files_removed, 'file')} from the audio library.")
    return EXIT_OK


@contextmanager
def _decoder_chatter_to_log() -> Iterator[None]:
    """Keep native decoder messages off the terminal while audio is probed.

    libsndfile's MP3 decoder (mpg123) writes warnings straight to file descriptor 2 when it
    sniffs a junk file; the user should see only our one line per refused file, so fd 2
    points at a temporary file meanwhile and whatever landed there goes to the log.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
        sink = tempfile.TemporaryFile()
    except OSError:  # pragma: no cover - no fd 2 or no temp dir: just let it through
        yield
        return
    try:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
        sink.seek(0)
        chatter = sink.read().decode("utf-8", "replace").strip()
        if chatter:
            log.info("audio decoder messages during import:\n%s", chatter)
    finally:
        os.close(saved)
        sink.close()


@command("audio", "import")
def _audio_import(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    with _decoder_chatter_to_log():
        report = ctx.audio.import_paths(dataset.id, args.paths)
    if args.json:
        _print_json(report.to_json())
    else:
        for audio in report.imported:
            print(f"imported  {audio.original_filename}  {format_ms(audio.duration_ms)}  "
                  f"{audio.sample_rate} Hz  {audio.channels} ch")
        for duplicate in report.duplicates:
            print(f"duplicate {duplicate.path}: same audio as "
                  f"'{duplicate.existing.original_filename}', not imported again")
        print(f"{len(report.imported)} imported, {len(report.duplicates)} duplicates, "
              f"{len(report.failed)} failed.")
    if not (report.imported or report.duplicates or report.failed):
        _warn(f"no files found in {', '.join(str(p) for p in args.paths)}; nothing was "
              f"imported.")
    for failure in report.failed:
        print(f"error: {failure.path}: {failure.reason}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


@command("audio", "list")
def _audio_list(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    files = ctx.audio.list(dataset.id)
    if args.json:
        _print_json([a.to_json() for a in files])
    elif not files:
        print(f"Dataset '{dataset.name}' has no audio yet: artifact-annotator audio import "
              f"DATASET PATH...")
    else:
        _print_audio(files)
    return EXIT_OK


@command("set", "create")
def _set_create(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    source = ctx.sets.resolve(dataset.id, args.from_version) if args.from_version else None
    created = ctx.sets.create(dataset.id, from_set_id=source.id if source else None)
    if args.json:
        _print_json(created.to_json())
    else:
        origin = f" as a copy of v{source.version}" if source else ""
        print(f"Created draft v{created.version}{origin} with "
              f"{created.stats.total_annotations} annotations.")
    return EXIT_OK


@command("set", "list")
def _set_list(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    sets = ctx.sets.list(dataset.id)
    if args.json:
        _print_json([s.to_json() for s in sets])
    elif not sets:
        print(f"Dataset '{dataset.name}' has no annotation sets yet: artifact-annotator set "
              f"create DATASET")
    else:
        _print_sets(sets)
    return EXIT_OK


@command("set", "publish")
def _set_publish(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    target = ctx.sets.resolve(dataset.id, args.version)
    published = ctx.sets.publish(target.id)
    if args.json:
        _print_json(published.to_json())
    else:
        print(f"Published v{published.version} with {published.stats.total_annotations} "
              f"annotations; it can no longer be changed.")
    return EXIT_OK


@command("annotation", "add")
def _annotation_add(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    target = ctx.sets.resolve(dataset.id, args.version)
    audio = ctx.audio.resolve(dataset.id, args.audio)
    created = ctx.annotations.create(target.id, AnnotationDraft(
        audio_file_id=audio.id, artifact_type=args.artifact_type, start_ms=args.start_ms,
        end_ms=args.end_ms, confidence=args.confidence, note=args.note))
    if args.json:
        _print_json(created.to_json())
    else:
        print(f"Added {created.artifact_type} {format_ms(created.start_ms)}-"
              f"{format_ms(created.end_ms)} to v{target.version} ({created.id}).")
    return EXIT_OK


@command("annotation", "list")
def _annotation_list(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    target = ctx.sets.resolve(dataset.id, args.version)
    audio = ctx.audio.resolve(dataset.id, args.audio) if args.audio else None
    annotations = ctx.annotations.list(target.id, audio.id if audio else None)
    if args.json:
        _print_json([a.to_json() for a in annotations])
        return EXIT_OK
    names = {a.id: a.original_filename for a in ctx.audio.list(dataset.id)}
    annotations.sort(key=lambda a: (names.get(a.audio_file_id, "").lower(), a.start_ms, a.end_ms))
    _table(["audio", "type", "start", "end", "confidence", "note", "id"],
           [[names.get(a.audio_file_id, a.audio_file_id), a.artifact_type,
             format_ms(a.start_ms), format_ms(a.end_ms), f"{a.confidence:.2f}",
             a.note or "", a.id] for a in annotations])
    return EXIT_OK


@command("annotation", "delete")
def _annotation_delete(ctx: AppContext, args: argparse.Namespace) -> int:
    dataset = ctx.datasets.resolve(args.dataset)
    target = ctx.sets.resolve(dataset.id, args.version)
    annotation = ctx.annotations.get(args.annotation_id)
    if annotation.annotation_set_id != target.id:
        owner = ctx.sets.get(annotation.annotation_set_id)
        where = f"set v{owner.version}" if owner.dataset_id == dataset.id else "another dataset"
        raise DomainError(f"Annotation '{args.annotation_id}' is in {where}, not in set "
                          f"v{target.version} of '{dataset.name}'; nothing was deleted.")
    ctx.annotations.delete(annotation.id)
    print(f"Deleted annotation {annotation.id} from v{target.version}.")
    return EXIT_OK


# Parsers and writers load on first use: praatio and defusedxml are not needed to start.
MAX_LISTED_PROBLEMS = 100


@command("export")
def _export(ctx: AppContext, args: argparse.Namespace) -> int:
    from app.formats.exporter import export_annotations

    dataset = ctx.datasets.resolve(args.dataset)
    target = ctx.sets.resolve(dataset.id, args.version)
    audio_ids = [ctx.audio.resolve(dataset.id, args.audio_ref).id] if args.audio_ref else None
    result = export_annotations(ctx, dataset.id, target.id, args.file_format, args.out,
                                audio_ids=audio_ids)
    where = (f"{_count(len(result.paths), 'file')} in {args.out}"
             if args.file_format in PER_AUDIO_FILE_FORMATS else str(args.out))
    print(f"Exported {_count(result.annotation_count, 'annotation')} of '{dataset.name}' "
          f"v{target.version} ({_count(result.audio_count, 'audio file')}) to {where}.")
    return EXIT_OK


@command("import")
def _import(ctx: AppContext, args: argparse.Namespace) -> int:
    from app.formats.importer import apply_import, preview_import

    dataset = ctx.datasets.resolve(args.dataset)
    target = ctx.sets.resolve(dataset.id, args.version)
    preview = preview_import(ctx, dataset.id, target.id, args.file_format, args.paths,
                             add_types=args.add_types, strict=args.strict)
    label = "error" if args.strict else "warning"
    notices = [str(problem) for problem in preview.problems]
    notices += [str(unmatched) for unmatched in preview.unmatched]
    if args.strict:     # nothing is skipped: the whole import is refused
        notices = [n[: -len("; skipped.")] + "." if n.endswith("; skipped.") else n
                   for n in notices]
    for notice in notices[:MAX_LISTED_PROBLEMS]:
        print(f"{label}: {notice}", file=sys.stderr)
    if len(notices) > MAX_LISTED_PROBLEMS:
        print(f"{label}: ... and {len(notices) - MAX_LISTED_PROBLEMS} more (--json lists them "
              f"all)", file=sys.stderr)
    if not preview.can_apply:
        for error in preview.errors:
            print(f"error: {error}", file=sys.stderr)
        if args.json:
            _print_json({**preview.to_json(), "imported": 0})
        return EXIT_FAILED
    result = apply_import(ctx, preview)
    if args.json:
        _print_json(result.to_json())
        return EXIT_OK
    by_type = ", ".join(f"{name}: {count}" for name, count in preview.counts_by_type.items())
    print(f"Imported {_count(len(result.created), 'annotation')} into '{dataset.name}' "
          f"v{target.version}"
          f"{f' ({by_type})' if by_type else ''}.")
    if result.added_types:
        print(f"Added artifact types: {', '.join(result.added_types)}.")
    skipped = []
    if preview.problems:
        skipped.append(f"{len(preview.problems)} with problems")
    unmatched_count = sum(u.annotation_count for u in preview.unmatched)
    if unmatched_count:
        skipped.append(f"{unmatched_count} for unmatched audio names")
    if preview.duplicates:
        skipped.append(f"{preview.duplicates} already in v{target.version}")
    if skipped:
        print(f"Skipped: {', '.join(skipped)}.")
    return EXIT_OK


# -- the platform: remote login/status/logout, push (app.sync) ----------------------------
# app.sync (httpx, keyring) loads on first use, so other commands start without it.

def _add_platform_commands(commands: Any) -> None:
    remote = commands.add_parser("remote", help="the platform: store the API key, check the "
                                                "connection")
    remote_cmds = remote.add_subparsers(dest="action", metavar="ACTION", required=True)
    base_help = "the platform's address (default: the one stored by 'remote login', else " \
                "https://api.relayai.dev)"
    p = remote_cmds.add_parser("login", help="check an API key and store it in the OS keyring "
                                             "(asked for without echo, or read from stdin)")
    p.add_argument("--base-url", metavar="URL", help=base_help + "; it is stored too")
    p = remote_cmds.add_parser("status", help="the address, whether a key is stored, whether "
                                              "the platform is reachable and takes the key")
    p.add_argument("--base-url", metavar="URL", help=base_help)
    _json_flag(p)
    p = remote_cmds.add_parser("logout", help="remove the API key from the keyring")
    p.add_argument("--base-url", metavar="URL", help=base_help)
    p = commands.add_parser("push", help="push a dataset to the platform (incremental and "
                                         "resumable: run it again after any interruption)")
    p.add_argument("dataset", metavar="DATASET", help="id or exact name")
    p.add_argument("--sets", default="published", metavar="published|all|VERSION[,VERSION...]",
                   help="which annotation sets (default: every published set)")
    p.add_argument("--base-url", metavar="URL", help=base_help)
    p.add_argument("--convert-flac", action="store_true",
                   help="convert audio the platform does not accept (AIFF, W64, CAF ...) to "
                        "FLAC, losslessly, instead of refusing the push")
    p.add_argument("--parallel", type=int, default=3, metavar="N",
                   help="audio files uploaded at a time (default 3)")
    _json_flag(p)


def _platform_url(ctx: AppContext, given: str | None) -> str:
    from app.sync.connect import platform_url

    return platform_url(ctx, given)


def _read_api_key(base_url: str) -> str:
    import getpass

    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"API key for {base_url} (not shown): ").strip()
    return (sys.stdin.readline() if sys.stdin is not None else "").strip()


@command("remote", "login")
def _remote_login(ctx: AppContext, args: argparse.Namespace) -> int:
    from app.sync.client import RelayClient
    from app.sync.credentials import ApiKey, keyring_status, no_keyring_message, store_api_key
    from app.sync.retry import RetryPolicy
    from app.sync.settings import RemoteSettings

    base_url = _platform_url(ctx, args.base_url)
    status = keyring_status()
    if not status.available:
        raise DomainError(no_keyring_message(status))
    key = _read_api_key(base_url)
    if not key:
        raise DomainError("No API key was given; nothing was stored.")
    with RelayClient(base_url, ApiKey(key, "prompt"), policy=RetryPolicy(attempts=2)) as client:
        client.check_access()
    store_api_key(base_url, key)
    RemoteSettings(base_url).save(ctx.paths.config_dir)
    print(f"The API key works with {base_url}; it is stored in the keyring ({status.backend}) "
          f"and {base_url} is now the platform address.")
    return EXIT_OK


@command("remote", "status")
def _remote_status(ctx: AppContext, args: argparse.Namespace) -> int:
    from app.sync.connect import check_connection
    from app.sync.credentials import API_KEY_ENV
    from app.sync.settings import RemoteSettings

    check = check_connection(_platform_url(ctx, args.base_url))
    if args.json:
        _print_json({**check.to_json(),
                     "settings_file": str(RemoteSettings.file(ctx.paths.config_dir))})
        return EXIT_OK if check.ok else EXIT_FAILED
    source = {"environment": f"from {API_KEY_ENV}", "keyring": "stored in the keyring"}
    also = (" (a key is also stored in the keyring)"
            if check.key_stored and check.key_source == "environment" else "")
    print(f"platform:   {check.base_url}")
    print(f"API key:    {source.get(check.key_source or '', 'none')}{also}")
    print(f"keyring:    {check.keyring_backend if check.keyring_available else 'not available: ' + str(check.keyring_problem)}")
    state = ("reachable, key accepted" if check.ok else
             "reachable" if check.reachable else "not reachable")
    print(f"connection: {state}")
    if check.message not in ("", "ok"):
        print(f"            {check.message}")
    return EXIT_OK if check.ok else EXIT_FAILED


@command("remote", "logout")
def _remote_logout(ctx: AppContext, args: argparse.Namespace) -> int:
    from app.sync.credentials import API_KEY_ENV, delete_api_key, keyring_status

    base_url = _platform_url(ctx, args.base_url)
    state = keyring_status()
    if not state.available:
        print(f"No keyring is available ({state.reason}), so no key was stored there.")
    elif delete_api_key(base_url):
        print(f"Removed the API key for {base_url} from the keyring.")
    else:
        print(f"No API key for {base_url} was stored in the keyring.")
    if os.environ.get(API_KEY_ENV):
        print(f"Note: {API_KEY_ENV} is set in this environment and still provides a key.")
    return EXIT_OK


def _progress_printer() -> Callable[[Any], None] | None:
    if not sys.stderr.isatty():
        return None
    import time

    last = [0.0]

    def show(progress: Any) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and progress.phase != "done":
            return
        last[0] = now
        if progress.phase == "done":
            sys.stderr.write("\r\033[K")
        else:
            sys.stderr.write(
                f"\r\033[K{progress.phase}: files {progress.files_done}/{progress.files_total}, "
                f"{progress.bytes_sent / 1e6:.1f}/{progress.bytes_total / 1e6:.1f} MB, "
                f"annotations {progress.annotations_done}/{progress.annotations_total} "
                f"{progress.current[:40]}")
        sys.stderr.flush()

    return show


def _print_push_report(report: Any) -> None:
    what = ("created" if report.dataset_created else "updated" if report.dataset_updated
            else "unchanged")
    print(f"Pushed '{report.dataset_name}' to {report.base_url}: remote dataset "
          f"{report.remote_dataset_id or '-'} ({what}).")
    for line in report.summary_lines():
        print(line)


def _push_refused_json(args: argparse.Namespace, dataset: Any, error: DomainError) -> None:
    """With --json a refused push still prints a report (nothing was sent), so a script
    reads one shape either way; the error line goes to stderr as usual."""
    if not args.json:
        return
    problems = getattr(error, "problems", [])
    _print_json({"ok": False, "cancelled": False, "dataset_id": dataset.id,
                 "dataset_name": dataset.name, "error": str(error), "sent_nothing": True,
                 "failures": [{"kind": "audio", "name": p.filename, "local_id": p.audio_id,
                               "reason": p.reason} for p in problems]
                 or [{"kind": "dataset", "name": dataset.name, "local_id": dataset.id,
                      "reason": str(error)}]})


@command("push")
def _push(ctx: AppContext, args: argparse.Namespace) -> int:
    import signal
    import threading

    from app.sync.connect import connect
    from app.sync.push import Pusher, PushOptions, parse_set_selection

    dataset = ctx.datasets.resolve(args.dataset)
    if args.parallel < 1:
        raise UsageError("push: --parallel must be at least 1")
    options = PushOptions(sets=parse_set_selection(args.sets), convert_flac=args.convert_flac,
                          parallel_uploads=args.parallel)
    cancel = threading.Event()
    try:
        client = connect(ctx, args.base_url, cancel=cancel)
    except DomainError as error:
        _push_refused_json(args, dataset, error)
        raise

    def on_interrupt(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\ncancelling (Ctrl+C again to stop at once) ...", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        with client:
            report = Pusher(ctx, client, options).run(
                dataset.id, progress=None if args.json else _progress_printer(), cancel=cancel)
    except DomainError as error:    # refused before anything was sent (audio, sets)
        _push_refused_json(args, dataset, error)
        raise
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.json:
        _print_json(report.to_json())
    else:
        _print_push_report(report)
        for warning in report.warnings:
            _warn(warning)
    for failure in report.failures:
        print(f"error: {failure.kind} {failure.name}: {failure.reason}", file=sys.stderr)
    if report.cancelled:
        print("error: push cancelled; run the same command again to continue where it "
              "stopped.", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_FAILED


# -- entry points --------------------------------------------------------------------------

def paths_from_args(args: argparse.Namespace) -> AppPaths:
    return resolve_paths(home=args.home, db=args.db)


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command; the caller decided it is not a window start."""
    handler = _HANDLERS.get((args.command, getattr(args, "action", None)))
    if handler is None:  # pragma: no cover - argparse only accepts registered commands
        print(f"error: unknown command {args.command}", file=sys.stderr)
        return EXIT_USAGE
    try:
        ctx = AppContext.open(paths_from_args(args))
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    try:
        return handler(ctx, args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except Exception as error:  # noqa: BLE001 - the user gets one line, the log the rest
        log.exception("command failed")
        # Library errors (SQLAlchemy's among them) span several lines; the log has them all.
        first_line = next(iter(str(error).strip().splitlines()), "")
        print(f"error: unexpected failure: {error.__class__.__name__}: {first_line} "
              f"(details in {ctx.paths.data_dir / 'logs'})", file=sys.stderr)
        return EXIT_FAILED
    finally:
        ctx.close()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
