"""Time window arithmetic and ruler ticks of the waveform editor."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.ui.waveform.ruler import TimeRuler
from app.ui.waveform.timescale import TimeWindow, tick_spacing, tick_values


def test_ticks_adapt_from_the_hour_down_to_milliseconds():
    assert tick_spacing(3_600_000, 1920) == (300_000, 60_000)     # 5 min labels on an hour
    assert tick_spacing(60_000, 1920) == (5_000, 1_000)
    assert tick_spacing(1_000, 1920) == (100, 20)
    assert tick_spacing(20, 1920) == (2, 1)
    assert tick_spacing(4, 1920)[0] == 1                          # never below a millisecond


@given(span=st.floats(2, 36_000_000), width=st.integers(200, 4000))
def test_major_labels_never_crowd(span, width):
    major, minor = tick_spacing(span, width)
    px_per_label = major * width / span
    assert px_per_label >= 110 or major == 36_000_000
    assert minor == 0 or major % minor == 0


def test_tick_values_are_the_multiples_inside_the_window():
    assert tick_values(950, 1510, 200) == [1000, 1200, 1400]
    assert tick_values(0, 1000, 500) == [0, 500, 1000]


def test_ruler_labels_read_h_mm_ss_mmm():
    assert TimeRuler.label(3_723_004) == "1:02:03.004"
    assert TimeRuler.label(5_000) == "0:00:05.000"


@given(duration=st.floats(100, 10_000_000), start=st.floats(-1e7, 2e7),
       span=st.floats(-10, 2e7))
def test_clamped_windows_stay_inside_the_file(duration, start, span):
    window = TimeWindow(duration=duration, min_span=2.0)
    a, b = window.clamped(start, start + span)
    assert 0 <= a <= b <= duration + 1e-6
    assert b - a >= min(2.0, duration) - 1e-6


@given(fraction=st.floats(0, 1), factor=st.sampled_from([1.5, 1 / 1.5, 2.25]))
def test_zoom_keeps_the_anchor_in_place(fraction, factor):
    window = TimeWindow(duration=3_600_000, start=1_000_000, end=1_060_000)
    anchor = window.start + fraction * window.span
    start, end = window.zoomed(factor, anchor)
    assert abs((end - start) - 60_000 / factor) < 1e-6
    assert abs((anchor - start) / (end - start) - fraction) < 1e-9


def test_pixels_and_milliseconds_round_trip():
    window = TimeWindow(duration=10_000, start=2_000, end=4_000)
    assert window.x_of(3_000, 1000) == 500
    assert window.ms_at(250, 1000) == 2_500
