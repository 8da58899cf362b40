"""The keymap: default keys (resources/keymap.json, as in keyboard.md) overridden by the
user's ``keymap.json`` in the config directory. Bad entries are reported, never fatal."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QKeySequence


@dataclass(frozen=True)
class ActionSpec:
    id: str
    label: str
    keys: tuple[str, ...]
    menu: str
    tip: str = ""


@dataclass
class Keymap:
    actions: dict[str, ActionSpec]
    keys: dict[str, tuple[str, ...]]
    problems: list[str] = field(default_factory=list)
    source: Path | None = None   # the user's keymap file (it may not exist yet)

    def sequences(self, action_id: str) -> list[QKeySequence]:
        return [QKeySequence(k) for k in self.keys.get(action_id, ())]


def _load_defaults(path: Path) -> dict[str, ActionSpec]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    actions = {}
    for entry in raw["actions"]:
        actions[entry["id"]] = ActionSpec(entry["id"], entry["label"], tuple(entry["keys"]),
                                          entry["menu"], entry.get("tip", ""))
    return actions


def _valid_key(text: str) -> bool:
    sequence = QKeySequence(text)
    if sequence.isEmpty() or sequence.count() != 1:
        return False
    # QKeySequence accepts some garbage silently; a round trip catches it.
    return QKeySequence(sequence.toString()).toString() == sequence.toString() and \
        sequence[0].key() != 0x01FFFFFF


def load_keymap(defaults_file: Path, user_file: Path | None) -> Keymap:
    actions = _load_defaults(defaults_file)
    keys = {action_id: spec.keys for action_id, spec in actions.items()}
    problems: list[str] = []
    chosen: list[str] = []       # actions whose keys the user set: they win a conflict
    if user_file is not None and user_file.exists():
        try:
            overrides = json.loads(user_file.read_text(encoding="utf-8"))
            if not isinstance(overrides, dict):
                raise ValueError("the file must hold one JSON object: {\"action_id\": [\"Key\", ...]}")
        except (OSError, UnicodeDecodeError, ValueError) as error:
            problems.append(f"{user_file}: not used ({error}); the default keys apply.")
            overrides = {}
        for action_id, value in overrides.items():
            if action_id not in actions:
                problems.append(f"{user_file}: unknown action '{action_id}' ignored; known actions "
                                f"are listed in the shortcut sheet (F1).")
                continue
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(f"{user_file}: '{action_id}' must be a key or a list of keys; "
                                f"kept the default.")
                continue
            good, bad = [], []
            for key in value:
                if key == "" or _valid_key(key):
                    if key:
                        good.append(QKeySequence(key).toString())
                else:
                    bad.append(key)
                    problems.append(f"{user_file}: '{key}' for '{action_id}' is not a key "
                                    f"(examples: \"Ctrl+Shift+Z\", \"F2\", \"Space\"); ignored.")
            if bad and not good:
                # Nothing usable was given: keep the default rather than leave no key.
                problems.append(f"{user_file}: no usable key for '{action_id}'; kept the "
                                f"default ({', '.join(actions[action_id].keys) or 'none'}).")
                continue
            keys[action_id] = tuple(good)    # [] (or [""]) unbinds the action on purpose
            chosen.append(action_id)
    # The same key on two actions would make Qt ignore both ("ambiguous shortcut"). The
    # user's own bindings come first: a key they gave an action moves there from its
    # default action without a complaint; two of their own actions on one key is reported.
    owner: dict[str, str] = {}
    for action_id in chosen + [a for a in actions if a not in chosen]:
        kept = []
        for key in keys[action_id]:
            normalized = QKeySequence(key).toString()
            if normalized in owner:
                if owner[normalized] in chosen and action_id not in chosen:
                    continue
                problems.append(f"key '{normalized}' is bound to both '{owner[normalized]}' and "
                                f"'{action_id}'; kept it for '{owner[normalized]}'.")
                continue
            owner[normalized] = action_id
            kept.append(key)
        keys[action_id] = tuple(kept)
    return Keymap(actions, keys, problems, user_file)
