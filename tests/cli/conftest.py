"""Helpers for driving the real program in a subprocess and judging what it printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, CliResult

# The platform's field names (issue 2 / remote-api.md) every --json object must carry ...
DATASET_FIELDS = {"id", "name", "description", "artifact_types", "created_at", "updated_at",
                  "audio_count", "annotation_set_count"}
AUDIO_FIELDS = {"id", "original_filename", "duration_ms", "sample_rate", "channels"}
SET_FIELDS = {"id", "version", "status", "total_annotations", "total_positive_duration_ms",
              "annotations_by_type", "created_at", "published_at"}
ANNOTATION_FIELDS = {"id", "audio_file_id", "artifact_type", "start_ms", "end_ms", "confidence"}
# ... plus these, deliberately: local statistics and facts, or platform names from the
# platform's own responses (dataset_id, annotation_set_id). Nothing else may appear.
DATASET_EXTRAS = {"total_duration_ms"}
AUDIO_EXTRAS = {"frames", "format", "subtype", "size_bytes", "sha256", "created_at"}
SET_EXTRAS = {"dataset_id"}
ANNOTATION_EXTRAS = {"annotation_set_id", "note", "created_at", "updated_at"}

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def check_fields(payload: dict[str, Any], platform: set[str], extras: set[str]) -> None:
    assert set(payload) == platform | extras, sorted(set(payload) ^ (platform | extras))
    assert UUID.match(payload["id"])
    for key in ("created_at", "updated_at"):
        if key in payload:
            assert ISO_UTC.match(payload[key]), payload[key]


def check_dataset(payload: dict[str, Any]) -> None:
    check_fields(payload, DATASET_FIELDS, DATASET_EXTRAS)
    for artifact_type in payload["artifact_types"]:
        assert set(artifact_type) == {"name", "description", "color"}


def check_audio(payload: dict[str, Any]) -> None:
    check_fields(payload, AUDIO_FIELDS, AUDIO_EXTRAS)


def check_set(payload: dict[str, Any]) -> None:
    check_fields(payload, SET_FIELDS, SET_EXTRAS)
    assert payload["status"] in ("draft", "published")
    assert (payload["published_at"] is None) == (payload["status"] == "draft")
    if payload["published_at"] is not None:
        assert ISO_UTC.match(payload["published_at"])


def check_annotation(payload: dict[str, Any]) -> None:
    check_fields(payload, ANNOTATION_FIELDS, ANNOTATION_EXTRAS)


def ok_json(result: CliResult) -> Any:
    """A successful --json run: exit 0, JSON on stdout."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def refused(result: CliResult, *fragments: str) -> str:
    """Exit 1 with exactly one line on stderr that says why (and no traceback)."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.stdout == ""
    return lines[0]


def usage_error(result: CliResult, *fragments: str) -> str:
    """Exit 2, the usage line plus one error line, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    return result.stderr


@pytest.fixture
def run_main(tmp_path: Path):
    """Run main.py with no --home, in an environment the test controls.

    HOME and the XDG folders point into tmp_path so that a default-location run can never
    touch the real user's data.
    """
    fake_user = tmp_path / "user"
    base_env = {key: value for key, value in os.environ.items()
                if not key.startswith("ARTIFACT_ANNOTATOR_") and not key.startswith("XDG_")}
    base_env.update(HOME=str(fake_user), XDG_DATA_HOME=str(fake_user / "data"),
                    XDG_CONFIG_HOME=str(fake_user / "config"),
                    XDG_CACHE_HOME=str(fake_user / "cache"))

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> CliResult:
        proc = subprocess.run([sys.executable, str(REPO / "main.py"), *args],
                              capture_output=True, text=True, env={**base_env, **(env or {})},
                              timeout=timeout, cwd=REPO)
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    run.user = fake_user  # type: ignore[attr-defined]
    return run
