"""The user's keymap file: overrides, unbinding, and bad entries reported (never fatal),
with the default keys kept wherever the file gives nothing usable."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from app.resources import resource
from app.ui.keymap import load_keymap


def user_keymap(tmp_path: Path, content) -> Path:
    path = tmp_path / "keymap.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def defaults():
    return load_keymap(resource("keymap.json"), None)


def test_without_a_user_file_the_defaults_of_keyboard_md_apply(tmp_path: Path) -> None:
    keymap = load_keymap(resource("keymap.json"), tmp_path / "missing.json")
    assert keymap.problems == []
    assert keymap.keys["play_pause"] == ("Space",)
    assert keymap.keys["mark_in"] == ("I",)
    assert set(keymap.keys["redo"]) == {"Ctrl+Shift+Z", "Ctrl+Y"}
    assert set(keymap.keys["shortcut_sheet"]) == {"?", "F1"}
    assert keymap.keys["type_3"] == ("3",)


def test_overrides_replace_and_an_empty_list_unbinds(tmp_path: Path) -> None:
    path = user_keymap(tmp_path, {"mark_in": ["Q"], "mark_out": "W", "toggle_loop": []})
    keymap = load_keymap(resource("keymap.json"), path)
    assert keymap.problems == []
    assert keymap.keys["mark_in"] == ("Q",)
    assert keymap.keys["mark_out"] == ("W",)
    assert keymap.keys["toggle_loop"] == ()
    assert keymap.keys["play_pause"] == defaults().keys["play_pause"]


def test_a_key_moved_to_another_action_leaves_its_default_action_quietly(tmp_path: Path) -> None:
    path = user_keymap(tmp_path, {"play_selection": ["Space"]})
    keymap = load_keymap(resource("keymap.json"), path)
    assert keymap.keys["play_selection"] == ("Space",)
    assert "Space" not in keymap.keys["play_pause"]
    assert keymap.problems == []


def test_two_of_the_users_actions_on_one_key_is_reported(tmp_path: Path) -> None:
    path = user_keymap(tmp_path, {"mark_in": ["Q"], "mark_out": ["Q"]})
    keymap = load_keymap(resource("keymap.json"), path)
    assert keymap.keys["mark_in"] == ("Q",) and keymap.keys["mark_out"] == ()
    assert any("'Q' is bound to both 'mark_in' and 'mark_out'" in p for p in keymap.problems)


def test_bad_entries_are_reported_and_the_defaults_kept(tmp_path: Path) -> None:
    path = user_keymap(tmp_path, {"no_such_action": ["X"], "undo": ["F2,F3"],
                                  "redo": ["Ctrl+R", "Ctrl+Shift+Alt+Meta+NotAKey"],
                                  "delete": 5})
    keymap = load_keymap(resource("keymap.json"), path)
    text = "\n".join(keymap.problems)
    assert "unknown action 'no_such_action'" in text
    assert "'F2,F3' for 'undo' is not a key" in text
    assert "no usable key for 'undo'; kept the default (Ctrl+Z)" in text
    assert keymap.keys["undo"] == ("Ctrl+Z",)                  # never left without a key
    assert keymap.keys["redo"] == ("Ctrl+R",)                  # the good one of two is used
    assert "'delete' must be a key or a list of keys" in text
    assert keymap.keys["delete"] == defaults().keys["delete"]
    assert all(str(path) in p for p in keymap.problems)


def test_a_broken_file_is_reported_and_the_defaults_apply(tmp_path: Path) -> None:
    for content in ('{"mark_in": ["Q"', '["mark_in"]'):
        keymap = load_keymap(resource("keymap.json"), user_keymap(tmp_path, content))
        assert len(keymap.problems) == 1 and "the default keys apply" in keymap.problems[0]
        assert keymap.keys == defaults().keys
    path = tmp_path / "keymap.json"
    path.write_bytes(b'{"mark_in": ["\xff"]}')
    keymap = load_keymap(resource("keymap.json"), path)
    assert "not used" in keymap.problems[0] and keymap.keys == defaults().keys


def test_the_window_uses_the_users_keys_and_shows_the_problems(ctx, make_window, qtbot,
                                                                 dataset, audio) -> None:
    ctx.paths.keymap_file.parent.mkdir(parents=True, exist_ok=True)
    ctx.paths.keymap_file.write_text(json.dumps({"mark_in": ["Q"], "bogus": ["X"]}),
                                     encoding="utf-8")
    ctx.sets.create(dataset.id)
    window = make_window(show=False)
    assert window.actions_by_id["mark_in"].shortcut() == QKeySequence("Q")
    window.show()
    qtbot.waitUntil(lambda: getattr(window, "_last_error_box", None) is not None)
    box = window._last_error_box
    assert "unknown action 'bogus'" in box.text()     # said when the window opens
    box.close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.waveform.setFocus()
    window.set_playhead(500)
    qtbot.keyClick(window.waveform, Qt.Key.Key_Q)
    window.set_playhead(900)
    qtbot.keyClick(window.waveform, Qt.Key.Key_O)
    assert window.waveform.time_selection() == (500, 900)
    qtbot.keyClick(window.waveform, Qt.Key.Key_I)      # no longer bound: nothing happens
    assert window.waveform.time_selection() == (500, 900)
