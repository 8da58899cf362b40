"""Where the data lives: --home / ARTIFACT_ANNOTATOR_HOME, --db / ARTIFACT_ANNOTATOR_DB, and
the platformdirs defaults."""

from __future__ import annotations

from pathlib import Path

from app.core.context import AppContext
from app.core.paths import DB_ENV, HOME_ENV, resolve_paths, sqlite_url


def test_home_holds_database_library_config_and_cache(tmp_path: Path) -> None:
    paths = resolve_paths(home=tmp_path / "h", environ={})
    root = (tmp_path / "h").resolve()
    assert (paths.data_dir, paths.config_dir, paths.cache_dir) == (root, root / "config",
                                                                   root / "cache")
    assert paths.db_url == f"sqlite:///{root / 'annotator.db'}"
    assert paths.sqlite_file == root / "annotator.db"
    assert paths.library_dir == root / "library" and paths.backups_dir == root / "backups"
    assert paths.peaks_dir == root / "cache" / "peaks"
    assert paths.settings_file == root / "config" / "settings.ini"


def test_the_argument_wins_over_the_environment(tmp_path: Path) -> None:
    env = {HOME_ENV: str(tmp_path / "from_env"), DB_ENV: "sqlite:////env.db"}
    assert resolve_paths(environ=env).data_dir == (tmp_path / "from_env").resolve()
    assert resolve_paths(environ=env).db_url == "sqlite:////env.db"
    chosen = resolve_paths(home=tmp_path / "from_arg", db="sqlite:////arg.db", environ=env)
    assert chosen.data_dir == (tmp_path / "from_arg").resolve()
    assert chosen.db_url == "sqlite:////arg.db"


def test_empty_environment_values_are_ignored(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    paths = resolve_paths(environ={HOME_ENV: "", DB_ENV: ""})
    assert paths.data_dir == tmp_path / "xdg" / "artifact-annotator"


def test_defaults_follow_platformdirs(tmp_path: Path, monkeypatch) -> None:
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    paths = resolve_paths(environ={})
    assert paths.data_dir == tmp_path / "xdg_data_home" / "artifact-annotator"
    assert paths.config_dir == tmp_path / "xdg_config_home" / "artifact-annotator"
    assert paths.cache_dir == tmp_path / "xdg_cache_home" / "artifact-annotator"
    assert paths.sqlite_file == (tmp_path / "xdg_data_home" / "artifact-annotator"
                                 / "annotator.db").resolve()


def test_a_database_url_elsewhere_keeps_the_library_in_the_home(tmp_path: Path) -> None:
    db_file = tmp_path / "elsewhere" / "labels.db"
    ctx = AppContext.open(resolve_paths(home=tmp_path / "home", db=sqlite_url(db_file)))
    try:
        ctx.datasets.create("Somewhere else")
        assert ctx.paths.sqlite_file == db_file.resolve()
        assert ctx.migration_backup is not None
    finally:
        ctx.close()
    assert db_file.exists() and not (tmp_path / "home" / "annotator.db").exists()
    assert (tmp_path / "home" / "library").is_dir()


def test_non_file_databases_have_no_sqlite_file(tmp_path: Path) -> None:
    assert resolve_paths(home=tmp_path, db="sqlite:///:memory:").sqlite_file is None
    assert resolve_paths(home=tmp_path, db="postgresql://u@h/db").sqlite_file is None


def test_ensure_creates_every_folder(tmp_path: Path) -> None:
    paths = resolve_paths(home=tmp_path / "new", environ={}).ensure()
    for folder in (paths.data_dir, paths.config_dir, paths.cache_dir, paths.library_dir):
        assert folder.is_dir()
