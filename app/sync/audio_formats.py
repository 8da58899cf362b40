"""Which audio the platform accepts (remote-api.md), and the lossless FLAC conversion for
the rest (AIFF, W64, CAF, ...), offered to the user before anything is sent.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile

from app.core.entities import AudioFile
from app.sync.cancel import CancelToken

# "Maximum 500 MB per file": the decimal reading, the stricter of the two.
MAX_UPLOAD_BYTES = 500_000_000
# libsndfile format name -> the platform's content type.
CONTENT_TYPES = {"WAV": "audio/wav", "FLAC": "audio/flac", "OGG": "audio/ogg",
                 "MP3": "audio/mpeg"}
ACCEPTED_DESCRIPTION = "WAV, MP3, MP4/M4A, OGG, FLAC, WebM or AAC"
FLAC_MAX_CHANNELS = 8
FLAC_MAX_RATE = 655_350
_SIXTEEN_BIT_OR_LESS = {"PCM_S8", "PCM_U8", "PCM_16", "ULAW", "ALAW"}
BLOCK_FRAMES = 1 << 16


@dataclass(frozen=True)
class AudioProblem:
    """A file the platform would refuse, why, and whether converting to FLAC would help."""

    audio_id: str
    filename: str
    reason: str
    convertible: bool

    def to_json(self) -> dict:
        return {"audio_id": self.audio_id, "filename": self.filename, "reason": self.reason,
                "convertible": self.convertible}


def content_type_for(audio: AudioFile) -> str | None:
    return CONTENT_TYPES.get(audio.format.upper())


def flac_convertible(audio: AudioFile) -> bool:
    return audio.channels <= FLAC_MAX_CHANNELS and audio.sample_rate <= FLAC_MAX_RATE


def check_audio(audio: AudioFile) -> AudioProblem | None:
    """None when the platform takes the file as it is."""
    content_type = content_type_for(audio)
    size_mb = audio.size_bytes / 1_000_000
    if content_type is None:
        convertible = flac_convertible(audio)
        reason = (f"{audio.format} audio is not accepted by the platform (it takes "
                  f"{ACCEPTED_DESCRIPTION})")
        if not convertible:
            reason += (f"; it cannot be converted to FLAC either ({audio.channels} channels, "
                       f"{audio.sample_rate} Hz)")
        return AudioProblem(audio.id, audio.original_filename, reason, convertible)
    if audio.size_bytes > MAX_UPLOAD_BYTES:
        convertible = audio.format.upper() == "WAV" and flac_convertible(audio)
        reason = (f"the file is {size_mb:.0f} MB; the platform takes at most "
                  f"{MAX_UPLOAD_BYTES // 1_000_000} MB per file")
        if convertible:
            reason += " (FLAC usually halves the size of WAV audio)"
        return AudioProblem(audio.id, audio.original_filename, reason, convertible)
    return None


def flac_filename(original: str) -> str:
    stem = original.rsplit(".", 1)[0] if "." in original else original
    return f"{stem or 'audio'}.flac"


def convert_to_flac(source: Path, target: Path, subtype_hint: str,
                    cancel: CancelToken | None = None) -> Path:
    """Lossless for integer PCM (float audio becomes 24-bit). Written to a temporary file
    and renamed, so an interrupted conversion never leaves half a file behind."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    subtype = "PCM_16" if subtype_hint.upper() in _SIXTEEN_BIT_OR_LESS else "PCM_24"
    integer = subtype_hint.upper().startswith("PCM_")
    fd, temp_name = tempfile.mkstemp(prefix=".convert-", suffix=".flac", dir=target.parent)
    os.close(fd)
    temp = Path(temp_name)
    try:
        with soundfile.SoundFile(str(source)) as reader, soundfile.SoundFile(
                str(temp), "w", samplerate=reader.samplerate, channels=reader.channels,
                format="FLAC", subtype=subtype) as writer:
            for block in reader.blocks(BLOCK_FRAMES, dtype="int32" if integer else "float32",
                                       always_2d=True):
                if cancel is not None:
                    cancel.raise_if_set()
                writer.write(block if integer else np.clip(block, -1.0, 1.0))
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target
