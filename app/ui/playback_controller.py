"""Playback in the window: the engine's callbacks bridged to Qt signals, the playhead
drawn at about 60 Hz from the engine's stream clock, and the transport actions.

The engine (app.audio.playback) reports from its feeder thread; the signals here are
emitted there and delivered queued on the UI thread. With no sound available the
controller stays usable (every action reports why nothing plays) and the status bar
says what is wrong and what to install.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.audio.playback import SPEED_STEPS, PlaybackEngine, PlaybackState

log = logging.getLogger(__name__)

FRAME_INTERVAL_MS = 16          # ~60 Hz playhead
STATUS_EVERY_N_FRAMES = 6       # the status-bar time text at ~10 Hz


class PlaybackController(QObject):
    state_changed = Signal(object, float)   # PlaybackState, position ms
    error = Signal(str)
    position_changed = Signal(float)        # each frame while playing
    speed_changed = Signal(float)
    availability_changed = Signal(bool, str)

    def __init__(self, engine_factory: Callable[..., PlaybackEngine] = PlaybackEngine,
                 device: int | str | None = None, volume: float = 1.0,
                 preroll_ms: float = 300.0, postroll_ms: float = 300.0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine_factory(on_state=self._on_state, on_error=self._on_error,
                                     device=device, volume=volume, preroll_ms=preroll_ms,
                                     postroll_ms=postroll_ms)
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_INTERVAL_MS)
        self.timer.timeout.connect(self._tick)
        self.state_changed.connect(self._state_arrived)
        self._frames = 0
        self.tick_durations: list[float] = []    # seconds per playhead update (benchmarks)
        self.tick_times: list[float] = []
        self.record_ticks = False
        self.on_frame: Callable[[float, bool], None] | None = None

    # -- facts ------------------------------------------------------------------------

    @property
    def available(self) -> bool:
        return self.engine.available

    @property
    def unavailable_reason(self) -> str:
        return self.engine.unavailable_reason or ""

    @property
    def playing(self) -> bool:
        return self.engine.state is PlaybackState.PLAYING

    def position_ms(self) -> float:
        return self.engine.position_ms()

    # -- transport --------------------------------------------------------------------

    def load(self, path: Path | None) -> bool:
        return self.engine.load(path)

    def toggle(self, from_ms: float | None = None) -> bool:
        if self.playing:
            self.engine.pause()
            return True
        if from_ms is not None and self.engine.state is not PlaybackState.PAUSED:
            return self.engine.play(from_ms)
        return self.engine.play()

    def play_range(self, start_ms: float, end_ms: float, loop: bool) -> bool:
        return self.engine.play_range(start_ms, end_ms, loop=loop)

    def seek(self, ms: float) -> None:
        self.engine.seek(ms)

    def stop(self) -> None:
        self.engine.stop()

    def set_loop(self, on: bool) -> None:
        self.engine.set_loop(on)

    def step_speed(self, direction: int) -> float:
        speed = self.engine.faster() if direction > 0 else self.engine.slower()
        self.speed_changed.emit(speed)
        return speed

    @staticmethod
    def speed_steps() -> tuple[float, ...]:
        return SPEED_STEPS

    def close(self) -> None:
        self.timer.stop()
        self.engine.close()

    # -- engine callbacks (feeder or caller thread) -------------------------------------

    def _on_state(self, state: PlaybackState, position_ms: float) -> None:
        self.state_changed.emit(state, float(position_ms))

    def _on_error(self, message: str) -> None:
        log.warning("playback: %s", message)
        self.error.emit(message)

    # -- UI thread ------------------------------------------------------------------------

    def _state_arrived(self, state: PlaybackState, position_ms: float) -> None:
        if state is PlaybackState.PLAYING:
            if not self.timer.isActive():
                self._frames = 0
                self.timer.start()
        else:
            self.timer.stop()
            if self.on_frame is not None:
                self.on_frame(position_ms, True)

    def _tick(self) -> None:
        started = time.perf_counter()
        position = self.engine.display_position_ms()
        self._frames += 1
        if self.on_frame is not None:
            self.on_frame(position, self._frames % STATUS_EVERY_N_FRAMES == 0)
        if self.record_ticks:
            self.tick_times.append(started)
            self.tick_durations.append(time.perf_counter() - started)
