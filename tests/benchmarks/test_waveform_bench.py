"""Waveform figures (issue 3, item 7) on a generated 1-hour 48 kHz mono recording.

Everything is measured through the real widget at 1920x300, offscreen (software raster;
a real X11 flush of 1920x300 adds about a millisecond). A frame is timed from the view
change to the end of a synchronous repaint of the whole editor, after letting the scene
process its pending updates, so every item really paints. The same run measures the
naive approach (all raw samples in a pyqtgraph PlotDataItem with peak downsampling and
clip-to-view) on the same file, for the ratio.

The 1-hour WAV (345 MB) and FLAC are generated once per run in a temporary directory and
deleted at the end. ``WAVEFORM_BENCH_SKIP_NAIVE=1`` leaves out the naive run (~3 GB).
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.core.entities import Annotation, AudioFile

RATE = 48_000
HOUR_S = 3600
WIDTH, HEIGHT = 1920, 300
TYPES = {"glitch": "#FF4444", "long_pause": "#4444FF", "hallucination": "#44FF44"}
_OURS: dict[str, float] = {}          # our figures, for the naive approach's ratios


# --- helpers ----------------------------------------------------------------------------

def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def wait_until(app, condition, timeout_s: float = 60.0) -> None:
    """Run the event loop until ``condition()``; sleeps release the GIL to the worker."""
    deadline = time.perf_counter() + timeout_s
    while not condition():
        app.processEvents()
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.0003)


def speech_like_hour(path: Path, subtype: str, fmt: str) -> Path:
    """One hour of syllable-like bursts and pauses, written a minute at a time."""
    rng = np.random.default_rng(2024)
    minute = RATE * 60
    t = np.arange(minute) / RATE
    with sf.SoundFile(str(path), "w", RATE, 1, subtype=subtype, format=fmt) as out:
        for _ in range(HOUR_S // 60):
            syllables = np.repeat(rng.random(minute // 9600 + 1), 9600)[:minute]
            phrases = (np.sin(2 * np.pi * t / rng.uniform(3, 7)) > -0.3).astype(np.float32)
            envelope = (syllables ** 2 * phrases).astype(np.float32)
            voice = np.sin(2 * np.pi * rng.uniform(110, 220) * t).astype(np.float32)
            noise = rng.standard_normal(minute).astype(np.float32)
            signal = envelope * (0.45 * voice + 0.15 * noise) + 0.003 * noise
            out.write(np.clip(signal, -0.99, 0.99))
    return path


def audio_entity(path: Path, sha256: str) -> AudioFile:
    info = sf.info(str(path))
    return AudioFile(id="bench-audio", dataset_id="bench", original_filename=path.name,
                     sha256=sha256, format=info.format, subtype=info.subtype,
                     sample_rate=info.samplerate, channels=info.channels, frames=info.frames,
                     duration_ms=int(info.frames * 1000 // info.samplerate),
                     size_bytes=path.stat().st_size, created_at=datetime.now(timezone.utc))


def zoom_levels(duration_ms: float) -> list[float]:
    """Window widths from the whole file down to 1 s, 1.5x apart (the zoom step)."""
    spans, span = [], duration_ms
    while span > 1000:
        spans.append(span)
        span /= 1.5
    return spans + [1000.0]


@pytest.fixture(scope="module")
def hour(tmp_path_factory):
    root = Path(tempfile.mkdtemp(prefix="waveform-bench-"))
    try:
        wav = speech_like_hour(root / "hour.wav", "PCM_16", "WAV")
        flac = speech_like_hour(root / "hour.flac", "PCM_16", "FLAC")
        # Distinct cache keys (the files' real hashes would take seconds to compute here).
        yield {"root": root,
               "wav": (wav, audio_entity(wav, hashlib.sha256(b"hour.wav").hexdigest())),
               "flac": (flac, audio_entity(flac, hashlib.sha256(b"hour.flac").hexdigest()))}
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def app():
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def new_editor(app):
    from app.ui.waveform import WaveformEditor

    editor = WaveformEditor()
    editor.set_type_order(list(TYPES))
    editor.set_type_colors(TYPES)
    editor.resize(WIDTH, HEIGHT)
    editor.show()
    app.processEvents()
    assert editor.viewport().width() == WIDTH
    return editor


def frame(app, editor, action) -> float | None:
    """ms from the view change to the end of a full synchronous repaint (None: no change)."""
    before = editor._wave.paint_count
    view = editor.view_range()
    start = time.perf_counter()
    action()
    app.processEvents()
    editor.repaint()
    elapsed = (time.perf_counter() - start) * 1000
    if editor.view_range() == view:
        return None
    assert editor._wave.paint_count > before, "the waveform did not repaint"
    return elapsed


def sweep(app, editor, center_ms: float, pans: int = 5) -> dict[float, list[float]]:
    """Per zoom level, the frame times of zooming there and panning a few steps."""
    times: dict[float, list[float]] = {}
    editor.zoom_to(0, 1000)
    for span in zoom_levels(editor._window.duration):
        start = center_ms - span / 2
        level = [frame(app, editor, lambda: editor.zoom_to(int(start), int(start + span)))]
        for _ in range(pans):
            level.append(frame(app, editor, lambda: editor.scroll_by(0.1)))
        times[span] = [t for t in level if t is not None]
    return times


def random_annotations(count: int, duration_ms: int, seed: int = 3) -> list[Annotation]:
    rng = np.random.default_rng(seed)
    names = list(TYPES)
    starts = np.sort(rng.integers(0, duration_ms - 4000, count))
    lengths = rng.integers(50, 3000, count)
    return [Annotation(f"a{i}", "set", "bench-audio", names[i % 3], int(s), int(s + n))
            for i, (s, n) in enumerate(zip(starts, lengths))]


# --- the figures ------------------------------------------------------------------------

def test_open_an_hour_of_wav_first_paint_pyramid_and_memory(app, hour, bench):
    wav, audio = hour["wav"]
    cache = hour["root"] / "cache"
    editor = new_editor(app)
    gc.collect()
    baseline = rss_mb()
    start = time.perf_counter()
    editor.load_audio(wav, audio, cache)
    wait_until(app, lambda: editor._wave.painted_state in ("sketch", "fine"))
    first_paint = (time.perf_counter() - start) * 1000
    shown = editor._wave.painted_state
    _OURS["first_paint_ms"] = first_paint
    wait_until(app, lambda: editor.waveform_state() == "fine")
    ready = time.perf_counter() - start
    bench("1-hour 48 kHz mono WAV: open -> first waveform paint "
          f"({shown} first, fine when ready)", first_paint, "ms", "<= 300 ms",
          first_paint <= 300)
    bench("1-hour 48 kHz mono WAV: full peak pyramid ready (read + reduce + cache write)",
          ready, "s", "<= 2 s", ready <= 2.0)

    sweep(app, editor, center_ms=1_234_567, pans=2)       # deep zoom reads raw samples too
    gc.collect()
    growth = rss_mb() - baseline
    _OURS["rss_mb"] = growth
    bench("RSS growth with the 1-hour file open (pyramid + views down to 1 s)", growth, "MB",
          "<= 100 MB", growth <= 100)
    pyramid_mb = editor._source.pyramid.nbytes() / 2 ** 20
    bench("  of which the peak pyramid itself", pyramid_mb, "MB", "", None)
    editor.clear()
    editor.close()


def test_flac_pyramid(app, hour, bench):
    flac, audio = hour["flac"]
    editor = new_editor(app)
    start = time.perf_counter()
    editor.load_audio(flac, audio, hour["root"] / "cache-flac")
    wait_until(app, lambda: editor._wave.painted_state in ("sketch", "fine"))
    first_paint = (time.perf_counter() - start) * 1000
    wait_until(app, lambda: editor.waveform_state() == "fine", timeout_s=120)
    ready = time.perf_counter() - start
    bench("1-hour 48 kHz mono FLAC: open -> first waveform paint (sketch)", first_paint, "ms",
          "", None)
    bench("1-hour 48 kHz mono FLAC: full peak pyramid ready (decode-bound)", ready, "s",
          "figure (WAV target 2 s)", None)
    editor.clear()
    editor.close()


def test_reopen_with_cached_pyramid(app, hour, bench):
    wav, audio = hour["wav"]
    cache = hour["root"] / "cache"
    from app.audio.peaks import cache_path

    assert cache_path(cache, audio.sha256).is_file(), "run the cold-open figure first"
    editor = new_editor(app)
    times = []
    for _ in range(5):
        editor.clear()
        editor.repaint()
        painted = editor._wave.paint_count
        start = time.perf_counter()
        editor.load_audio(wav, audio, cache)
        wait_until(app, lambda: editor._wave.paint_count > painted
                   and editor._wave.painted_state == "fine")
        times.append((time.perf_counter() - start) * 1000)
    worst = max(times)
    print(f"\nreopen with cache, ms: {', '.join(f'{t:.1f}' for t in times)}")
    bench("reopen the 1-hour file with its cached pyramid -> first (fine) paint, worst of 5",
          worst, "ms", "<= 100 ms", worst <= 100)
    bench("  median of 5", float(np.median(times)), "ms", "<= 100 ms",
          float(np.median(times)) <= 100)
    editor.clear()
    editor.close()


@pytest.fixture(scope="module")
def opened(app, hour):
    wav, audio = hour["wav"]
    editor = new_editor(app)
    editor.load_audio(wav, audio, hour["root"] / "cache")
    wait_until(app, lambda: editor.waveform_state() == "fine")
    yield editor
    editor.clear()
    editor.close()


def test_zoom_and_pan_redraw(app, opened, bench):
    opened.set_annotations([])
    for _ in range(3):                                  # warm-up
        frame(app, opened, lambda: opened.scroll_by(0.1))
    times = sweep(app, opened, center_ms=1_800_000)
    every = [t for level in times.values() for t in level]
    worst_level = max(p95(level) for level in times.values())
    _OURS["pan_p95_ms"] = p95(every)
    bench(f"zoom/pan redraw 1920x300, whole file -> 1 s window ({len(times)} zoom levels, "
          f"{len(every)} frames), p95", p95(every), "ms", "<= 16 ms", p95(every) <= 16)
    bench("  worst zoom level's p95", worst_level, "ms", "<= 16 ms", worst_level <= 16)
    bench("  max single frame", max(every), "ms", "", None)


def test_zoom_and_pan_with_5000_annotations(app, opened, bench):
    annotations = random_annotations(5000, int(opened._window.duration))
    start = time.perf_counter()
    opened.set_annotations(annotations)
    load_ms = (time.perf_counter() - start) * 1000
    opened.set_selected(["a2500"])
    times = sweep(app, opened, center_ms=annotations[2500].start_ms)
    every = [t for level in times.values() for t in level]
    per_level = {span: p95(level) for span, level in times.items()}
    worst_span, worst = max(per_level.items(), key=lambda item: item[1])
    bench(f"same with 5,000 annotations ({len(every)} frames), p95 over all", p95(every), "ms",
          "<= 16 ms", p95(every) <= 16)
    bench(f"  worst zoom level's p95 (window {worst_span / 1000:.0f} s)", worst, "ms",
          "<= 16 ms at every zoom", worst <= 16)
    bench("  set_annotations(5,000) (index + label rows)", load_ms, "ms", "", None)

    rng = np.random.default_rng(8)
    duration = opened._window.duration
    hits, zones = [], []
    opened.zoom_to(1_000_000, 1_060_000)
    rect = opened.lanes_rect()
    for ms in rng.uniform(0, duration, 2000):
        t0 = time.perf_counter()
        opened.annotation_at(ms)
        hits.append((time.perf_counter() - t0) * 1000)
    for x in rng.uniform(0, WIDTH - 1, 2000):
        t0 = time.perf_counter()
        opened._zone_at(x, rect.height() / 2)          # what a hover or a press looks up
        zones.append((time.perf_counter() - t0) * 1000)
    bench("hit test annotation_at(ms) with 5,000 annotations, p95", p95(hits), "ms",
          "<= 1 ms", p95(hits) <= 1)
    bench("  pointer hit zone (edges + bodies) under the mouse, p95", p95(zones), "ms",
          "<= 1 ms", p95(zones) <= 1)


def test_playhead_updates_are_cheap(app, opened, bench):
    opened.set_annotations(random_annotations(5000, int(opened._window.duration)))
    opened.zoom_to(600_000, 610_000)            # 5 ms per pixel: every step moves 3 px
    opened.set_follow_playhead(True)
    app.processEvents()
    calls, frames = [], []
    position = 600_000.0
    item = opened._playhead_item
    for _ in range(300):                         # 5 s of playback: pages the view once
        position += 1000 / 60
        painted = item.paint_count
        before = item.pos()
        t0 = time.perf_counter()
        opened.set_playhead(position)
        calls.append((time.perf_counter() - t0) * 1000)
        if item.pos() == before:
            continue
        # the scene turns the move into a viewport update, the next pass paints it
        while item.paint_count == painted:
            app.processEvents()
            if time.perf_counter() - t0 > 1:
                raise AssertionError("the playhead was never repainted")
        frames.append((time.perf_counter() - t0) * 1000)
    bench("set_playhead() call at 60 Hz, p95", p95(calls), "ms", "< 1 ms", p95(calls) < 1)
    bench("  playhead move -> repainted on screen (10 s window, 5,000 annotations), p95",
          p95(frames), "ms", "<= 16 ms", p95(frames) <= 16)


@pytest.mark.skipif(os.environ.get("WAVEFORM_BENCH_SKIP_NAIVE") == "1",
                    reason="naive run disabled")
def test_naive_plotdataitem_for_comparison(app, hour, bench):
    import pyqtgraph as pg

    wav, _ = hour["wav"]
    gc.collect()
    baseline = rss_mb()
    plot = pg.PlotWidget()
    plot.resize(WIDTH, HEIGHT)
    plot.show()
    app.processEvents()
    start = time.perf_counter()
    samples, rate = sf.read(str(wav), dtype="float32")
    item = plot.plot(samples, pen=pg.mkPen("#6cb6e8"))
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    app.processEvents()
    plot.repaint()
    first_paint = time.perf_counter() - start
    growth = rss_mb() - baseline
    view = plot.getPlotItem().getViewBox()
    times = []
    for span in zoom_levels(len(samples) / rate * 1000)[::2]:
        first = len(samples) / 2 - span * rate / 2000
        for step in range(3):
            x0 = first + step * 0.1 * span * rate / 1000
            t0 = time.perf_counter()
            view.setXRange(x0, x0 + span * rate / 1000, padding=0)
            app.processEvents()
            plot.repaint()
            times.append((time.perf_counter() - t0) * 1000)
    bench("naive PlotDataItem (raw samples, peak downsampling, clip to view): first paint",
          first_paint, "s", "compare: open -> first paint above", None)
    bench("naive PlotDataItem: zoom/pan redraw p95", p95(times), "ms",
          "compare: zoom/pan p95 above", None)
    bench("naive PlotDataItem: RSS growth", growth, "MB", "compare: RSS growth above", None)
    if _OURS:
        bench("  ratio naive / peak pyramid: first paint", first_paint * 1000
              / _OURS["first_paint_ms"], "x", "", None)
        bench("  ratio naive / peak pyramid: zoom/pan p95", p95(times) / _OURS["pan_p95_ms"],
              "x", "", None)
        bench("  ratio naive / peak pyramid: RSS growth", growth / max(_OURS["rss_mb"], 1.0),
              "x", "", None)
    plot.close()
    del item, samples, plot
    gc.collect()
