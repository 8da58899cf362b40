"""Matching the audio names annotation files give to the dataset's audio files.

Rules, in order; the first rule that finds anything decides: the exact original file
name, then the same name ignoring case, then names without their extensions ("clip01"
from clip01.TextGrid finds clip01.wav). A rule that finds more than one file makes the
name ambiguous: it is reported with the candidates, never guessed. Files that export gave "<name>.<id prefix>" names (two audio files of
the same name) find their audio by that id prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from app.core.entities import AudioFile

EXACT = "exact name"
CASE_INSENSITIVE = "name ignoring case"
WITHOUT_EXTENSION = "name without extension"
ID_SUFFIX = "name and id"
_ID_SUFFIX = re.compile(r"^(.+)\.([0-9a-f]{8})$")


def base_name(name: str) -> str:
    """The last component of a path or URL path, Windows or POSIX."""
    return name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].strip()


def stem(name: str) -> str:
    """'clip01.wav' -> 'clip01'; '.hidden' and 'noext' stay as they are."""
    head, dot, _ = name.rpartition(".")
    return head if dot and head else name


def _fold(text: str) -> str:
    return text.casefold()


_Key = Callable[[str], str]
# (rule, key of the audio's original filename, key of the name in the file)
_RULES: tuple[tuple[str, _Key, _Key], ...] = (
    (EXACT, lambda a: a, lambda n: n),
    (CASE_INSENSITIVE, _fold, _fold),
    (WITHOUT_EXTENSION, stem, lambda n: n),
    (WITHOUT_EXTENSION, lambda a: _fold(stem(a)), _fold),
    (WITHOUT_EXTENSION, stem, stem),
    (WITHOUT_EXTENSION, lambda a: _fold(stem(a)), lambda n: _fold(stem(n))),
)


@dataclass(frozen=True)
class AudioMatch:
    """The outcome for one audio reference: a file, or why there is none."""

    audio: AudioFile | None
    name: str
    rule: str | None = None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.audio is None and len(self.candidates) > 1

    def reason(self) -> str:
        if self.audio is not None:
            return f"matched '{self.audio.original_filename}' by {self.rule}"
        if self.ambiguous:
            return (f"'{self.name}' is ambiguous: it matches "
                    f"{', '.join(repr(c) for c in self.candidates)} ({self.rule})")
        return f"no audio file named '{self.name}' in the dataset"


class AudioMatcher:
    def __init__(self, audio_files: Iterable[AudioFile]) -> None:
        self.audio_files = list(audio_files)
        self._by_id = {audio.id: audio for audio in self.audio_files}
        self._indexes: list[dict[str, list[AudioFile]]] = []
        for _, audio_key, _ in _RULES:
            index: dict[str, list[AudioFile]] = {}
            for audio in self.audio_files:
                index.setdefault(audio_key(audio.original_filename), []).append(audio)
            self._indexes.append(index)
        self._cache: dict[tuple[tuple[str, ...], str | None], AudioMatch] = {}

    def match(self, names: Sequence[str], audio_id: str | None = None) -> AudioMatch:
        """The audio file for the first of ``names`` that matches (an own id wins)."""
        key = (tuple(names), audio_id)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._match(names, audio_id)
        return cached

    def _match(self, names: Sequence[str], audio_id: str | None) -> AudioMatch:
        if audio_id is not None and audio_id in self._by_id:
            return AudioMatch(self._by_id[audio_id], audio_id, "audio id")
        first_failure: AudioMatch | None = None
        for raw in names:
            name = base_name(raw)
            if not name:
                continue
            outcome = self._match_name(name)
            if outcome.audio is not None:
                return outcome
            if first_failure is None or (outcome.ambiguous and not first_failure.ambiguous):
                first_failure = outcome
        if first_failure is None:
            return AudioMatch(None, ", ".join(names) or "(no name)")
        return first_failure

    def _match_name(self, name: str) -> AudioMatch:
        for position, ((rule, _, name_key), index) in enumerate(zip(_RULES, self._indexes)):
            found = index.get(name_key(name), [])
            if position == 1 and not found:
                # Export names files of audio that share a name "<name>.<id prefix>".
                found = self._by_id_suffix(name)
                rule = ID_SUFFIX if found else rule
            if len(found) == 1:
                return AudioMatch(found[0], name, rule)
            if len(found) > 1:
                return AudioMatch(None, name, rule,
                                  tuple(sorted(a.original_filename for a in found)))
        return AudioMatch(None, name)

    def _by_id_suffix(self, name: str) -> list[AudioFile]:
        suffixed = _ID_SUFFIX.match(name)
        if not suffixed:
            return []
        original, prefix = suffixed.groups()
        return [a for a in self.audio_files
                if a.original_filename == original and a.id.startswith(prefix)]
