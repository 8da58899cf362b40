"""The peak pyramid: exact min/max per level, per-pixel envelopes, the disk cache."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio import peaks
from app.audio.peaks import (
    BIN_FRAMES,
    LEVEL_FACTOR,
    Cancelled,
    PeakError,
    SampleWindowReader,
    cache_path,
    compute_pyramid,
    compute_sketch,
    load_cached,
    load_or_compute,
    save_cached,
)
from tests.audio_samples import write_random_bytes

FRAMES = BIN_FRAMES * LEVEL_FACTOR ** 4 * 3 + 777      # several levels and a ragged tail


def _noise(frames: int, channels: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = rng.integers(-20000, 20000, size=(frames, channels), dtype=np.int16)
    # A few isolated extremes so a lost bin would show.
    data[rng.integers(0, frames, 40), rng.integers(0, channels, 40)] = 32767
    data[rng.integers(0, frames, 40), rng.integers(0, channels, 40)] = -32768
    return data


@pytest.fixture
def int16_file(tmp_path: Path) -> tuple[Path, np.ndarray]:
    data = _noise(FRAMES, 2)
    path = tmp_path / "stereo16.wav"
    sf.write(path, data, 8000, subtype="PCM_16")
    return path, data.astype(np.float32) / 32768.0


@pytest.fixture
def float_file(tmp_path: Path) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(3)
    data = (rng.standard_normal(FRAMES) * 0.3).astype(np.float32)
    path = tmp_path / "mono_float.wav"
    sf.write(path, data, 22050, subtype="FLOAT")
    return path, data[:, None]


def _expected_level(samples: np.ndarray, bin_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference min/max per bin straight from the raw samples (channels, bins)."""
    frames, channels = samples.shape
    bins = -(-frames // bin_frames)
    mins = np.empty((channels, bins), dtype=np.float32)
    maxs = np.empty((channels, bins), dtype=np.float32)
    for b in range(bins):
        chunk = samples[b * bin_frames:(b + 1) * bin_frames]
        mins[:, b] = chunk.min(axis=0)
        maxs[:, b] = chunk.max(axis=0)
    return mins, maxs


@pytest.mark.parametrize("fixture", ["int16_file", "float_file"])
def test_every_level_equals_numpy_min_max_of_the_raw_samples(fixture, request, monkeypatch):
    path, samples = request.getfixturevalue(fixture)
    # Small blocks so the file crosses many block boundaries.
    monkeypatch.setattr(peaks, "_BLOCK_FRAMES", BIN_FRAMES * 5)
    pyramid = compute_pyramid(path)
    assert pyramid.frames == FRAMES
    assert pyramid.channels == samples.shape[1]
    assert len(pyramid.levels) >= 4
    for k, level in enumerate(pyramid.levels[:4]):
        assert level.bin_frames == BIN_FRAMES * LEVEL_FACTOR ** k
        mins, maxs = _expected_level(samples, int(level.bin_frames))
        np.testing.assert_array_equal(level.mins, mins)
        np.testing.assert_array_equal(level.maxs, maxs)


def test_envelope_of_aligned_windows_is_exact(int16_file):
    path, samples = int16_file
    pyramid = compute_pyramid(path)
    # (start frame, frames per pixel, pixels): each picks a different level.
    for start, fpp, pixels in [(0, 256, 100), (BIN_FRAMES * 8, 1024, 40),
                               (BIN_FRAMES * 64, 4096, 30), (0, 16384, 12)]:
        for channel in range(2):
            lo, hi = pyramid.envelope(channel, start, start + fpp * pixels, pixels)
            assert pyramid.level_for(fpp).bin_frames == fpp
            for p in range(pixels):
                chunk = samples[start + p * fpp: start + (p + 1) * fpp, channel]
                if len(chunk) == 0:
                    assert np.isnan(lo[p]) and np.isnan(hi[p])
                    continue
                assert lo[p] == chunk.min() and hi[p] == chunk.max(), (start, fpp, p)


def test_envelope_of_any_window_covers_every_sample_and_little_more(int16_file):
    path, samples = int16_file
    pyramid = compute_pyramid(path)
    rng = np.random.default_rng(11)
    for _ in range(25):
        pixels = int(rng.integers(5, 300))
        start = float(rng.uniform(0, FRAMES * 0.5))
        end = float(rng.uniform(start + pixels * 300, FRAMES))
        lo, hi = pyramid.envelope(0, start, end, pixels)
        level = pyramid.level_for((end - start) / pixels)
        fpp = (end - start) / pixels
        for p in range(pixels):
            a, b = start + p * fpp, start + (p + 1) * fpp
            exact = samples[int(np.floor(a)):int(np.ceil(b)), 0]
            assert lo[p] <= exact.min() and hi[p] >= exact.max()
            # never more than the bins the pixel touches
            bf = int(level.bin_frames)
            wide = samples[int(a // bf) * bf: int(np.ceil(b / bf)) * bf, 0]
            assert lo[p] >= wide.min() and hi[p] <= wide.max()


def test_envelope_past_the_end_is_nan(int16_file):
    path, _ = int16_file
    pyramid = compute_pyramid(path)
    lo, hi = pyramid.envelope(0, FRAMES - 512, FRAMES + 512, 4)
    assert np.isfinite(lo[:2]).all() and np.isnan(lo[2:]).all() and np.isnan(hi[2:]).all()


def test_sketch_is_within_the_true_range(int16_file):
    path, samples = int16_file
    sketch = compute_sketch(path, probes=64, window=128)
    assert sketch.approximate and len(sketch.levels) == 1
    level = sketch.levels[0]
    assert level.bins == 64
    assert (level.mins >= samples.min(axis=0)[:, None]).all()
    assert (level.maxs <= samples.max(axis=0)[:, None]).all()
    assert (level.maxs > level.mins).all()


def test_cache_round_trip_is_atomic_and_identical(tmp_path, int16_file):
    path, _ = int16_file
    pyramid = compute_pyramid(path)
    target = save_cached(tmp_path / "cache", "ab" * 32, pyramid)
    assert target == cache_path(tmp_path / "cache", "ab" * 32)
    assert target.parent == tmp_path / "cache" / "peaks"
    assert [p.name for p in target.parent.iterdir()] == [target.name]   # no temp left behind
    loaded = load_cached(tmp_path / "cache", "ab" * 32)
    assert loaded is not None
    assert (loaded.frames, loaded.channels, loaded.sample_rate) == (FRAMES, 2, 8000)
    for a, b in zip(pyramid.levels, loaded.levels):
        assert a.bin_frames == b.bin_frames
        np.testing.assert_array_equal(a.mins, b.mins)
        np.testing.assert_array_equal(a.maxs, b.maxs)
    assert load_cached(tmp_path / "cache", "ab" * 32, frames=FRAMES + 1) is None


def test_second_load_reads_the_cache_without_recomputing(tmp_path, int16_file, monkeypatch):
    path, _ = int16_file
    first, cached = load_or_compute(path, "cd" * 32, tmp_path)
    assert not cached and cache_path(tmp_path, "cd" * 32).is_file()

    def forbidden(*args, **kwargs):
        raise AssertionError("recomputed although the cache holds the pyramid")

    monkeypatch.setattr(peaks, "compute_pyramid", forbidden)
    second, cached = load_or_compute(path, "cd" * 32, tmp_path)
    assert cached
    np.testing.assert_array_equal(second.levels[0].maxs, first.levels[0].maxs)


def test_a_corrupt_cache_file_is_rebuilt(tmp_path, int16_file):
    path, _ = int16_file
    target = cache_path(tmp_path, "ef" * 32)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"PK\x03\x04 definitely not a zip")
    assert load_cached(tmp_path, "ef" * 32) is None
    pyramid, cached = load_or_compute(path, "ef" * 32, tmp_path)
    assert not cached and pyramid.frames == FRAMES
    assert load_cached(tmp_path, "ef" * 32) is not None


def test_cancel_stops_the_computation(int16_file, monkeypatch):
    path, _ = int16_file
    monkeypatch.setattr(peaks, "_BLOCK_FRAMES", BIN_FRAMES)
    cancel = threading.Event()
    seen: list[float] = []

    def progress(fraction: float) -> None:
        seen.append(fraction)
        if len(seen) == 3:
            cancel.set()

    with pytest.raises(Cancelled):
        compute_pyramid(path, progress=progress, cancel=cancel)
    assert len(seen) == 3


def test_progress_reaches_one(int16_file, monkeypatch):
    path, _ = int16_file
    monkeypatch.setattr(peaks, "_BLOCK_FRAMES", BIN_FRAMES * 16)
    seen: list[float] = []
    compute_pyramid(path, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3


def test_unreadable_file_names_the_file(tmp_path):
    bad = write_random_bytes(tmp_path / "noise.wav")
    with pytest.raises(PeakError, match="noise.wav"):
        compute_pyramid(bad)
    with pytest.raises(PeakError, match="noise.wav"):
        SampleWindowReader(bad)


def test_sample_window_reader_returns_the_exact_samples(int16_file):
    path, samples = int16_file
    reader = SampleWindowReader(path)
    try:
        for start, end in [(0, 100), (5000, 9000), (5100, 5200), (FRAMES - 50, FRAMES + 100)]:
            first, data = reader.read(start, end)
            assert first == start
            np.testing.assert_array_equal(data, samples[start:min(end, FRAMES)])
    finally:
        reader.close()
