"""Packaging checks that run in seconds: icons, desktop files, the spec, the installer.

The bundle itself is built and run by CI (`make package`, then
``packaging/check_bundle.py``), not here: it takes half a minute and 190 MiB.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import stat
import struct
import subprocess
import sys
import tomllib
import types
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from pathlib import Path

import pytest

from app import APP_ID

REPO = Path(__file__).resolve().parent.parent
ICONS = REPO / "resources" / "icons"
LINUX = REPO / "resources" / "linux"
SPEC = REPO / "packaging" / "artifact-annotator.spec"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / "dev.artifactannotator.ArtifactAnnotator.metainfo.xml"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def load_packaging_module(name: str) -> types.ModuleType:
    """packaging/NAME.py (not an importable package: ``packaging`` is a PyPI name)."""
    qualified = f"_packaging_{name}"
    if qualified not in sys.modules:
        spec = importlib.util.spec_from_file_location(qualified,
                                                      REPO / "packaging" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[qualified]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


# -- icons -------------------------------------------------------------------------------


def test_every_icon_size_exists_at_its_size():
    assert (ICONS / f"{APP_ID}.svg").is_file()
    for size in SIZES:
        assert png_size(ICONS / f"{APP_ID}-{size}.png") == (size, size)


def test_pngs_are_renderings_of_the_current_svg(qapp):
    """An edited SVG without regenerated PNGs fails here (make_icons.py fixes it)."""
    from PySide6.QtGui import QImage

    make_icons = load_packaging_module("make_icons")
    assert make_icons.SIZES == SIZES
    for size in SIZES:
        rendered = make_icons.render_png(ICONS / f"{APP_ID}.svg", size)
        stored = QImage(str(ICONS / f"{APP_ID}-{size}.png")).convertToFormat(rendered.format())
        assert stored.size() == rendered.size()
        # Tolerance for anti-aliasing differences between Qt versions.
        a = bytes(rendered.constBits())
        b = bytes(stored.constBits())
        mean_difference = sum(abs(x - y) for x, y in zip(a, b)) / len(a)
        assert mean_difference < 2.0, f"{size} px: the PNG is not the SVG's rendering"
        # Not blank: the tile covers most of the square with opaque pixels.
        opaque = sum(1 for alpha in a[3::4] if alpha == 255)
        assert opaque > 0.6 * size * size


def test_window_icon_offers_every_size(qapp):
    from app.ui.application import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == list(SIZES)


# -- desktop entry and AppStream ---------------------------------------------------------


def test_desktop_entry_matches_the_app():
    entry = ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(DESKTOP, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    # The app calls setDesktopFileName(APP_ID): Wayland matches windows to this file name.
    assert DESKTOP.stem == APP_ID
    assert section["StartupWMClass"] == APP_ID
    assert section["Icon"] == APP_ID and (ICONS / f"{APP_ID}.svg").is_file()
    command = section["Exec"].split()[0]
    assert command in PYPROJECT["project"]["scripts"]


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate (desktop-file-utils) not installed")
def test_desktop_entry_validates():
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)],
                            capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_metainfo_matches_the_app():
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert METAINFO.name == root.findtext("id") + ".metainfo.xml"
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.findtext("provides/binary") in PYPROJECT["project"]["scripts"]
    assert root.findtext("project_license") == PYPROJECT["project"]["license"]
    newest = root.find("releases/release")
    assert newest.get("version") == PYPROJECT["project"]["version"]


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli (appstream) not installed")
def test_metainfo_validates():
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- the spec ------------------------------------------------------------------------------


class Recorded:
    """Stands in for PyInstaller's build classes: keeps what the spec passed."""

    calls: list[tuple[str, tuple, dict]] = []

    def __init__(self, *args, **kwargs):
        Recorded.calls.append((type(self).__name__, args, kwargs))
        self.args, self.kwargs = args, kwargs
        # Analysis turns (source, folder) pairs into (destination, source, kind) entries
        self.binaries = [(str(Path(dest) / Path(src).name), src, "BINARY")
                         for src, dest in kwargs.get("binaries", [])]
        self.datas = [(str(Path(dest) / Path(src).name), src, "DATA")
                      for src, dest in kwargs.get("datas", [])]
        self.scripts, self.pure = [], []


def run_spec(tmp_path: Path, monkeypatch, platform: str) -> dict[str, Recorded]:
    """Execute the spec as PyInstaller would, with recording stand-ins for the build."""
    fake_hooks = types.ModuleType("PyInstaller.utils.hooks")
    fake_hooks.copy_metadata = lambda dist: [(f"/site-packages/{dist}.dist-info",
                                              f"{dist}.dist-info")]
    fake_bindepend = types.ModuleType("PyInstaller.depend.bindepend")
    fake_bindepend.get_python_library_path = lambda: None
    fake_bindepend.get_imports = lambda *a, **k: set()
    for name, module in {
        "PyInstaller": types.ModuleType("PyInstaller"),
        "PyInstaller.utils": types.ModuleType("PyInstaller.utils"),
        "PyInstaller.utils.hooks": fake_hooks,
        "PyInstaller.depend": types.ModuleType("PyInstaller.depend"),
        "PyInstaller.depend.bindepend": fake_bindepend,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    sys.modules["PyInstaller.depend"].bindepend = fake_bindepend
    sys.modules["PyInstaller.utils"].hooks = fake_hooks
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))  # no iconutil, no strip
    dist = tmp_path / "dist"
    (dist / "artifact-annotator").mkdir(parents=True)
    classes = {n: type(n, (Recorded,), {}) for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    Recorded.calls = []
    namespace = {"SPECPATH": str(SPEC.parent), "DISTPATH": str(dist),
                 "workpath": str(tmp_path / "build"), "__file__": str(SPEC), **classes}
    exec(compile(SPEC.read_text(), str(SPEC), "exec"), namespace)  # noqa: S102
    return namespace


def test_spec_is_valid_python():
    ast.parse(SPEC.read_text(), filename=str(SPEC))


def test_spec_ships_resources_and_migrations_as_files(tmp_path, monkeypatch):
    ns = run_spec(tmp_path, monkeypatch, "linux")
    (name, args, kwargs), = [c for c in Recorded.calls if c[0] == "Analysis"]
    assert args[0] == [str(REPO / "main.py")]
    shipped = {(Path(src).resolve(), dest) for src, dest in kwargs["datas"]}
    migrations = REPO / "app" / "core" / "migrations"
    for path in migrations.rglob("*.py"):
        if "__pycache__" not in path.parts:
            dest = str(Path("app/core/migrations") / path.parent.relative_to(migrations))
            assert (path.resolve(), dest) in shipped, f"{path} is not shipped as a file"
    for size in SIZES:
        assert ((ICONS / f"{APP_ID}-{size}.png").resolve(), "resources/icons") in shipped
    for name in ("keymap.json", "style.qss"):
        assert ((REPO / "resources" / name).resolve(), "resources") in shipped
    assert (DESKTOP.resolve(), "resources/linux") in shipped
    assert any(dest == "resources/demo" and src.suffix == ".flac" for src, dest in shipped)
    assert not any(src.name == "generate.py" for src, _ in shipped)
    # what the migration scripts import must be analysed into the archive
    assert "app.core.migrations.env" in kwargs["hiddenimports"]
    for module in ("PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "PySide6.QtQuick",
                   "PySide6.QtMultimedia", "PySide6.QtCharts", "PySide6.QtSql",
                   "PySide6.QtNetwork", "PySide6.QtTest", "matplotlib", "scipy", "OpenGL"):
        assert module in kwargs["excludes"]
    # the Linux bundle: one executable, the desktop-entry installer next to it
    assert [c[2]["name"] for c in Recorded.calls if c[0] == "EXE"] == ["artifact-annotator"]
    installer = tmp_path / "dist" / "artifact-annotator" / "install-desktop-entry.sh"
    assert installer.stat().st_mode & stat.S_IXUSR
    assert ns["IS_LINUX"]


def test_spec_keeps_only_the_qt_plugins_and_translations_the_app_uses(tmp_path, monkeypatch):
    ns = run_spec(tmp_path, monkeypatch, "linux")
    wanted, translation = ns["plugin_wanted"], ns["translation_wanted"]
    base = "PySide6/Qt/plugins"
    for kept in ("platforms/libqoffscreen.so", "platforms/libqxcb.so",
                 "platforms/libqwayland.so", "imageformats/libqsvg.so",
                 "imageformats/libqico.so", "iconengines/libqsvgicon.so",
                 "wayland-shell-integration/libxdg-shell.so",
                 "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
                 "platforms/qwindows.dll", "styles/qmodernwindowsstyle.dll",
                 "platforms/libqcocoa.dylib"):
        assert wanted(f"{base}/{kept}"), kept
    for dropped in ("platforms/libqvnc.so", "platforms/libqeglfs.so",
                    "imageformats/libqjpeg.so", "imageformats/libqpdf.so",
                    "platformthemes/libqgtk3.so", "sqldrivers/libqsqlite.so",
                    "tls/libqopensslbackend.so", "qmltooling/libqmldbg_debugger.so",
                    "platforminputcontexts/libqtvirtualkeyboardplugin.so"):
        assert not wanted(f"{base}/{dropped}"), dropped
    assert wanted("numpy/_core/_multiarray_umath.so")  # not a Qt plugin
    assert translation("PySide6/Qt/translations/qtbase_en.qm")
    assert not translation("PySide6/Qt/translations/qtbase_de.qm")


def test_spec_drops_links_to_libraries_it_left_out(tmp_path, monkeypatch):
    ns = run_spec(tmp_path, monkeypatch, "linux")
    toc = [("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY"),
           ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
           ("libQt6Network.so.6", "PySide6/Qt/lib/libQt6Network.so.6", "SYMLINK")]
    assert ns["drop_dangling_symlinks"](toc, toc) == toc[:2]


def test_spec_builds_a_console_twin_and_ico_on_windows(tmp_path, monkeypatch):
    run_spec(tmp_path, monkeypatch, "win32")
    exes = {c[2]["name"]: c[2] for c in Recorded.calls if c[0] == "EXE"}
    assert exes["artifact-annotator"]["console"] is False
    assert exes["artifact-annotator-cli"]["console"] is True
    (_, args, kwargs), = [c for c in Recorded.calls if c[0] == "COLLECT"]
    assert kwargs["name"] == "artifact-annotator" and len(args) == 4  # 2 exes + binaries + datas
    ico = tmp_path / "build" / "icons" / "artifact-annotator.ico"
    assert exes["artifact-annotator"]["icon"] == (str(ico) if ico.exists() else None)
    assert not any(c[0] == "BUNDLE" for c in Recorded.calls)


def test_spec_makes_an_app_bundle_on_macos(tmp_path, monkeypatch):
    run_spec(tmp_path, monkeypatch, "darwin")
    (_, _, kwargs), = [c for c in Recorded.calls if c[0] == "BUNDLE"]
    assert kwargs["name"] == "Artifact Annotator.app"
    assert kwargs["bundle_identifier"] == METAINFO.name.removesuffix(".metainfo.xml")
    assert kwargs["version"] == PYPROJECT["project"]["version"]


# -- the Linux menu-entry installer ------------------------------------------------------


def fake_bundle(folder: Path) -> Path:
    """The layout the installer expects: the executable and _internal/resources."""
    resources = folder / "_internal" / "resources"
    shutil.copytree(ICONS, resources / "icons")
    shutil.copytree(LINUX, resources / "linux")
    exe = folder / APP_ID
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    shutil.copy(REPO / "packaging" / "linux" / "install-desktop-entry.sh", folder)
    return folder / "install-desktop-entry.sh"


def run_installer(script: Path, data_home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["sh", str(script), *args], capture_output=True, text=True, env=env)


def test_installer_adds_and_removes_the_menu_entry(tmp_path):
    bundle = tmp_path / "My Apps" / "artifact-annotator"
    script = fake_bundle(bundle)
    data = tmp_path / "data"
    result = run_installer(script, data)
    assert result.returncode == 0, result.stderr
    entry = data / "applications" / DESKTOP.name
    text = entry.read_text()
    assert f'Exec="{bundle}/{APP_ID}"' in text
    assert f"TryExec={bundle}/{APP_ID}" in text
    assert "Icon=artifact-annotator" in text
    for size in SIZES:
        icon = data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png_size(icon) == (size, size)
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (data / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout

    result = run_installer(script, data, "--remove")
    assert result.returncode == 0, result.stderr
    assert not entry.exists()
    assert not list((data / "icons").rglob("*.png"))
    assert not (data / "metainfo" / METAINFO.name).exists()


def test_installer_refuses_a_path_it_cannot_quote_and_writes_nothing(tmp_path):
    script = fake_bundle(tmp_path / "price$5" / "artifact-annotator")
    data = tmp_path / "data"
    result = run_installer(script, data)
    assert result.returncode == 1
    assert "move the bundle" in result.stderr
    assert not data.exists()


def test_installer_outside_a_bundle_says_where_to_run_it(tmp_path):
    script = tmp_path / "install-desktop-entry.sh"
    shutil.copy(REPO / "packaging" / "linux" / "install-desktop-entry.sh", script)
    result = run_installer(script, tmp_path / "data")
    assert result.returncode == 1
    assert "run this script from the unpacked artifact-annotator folder" in result.stderr


# -- the bundle checker (the part that needs no bundle) ------------------------------------


def test_check_bundle_notices_a_missing_or_changed_migration(tmp_path):
    check_bundle = load_packaging_module("check_bundle")
    bundle = tmp_path / "artifact-annotator"
    shipped = bundle / "_internal" / "app" / "core" / "migrations"
    shutil.copytree(REPO / "app" / "core" / "migrations", shipped,
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert "migration files shipped" in check_bundle.check_shipped_migrations(bundle)
    version = sorted((shipped / "versions").glob("0*.py"))[-1]
    version.write_text(version.read_text() + "\n# edited\n")
    with pytest.raises(check_bundle.CheckFailed, match=version.name):
        check_bundle.check_shipped_migrations(bundle)


def test_check_bundle_without_a_bundle_says_to_build_it(tmp_path, capsys):
    check_bundle = load_packaging_module("check_bundle")
    assert check_bundle.main([str(tmp_path / "nothing")]) == 1
    assert "make package" in capsys.readouterr().err
