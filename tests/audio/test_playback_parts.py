"""The engine's parts on their own: ring buffer, channel mixing, clock, WSOLA, soxr, devices."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np
import pytest
import soxr

from app.audio import devices
from app.audio.channel_mix import ChannelMixer, mix_matrix
from app.audio.playback_clock import Marker, Timeline
from app.audio.resample import StreamResampler
from app.audio.ring_buffer import FrameRing
from app.audio.time_stretch import TimeStretcher
from tests.audio_samples import tone


def frames(start: int, count: int, channels: int = 2) -> np.ndarray:
    values = np.arange(start, start + count, dtype=np.float32)
    return np.repeat(values[:, None], channels, axis=1)


# ----------------------------------------------------------------------------- ring buffer
def test_ring_wraps_and_reports_short_reads_as_zero_filled():
    ring = FrameRing(capacity=8, channels=2)
    assert ring.write(frames(0, 6)) == 6
    out = np.full((4, 2), -1, dtype=np.float32)
    assert ring.read_into(out) == (0, 4, False)
    np.testing.assert_array_equal(out, frames(0, 4))
    assert ring.write(frames(6, 10)) == 6          # only the free room is taken
    out = np.full((10, 2), -1, dtype=np.float32)
    first, copied, at_end = ring.read_into(out)
    assert (first, copied, at_end) == (4, 8, False)
    np.testing.assert_array_equal(out[:8], frames(4, 8))   # across the wrap
    assert not out[8:].any()                                # the shortfall is silence


def test_flush_skips_queued_frames_without_overwriting_unread_ones():
    ring = FrameRing(capacity=16, channels=1)
    ring.write(frames(0, 8, 1))
    start, taken = ring.flush_and_write(frames(100, 4, 1))
    assert (start, taken) == (8, 4)
    assert ring.fill() == 4
    np.testing.assert_array_equal(ring.buffer[:8, 0], np.arange(8))   # stale, untouched
    out = np.zeros((6, 1), dtype=np.float32)
    assert ring.read_into(out) == (8, 4, False)
    np.testing.assert_array_equal(out[:4, 0], [100, 101, 102, 103])


def test_end_marker_and_volume():
    ring = FrameRing(capacity=16, channels=1)
    ring.write(frames(1, 4, 1))
    ring.mark_end()
    out = np.zeros((3, 1), dtype=np.float32)
    assert ring.read_into(out, volume=0.5) == (0, 3, False)
    np.testing.assert_array_equal(out[:, 0], [0.5, 1.0, 1.5])
    assert ring.read_into(out)[2] is True


def test_ring_under_concurrent_producer_and_consumer_keeps_order():
    ring = FrameRing(capacity=1024, channels=1)
    total = 200_000
    received = []

    def produce():
        written = 0
        while written < total:
            written += ring.write(frames(written, min(300, total - written), 1))

    producer = threading.Thread(target=produce)
    producer.start()
    out = np.zeros((256, 1), dtype=np.float32)
    got = 0
    while got < total:
        _, copied, _ = ring.read_into(out)
        received.append(out[:copied, 0].copy())
        got += copied
    producer.join()
    np.testing.assert_array_equal(np.concatenate(received), np.arange(total, dtype=np.float32))


# ----------------------------------------------------------------------------- mixing
@pytest.mark.parametrize("file_channels, device_channels, expected", [
    (1, 2, [[1, 1]]),
    (2, 1, [[0.5], [0.5]]),
    (2, 2, [[1, 0], [0, 1]]),
    (2, 6, [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]]),
    (3, 2, [[0.5, 0], [0, 1], [0.5, 0]]),
    (4, 1, [[0.25], [0.25], [0.25], [0.25]]),
])
def test_mix_matrix_rules(file_channels, device_channels, expected):
    np.testing.assert_allclose(mix_matrix(file_channels, device_channels), expected)


def test_channel_selection_plays_one_channel_everywhere_and_rejects_missing_ones():
    np.testing.assert_allclose(mix_matrix(4, 2, [2]), [[0, 0], [0, 0], [1, 1], [0, 0]])
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(ChannelMixer(4, 2, [2]).apply(data), data[:, [2, 2]])
    with pytest.raises(ValueError, match="channel 5 does not exist; the file has 4"):
        mix_matrix(4, 2, [4])


def test_mixer_is_exact_for_mono_and_averages_for_mono_devices():
    mono = np.array([[0.1], [-0.7]], dtype=np.float32)
    np.testing.assert_array_equal(ChannelMixer(1, 2).apply(mono), np.hstack([mono, mono]))
    stereo = np.array([[0.2, 0.4], [-1.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(ChannelMixer(2, 1).apply(stereo), [[0.3], [0.0]], atol=1e-7)
    assert ChannelMixer(2, 2).apply(stereo) is stereo


# ----------------------------------------------------------------------------- clock
def test_timeline_maps_output_frames_across_seeks_loops_and_speed():
    timeline = Timeline()
    timeline.add(Marker(0, 16000, 1.0, 48000))          # play from 1 s at 1x
    timeline.add(Marker(8000, 80000, 2.0, 160000))     # seek to 5 s, then 2x
    timeline.add(Marker(20000, 32000, 2.0, 40000))     # loop wrap back to 2 s
    assert timeline.file_frame_at(4000) == 20000
    assert timeline.file_frame_at(9000) == 82000
    assert timeline.file_frame_at(21000) == 34000
    assert timeline.file_frame_at(10 ** 9) == 40000     # never past the range end


def test_timeline_prefers_the_newest_marker_after_a_flush():
    timeline = Timeline()
    timeline.add(Marker(0, 0, 1.0, 10 ** 6))
    timeline.add(Marker(5000, 1000, 1.0, 10 ** 6))     # a loop wrap computed ahead
    timeline.add(Marker(3000, 70000, 1.0, 10 ** 6))    # then a seek flushed at 3000
    assert timeline.file_frame_at(2000) == 2000
    assert timeline.file_frame_at(6000) == 73000


# ----------------------------------------------------------------------------- speed, rate
def dominant_frequency(signal: np.ndarray, rate: int) -> float:
    middle = signal[len(signal) // 4: 3 * len(signal) // 4]
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(len(middle))))
    return float(np.fft.rfftfreq(len(middle), 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("speed", [0.25, 0.5, 0.75, 1.5, 2.0])
def test_wsola_streaming_changes_duration_not_pitch(speed):
    rate = 16000
    source = tone(4.0, rate, freq=300.0)[:, None]
    stretcher = TimeStretcher(1, rate, speed)
    blocks = [stretcher.process(source[i:i + 320]) for i in range(0, len(source), 320)]
    blocks.append(stretcher.process(source[:0], last=True))
    out = np.concatenate(blocks)[:, 0]
    assert out.dtype == np.float32
    assert len(out) == pytest.approx(len(source) / stretcher.effective_speed, rel=0.02)
    assert stretcher.effective_speed == pytest.approx(speed, rel=0.01)
    assert dominant_frequency(out, rate) == pytest.approx(300.0, abs=3.0)


def test_speed_one_is_a_pass_through():
    data = np.ones((10, 2), dtype=np.float32)
    assert TimeStretcher(2, 16000, 1.0).process(data) is data
    with pytest.raises(ValueError):
        TimeStretcher(1, 16000, 3.0)


def test_streamed_resampling_equals_resampling_the_whole_range():
    rng = np.random.default_rng(2)
    data = (rng.standard_normal((44100, 2)) * 0.2).astype(np.float32)
    stream = StreamResampler(44100, 48000, 2)
    blocks = [stream.process(data[i:i + 882]) for i in range(0, len(data), 882)]
    blocks.append(stream.process(data[:0], last=True))
    np.testing.assert_allclose(np.concatenate(blocks), soxr.resample(data, 44100, 48000),
                               atol=1e-6)


# ----------------------------------------------------------------------------- devices
@pytest.fixture
def fake_backend(monkeypatch):
    """A sounddevice stand-in with two ALSA outputs and one input-only device."""
    listed = [
        {"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "hostapi": 0,
         "max_output_channels": 2, "default_samplerate": 48000.0},
        {"name": "USB Mic (hw:1,0)", "hostapi": 0, "max_output_channels": 0,
         "default_samplerate": 44100.0},
        {"name": "Jabra Headset (hw:2,0)", "hostapi": 0, "max_output_channels": 1,
         "default_samplerate": 16000.0},
    ]
    accepted = {48000}

    def check_output_settings(device, samplerate, channels, dtype):
        if samplerate not in accepted:
            raise RuntimeError("Invalid sample rate")

    backend = SimpleNamespace(
        default=SimpleNamespace(device=[1, 0]),
        query_hostapis=lambda index=None: ([{"name": "ALSA", "default_output_device": 0}]
                                           if index is None else {"default_output_device": 0}),
        query_devices=lambda: listed,
        check_output_settings=check_output_settings,
    )
    monkeypatch.setattr(devices, "_backend", backend)
    monkeypatch.setattr(devices, "_backend_error", None)
    return backend


def test_devices_are_listed_and_chosen_by_default_index_or_name(fake_backend):
    listed = devices.list_output_devices()
    assert [d.name for d in listed] == ["HDA Intel PCH: ALC3246 Analog (hw:0,0)",
                                        "Jabra Headset (hw:2,0)"]
    assert listed[0].is_default and listed[0].label.endswith("(ALSA)")
    assert devices.resolve_device(None).index == 0
    assert devices.resolve_device(2).name == "Jabra Headset (hw:2,0)"
    assert devices.resolve_device("jabra").index == 2          # case-insensitive part
    with pytest.raises(devices.DeviceNotFound, match="no audio output device called 'Sonos'"):
        devices.resolve_device("Sonos")
    with pytest.raises(devices.DeviceNotFound, match="number 1"):
        devices.resolve_device(1)                               # input-only


def test_samplerate_falls_back_when_the_device_refuses_the_files(fake_backend):
    device = devices.resolve_device(None)
    assert devices.choose_samplerate(device, 44100, 2) == 48000
    assert devices.choose_samplerate(device, 48000, 2) == 48000
    assert devices.choose_samplerate(device, 16000, 2, forced=22050) == 22050


def test_no_output_device_is_unavailable_not_an_error(fake_backend, monkeypatch):
    monkeypatch.setattr(fake_backend, "query_devices", lambda: [])
    with pytest.raises(devices.PlaybackUnavailable, match="no audio output device"):
        devices.resolve_device(None)
