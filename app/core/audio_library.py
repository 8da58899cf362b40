"""The content-addressed audio library and the probe that admits files into it.

Imported audio is copied into ``<home>/library/<sha[:2]>/<sha256>.<format>``, so moving or
deleting the user's original never breaks a dataset and the same content is stored once
across datasets. A copy is written to a temporary file in the library folder, hashed while
it is copied, probed, and only then renamed into place (atomic on one file system): a
crash or a refused file never leaves a half-written library entry.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

COPY_CHUNK = 1 << 20
# Extensions picked up when a folder is imported; files named explicitly are always tried.
AUDIO_EXTENSIONS = frozenset({
    ".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".aifc",
    ".au", ".snd", ".caf", ".w64", ".rf64", ".voc", ".sd2", ".nist", ".sph", ".htk", ".mat",
    ".paf", ".pvf", ".xi", ".avr", ".ircam", ".sf", ".wve", ".mpc",
})
_DATA_CHUNK = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


class AudioProbeError(Exception):
    """The file is not audio this app can use; the message says why."""


@dataclass(frozen=True)
class AudioProbe:
    format: str
    subtype: str
    sample_rate: int
    channels: int
    frames: int

    @property
    def duration_ms(self) -> int:
        return int(round(self.frames * 1000 / self.sample_rate))


@dataclass(frozen=True)
class StoredAudio:
    sha256: str
    size_bytes: int
    probe: AudioProbe
    path: Path
    newly_stored: bool


def probe_audio(path: Path) -> AudioProbe:
    """Read the format facts of an audio file, refusing files that cannot be used."""
    # Imported here, not at the top: soundfile pulls in numpy and libsndfile, which every
    # command-line call would pay for although most never probe audio.
    import soundfile

    try:
        size = path.stat().st_size
    except OSError as error:
        raise AudioProbeError(f"cannot read the file ({error.strerror or error})") from None
    if size == 0:
        raise AudioProbeError("the file is empty (0 bytes)")
    try:
        info = soundfile.info(str(path))
    except soundfile.LibsndfileError as error:
        reason = error.error_string or str(error)
        if "does not exist" in reason:
            # libsndfile's MP3 sniffer answers junk that happens to contain an MPEG sync
            # word with "File does not exist"; the file is there (stat above), so the
            # honest reason is that the format is not recognised.
            reason = "Format not recognised."
        raise AudioProbeError(f"not a readable audio file ({reason})") from None
    except (RuntimeError, OSError) as error:
        raise AudioProbeError(f"not a readable audio file ({error})") from None
    if info.samplerate <= 0 or info.channels <= 0:
        raise AudioProbeError("the file declares no sample rate or no channels")
    if info.frames <= 0:
        raise AudioProbeError("the file contains no audio frames")
    if round(info.frames * 1000 / info.samplerate) < 1:  # as AudioProbe.duration_ms rounds
        # 0 ms long: no annotation (0 <= start < end <= duration) could ever fit.
        raise AudioProbeError(f"the audio is shorter than a millisecond ({info.frames} frames "
                              f"at {info.samplerate} Hz); there is nothing to label")
    truncated = _DATA_CHUNK.search(info.extra_info or "")
    if truncated:
        declared, present = int(truncated.group(1)), int(truncated.group(2))
        # 0 and 0xFFFFFFFF mean "length unknown" (streamed WAV); only a larger
        # declared length than the bytes present is a cut-off file.
        if present < declared < 0xFFFFFFFF:
            raise AudioProbeError(
                f"the file is truncated: its header declares {declared} bytes of audio but "
                f"only {present} are present")
    try:
        with soundfile.SoundFile(str(path)) as handle:
            # Decoding the first and last block catches files whose body is corrupt even
            # though the header parses.
            handle.read(min(4096, info.frames), dtype="float32")
            if handle.seekable() and info.frames > 4096:
                handle.seek(info.frames - 4096)
                handle.read(4096, dtype="float32")
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise AudioProbeError(f"the audio data cannot be decoded ({error})") from None
    return AudioProbe(format=info.format, subtype=info.subtype or "", sample_rate=info.samplerate,
                      channels=info.channels, frames=info.frames)


class AudioLibrary:
    """Files by content hash under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, audio_format: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.{audio_format.lower()}"

    def store(self, source: Path) -> StoredAudio:
        """Copy ``source`` in (or find it already there); raises AudioProbeError if unusable."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=".import-", suffix=source.suffix.lower(),
                                         dir=self.root)
        temp = Path(temp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as writer:
                try:
                    with open(source, "rb") as reader:
                        while chunk := reader.read(COPY_CHUNK):
                            digest.update(chunk)
                            writer.write(chunk)
                            size += len(chunk)
                except OSError as error:
                    raise AudioProbeError(
                        f"cannot read the file ({error.strerror or error})") from None
                writer.flush()
                os.fsync(writer.fileno())
            probe = probe_audio(temp)
            sha256 = digest.hexdigest()
            target = self.path_for(sha256, probe.format)
            if target.exists() and target.stat().st_size == size:
                return StoredAudio(sha256, size, probe, target, newly_stored=False)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            return StoredAudio(sha256, size, probe, target, newly_stored=True)
        finally:
            temp.unlink(missing_ok=True)

    def remove(self, sha256: str, audio_format: str) -> bool:
        path = self.path_for(sha256, audio_format)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        try:
            path.parent.rmdir()
        except OSError:
            pass  # other files share the folder
        return True


def expand_audio_paths(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given, plus audio files found (recursively) in folders, in a stable order.

    Returns the files to import and the paths that do not exist, with the reason.
    """
    files: list[Path] = []
    missing: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                candidate for candidate in path.rglob("*")
                if candidate.is_file() and candidate.suffix.lower() in AUDIO_EXTENSIONS
                and not any(part.startswith(".") for part in candidate.relative_to(path).parts))
            candidates = found
        elif path.is_file():
            candidates = [path]
        else:
            missing.append((path, "no such file or folder"))
            continue
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                files.append(candidate)
    return files, missing
