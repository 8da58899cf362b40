"""The program as a command: help, version, usage errors, and where its data goes."""

from __future__ import annotations

import json
from pathlib import Path

from app import __version__
from tests.audio_samples import write_tone
from tests.cli.conftest import usage_error
from tests.core.dbstate import library_files, row_count


def test_help_lists_the_commands_and_the_environment(cli) -> None:
    result = cli("--help")
    assert result.returncode == 0 and result.stderr == ""
    for word in ("dataset", "audio", "set", "annotation", "--home", "--db", "--version",
                 "ARTIFACT_ANNOTATOR_HOME", "ARTIFACT_ANNOTATOR_DB", "examples:"):
        assert word in result.stdout, word


def test_version(cli) -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"artifact-annotator {__version__}"


def test_usage_errors_exit_2(cli, home: Path) -> None:
    usage_error(cli("dataset"), "usage:", "the following arguments are required: ACTION")
    usage_error(cli("frobnicate"), "invalid choice: 'frobnicate'")
    usage_error(cli("annotation", "add", "D", "1", "a.wav", "1.5", "20", "glitch"),
                "argument START_MS: invalid int value: '1.5'")
    usage_error(cli("annotation", "add", "D", "1", "a.wav", "0", "20", "glitch",
                    "--confidence", "high"), "argument --confidence: invalid float value: 'high'")
    # A usage error never opens (or creates) the database.
    assert not (home / "annotator.db").exists()


def test_home_option_puts_database_and_library_there(run_main, tmp_path: Path) -> None:
    home = tmp_path / "my home"
    clip = write_tone(tmp_path / "clip.wav")
    assert run_main("--home", str(home), "dataset", "create", "D").returncode == 0
    assert run_main("--home", str(home), "audio", "import", "D", str(clip)).returncode == 0
    assert row_count(home / "annotator.db", "datasets") == 1
    assert len(library_files(home / "library")) == 1
    assert not run_main.user.exists()  # nothing in the default location


def test_home_environment_variable(run_main, tmp_path: Path) -> None:
    home = tmp_path / "env home"
    result = run_main("dataset", "create", "D", env={"ARTIFACT_ANNOTATOR_HOME": str(home)})
    assert result.returncode == 0, result.stderr
    assert row_count(home / "annotator.db", "datasets") == 1
    assert (home / "library").is_dir() and (home / "logs").is_dir()
    assert not run_main.user.exists()


def test_db_option_and_environment_variable_move_only_the_database(run_main, tmp_path: Path) -> None:
    home = tmp_path / "home"
    by_option = tmp_path / "by option.db"
    by_env = tmp_path / "by_env.db"
    result = run_main("--home", str(home), "--db", f"sqlite:///{by_option}",
                      "dataset", "create", "Opt")
    assert result.returncode == 0, result.stderr
    result = run_main("--home", str(home), "dataset", "create", "Env",
                      env={"ARTIFACT_ANNOTATOR_DB": f"sqlite:///{by_env}"})
    assert result.returncode == 0, result.stderr
    assert row_count(by_option, "datasets") == 1 and row_count(by_env, "datasets") == 1
    assert not (home / "annotator.db").exists() and (home / "library").is_dir()
    # The option wins over the variable.
    result = run_main("--home", str(home), "--db", f"sqlite:///{by_option}", "dataset", "list",
                      "--json", env={"ARTIFACT_ANNOTATOR_DB": f"sqlite:///{by_env}"})
    assert [d["name"] for d in json.loads(result.stdout)] == ["Opt"]


def test_default_location_follows_platformdirs(run_main) -> None:
    result = run_main("dataset", "create", "Default place")
    assert result.returncode == 0, result.stderr
    data = run_main.user / "data" / "artifact-annotator"
    assert row_count(data / "annotator.db", "datasets") == 1
    assert (data / "library").is_dir() and (data / "backups").is_dir()
    assert (run_main.user / "config" / "artifact-annotator").is_dir()
    assert (run_main.user / "cache" / "artifact-annotator").is_dir()
