"""Min/max peak pyramid of an audio file, cached on disk by content hash (no Qt).

Level 0 holds the minimum and maximum of every 256 frames, per channel; each further
level folds 4 bins of the one below. A view of any zoom is drawn from the coarsest level
whose bins are no wider than a pixel, so a frame never touches more than a few thousand
values. The file is streamed in blocks (int16 for 8/16-bit PCM, float32 otherwise) and
channels are split before reducing (a reduction over interleaved frames is ~10x slower).

A *sketch* (min/max of short windows spread over the file) stands in while the pyramid
is computed, so an hour-long recording shows its shape at once.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

BIN_FRAMES = 256
LEVEL_FACTOR = 4
FORMAT_VERSION = 1
_BLOCK_FRAMES = BIN_FRAMES * 4096          # ~1M frames: 2 MB of int16 per channel
_MIN_TOP_BINS = 16
_INT16_SUBTYPES = {"PCM_16", "PCM_S8", "PCM_U8", "ULAW", "ALAW", "DPCM_8", "DPCM_16",
                   "DWVW_12", "DWVW_16", "IMA_ADPCM", "MS_ADPCM", "GSM610", "VOX_ADPCM",
                   "G721_32", "G723_24", "G723_40", "NMS_ADPCM_16", "NMS_ADPCM_24",
                   "NMS_ADPCM_32"}


class Cancelled(Exception):
    """The computation was cancelled by the caller."""


class PeakError(Exception):
    """The audio cannot be read; ``str()`` names the file and the reason."""


@dataclass(frozen=True)
class PeakLevel:
    """One level: ``mins``/``maxs`` are ``(channels, bins)`` float32 in [-1, 1]."""

    bin_frames: float
    mins: np.ndarray
    maxs: np.ndarray

    @property
    def bins(self) -> int:
        return int(self.mins.shape[1])


@dataclass(frozen=True)
class PeakPyramid:
    """All levels of one file, finest first. ``approximate`` marks a sketch."""

    frames: int
    channels: int
    sample_rate: int
    levels: tuple[PeakLevel, ...]
    approximate: bool = False

    @property
    def finest_bin_frames(self) -> float:
        return self.levels[0].bin_frames

    def level_for(self, frames_per_pixel: float) -> PeakLevel:
        """The coarsest level whose bins are no wider than one pixel (else the finest)."""
        chosen = self.levels[0]
        for level in self.levels:
            if level.bin_frames <= frames_per_pixel:
                chosen = level
            else:
                break
        return chosen

    def envelope(self, channel: int, start_frame: float, end_frame: float,
                 pixels: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-pixel (min, max) of ``channel`` over frames [start, end) split in ``pixels``.

        Each pixel covers every bin its frames touch, so no peak is ever lost between two
        pixels. Pixels past the end of the file are NaN.
        """
        if pixels <= 0 or end_frame <= start_frame:
            empty = np.full(max(pixels, 0), np.nan, dtype=np.float32)
            return empty, empty.copy()
        fpp = (end_frame - start_frame) / pixels
        level = self.level_for(fpp)
        return reduce_bins(level.mins[channel], level.maxs[channel], level.bin_frames,
                           self.frames, start_frame, fpp, pixels)

    def nbytes(self) -> int:
        return sum(level.mins.nbytes + level.maxs.nbytes for level in self.levels)


def reduce_bins(mins: np.ndarray, maxs: np.ndarray, bin_frames: float, total_frames: int,
                start_frame: float, frames_per_pixel: float,
                pixels: int) -> tuple[np.ndarray, np.ndarray]:
    """Fold bins (or raw samples, with ``bin_frames`` 1) into per-pixel min/max."""
    out_min = np.full(pixels, np.nan, dtype=np.float32)
    out_max = np.full(pixels, np.nan, dtype=np.float32)
    nbins = len(mins)
    if nbins == 0:
        return out_min, out_max
    edges = start_frame + frames_per_pixel * np.arange(pixels + 1, dtype=np.float64)
    edges = np.minimum(edges, total_frames)
    first = np.floor(edges[:-1] / bin_frames).astype(np.int64)
    last = np.ceil(edges[1:] / bin_frames).astype(np.int64)       # exclusive
    last = np.maximum(last, first + 1)
    valid = (edges[:-1] < total_frames) & (edges[1:] > 0) & (first < nbins)
    if not valid.any():
        return out_min, out_max
    idx = np.flatnonzero(valid)
    first = np.clip(first[idx], 0, nbins - 1)
    last = np.clip(last[idx], 1, nbins)
    lo, hi = int(first[0]), int(last[-1])
    # reduceat folds [first[i], first[i+1]); a pixel whose end falls inside a bin also
    # owns that bin (shared with the next pixel), which the fix-up below adds back.
    seg_min = np.minimum.reduceat(mins[lo:hi], first - lo)
    seg_max = np.maximum.reduceat(maxs[lo:hi], first - lo)
    shared = np.zeros(len(first), dtype=bool)
    shared[:-1] = last[:-1] > first[1:]
    if shared.any():
        boundary = last[:-1][shared[:-1]] - 1
        seg_min[shared] = np.minimum(seg_min[shared], mins[boundary])
        seg_max[shared] = np.maximum(seg_max[shared], maxs[boundary])
    # reduceat yields a lone element where first[i] == first[i+1]; that is the bin itself.
    out_min[idx] = seg_min
    out_max[idx] = seg_max
    return out_min, out_max


def _read_dtype(subtype: str) -> str:
    return "int16" if subtype in _INT16_SUBTYPES else "float32"


def _open(path: Path) -> sf.SoundFile:
    try:
        return sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise PeakError(f"Cannot read '{path.name}' to draw its waveform: {exc}") from exc


def _fold(mins: np.ndarray, maxs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The next level: every LEVEL_FACTOR bins folded into one (edge-padded tail)."""
    channels, bins = mins.shape
    padded = -(-bins // LEVEL_FACTOR) * LEVEL_FACTOR
    if padded != bins:
        mins = np.pad(mins, ((0, 0), (0, padded - bins)), mode="edge")
        maxs = np.pad(maxs, ((0, 0), (0, padded - bins)), mode="edge")
    shape = (channels, padded // LEVEL_FACTOR, LEVEL_FACTOR)
    return mins.reshape(shape).min(axis=2), maxs.reshape(shape).max(axis=2)


def _levels_from_base(base_min: np.ndarray, base_max: np.ndarray) -> tuple[PeakLevel, ...]:
    levels = [PeakLevel(float(BIN_FRAMES), base_min, base_max)]
    mins, maxs = base_min, base_max
    while mins.shape[1] > _MIN_TOP_BINS:
        mins, maxs = _fold(mins, maxs)
        levels.append(PeakLevel(levels[-1].bin_frames * LEVEL_FACTOR, mins, maxs))
    return tuple(levels)


def compute_pyramid(path: Path, *, progress: Callable[[float], None] | None = None,
                    cancel: threading.Event | None = None) -> PeakPyramid:
    """Stream the file once and build every level. Raises Cancelled or PeakError."""
    with _open(path) as handle:
        channels, rate = handle.channels, handle.samplerate
        expected = max(handle.frames, 0)
        dtype = _read_dtype(handle.subtype)
        scale = np.float32(1.0 / 32768.0) if dtype == "int16" else np.float32(1.0)
        buffer = np.empty((_BLOCK_FRAMES, channels), dtype=dtype)
        part_min: list[np.ndarray] = []
        part_max: list[np.ndarray] = []
        frames = 0
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            try:
                count = len(handle.read(dtype=dtype, always_2d=True, out=buffer))
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise PeakError(f"Cannot read '{path.name}' past "
                                f"{frames / rate:.1f} s: {exc}") from exc
            if count <= 0:
                break
            full, tail = divmod(count, BIN_FRAMES)
            block_min = np.empty((channels, full + (1 if tail else 0)), dtype=np.float32)
            block_max = np.empty_like(block_min)
            for c in range(channels):
                lane = buffer[:count, c] if channels == 1 else np.ascontiguousarray(
                    buffer[:count, c])
                if full:
                    bins = lane[: full * BIN_FRAMES].reshape(full, BIN_FRAMES)
                    block_min[c, :full] = bins.min(axis=1)
                    block_max[c, :full] = bins.max(axis=1)
                if tail:
                    block_min[c, full] = lane[full * BIN_FRAMES:].min()
                    block_max[c, full] = lane[full * BIN_FRAMES:].max()
            part_min.append(block_min)
            part_max.append(block_max)
            frames += count
            if progress is not None and expected:
                progress(min(frames / expected, 1.0))
            if count < _BLOCK_FRAMES:
                break
    if frames == 0:
        base_min = np.zeros((channels, 0), dtype=np.float32)
        return PeakPyramid(0, channels, rate, (PeakLevel(float(BIN_FRAMES), base_min,
                                                         base_min.copy()),))
    base_min = np.concatenate(part_min, axis=1)
    base_max = np.concatenate(part_max, axis=1)
    if scale != 1.0:
        base_min *= scale
        base_max *= scale
    return PeakPyramid(frames, channels, rate, _levels_from_base(base_min, base_max))


def compute_sketch(path: Path, probes: int = 1024, window: int = 1024,
                   cancel: threading.Event | None = None) -> PeakPyramid:
    """A quick approximate envelope: min/max of ``probes`` short windows spread evenly.

    It reads about ``probes * window`` frames whatever the file's length, so it costs a
    few tens of milliseconds where the full pyramid costs seconds.
    """
    with _open(path) as handle:
        channels, rate, frames = handle.channels, handle.samplerate, handle.frames
        probes = max(1, min(probes, frames // max(window, 1) or 1))
        step = frames / probes
        mins = np.zeros((channels, probes), dtype=np.float32)
        maxs = np.zeros((channels, probes), dtype=np.float32)
        dtype = _read_dtype(handle.subtype)
        scale = 1.0 / 32768.0 if dtype == "int16" else 1.0
        for i in range(probes):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            start = int(i * step + max(0.0, step - window) / 2)
            try:
                handle.seek(start)
                block = handle.read(min(window, max(int(step), 1)), dtype=dtype,
                                    always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise PeakError(f"Cannot read '{path.name}': {exc}") from exc
            if len(block):
                mins[:, i] = block.min(axis=0) * scale
                maxs[:, i] = block.max(axis=0) * scale
    level = PeakLevel(float(step), mins, maxs)
    return PeakPyramid(int(frames), channels, rate, (level,), approximate=True)


# --- disk cache -----------------------------------------------------------------------

def cache_path(cache_dir: Path, sha256: str) -> Path:
    return Path(cache_dir) / "peaks" / f"{sha256}.v{FORMAT_VERSION}.npz"


def save_cached(cache_dir: Path, sha256: str, pyramid: PeakPyramid) -> Path:
    """Write the pyramid atomically (temp file + rename): a reader never sees half a file."""
    target = cache_path(cache_dir, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    meta = {"version": FORMAT_VERSION, "frames": pyramid.frames,
            "channels": pyramid.channels, "sample_rate": pyramid.sample_rate,
            "bin_frames": [level.bin_frames for level in pyramid.levels]}
    arrays: dict[str, np.ndarray] = {"meta": np.frombuffer(json.dumps(meta).encode(),
                                                           dtype=np.uint8)}
    for index, level in enumerate(pyramid.levels):
        arrays[f"min{index}"] = level.mins
        arrays[f"max{index}"] = level.maxs
    fd, tmp = tempfile.mkstemp(prefix=f".{sha256[:16]}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_cached(cache_dir: Path, sha256: str, frames: int | None = None,
                channels: int | None = None) -> PeakPyramid | None:
    """The cached pyramid, or None when absent, stale or unreadable (it is then rebuilt)."""
    path = cache_path(cache_dir, sha256)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if meta.get("version") != FORMAT_VERSION:
                return None
            if frames is not None and meta["frames"] != frames:
                return None
            if channels is not None and meta["channels"] != channels:
                return None
            levels = []
            for index, bin_frames in enumerate(meta["bin_frames"]):
                mins = data[f"min{index}"]
                maxs = data[f"max{index}"]
                if mins.shape != maxs.shape or mins.shape[0] != meta["channels"]:
                    return None
                levels.append(PeakLevel(float(bin_frames), mins, maxs))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError,
            EOFError):
        return None
    if not levels:
        return None
    return PeakPyramid(int(meta["frames"]), int(meta["channels"]), int(meta["sample_rate"]),
                       tuple(levels))


def load_or_compute(path: Path, sha256: str, cache_dir: Path, *,
                    progress: Callable[[float], None] | None = None,
                    cancel: threading.Event | None = None) -> tuple[PeakPyramid, bool]:
    """(pyramid, came_from_cache). A fresh pyramid is written to the cache."""
    cached = load_cached(cache_dir, sha256)
    if cached is not None:
        return cached, True
    pyramid = compute_pyramid(path, progress=progress, cancel=cancel)
    try:
        save_cached(cache_dir, sha256, pyramid)
    except OSError:
        pass        # an unwritable cache only costs a recompute next time
    return pyramid, False


# --- raw samples for deep zoom --------------------------------------------------------

class SampleWindowReader:
    """Raw float32 samples of a small window, read on demand with a margin kept around.

    One reader per thread: soundfile's error state is not thread-safe.
    """

    def __init__(self, path: Path, margin: float = 1.0) -> None:
        self._handle = _open(path)
        self.frames = self._handle.frames
        self.channels = self._handle.channels
        self.sample_rate = self._handle.samplerate
        self._margin = margin
        self._start = 0
        self._data = np.zeros((0, self.channels), dtype=np.float32)

    def read(self, start: int, end: int) -> tuple[int, np.ndarray]:
        """(first_frame, samples (frames, channels)) covering at least [start, end)."""
        start = max(0, int(start))
        end = min(self.frames, int(end))
        if end <= start:
            return start, np.zeros((0, self.channels), dtype=np.float32)
        have_end = self._start + len(self._data)
        if not (self._start <= start and end <= have_end):
            extra = int((end - start) * self._margin)
            lo = max(0, start - extra)
            hi = min(self.frames, end + extra)
            try:
                self._handle.seek(lo)
                self._data = self._handle.read(hi - lo, dtype="float32", always_2d=True)
            except (sf.LibsndfileError, RuntimeError) as exc:
                raise PeakError(f"Cannot read '{Path(self._handle.name).name}': {exc}") from exc
            self._start = lo
        offset = start - self._start
        return start, self._data[offset: offset + (end - start)]

    def close(self) -> None:
        self._handle.close()
        self._data = np.zeros((0, self.channels), dtype=np.float32)
