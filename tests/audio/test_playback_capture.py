"""Played audio is right: PortAudio -> ALSA file plugin -> real-time pacer -> capture file.

Every test runs the engine in a subprocess (ALSA reads ALSA_CONFIG_PATH when PortAudio
initialises) and compares the samples that were really played with the file's
samples, aligned by cross-correlation (the stream starts with the device's silence).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from tests.audio import playback_harness as harness
from tests.audio_samples import tone


def noise_file(path: Path, seconds: float, rate: int, channels: int = 1, seed: int = 7) -> Path:
    """Seeded noise as 16-bit PCM: float32 reads of it are exact, and it aligns uniquely."""
    rng = np.random.default_rng(seed)
    data = np.clip(rng.standard_normal((int(seconds * rate), channels)) * 0.25, -0.95, 0.95)
    sf.write(str(path), data, rate, subtype="PCM_16")
    return path


def file_frames(path: Path, start_ms: float, end_ms: float) -> np.ndarray:
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return data[round(start_ms * rate / 1000):round(end_ms * rate / 1000)]


def align(captured: np.ndarray, expected: np.ndarray) -> int:
    """Offset of ``expected`` inside ``captured`` (first channel), by FFT cross-correlation."""
    a = captured[:, 0].astype(np.float64)
    b = expected[:, 0].astype(np.float64)
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    corr = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    return int(np.argmax(corr[:len(a)]))


def only_capture(report: harness.Report) -> np.ndarray:
    assert len(report.captures) == 1, [meta for meta, _ in report.captures]
    return report.captures[0][1]


def states(report: harness.Report) -> list[str]:
    return [event[1] for event in report.events if event[0] == "state"]


def errors(report: harness.Report) -> list[str]:
    return [event[1] for event in report.events if event[0] == "error"]


def test_range_with_pre_and_post_roll_plays_exactly_the_padded_range(tmp_path):
    wav = noise_file(tmp_path / "mono16k.wav", 3.0, 16000)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play_range", 1000, 1500],          # default pre/post-roll: 300 ms
        ["wait_state", "stopped", 10],
    ])
    assert report.available, report.reason
    assert errors(report) == []
    assert states(report) == ["playing", "stopped"]
    assert report.events[-1][2] == pytest.approx(1800.0)   # position at the end of the range
    assert report.output_rate == 16000
    captured = only_capture(report)
    expected = file_frames(wav, 700, 1800)
    lag = align(captured, expected)
    played = captured[lag:lag + len(expected)]
    # mono file on a stereo device: the same samples on both channels, bit for bit
    np.testing.assert_array_equal(played[:, 0], expected[:, 0])
    np.testing.assert_array_equal(played[:, 1], expected[:, 0])
    # and nothing else: silence before (device start-up) and after (end of range)
    assert not captured[:lag].any()
    assert not captured[lag + len(expected):].any()
    # No underflow count here: an audible gap inside the range already fails the sample
    # comparison above, and a count on a loaded machine is a timing figure (make bench
    # measures underflows under load).
    assert report.values["threads_left"] == []


def test_stereo_44k_range_is_played_sample_exact(tmp_path):
    wav = noise_file(tmp_path / "stereo44k.wav", 2.5, 44100, channels=2)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play_range", 400, 1400],
        ["wait_state", "stopped", 10],
    ], engine={"preroll_ms": 0, "postroll_ms": 0})
    assert report.output_rate == 44100
    captured = only_capture(report)
    expected = file_frames(wav, 400, 1400)
    lag = align(captured, expected)
    np.testing.assert_array_equal(captured[lag:lag + len(expected)], expected)
    assert not captured[lag + len(expected):].any()


def test_seek_during_playback_continues_with_the_new_samples(tmp_path):
    wav = noise_file(tmp_path / "seek.wav", 4.0, 16000)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play", 0],
        ["wait_position", 600, 5],
        ["call", "seek", 3000],
        ["wait_state", "stopped", 10],
    ])
    assert errors(report) == []
    assert states(report) == ["playing", "stopped"]
    data = file_frames(wav, 0, 4000)
    captured = only_capture(report)
    lag = align(captured, data[:8000])
    # the first part: the file from 0 up to where the seek took effect
    head = captured[lag:lag + len(data), 0]
    differs = np.flatnonzero(head != data[:len(head), 0])
    switch = int(differs[0])
    assert 0.5 * 16000 < switch < 1.5 * 16000, switch
    # the rest: the file from 3000 ms to its end, sample-exact, with no gap before it
    tail = data[3 * 16000:]
    rest = captured[lag + switch:]
    offset = align(rest, tail[:4000])
    assert offset == 0, f"{offset} frames of something between old and new audio"
    np.testing.assert_array_equal(rest[:len(tail), 0], tail[:, 0])
    assert not rest[len(tail):].any()
    assert report.stats["seek_latency_ms"] is not None


def test_device_refusing_the_rate_gets_soxr_resampled_audio(tmp_path):
    wav = noise_file(tmp_path / "44k.wav", 2.0, 44100, channels=2)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play_range", 500, 1500],
        ["wait_state", "stopped", 10],
    ], engine={"output_rate": 48000, "preroll_ms": 0, "postroll_ms": 0})
    assert report.output_rate == 48000
    captured = only_capture(report)
    expected = soxr.resample(file_frames(wav, 500, 1500), 44100, 48000, quality="HQ")
    lag = align(captured, expected)
    played = captured[lag:lag + len(expected)]
    assert len(played) == len(expected)
    np.testing.assert_allclose(played, expected, atol=1e-4)


def test_stereo_file_on_a_mono_device_is_mixed_down(tmp_path):
    wav = noise_file(tmp_path / "stereo.wav", 1.5, 22050, channels=2)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play_range", 200, 1000],
        ["wait_state", "stopped", 10],
    ], engine={"output_channels": 1, "preroll_ms": 0, "postroll_ms": 0})
    meta, captured = report.captures[0]
    assert meta["channels"] == 1
    stereo = file_frames(wav, 200, 1000)
    expected = stereo.mean(axis=1, dtype=np.float32, keepdims=True)
    lag = align(captured, expected)
    np.testing.assert_allclose(captured[lag:lag + len(expected)], expected, atol=1e-7)


def test_four_channel_file_is_mixed_to_stereo(tmp_path):
    wav = noise_file(tmp_path / "quad.wav", 1.5, 16000, channels=4)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play_range", 200, 1000],
        ["wait_state", "stopped", 10],
    ], engine={"preroll_ms": 0, "postroll_ms": 0})
    captured = only_capture(report)
    quad = file_frames(wav, 200, 1000)
    expected = np.stack([(quad[:, 0] + quad[:, 2]) / 2, (quad[:, 1] + quad[:, 3]) / 2], axis=1)
    lag = align(captured, expected)
    np.testing.assert_allclose(captured[lag:lag + len(expected)], expected, atol=1e-6)


def test_loop_repeats_the_range(tmp_path):
    wav = noise_file(tmp_path / "loop.wav", 2.0, 16000)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "set_loop", True],
        ["call", "play_range", 500, 800],
        ["sleep", 1.3],                   # 300 ms per pass: four passes and a bit
        ["call", "pause"],
    ], engine={"preroll_ms": 0, "postroll_ms": 0})
    assert states(report)[:2] == ["playing", "paused"]   # a loop never ends by itself
    captured = only_capture(report)
    one_pass = file_frames(wav, 500, 800)
    lag = align(captured, one_pass)
    passes = 3
    np.testing.assert_array_equal(captured[lag:lag + passes * len(one_pass), 0],
                                  np.tile(one_pass[:, 0], passes))
    # (a gap between passes would fail the comparison; the count is a bench figure)


def test_loop_can_be_switched_on_and_off_while_the_range_plays(tmp_path):
    wav = noise_file(tmp_path / "loop2.wav", 2.0, 16000)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play_range", 500, 1300],    # loop off; 800 ms per pass
        ["sleep", 0.2],
        ["call", "set_loop", True],           # on during the first pass: it repeats
        ["sleep", 0.9],                       # the second pass plays from 0.8 to 1.6 s
        ["call", "set_loop", False],          # off during the second: ends after it,
        ["wait_state", "stopped", 5],         # although the third is already queued
    ], engine={"preroll_ms": 0, "postroll_ms": 0})
    assert states(report) == ["playing", "stopped"]
    assert report.events[-1][2] == pytest.approx(1300.0)
    captured = only_capture(report)
    one_pass = file_frames(wav, 500, 1300)
    lag = align(captured, one_pass)
    heard = captured[lag:lag + np.flatnonzero(captured[lag:, 0])[-1] + 1, 0]
    assert len(heard) == 2 * len(one_pass)
    np.testing.assert_array_equal(heard, np.tile(one_pass[:, 0], 2))


@pytest.mark.parametrize("speed", [0.5, 2.0])
def test_speed_keeps_the_pitch(tmp_path, speed):
    path = tmp_path / "a440.wav"
    sf.write(str(path), tone(3.0, 16000, freq=440.0), 16000, subtype="PCM_16")
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(path)],
        ["call", "set_speed", speed],
        ["call", "play_range", 500, 2500],
        ["wait_state", "stopped", 15],
    ], engine={"preroll_ms": 0, "postroll_ms": 0})
    assert errors(report) == []
    captured = only_capture(report)[:, 0]
    sound = np.flatnonzero(np.abs(captured) > 0.05)
    heard = captured[sound[0]:sound[-1]]
    # two seconds of file time take 2 / speed seconds
    assert len(heard) / 16000 == pytest.approx(2.0 / speed, rel=0.05)
    middle = heard[len(heard) // 4: 3 * len(heard) // 4]
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(len(middle))))
    dominant = np.fft.rfftfreq(len(middle), 1 / 16000)[np.argmax(spectrum)]
    assert dominant == pytest.approx(440.0, abs=3.0)   # not 220 / 880: pitch kept


def test_position_follows_the_stream_clock_at_speed_and_after_seeks(tmp_path):
    wav = noise_file(tmp_path / "clock.wav", 10.0, 16000)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play", 1000],
        ["sleep", 0.2],
        ["sample_positions", 1.0, 60],
        ["call", "seek", 6000],
        ["sleep", 0.3],
        ["call", "set_speed", 2.0],
        ["sleep", 0.3],
        ["sample_positions", 1.0, 60],
        ["call", "stop"],
    ])
    assert errors(report) == []
    samples = np.array([(t, p) for t, p, _ in report.positions])
    split = int(np.argmax(np.diff(samples[:, 0]))) + 1   # the 0.6 s between the two runs
    normal, fast = samples[:split], samples[split:]
    slope_normal = np.polyfit(normal[:, 0], normal[:, 1], 1)[0]
    slope_fast = np.polyfit(fast[:, 0], fast[:, 1], 1)[0]
    assert slope_normal == pytest.approx(1000.0, rel=0.1)    # ms of file per second
    assert slope_fast == pytest.approx(2000.0, rel=0.1)
    assert 1200 < normal[0, 1] < 1500
    assert 6300 < fast[0, 1] < 7300                           # after the seek to 6 s
    # smooth: extrapolated between callbacks, never backwards
    assert (np.diff(normal[:, 1]) >= 0).all()
    assert (np.diff(fast[:, 1]) >= 0).all()


def test_pause_and_resume_continue_where_the_sound_stopped(tmp_path):
    wav = noise_file(tmp_path / "pause.wav", 4.0, 16000)
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play", 0],
        ["wait_position", 800, 5],
        ["call", "pause"],
        ["get", "state"],
        ["call", "position_ms"],
        ["sleep", 0.3],
        ["call", "play"],
        ["wait_state", "stopped", 10],
    ])
    assert states(report) == ["playing", "paused", "playing", "stopped"]
    paused_at = next(v for k, v in report.values.items() if k.startswith("position_ms"))
    assert report.values["state"] == "paused"
    assert 800 <= paused_at < 1100
    captured = only_capture(report)[:, 0]
    data = file_frames(wav, 0, 4000)[:, 0]
    resumed = round(paused_at * 16)
    # before the pause: the file from 0 at least up to the paused position
    lag = align(captured[:, None], data[:8000, None])
    np.testing.assert_array_equal(captured[lag:lag + resumed], data[:resumed])
    # after it: the file from the paused position to the end, without a gap. (This fake
    # device reports no output latency, so a few ms before the pause may repeat; a
    # real device's buffer is dropped by the pause and its latency is in the clock.)
    heard = captured[:np.flatnonzero(captured)[-1] + 1]
    tail = data[resumed:]
    np.testing.assert_array_equal(heard[-len(tail):], tail)
    repeated = lag + resumed - (len(heard) - len(tail))
    assert repeated < 0.1 * 16000
