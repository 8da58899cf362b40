"""No sound available: no PortAudio library, no output device, a device lost mid-play.

The engine must report, never raise; each case runs in its own process because
PortAudio reads the ALSA configuration (and sounddevice loads the library) once.
"""

from __future__ import annotations

import numpy as np
import soundfile as sf

from tests.audio import playback_harness as harness


def short_file(path):
    rng = np.random.default_rng(1)
    sf.write(str(path), rng.standard_normal(16000 * 3) * 0.1, 16000, subtype="PCM_16")
    return path


def test_without_the_portaudio_library_playback_is_disabled_with_the_fix(tmp_path):
    wav = short_file(tmp_path / "a.wav")
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play", 0],
        ["call", "play_range", 100, 200],
        ["call", "seek", 500],
        ["call", "pause"],
        ["call", "list_devices"],
        ["call", "position_ms"],
    ], block_portaudio=True)
    assert report.available is False
    assert report.reason == ("Playback disabled: the PortAudio library is missing. "
                             "Install it with: sudo apt-get install libportaudio2")
    assert report.values["play#1"] is False and report.values["play_range#2"] is False
    assert report.values["list_devices#5"] == []
    assert report.values["position_ms#6"] == 500.0      # the playhead still moves
    assert [e[1] for e in report.events if e[0] == "error"] == [report.reason] * 2
    assert not report.captures


def test_without_an_output_device_playback_is_disabled_with_the_reason(tmp_path):
    wav = short_file(tmp_path / "a.wav")
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play", 0],
        ["get", "state"],
    ], mode="no-device")
    assert report.available is False
    assert report.reason.startswith("Playback disabled: no audio output device was found.")
    assert "aplay -l" in report.reason
    assert report.values["play#1"] is False
    assert report.values["state"] == "stopped"
    assert [e[0] for e in report.events] == ["error"]


def test_device_lost_while_playing_stops_and_reports(tmp_path):
    wav = short_file(tmp_path / "a.wav")
    report = harness.run(tmp_path / "alsa", [
        ["call", "load", str(wav)],
        ["call", "play", 0],
        ["wait_position", 500, 5],
        ["kill_pacer"],                       # the sound card disappears
        ["wait_state", "stopped", 5],
        ["get", "state"],
        ["call", "position_ms"],
    ])
    assert report.available
    assert report.values["state"] == "stopped"
    errors = [e[1] for e in report.events if e[0] == "error"]
    assert len(errors) == 1
    assert errors[0].startswith("Playback stopped: the audio output device 'default' failed")
    assert "choose another device in Preferences" in errors[0]
    assert [e[1] for e in report.events if e[0] == "state"] == ["playing", "stopped"]
    stopped_at = next(v for k, v in report.values.items() if k.startswith("position_ms"))
    assert 450 < stopped_at < 2900       # where the sound stopped, not 0 or the end
    assert report.values["threads_left"] == []
