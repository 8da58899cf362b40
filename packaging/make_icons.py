"""Render the application icon's PNG sizes (and the platform icon files) from the SVG.

``python packaging/make_icons.py`` rewrites ``resources/icons/artifact-annotator-N.png``
for every size the app loads at run time (``app.ui.application.app_icon``) and the Linux
desktop installs. The SVG is the only hand-edited file; the PNGs are committed so a
source checkout needs no build step.

``--ico PATH`` / ``--icns PATH`` also write the Windows and macOS icon files the
PyInstaller spec needs (Pillow for the ``.ico``; ``iconutil`` for the ``.icns`` where it
exists, which is macOS, else Pillow). Those are build outputs and are not committed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "artifact-annotator.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# What each platform's icon format holds (Windows shell: up to 256; macOS iconsets).
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICONSET = {  # iconutil's file names -> pixel size
    "icon_16x16.png": 16, "icon_16x16@2x.png": 32,
    "icon_32x32.png": 32, "icon_32x32@2x.png": 64,
    "icon_128x128.png": 128, "icon_128x128@2x.png": 256,
    "icon_256x256.png": 256, "icon_256x256@2x.png": 512,
    "icon_512x512.png": 512,
}


def png_path(size: int) -> Path:
    return ICONS / f"artifact-annotator-{size}.png"


def render_png(svg: Path, size: int):
    """The SVG rendered at ``size`` x ``size`` as a QImage (needs a QGuiApplication)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"error: {svg} is not a valid SVG that Qt can render")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def write_pngs(svg: Path = SVG) -> list[Path]:
    from PySide6.QtGui import QGuiApplication

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841
    written = []
    for size in SIZES:
        target = png_path(size)
        if not render_png(svg, size).save(str(target), "PNG"):
            raise SystemExit(f"error: could not write {target}")
        written.append(target)
    return written


def write_ico(target: Path) -> bool:
    """A multi-size .ico from the PNGs; False (with a note) when Pillow is missing."""
    try:
        from PIL import Image
    except ImportError:
        print(f"note: Pillow is not installed; {target.name} not made "
              "(`pip install pillow` to get the Windows icon)", file=sys.stderr)
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    largest = Image.open(png_path(max(ICO_SIZES)))
    largest.save(target, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[Image.open(png_path(s)) for s in ICO_SIZES])
    return True


def write_icns(target: Path) -> bool:
    """A .icns from the PNGs with iconutil (macOS) or Pillow; False when neither exists."""
    target.parent.mkdir(parents=True, exist_ok=True)
    iconutil = shutil.which("iconutil")
    if iconutil:
        with tempfile.TemporaryDirectory() as tmp:
            iconset = Path(tmp) / "artifact-annotator.iconset"
            iconset.mkdir()
            for name, size in ICONSET.items():
                shutil.copyfile(png_path(size), iconset / name)
            subprocess.run([iconutil, "-c", "icns", "-o", str(target), str(iconset)],
                           check=True)
        return True
    try:
        from PIL import Image
    except ImportError:
        print(f"note: neither iconutil nor Pillow is available; {target.name} not made",
              file=sys.stderr)
        return False
    Image.open(png_path(512)).save(target, format="ICNS")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ico", type=Path, help="also write a Windows .ico here")
    parser.add_argument("--icns", type=Path, help="also write a macOS .icns here")
    parser.add_argument("--no-png", action="store_true",
                        help="use the committed PNGs as they are (only make --ico/--icns)")
    args = parser.parse_args(argv)
    if not args.no_png:
        for path in write_pngs():
            print(path.relative_to(ROOT))
    if args.ico and write_ico(args.ico):
        print(args.ico)
    if args.icns and write_icns(args.icns):
        print(args.icns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
