"""Loading audio into the waveform editor: worker, sketch, disk cache, no stray threads."""

from __future__ import annotations

import os
import threading

import pytest

from app.audio import peaks
from app.ui.waveform import WaveformEditor, peak_loader
from tests.audio_samples import write_random_bytes
from tests.ui.waveform_helpers import make_audio


def _os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _slow_compute(started: threading.Event):
    """A stand-in for compute_pyramid that runs until it is cancelled (at most 20 s)."""

    def compute(path, *, progress=None, cancel=None):
        started.set()
        if not cancel.wait(20):
            raise AssertionError("the worker was never cancelled")
        raise peaks.Cancelled()

    return compute


@pytest.fixture
def editor(qtbot):
    widget = WaveformEditor()
    qtbot.addWidget(widget)
    widget.resize(800, 260)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.clear()


def test_second_load_paints_from_the_cache_without_recomputing(qtbot, tmp_path, editor,
                                                               monkeypatch):
    path, audio = make_audio(tmp_path)
    cache = tmp_path / "cache"
    with qtbot.waitSignal(editor.peaks_ready, timeout=10_000):
        editor.load_audio(path, audio, cache)
    assert peaks.cache_path(cache, audio.sha256).is_file()
    assert editor.waveform_state() == "fine"

    def forbidden(*args, **kwargs):
        raise AssertionError("recomputed although the pyramid is cached")

    monkeypatch.setattr(peak_loader, "compute_pyramid", forbidden)
    failures: list[str] = []
    other = WaveformEditor()
    qtbot.addWidget(other)
    other.peaks_failed.connect(failures.append)
    other.resize(800, 260)
    other.show()
    with qtbot.waitSignal(other.peaks_ready, timeout=10_000):
        other.load_audio(path, audio, cache)
    assert failures == [] and other.waveform_state() == "fine"
    other.grab()
    assert other._wave.painted_state == "fine"
    other.clear()


def test_clear_cancels_the_worker_and_leaves_no_thread(qtbot, tmp_path, editor, monkeypatch):
    baseline = _os_threads()
    started = threading.Event()
    monkeypatch.setattr(peak_loader, "compute_pyramid", _slow_compute(started))
    path, audio = make_audio(tmp_path)
    editor.load_audio(path, audio, tmp_path / "cache")
    assert started.wait(10)
    assert editor.background_threads() == 1 and editor.peaks_busy()
    assert _os_threads() == baseline + 1
    editor.clear()
    assert editor.background_threads() == 0 and not editor.peaks_busy()
    assert _os_threads() == baseline
    assert editor.waveform_state() == "empty"


def test_close_joins_the_worker(qtbot, tmp_path, monkeypatch):
    baseline = _os_threads()
    started = threading.Event()
    monkeypatch.setattr(peak_loader, "compute_pyramid", _slow_compute(started))
    widget = WaveformEditor()
    qtbot.addWidget(widget)
    path, audio = make_audio(tmp_path)
    widget.load_audio(path, audio, tmp_path / "cache")
    assert started.wait(10)
    widget.close()
    assert widget.background_threads() == 0
    assert _os_threads() == baseline


def test_loading_another_file_drops_the_first_result(qtbot, tmp_path, editor, monkeypatch):
    started = threading.Event()
    real = peak_loader.compute_pyramid
    monkeypatch.setattr(peak_loader, "compute_pyramid", _slow_compute(started))
    first_path, first = make_audio(tmp_path, seconds=4.0, name="first.wav")
    editor.load_audio(first_path, first, tmp_path / "cache")
    assert started.wait(10)
    monkeypatch.setattr(peak_loader, "compute_pyramid", real)
    second_path, second = make_audio(tmp_path, seconds=6.0, name="second.wav")
    with qtbot.waitSignal(editor.peaks_ready, timeout=10_000):
        editor.load_audio(second_path, second, tmp_path / "cache")
    assert editor._source.pyramid.frames == second.frames
    assert editor.view_range() == (0, 6000)


def test_a_long_file_shows_a_sketch_first(qtbot, tmp_path, editor, monkeypatch):
    monkeypatch.setattr(peak_loader, "SKETCH_ABOVE_FRAMES", 0)
    release = threading.Event()
    real = peak_loader.compute_pyramid

    def held_compute(path, *, progress=None, cancel=None):
        release.wait(10)
        return real(path, progress=progress, cancel=cancel)

    monkeypatch.setattr(peak_loader, "compute_pyramid", held_compute)
    path, audio = make_audio(tmp_path)
    editor.load_audio(path, audio, tmp_path / "cache")
    qtbot.waitUntil(lambda: editor.waveform_state() == "sketch", timeout=10_000)
    editor.grab()
    assert editor._wave.painted_state == "sketch"
    progress: list[int] = []
    editor.peaks_progress.connect(progress.append)
    with qtbot.waitSignal(editor.peaks_ready, timeout=10_000):
        release.set()
    assert editor.waveform_state() == "fine" and progress[-1] == 100


def test_an_unreadable_file_reports_the_file_and_keeps_the_editor_usable(qtbot, tmp_path,
                                                                         editor):
    bad = write_random_bytes(tmp_path / "broken.wav")
    _, audio = make_audio(tmp_path)
    editor.load_audio(bad, audio, tmp_path / "cache")
    assert "broken.wav" in editor._source.error
    assert editor._note.isVisible() and "broken.wav" in editor._note.text()
    assert editor.background_threads() == 0
    path, audio = make_audio(tmp_path, name="good.wav")
    with qtbot.waitSignal(editor.peaks_ready, timeout=10_000):
        editor.load_audio(path, audio, tmp_path / "cache")
    assert editor._source.error == "" and not editor._note.isVisible()


def test_a_file_that_breaks_in_the_worker_emits_peaks_failed(qtbot, tmp_path, editor,
                                                            monkeypatch):
    def broken(path, *, progress=None, cancel=None):
        raise peaks.PeakError(f"Cannot read '{path.name}' past 1.0 s: truncated")

    monkeypatch.setattr(peak_loader, "compute_pyramid", broken)
    path, audio = make_audio(tmp_path)
    with qtbot.waitSignal(editor.peaks_failed, timeout=10_000) as blocker:
        editor.load_audio(path, audio, tmp_path / "cache")
    assert blocker.args == ["Cannot read 'clip.wav' past 1.0 s: truncated"]
    assert "clip.wav" in editor._note.text()
    assert not editor.peaks_busy()
