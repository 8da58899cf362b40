"""Colors and sizes of the waveform editor (a dark, high-contrast audio-editor look)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont

BACKGROUND = QColor("#15171c")
LANE_BACKGROUND = QColor("#1a1d23")
LANE_SEPARATOR = QColor("#343a45")
CENTER_LINE = QColor("#2c323c")
GRID = QColor(255, 255, 255, 16)
WAVE = QColor("#6cb6e8")
WAVE_SKETCH = QColor("#4a6f8c")
LANE_LABEL = QColor("#7d8796")
PLACEHOLDER = QColor("#7d8796")

RULER_BACKGROUND = QColor("#20242b")
RULER_TEXT = QColor("#c8ced8")
RULER_TICK = QColor("#687282")
RULER_BORDER = QColor("#0d0f12")

SELECTION_FILL = QColor(150, 200, 255, 46)
SELECTION_EDGE = QColor(140, 195, 255, 230)
PLAYHEAD = QColor("#f4f6f8")
SELECTED_EDGE = QColor("#ffffff")
ACTIVE_EDGE = QColor("#ffc940")

OVERVIEW_BACKGROUND = QColor("#111317")
OVERVIEW_WAVE = QColor("#4f7d9f")
OVERVIEW_DIM = QColor(0, 0, 0, 120)
OVERVIEW_WINDOW_FILL = QColor(140, 195, 255, 28)
OVERVIEW_WINDOW_EDGE = QColor("#8cc3ff")

BADGE_BACKGROUND = QColor(60, 42, 12, 235)
BADGE_BORDER = QColor("#d9a03a")
BADGE_TEXT = QColor("#ffe2a8")

REGION_FILL_ALPHA = 64
REGION_SELECTED_FILL_ALPHA = 105
REGION_EDGE_ALPHA = 210
STRIP_ALPHA = 80

RULER_HEIGHT = 24
OVERVIEW_HEIGHT = 40
LABEL_ROW_HEIGHT = 16
LABEL_ROWS = 4
EDGE_GRAB_PX = 5
DRAG_START_PX = 3


def label_font() -> QFont:
    font = QFont()
    font.setPixelSize(11)
    font.setBold(True)
    return font


def ruler_font() -> QFont:
    font = QFont()
    font.setPixelSize(11)
    return font


def readable_text_on(color: QColor) -> QColor:
    """Black or white, whichever reads better on ``color``."""
    luminance = 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()
    return QColor("#101216") if luminance > 0.55 else QColor("#ffffff")
