"""Generated test audio: tones, silence, clicks, stereo, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def tone(seconds: float, rate: int, freq: float = 440.0, channels: int = 1,
         amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(seconds * rate)), dtype=np.float64) / rate
    mono = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    if channels == 1:
        return mono
    lanes = [mono * (1.0 - 0.3 * c) for c in range(channels)]
    return np.stack(lanes, axis=1)


def write_tone(path: Path, seconds: float = 1.0, rate: int = 16000, freq: float = 440.0,
               channels: int = 1, subtype: str | None = None, format: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), tone(seconds, rate, freq, channels), rate, subtype=subtype, format=format)
    return path


def write_random_bytes(path: Path, size: int = 4096, seed: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes())
    return path


def write_truncated_wav(path: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    full = write_tone(path, seconds, rate)
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path
