"""The window starts and works without sound: no PortAudio library, or no output device."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.core.context import AppContext
from app.core.entities import ArtifactType
from app.core.paths import resolve_paths
from tests.audio import playback_harness as harness
from tests.audio_samples import write_tone

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import argparse, json, os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if sys.argv[3] == "block":
        import ctypes.util
        real = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None if "portaudio" in name else real(name)
    sys.path.insert(0, sys.argv[2])
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from app.core.context import AppContext
    from app.core.paths import resolve_paths
    from app.ui.application import build_window, ensure_application, open_initial, open_settings

    app = ensure_application()
    ctx = AppContext.open(resolve_paths(home=sys.argv[1]))
    window = build_window(ctx, open_settings(ctx.paths))
    window.show()
    window.activateWindow()
    while not window.isActiveWindow():
        app.processEvents()
    open_initial(window, argparse.Namespace(dataset=None, audio=None, set_version=None))
    window.waveform.setFocus()
    QTest.keyClick(window.waveform, Qt.Key.Key_Space)          # play: nothing, no crash
    QTest.keyClick(window.waveform, Qt.Key.Key_Right)          # the playhead still moves
    window.set_playhead(500); QTest.keyClick(window.waveform, Qt.Key.Key_I)
    window.set_playhead(900); QTest.keyClick(window.waveform, Qt.Key.Key_O)
    QTest.keyClick(window.waveform, Qt.Key.Key_1)              # labeling still works
    print(json.dumps({"label": window.sound_label.text(), "why": window.sound_label.toolTip(),
                      "visible": window.sound_label.isVisible(),
                      "play_enabled": window.actions_by_id["play_pause"].isEnabled(),
                      "message": window.statusBar().currentMessage(),
                      "annotations": len(window.current_annotations())}))
    window.close()
""")


@pytest.fixture
def prepared_home(home: Path, tmp_path: Path) -> Path:
    ctx = AppContext.open(resolve_paths(home=home))
    dataset = ctx.datasets.create("Quiet", None, [ArtifactType("glitch")])
    ctx.audio.import_paths(dataset.id, [write_tone(tmp_path / "a.wav", seconds=3.0)])
    ctx.sets.create(dataset.id)
    ctx.close()
    return home


def run_window(home: Path, tmp_path: Path, mode: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "ALSA_CONFIG_PATH": str(harness.alsa_config(tmp_path / "alsa", "no-device"))}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(home), str(REPO), mode],
                          capture_output=True, text=True, timeout=120, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_window_without_portaudio_says_what_to_install(prepared_home, tmp_path):
    result = run_window(prepared_home, tmp_path, "block")
    assert result["visible"]
    assert result["label"] == ("No sound: the PortAudio library is missing - install "
                               "libportaudio2")
    assert result["why"] == ("Playback disabled: the PortAudio library is missing. "
                             "Install it with: sudo apt-get install libportaudio2")
    assert result["play_enabled"] is False
    assert result["annotations"] == 1


def test_window_without_an_output_device_says_so(prepared_home, tmp_path):
    result = run_window(prepared_home, tmp_path, "device")
    assert result["visible"]
    assert result["label"] == "No sound: no audio output device was found"
    assert result["why"].startswith("Playback disabled: no audio output device was found.")
    assert result["play_enabled"] is False
    assert result["annotations"] == 1
