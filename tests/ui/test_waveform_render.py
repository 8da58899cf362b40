"""What the waveform editor draws, checked on the pixels of an offscreen rendering."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from app.ui.waveform import WaveformEditor, theme
from tests.ui.waveform_helpers import TYPES, ann, make_audio


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8,
                           count=image.bytesPerLine() * height)
    return buffer.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3)


def _over(color: str, alpha: int, base: QColor) -> np.ndarray:
    top = QColor(color)
    a = alpha / 255
    return np.array([top.red() * a + base.red() * (1 - a),
                     top.green() * a + base.green() * (1 - a),
                     top.blue() * a + base.blue() * (1 - a)])


@pytest.fixture
def shown(qtbot, tmp_path):
    def build(channels: int = 1, amplitudes=(0.3, 0.3), seconds: float = 10.0):
        editor = WaveformEditor()
        qtbot.addWidget(editor)
        editor.resize(1000, 320)
        editor.set_type_order(list(TYPES))
        editor.set_type_colors(TYPES)
        path, audio = make_audio(tmp_path, seconds=seconds, channels=channels,
                                 amplitudes=amplitudes)
        with qtbot.waitSignal(editor.peaks_ready, timeout=10_000):
            editor.load_audio(path, audio, tmp_path / "cache")
            editor.show()
            qtbot.waitExposed(editor)
        return editor

    yield build


def test_each_region_is_drawn_in_its_type_color_where_its_times_say(shown, tmp_path):
    editor = shown()
    regions = [("g", "glitch", 1000, 2200), ("p", "long_pause", 4000, 5600),
               ("h", "hallucination", 7000, 8800)]
    editor.set_annotations([ann(*r) for r in regions])
    image = editor.grab().toImage()
    image.save(str(tmp_path / "regions.png"))
    pixels = _pixels(image)
    lanes = editor.lanes_rect()
    origin = editor.viewport().mapTo(editor, editor.viewport().rect().topLeft())
    # Low in the lane: below the quiet waveform and the type labels.
    y = int(origin.y() + lanes.bottom() - 4)
    for _, type_name, start, end in regions:
        expected = _over(TYPES[type_name], theme.REGION_FILL_ALPHA, theme.LANE_BACKGROUND)
        x0 = origin.x() + editor.x_for_ms(start)
        x1 = origin.x() + editor.x_for_ms(end)
        for x in np.linspace(x0 + 3, x1 - 3, 12).astype(int):
            assert np.abs(pixels[y, x] - expected).max() <= 3, (type_name, x, pixels[y, x])
        # just outside the region: the plain lane background
        background = np.array([theme.LANE_BACKGROUND.red(), theme.LANE_BACKGROUND.green(),
                               theme.LANE_BACKGROUND.blue()])
        for x in (int(x0) - 3, int(x1) + 3):
            assert np.abs(pixels[y, x] - background).max() <= 3, (type_name, x, pixels[y, x])
        # and the dominant channel is the type's own
        dominant = np.argmax(pixels[y, int((x0 + x1) / 2)])
        assert dominant == np.argmax(QColor(TYPES[type_name]).getRgb()[:3])


def test_zoomed_far_out_many_regions_become_a_color_strip(shown, tmp_path):
    editor = shown(seconds=60.0)
    # 600 short regions: glitches in the first half, hallucinations in the second.
    annotations = [ann(f"g{i}", "glitch", i * 50, i * 50 + 30) for i in range(300)]
    annotations += [ann(f"h{i}", "hallucination", 40000 + i * 50, 40000 + i * 50 + 30)
                    for i in range(300)]
    editor.set_annotations(annotations)
    image = editor.grab().toImage()
    image.save(str(tmp_path / "strip.png"))
    assert editor._layer.dense_last_paint
    pixels = _pixels(image)
    origin = editor.viewport().mapTo(editor, editor.viewport().rect().topLeft())
    lanes = editor.lanes_rect()
    y = int(origin.y() + lanes.bottom() - 4)
    for ms, type_name in ((7000, "glitch"), (47000, "hallucination")):
        x = int(origin.x() + editor.x_for_ms(ms))
        assert np.argmax(pixels[y, x]) == np.argmax(QColor(TYPES[type_name]).getRgb()[:3])
        assert pixels[y, x].max() > theme.LANE_BACKGROUND.value() + 20
    x = int(origin.x() + editor.x_for_ms(25000))          # nothing there
    background = np.array(QColor(theme.LANE_BACKGROUND).getRgb()[:3])
    assert np.abs(pixels[y, x] - background).max() <= 3


def _wave_extent(pixels: np.ndarray, x: int, top: int, bottom: int) -> tuple[int, int] | None:
    wave = np.array(QColor(theme.WAVE).getRgb()[:3])
    column = pixels[top:bottom, x]
    rows = np.flatnonzero(np.abs(column.astype(int) - wave).max(axis=1) <= 12)
    return (top + rows[0], top + rows[-1]) if len(rows) else None


def test_stereo_shows_one_lane_per_channel(shown, tmp_path):
    editor = shown(channels=2, amplitudes=(0.8, 0.2))
    assert editor.channel_count() == 2
    image = editor.grab().toImage()
    image.save(str(tmp_path / "stereo.png"))
    pixels = _pixels(image)
    origin = editor.viewport().mapTo(editor, editor.viewport().rect().topLeft())
    lanes = editor.lanes_rect()
    top = int(origin.y() + lanes.top())
    middle = int(origin.y() + lanes.top() + lanes.height() / 2)
    bottom = int(origin.y() + lanes.bottom())
    lane_half = lanes.height() / 4
    heights = {0: [], 1: []}
    for ms in (1950, 3250, 5850):                  # envelope peaks of the generated bursts
        x = int(origin.x() + editor.x_for_ms(ms))
        for lane, (a, b) in enumerate(((top, middle), (middle, bottom))):
            extent = _wave_extent(pixels, x, a, b)
            assert extent is not None, (lane, ms)
            center = (extent[0] + extent[1]) / 2
            assert abs(center - (a + b) / 2) <= 4          # centered in its own lane
            heights[lane].append((extent[1] - extent[0]) / 2 / lane_half)
    assert 0.65 < np.mean(heights[0]) < 0.95               # the loud channel
    assert 0.1 < np.mean(heights[1]) < 0.35                # the quiet one


def test_mono_uses_the_whole_height(shown):
    editor = shown(channels=1, amplitudes=(0.8,))
    assert editor.channel_count() == 1
    pixels = _pixels(editor.grab().toImage())
    origin = editor.viewport().mapTo(editor, editor.viewport().rect().topLeft())
    lanes = editor.lanes_rect()
    top, bottom = int(origin.y() + lanes.top()), int(origin.y() + lanes.bottom())
    extent = _wave_extent(pixels, int(origin.x() + editor.x_for_ms(1950)), top, bottom)
    assert extent is not None and (extent[1] - extent[0]) > 0.6 * (bottom - top)


def test_deep_zoom_draws_the_raw_samples(shown):
    editor = shown(amplitudes=(0.8,))
    editor.zoom_to(1300, 1320)                      # 320 samples over 1000 px: a line
    editor.grab()
    assert editor._wave._antialias and editor._wave._dot_count == 0
    editor.zoom_to(1300, 1304)                      # 64 samples: each one marked
    editor.grab()
    assert 64 <= editor._wave._dot_count <= 66
    editor.zoom_to(1000, 2000)                      # 16 frames per pixel: raw min/max columns
    editor.grab()
    assert not editor._wave._antialias and editor._wave.painted_state == "fine"
