"""The playback engine: a sounddevice output stream fed from a ring buffer.

Threads and who does what:

* **Caller** (the GUI thread): ``play``/``pause``/``stop``/``seek``/... take a short
  internal lock, start or stop the PortAudio stream and post a new *feed request*;
  ``position_ms`` takes no lock at all (cheap enough for a 60 Hz playhead timer).
* **Feeder** (one thread per engine, started on the first play, joined by ``close()``;
  a daemon, so a forgotten ``close()`` cannot hang the exit): owns the only ``SoundFile`` (soundfile is not thread-safe), streams
  the file block by block (never the whole file), mixes channels, time-stretches
  (WSOLA) and resamples (soxr), and writes into the ring buffer, keeping it about
  half full. It also turns "the stream finished" into an end-of-range or a
  device-error report, and watches for a device that stops calling back.
* **Audio callback** (PortAudio's thread): copies frames from the ring buffer into the
  device buffer (scaled by the volume), zero-fills and counts an underflow when the
  ring runs dry, and records which output frame went to the DAC when. Nothing else:
  no allocation of buffers, no locks, no file access.

The position clock maps "the output frame at the DAC now" back to file time:
``k = first_frame_of_last_callback + (stream.time - its outputBufferDacTime) * rate``
(``display_position_ms`` carries the callback's ``currentTime`` forward with the
monotonic clock instead of asking the driver),
then :class:`~app.audio.playback_clock.Timeline` turns ``k`` into a file frame,
accounting for speed, seeks and loop wraps. So the playhead follows what is heard,
not when callbacks happen to arrive.

State changes and errors are reported through plain callables (``on_state``,
``on_error``) called from the caller's thread or the feeder thread -- never from the
audio callback. A GUI must bridge them to its own thread (e.g. a Qt signal).
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from app.audio.channel_mix import ChannelMixer
from app.audio.devices import (
    DeviceNotFound,
    OutputDevice,
    PlaybackUnavailable,
    choose_samplerate,
    list_output_devices,
    load_backend,
    refresh_backend,
    resolve_device,
)
from app.audio.playback_clock import Marker, Timeline
from app.audio.resample import StreamResampler
from app.audio.ring_buffer import FrameRing
from app.audio.time_stretch import MAX_SPEED, MIN_SPEED, TimeStretcher

log = logging.getLogger(__name__)

SPEED_STEPS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
DEFAULT_ROLL_MS = 300.0
RING_SECONDS = 1.0          # capacity; the feeder keeps it about half full
BLOCK_SECONDS = 0.02        # file audio read per feeder step
PRIME_SECONDS = 0.05        # margin over the device buffer queued before the start
STALL_SECONDS = 2.0         # no callback for this long while playing = device lost


class PlaybackState(str, enum.Enum):
    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"


@dataclass(frozen=True)
class PlaybackStats:
    """Counters for the status bar, tests and benchmarks."""

    underflows: int             # callbacks that found the ring short (audible gap)
    device_underflows: int      # PortAudio's own output-underflow flags
    callbacks: int
    start_latency_ms: float | None   # last play(): call -> first audio callback
    seek_latency_ms: float | None    # last seek while playing: call -> first new sample handed over
    output_latency_ms: float | None  # device-reported DAC latency of the last callback


@dataclass(frozen=True)
class _Request:
    """What the feeder should stream; a new generation means "flush and start over"."""

    generation: int
    path: str | None
    start_frame: int = 0
    end_frame: int = 0                 # exclusive
    loop_start: int | None = None      # range start when a loop may wrap
    speed: float = 1.0
    prime: bool = False                # signal ``_primed`` once audio is queued


class _Feed:
    """Turns one request into device-ready float32 frames, block by block."""

    def __init__(self, sound: sf.SoundFile, request: _Request, out_rate: int,
                 out_channels: int, selection: Sequence[int] | None, loop: Callable[[], bool]):
        self.sound = sound
        self.request = request
        self.loop = loop
        rate = sound.samplerate
        mixer = ChannelMixer(sound.channels, out_channels, selection)
        self.pre_mix = mixer if sound.channels > out_channels else None
        self.post_mix = mixer if self.pre_mix is None else None
        working = out_channels if self.pre_mix else sound.channels
        self.stretch = TimeStretcher(working, rate, request.speed)
        self.resampler = StreamResampler(rate, out_rate, working)
        self.step = (rate / out_rate) * self.stretch.effective_speed
        self.block = max(64, int(rate * BLOCK_SECONDS))
        self.working = working
        self.out_rate = out_rate
        self.position = request.start_frame
        self.fed = 0                          # file frames fed, all loop passes
        self.done = request.start_frame >= request.end_frame
        self.truncated = False
        # (output frame relative to the feed's first frame, file frame heard there)
        self.markers: list[tuple[float, int]] = [(0.0, request.start_frame)]
        self.origin = 0              # ring index of the feed's first frame, once written
        self.published_markers = 0
        sound.seek(self.position)

    def restart_pass(self) -> None:
        """Loop again after the feed ended (its filters were flushed: start them anew)."""
        rate = self.sound.samplerate
        self.stretch = TimeStretcher(self.working, rate, self.request.speed)
        self.resampler = StreamResampler(rate, self.out_rate, self.working)
        self.position = self.request.loop_start
        self.sound.seek(self.position)
        self.markers.append((self.fed / self.step, self.position))
        self.done = False

    def next_block(self) -> np.ndarray:
        """Frames for the device (possibly empty while filters fill up)."""
        request = self.request
        count = min(self.block, request.end_frame - self.position)
        data = self.sound.read(count, dtype="float32", always_2d=True) if count > 0 else \
            np.zeros((0, self.sound.channels), dtype=np.float32)
        self.position += len(data)
        self.fed += len(data)
        last = False
        if len(data) < count or self.position >= request.end_frame:
            if request.loop_start is not None and self.loop() and len(data) == count:
                self.position = request.loop_start
                self.sound.seek(self.position)
                self.markers.append((self.fed / self.step, self.position))
            else:
                last = True
                self.done = True
                self.truncated = len(data) < count
        if self.pre_mix is not None:
            data = self.pre_mix.apply(data)
        data = self.stretch.process(data, last=last)
        data = self.resampler.process(data, last=last)
        if self.post_mix is not None:
            data = self.post_mix.apply(data)
        return data


class PlaybackEngine:
    """Plays one audio file at a time through PortAudio; see the module docstring.

    Construct it once (it never raises for a missing sound system), check
    ``available`` / ``unavailable_reason``, ``load()`` a file, then use the transport
    methods. Times are milliseconds of file time. Call ``close()`` at exit: it stops the
    stream and joins the feeder thread.
    """

    def __init__(self, *, on_state: Callable[[PlaybackState, float], None] | None = None,
                 on_error: Callable[[str], None] | None = None,
                 device: int | str | None = None, volume: float = 1.0,
                 preroll_ms: float = DEFAULT_ROLL_MS, postroll_ms: float = DEFAULT_ROLL_MS,
                 output_rate: int | None = None, output_channels: int | None = None,
                 latency: str | float = "high"):
        self.on_state = on_state
        self.on_error = on_error
        self.preroll_ms = float(preroll_ms)
        self.postroll_ms = float(postroll_ms)
        self._output_rate = output_rate
        self._output_channels = output_channels
        self._latency = latency
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._primed = threading.Event()
        self._volume = _clamp(volume, 0.0, 1.0)
        self._speed = 1.0
        self._loop = False
        self._selection: tuple[int, ...] | None = None
        self._state = PlaybackState.STOPPED
        self._position_ms = 0.0
        self._range_ms: tuple[float, float] | None = None
        # the loaded file
        self._path: str | None = None
        self._file_rate = 0
        self._file_channels = 0
        self._file_frames = 0
        # the stream and what the callback shares with the others
        self._stream = None
        self._stream_key: tuple | None = None
        self._out_rate = 0
        self._ring: FrameRing | None = None
        self._timeline = Timeline()
        # (first ring index of the last callback, its DAC time, index after it, its time)
        # ... plus the perf_counter() at that callback (see position_ms)
        self._clock: tuple[int, float, int, float, float] | None = None
        self._run_id = 0
        self._deliberate_stop_run = -1
        self._end_reached_run = -1
        self._finished_run = -1
        self._handled_finished_run = -1
        self._had_device_error = False
        self._underflows = 0
        self._device_underflows = 0
        self._callbacks = 0
        self._play_called_at: float | None = None
        self._first_callback_at: float | None = None
        self._seek_called_at: float | None = None
        self._seek_target: int | None = None
        self._seek_done_at: float | None = None
        self._output_latency: float | None = None
        # the feeder
        self._request = _Request(generation=0, path=None)
        self._primed_generation = -1
        self._prime_failed_generation = -1
        self._pending: list[tuple[str, object]] = []
        self._feeder: threading.Thread | None = None
        self._closing = False
        # availability
        self.available = False
        self.unavailable_reason: str | None = None
        self._device: OutputDevice | None = None
        self._callback_stop: type[Exception] = Exception
        self._probe(device)
        self._flush_notifications()

    # ------------------------------------------------------------------ availability
    def _probe(self, device: int | str | None) -> None:
        try:
            sd = load_backend()
            self._callback_stop = sd.CallbackStop
            try:
                self._device = resolve_device(device)
            except DeviceNotFound as exc:
                self._device = resolve_device(None)
                self._emit_error(f"{exc} Using '{self._device.name}' instead.")
        except PlaybackUnavailable as exc:
            self.available = False
            self.unavailable_reason = str(exc)
            log.warning("%s", exc)
            return
        self.available = True
        self.unavailable_reason = None

    def refresh_devices(self) -> bool:
        """Look for devices again (after plugging one in). Stops playback first."""
        self.stop()
        with self._lock:
            self._close_stream()
            try:
                refresh_backend()
            except Exception as exc:  # no PortAudio, or re-initialisation failed
                log.info("re-initialising PortAudio: %s", exc)
            self._probe(self._device.name if self._device else None)
        self._flush_notifications()
        return self.available

    def list_devices(self) -> list[OutputDevice]:
        """Output devices, for a Preferences menu ([] when playback is unavailable)."""
        if not self.available:
            return []
        try:
            return list_output_devices()
        except PlaybackUnavailable as exc:
            self._emit_error(str(exc))
            return []

    @property
    def device(self) -> OutputDevice | None:
        return self._device

    def set_device(self, choice: int | str | None) -> OutputDevice:
        """Use another output device (``None``: the system default).

        Raises :class:`DeviceNotFound` (its text names the choice and what exists) for
        an unknown index or name, and :class:`PlaybackUnavailable` when there is no
        sound system. Playback going on continues on the new device.
        """
        if not self.available:
            raise PlaybackUnavailable(self.unavailable_reason or "Playback is unavailable.")
        new_device = resolve_device(choice)
        with self._lock:
            was_playing = self._state is PlaybackState.PLAYING
            position = self.position_ms()
            if was_playing:
                self._halt_stream()
            self._close_stream()
            self._device = new_device
            if was_playing:
                self._position_ms = position
                self._state = PlaybackState.PAUSED
        if was_playing:
            self.play()
        return new_device

    # ------------------------------------------------------------------ settings
    @property
    def volume(self) -> float:
        return self._volume

    def set_volume(self, volume: float) -> None:
        """0.0-1.0, applied in the callback's copy, so it takes effect at once."""
        self._volume = _clamp(float(volume), 0.0, 1.0)

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> float:
        """0.25x-2x with the pitch kept; while playing it applies from the current position."""
        speed = _clamp(float(speed), MIN_SPEED, MAX_SPEED)
        with self._lock:
            if speed == self._speed:
                return speed
            self._speed = speed
            if self._state is PlaybackState.PLAYING:
                self._restart_feed(self.position_ms(), prime=False)
        return speed

    def slower(self) -> float:
        """The next step down in ``SPEED_STEPS`` (the ``[`` key)."""
        lower = [s for s in SPEED_STEPS if s < self._speed - 1e-9]
        return self.set_speed(lower[-1] if lower else SPEED_STEPS[0])

    def faster(self) -> float:
        """The next step up in ``SPEED_STEPS`` (the ``]`` key)."""
        higher = [s for s in SPEED_STEPS if s > self._speed + 1e-9]
        return self.set_speed(higher[0] if higher else SPEED_STEPS[-1])

    @property
    def loop(self) -> bool:
        return self._loop

    def set_loop(self, enabled: bool) -> None:
        """Loop range playback (``play_range``); takes effect at the range end."""
        self._loop = bool(enabled)
        self._wake.set()

    def set_channel_selection(self, channels: Sequence[int] | None) -> None:
        """Listen to some file channels only (0-based), e.g. one microphone; None = all."""
        with self._lock:
            if channels is not None and self._file_channels:
                for channel in channels:
                    if not 0 <= channel < self._file_channels:
                        raise ValueError(f"channel {channel + 1} does not exist; the file has "
                                         f"{self._file_channels} channel(s)")
            self._selection = tuple(channels) if channels else None
            if self._state is PlaybackState.PLAYING:
                self._restart_feed(self.position_ms(), prime=False)

    # ------------------------------------------------------------------ file
    def load(self, path: str | Path | None) -> bool:
        """Make ``path`` the file to play (stops playback); None unloads. False on error."""
        self.stop()
        with self._lock:
            if path is None:
                self._path = None
                self._file_frames = 0
                self._position_ms = 0.0
                self._range_ms = None
                self._post_request(_Request(self._next_generation(), None))
                return True
            try:
                info = sf.info(str(path))
            except Exception as exc:
                self._emit_error(f"Cannot play {Path(path).name}: {exc}")
                return False
            self._path = str(path)
            self._file_rate = int(info.samplerate)
            self._file_channels = int(info.channels)
            self._file_frames = int(info.frames)
            self._position_ms = 0.0
            self._range_ms = None
            if self._selection and max(self._selection) >= self._file_channels:
                self._selection = None
            return True

    @property
    def path(self) -> str | None:
        return self._path

    @property
    def duration_ms(self) -> float:
        return self._file_frames * 1000.0 / self._file_rate if self._file_rate else 0.0

    @property
    def state(self) -> PlaybackState:
        return self._state

    @property
    def range_ms(self) -> tuple[float, float] | None:
        """The (padded) range being played, or None when playing to the end of the file."""
        return self._range_ms

    @property
    def output_rate(self) -> int:
        """The stream's sample rate (0 before the first play)."""
        return self._out_rate

    # ------------------------------------------------------------------ transport
    def play(self, from_ms: float | None = None) -> bool:
        """Play from ``from_ms`` (default: the current position) to the end of the file.

        When paused, ``play()`` resumes (within the paused range, if any).
        Returns False (and reports through ``on_error``) when playback cannot start.
        """
        with self._lock:
            keep_range = from_ms is None and self._state is PlaybackState.PAUSED
            if not keep_range:
                self._range_ms = None
            start = self._position_ms if from_ms is None else float(from_ms)
            if self._file_frames and start >= self.duration_ms - 0.5 and self._range_ms is None:
                start = 0.0  # play at the end of the file starts over
            return self._start(start)

    def play_range(self, start_ms: float, end_ms: float, *, preroll_ms: float | None = None,
                   postroll_ms: float | None = None, loop: bool | None = None) -> bool:
        """Play ``start_ms``-``end_ms`` with pre/post-roll (default ``preroll_ms`` /
        ``postroll_ms``, 300 ms), clipped to the file. With ``loop`` (default: the
        engine's loop setting) the padded range repeats until pause/stop.
        """
        if end_ms < start_ms:
            start_ms, end_ms = end_ms, start_ms
        pre = self.preroll_ms if preroll_ms is None else max(0.0, float(preroll_ms))
        post = self.postroll_ms if postroll_ms is None else max(0.0, float(postroll_ms))
        with self._lock:
            if loop is not None:
                self._loop = bool(loop)
            low = max(0.0, start_ms - pre)
            high = min(self.duration_ms, end_ms + post)
            self._range_ms = (low, high)
            return self._start(low)

    def toggle(self) -> bool:
        """Space: pause when playing, else play (resume) from the current position."""
        if self._state is PlaybackState.PLAYING:
            self.pause()
            return True
        return self.play()

    def pause(self) -> None:
        """Stop the sound at once and keep the position; ``play()`` resumes there."""
        with self._lock:
            if self._state is not PlaybackState.PLAYING:
                return
            position = self.position_ms()
            self._halt_stream()
            self._position_ms = position
            self._set_state(PlaybackState.PAUSED)
        self._flush_notifications()

    def stop(self) -> None:
        """Stop, release the device and keep the position (the playhead stays)."""
        with self._lock:
            if self._state is PlaybackState.STOPPED and self._stream is None:
                return
            position = self.position_ms()
            self._halt_stream()
            self._close_stream()
            self._position_ms = position
            self._range_ms = None
            self._set_state(PlaybackState.STOPPED)
        self._flush_notifications()

    def seek(self, position_ms: float) -> None:
        """Move to ``position_ms``; while playing the next audible sample is from there.

        A seek outside the range being played leaves the range (plays on to the end).
        """
        with self._lock:
            position = _clamp(float(position_ms), 0.0, self.duration_ms)
            if self._range_ms and not self._range_ms[0] <= position < self._range_ms[1]:
                self._range_ms = None
            if self._state is PlaybackState.PLAYING:
                self._seek_called_at = time.perf_counter()
                self._seek_target = None
                self._seek_done_at = None
                self._restart_feed(position, prime=False)
            else:
                self._position_ms = position

    def position_ms(self) -> float:
        """File time heard now, from the stream clock (``stream.time``); lock-free.

        Exact, for marking and pausing. ``stream.time`` is a call into the audio
        driver that can take milliseconds on some ALSA setups; a 60 Hz playhead uses
        :meth:`display_position_ms` instead.
        """
        return self._position(exact=True)

    def display_position_ms(self) -> float:
        """The same, extrapolated from the last callback's stream time with the
        monotonic clock: no driver call, microseconds, for drawing the playhead."""
        return self._position(exact=False)

    def _position(self, exact: bool) -> float:
        if self._state is not PlaybackState.PLAYING:
            return self._position_ms
        clock = self._clock
        stream = self._stream
        rate = self._out_rate
        if clock is None or stream is None or not rate:
            return self._position_ms
        first, dac_time, handed, callback_time, callback_perf = clock
        if exact:
            try:
                now = stream.time
            except Exception:
                now = 0.0
        else:
            now = callback_time + (time.perf_counter() - callback_perf)
        if now < callback_time or self._end_reached_run == self._run_id:
            # The stream clock stopped (stream finished or failed): the last frame
            # handed over is the best estimate.
            k = handed
        else:
            k = first + (now - dac_time) * rate
            if k > handed:
                k = handed
        frame = self._timeline.file_frame_at(k)
        if frame is None:
            return self._position_ms
        return frame * 1000.0 / self._file_rate

    def stats(self) -> PlaybackStats:
        def delay(start, end):
            return None if start is None or end is None else (end - start) * 1000.0
        return PlaybackStats(
            underflows=self._underflows,
            device_underflows=self._device_underflows,
            callbacks=self._callbacks,
            start_latency_ms=delay(self._play_called_at, self._first_callback_at),
            seek_latency_ms=delay(self._seek_called_at, self._seek_done_at),
            output_latency_ms=None if self._output_latency is None
            else self._output_latency * 1000.0,
        )

    def close(self) -> None:
        """Stop playback, close the stream and the file, join the feeder thread."""
        self.stop()
        with self._lock:
            self._closing = True
            self._close_stream()
            feeder = self._feeder
            self._feeder = None
        self._wake.set()
        if feeder is not None:
            feeder.join(timeout=5.0)

    def __enter__(self) -> PlaybackEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # ------------------------------------------------------------------ internals (lock held)
    def _start(self, start_ms: float) -> bool:
        if not self.available:
            self._emit_error(self.unavailable_reason or "Playback is unavailable.")
            self._flush_notifications()
            return False
        if self._path is None:
            self._emit_error("Nothing to play: no audio file is open.")
            self._flush_notifications()
            return False
        if self._closing:
            return False
        if self._state is PlaybackState.PLAYING:
            self._restart_feed(start_ms, prime=False)
            return True
        self._play_called_at = time.perf_counter()
        self._first_callback_at = None
        try:
            self._ensure_stream()
        except Exception as exc:
            self._report_device_failure(exc)
            self._flush_notifications()
            return False
        self._ensure_feeder()
        self._restart_feed(start_ms, prime=True)
        generation = self._request.generation
        deadline = time.monotonic() + 2.0
        self._lock.release()
        try:
            # The feeder needs no lock to prime: a few ms normally.
            while (self._primed_generation != generation
                   and self._prime_failed_generation != generation
                   and time.monotonic() < deadline):
                self._primed.wait(timeout=0.05)
                self._primed.clear()
        finally:
            self._lock.acquire()
        if self._prime_failed_generation == generation:
            return False  # the feeder reported why
        if self._primed_generation != generation:
            self._emit_error(f"Cannot play {Path(self._path).name}: reading the file timed out.")
            self._flush_notifications()
            return False
        try:
            self._clock = None
            self._run_id += 1
            self._stream.start()
        except Exception as exc:
            self._report_device_failure(exc)
            self._flush_notifications()
            return False
        self._had_device_error = False
        self._set_state(PlaybackState.PLAYING)
        self._flush_notifications()
        return True

    def _restart_feed(self, start_ms: float, prime: bool) -> None:
        rate = self._file_rate
        start = int(round(_clamp(start_ms, 0.0, self.duration_ms) * rate / 1000.0))
        end = self._file_frames
        loop_start = None
        if self._range_ms is not None:
            low, high = self._range_ms
            end = min(self._file_frames, int(round(high * rate / 1000.0)))
            loop_start = int(round(low * rate / 1000.0))
        start = min(start, end)
        self._position_ms = start * 1000.0 / rate
        self._post_request(_Request(self._next_generation(), self._path, start, end,
                                    loop_start, self._speed, prime))

    def _next_generation(self) -> int:
        return self._request.generation + 1

    def _post_request(self, request: _Request) -> None:
        self._request = request
        self._wake.set()

    def _ensure_stream(self) -> None:
        sd = load_backend()
        if self._had_device_error and self._stream is None:
            # The device may have come back under a new number: enumerate again.
            refresh_backend()
            self._device = resolve_device(self._device.name if self._device else None)
        device = self._device or resolve_device(None)
        channels = self._output_channels or min(2, device.max_channels)
        rate = choose_samplerate(device, self._file_rate, channels, self._output_rate)
        key = (device.index, rate, channels)
        if self._stream is not None and self._stream_key == key:
            return
        self._close_stream()
        self._ring = FrameRing(int(rate * RING_SECONDS), channels)
        self._timeline = Timeline()
        self._out_rate = rate
        self._stream = sd.OutputStream(
            device=device.index, samplerate=rate, channels=channels, dtype="float32",
            latency=self._latency, callback=self._callback,
            finished_callback=self._on_stream_finished)
        self._stream_key = key
        self._device = device

    def _halt_stream(self) -> None:
        """Stop the sound now (abort drops what the device still holds)."""
        self._post_request(_Request(self._next_generation(), self._path))
        stream = self._stream
        if stream is None:
            return
        self._deliberate_stop_run = self._run_id
        try:
            stream.abort()
        except Exception as exc:
            log.info("aborting the stream failed: %s", exc)

    def _close_stream(self) -> None:
        stream, self._stream, self._stream_key = self._stream, None, None
        if stream is None:
            return
        self._deliberate_stop_run = self._run_id
        try:
            stream.abort()
            stream.close()
        except Exception as exc:
            log.info("closing the stream failed: %s", exc)

    def _report_device_failure(self, exc: BaseException) -> None:
        self._had_device_error = True
        self._close_stream()
        name = self._device.name if self._device else "the default device"
        self._set_state(PlaybackState.STOPPED)
        self._emit_error(f"Playback stopped: the audio output device '{name}' failed "
                         f"({exc}). Check that it is connected, or choose another device "
                         f"in Preferences.")

    def _ensure_feeder(self) -> None:
        if self._feeder is None or not self._feeder.is_alive():
            self._feeder = threading.Thread(target=self._feed_loop, name="playback-feeder",
                                            daemon=True)
            self._feeder.start()

    # ------------------------------------------------------------------ notifications
    def _set_state(self, state: PlaybackState) -> None:
        if state is self._state:
            return
        self._state = state
        self._queue(("state", state))

    def _emit_error(self, message: str) -> None:
        log.warning("%s", message)
        self._queue(("error", message))

    def _queue(self, item: tuple[str, object]) -> None:
        self._pending.append(item)

    def _flush_notifications(self) -> None:
        """Call the user's callbacks outside the lock, in order."""
        with self._lock:
            pending, self._pending = self._pending, []
            position = self._position_ms
        for kind, value in pending:
            try:
                if kind == "state" and self.on_state is not None:
                    self.on_state(value, position)
                elif kind == "error" and self.on_error is not None:
                    self.on_error(value)
            except Exception:  # a faulty listener must not kill playback
                log.exception("playback %s listener failed", kind)

    # ------------------------------------------------------------------ audio callback
    def _callback(self, outdata, frames, time_info, status) -> None:
        ring = self._ring
        first, copied, at_end = ring.read_into(outdata, self._volume)
        dac = time_info.outputBufferDacTime
        self._clock = (first, dac, first + copied, time_info.currentTime, time.perf_counter())
        self._callbacks += 1
        if self._first_callback_at is None:
            self._first_callback_at = time.perf_counter()
            self._output_latency = dac - time_info.currentTime
        if status.output_underflow:
            self._device_underflows += 1
        target = self._seek_target
        if target is not None and copied and first >= target:
            self._seek_done_at = time.perf_counter()
            self._seek_target = None
        if at_end:
            self._end_reached_run = self._run_id
            raise self._callback_stop
        if copied < frames:
            self._underflows += 1

    def _on_stream_finished(self) -> None:
        # PortAudio thread, possibly while the caller holds the lock inside abort():
        # only record and wake the feeder.
        self._finished_run = self._run_id
        self._wake.set()

    # ------------------------------------------------------------------ feeder thread
    def _feed_loop(self) -> None:
        sound: sf.SoundFile | None = None
        sound_path: str | None = None
        feed: _Feed | None = None
        generation = -1
        pending: np.ndarray | None = None
        last_progress = (0, time.monotonic())
        try:
            while not self._closing:
                self._wake.clear()
                self._handle_finished()
                request = self._request
                if request.generation != generation:
                    generation = request.generation
                    feed, pending = None, None
                    if request.path is None or (request.start_frame >= request.end_frame
                                                and request.loop_start is None):
                        if sound is not None and request.path != sound_path:
                            sound.close()
                            sound, sound_path = None, None
                        if request.path is not None and request.prime:
                            self._start_empty(request)
                        continue
                    try:
                        if sound is None or sound_path != request.path:
                            if sound is not None:
                                sound.close()
                            sound = sf.SoundFile(request.path)
                            sound_path = request.path
                        ring = self._ring
                        feed = _Feed(sound, request, self._out_rate, ring.channels,
                                     self._selection, lambda: self._loop)
                        first = self._prime(feed, ring)
                    except Exception as exc:
                        self._feed_failed(request, exc)
                        feed = None
                        continue
                    if request.generation != self._request.generation:
                        continue  # superseded while priming
                    start, taken = ring.flush_and_write(first)
                    pending = first[taken:] if taken < len(first) else None
                    feed.origin = start
                    self._publish_markers(feed)
                    if not request.prime:
                        self._seek_target = start
                    if feed.done and pending is None:
                        ring.mark_end()
                    if request.prime:
                        self._primed_generation = request.generation
                        self._primed.set()
                    continue
                if feed is not None and self._ring is not None:
                    ring = self._ring
                    if request.loop_start is not None and not self._loop and not feed.done:
                        if self._end_at_heard_pass(feed, ring):
                            pending = None
                    if pending is None and not feed.done and ring.fill() < ring.high_water:
                        try:
                            pending = feed.next_block()
                        except Exception as exc:
                            self._feed_failed(request, exc)
                            feed = None
                            continue
                        self._publish_markers(feed)
                    if pending is not None:
                        taken = ring.write(pending)
                        pending = pending[taken:] if taken < len(pending) else None
                    if feed.done and pending is None:
                        if (self._loop and request.loop_start is not None and not feed.truncated
                                and self._end_reached_run != self._run_id):
                            # loop switched on after the last pass was queued: one more pass
                            feed.restart_pass()
                            ring.clear_end()
                        elif ring.published[2] is None:
                            ring.mark_end()
                    if pending is None and not feed.done and ring.fill() < ring.high_water:
                        continue  # keep filling without sleeping
                last_progress = self._watch_stall(last_progress)
                self._wake.wait(self._sleep_time(feed))
        except Exception:  # never let the thread die silently
            log.exception("playback feeder crashed")
            self._emit_error("Playback stopped: internal error in the audio feeder "
                             "(see the log file).")
            with self._lock:
                self._halt_stream()
                self._set_state(PlaybackState.STOPPED)
            self._flush_notifications()
        finally:
            if sound is not None:
                sound.close()

    def _prime(self, feed: _Feed, ring: FrameRing) -> np.ndarray:
        """Produce the first audio of a feed (enough to avoid a start-up underflow)."""
        # A device takes its whole buffer at start, some (ALSA's file plugin, PulseAudio)
        # in bursts of twice that: have it queued, it costs a millisecond or two.
        latency = float(getattr(self._stream, "latency", 0.0) or 0.0)
        seconds = _clamp(2 * latency + PRIME_SECONDS, 0.1, RING_SECONDS / 2 - BLOCK_SECONDS)
        want = int(self._out_rate * seconds)
        chunks, total = [], 0
        while total < want and not feed.done:
            block = feed.next_block()
            chunks.append(block)
            total += len(block)
        if not chunks:
            return np.zeros((0, ring.channels), dtype=np.float32)
        return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]

    def _publish_markers(self, feed: _Feed) -> None:
        """Hand the feed's new markers to the clock, in ring indices."""
        for relative, file_frame in feed.markers[feed.published_markers:]:
            self._timeline.add(Marker(feed.origin + relative, file_frame, feed.step,
                                      feed.request.end_frame))
        feed.published_markers = len(feed.markers)

    def _end_at_heard_pass(self, feed: _Feed, ring: FrameRing) -> bool:
        """Loop switched off: end at the end of the pass being heard, even if later
        passes are already queued. False when that pass is still being produced."""
        heard = ring.read_index
        for relative, _ in feed.markers[1:]:
            boundary = int(round(feed.origin + relative))
            if boundary > heard:
                if boundary > ring.write_index:
                    return False
                ring.mark_end(boundary)
                feed.done = True
                return True
        return False

    def _start_empty(self, request: _Request) -> None:
        ring = self._ring
        if ring is not None:
            ring.flush_and_write(np.zeros((0, ring.channels), dtype=np.float32))
            ring.mark_end()
        self._primed_generation = request.generation
        self._primed.set()

    def _sleep_time(self, feed: _Feed | None) -> float:
        ring = self._ring
        if ring is None or not self._out_rate or feed is None or feed.done:
            return 0.25  # nothing to feed; events (play, seek, stream end) wake us
        headroom = ring.fill() - ring.high_water * 0.75
        return _clamp(headroom / self._out_rate, 0.002, 0.05)

    def _watch_stall(self, last: tuple[int, float]) -> tuple[int, float]:
        now = time.monotonic()
        if self._state is not PlaybackState.PLAYING:
            return (self._callbacks, now)
        if self._callbacks != last[0]:
            return (self._callbacks, now)
        if now - last[1] > STALL_SECONDS:
            with self._lock:
                if self._state is PlaybackState.PLAYING:
                    position = self.position_ms()
                    self._report_device_failure(
                        RuntimeError(f"no audio requested for {STALL_SECONDS:.0f} s"))
                    self._position_ms = position
            self._flush_notifications()
            return (self._callbacks, now)
        return last

    def _handle_finished(self) -> None:
        run = self._finished_run
        if run == self._handled_finished_run:
            return
        with self._lock:
            self._handled_finished_run = run
            if run != self._run_id or run == self._deliberate_stop_run \
                    or self._state is not PlaybackState.PLAYING:
                return
            if self._end_reached_run == run:
                request = self._request
                end_ms = request.end_frame * 1000.0 / self._file_rate if self._file_rate else 0.0
                self._post_request(_Request(self._next_generation(), self._path))
                self._close_stream()
                self._position_ms = end_ms
                self._range_ms = None
                self._set_state(PlaybackState.STOPPED)
            else:
                position = self.position_ms()
                self._report_device_failure(RuntimeError("the stream stopped unexpectedly"))
                self._position_ms = position
        self._flush_notifications()

    def _feed_failed(self, request: _Request, exc: BaseException) -> None:
        with self._lock:
            if request.generation != self._request.generation:
                return
            name = Path(request.path).name if request.path else "the file"
            self._emit_error(f"Playback stopped: cannot read {name} ({exc}).")
            if self._state is PlaybackState.PLAYING:
                self._halt_stream()
                self._close_stream()
                self._set_state(PlaybackState.STOPPED)
            if request.prime:
                self._prime_failed_generation = request.generation
                self._primed.set()
        self._flush_notifications()


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value
