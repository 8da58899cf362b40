"""Writing export files: never a half-written file, and one file name per audio file."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from app.core.entities import AudioFile
from app.formats.matching import stem


# Characters XML 1.0 forbids (and that make text files unreadable for the tools): C0
# controls other than tab and newline, lone surrogates, U+FFFE and U+FFFF.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str, *, single_line: bool = False) -> str:
    """Text as files can carry it: line ends as "\n", forbidden characters dropped (and
    newlines turned into spaces where a label must stay on one line)."""
    text = _UNWRITABLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("\n", " ") if single_line else text


def temporary_sibling(path: Path) -> Path:
    """A new empty file next to ``path`` (same folder, so a rename is atomic)."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    return Path(name)


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(temporary path)``, then move the result onto ``path`` in one step."""
    temporary = temporary_sibling(path)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomically(path: Path, text: str, encoding: str = "utf-8") -> None:
    def write(target: Path) -> None:
        with open(target, "w", encoding=encoding, newline="") as stream:
            stream.write(text)
    write_atomically(path, write)


def per_audio_file_names(audio_files: Iterable[AudioFile], extension: str) -> dict[str, str]:
    """Audio id -> export file name: ``clip01.TextGrid`` for clip01.wav; the full name
    (``clip01.wav.TextGrid``) when two files share a stem; the id appended when even the
    full names clash. Compared ignoring case: the target folder may ignore it."""
    files = list(audio_files)
    stems: dict[str, int] = {}
    fulls: dict[str, int] = {}
    for audio in files:
        stems[stem(audio.original_filename).casefold()] = \
            stems.get(stem(audio.original_filename).casefold(), 0) + 1
        fulls[audio.original_filename.casefold()] = fulls.get(audio.original_filename.casefold(), 0) + 1
    names: dict[str, str] = {}
    for audio in files:
        original = audio.original_filename
        if stems[stem(original).casefold()] == 1:
            base = stem(original)
        elif fulls[original.casefold()] == 1:
            base = original
        else:
            base = f"{original}.{audio.id[:8]}"
        names[audio.id] = base + extension
    return names
