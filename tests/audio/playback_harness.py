"""Run the playback engine for real, with ALSA writing what PortAudio plays to files.

ALSA reads its configuration when PortAudio initialises (at ``import sounddevice``),
so every scenario runs in a fresh subprocess with ``ALSA_CONFIG_PATH`` set:

* ``capture``: the default pcm is ALSA's ``file`` plugin over a ``null`` slave. The
  null slave alone consumes audio as fast as it is written (measured: ~660x real
  time), which is nothing like a sound card; so the file plugin writes into a FIFO
  read by this module's *pacer* (``serve``, a separate process), which shrinks the
  pipe to one page and reads at exactly the stream's sample rate. PortAudio then sees
  a device that takes audio in real time, like a real one, and every sample it played
  lands in ``<dir>/<n>.raw`` (float32, interleaved) with ``<n>.json`` saying
  rate/channels.
* ``unpaced``: file plugin over null, no pacer (as architecture.md describes).
* ``no-device``: the default pcm points at a sound card that does not exist.

A scenario is a list of actions (JSON) run against one PlaybackEngine; the subprocess
prints a JSON report (events, positions, stats) that the tests assert on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
F_SETPIPE_SZ = 1031


RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000)
CHANNELS = (1, 2)


def alsa_config(directory: Path, mode: str = "capture") -> Path:
    """Write an ALSA configuration for ``mode`` into ``directory``; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    if mode == "capture":
        # %r/%c/%b: ALSA opens the file at hw_params, named after the stream's format;
        # the pacer has a FIFO waiting under each name a stream may use.
        pcm = f"""pcm.!default {{
    type file
    slave.pcm {{ type null }}
    file "{directory}/sink-%r-%c-%b"
    format "raw"
}}"""
    elif mode == "unpaced":
        pcm = f"""pcm.!default {{
    type file
    slave.pcm {{ type null }}
    file "{directory}/unpaced.raw"
    format "raw"
}}"""
    elif mode == "no-device":
        pcm = """pcm.!default {
    type hw
    card 97
}"""
    else:
        raise ValueError(mode)
    path = directory / "asound.conf"
    path.write_text(pcm + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the pacer
def serve(directory: Path) -> None:
    """Pace every stream ALSA writes into ``directory``'s FIFOs; exit when stdin closes.

    One thread per possible format waits on its FIFO; for each stream (open ... close
    by the writer) it shrinks the pipe to one page (so the "device" holds no more than
    a sound card would), reads at exactly the stream's rate and saves a capture.
    """
    import threading

    active = []
    counter = iter(range(1_000_000))

    def pace_fifo(fifo: Path, rate: int, channels: int, bits: int) -> None:
        import fcntl
        import select

        frame_bytes = channels * bits // 8
        device_buffer = 512 * frame_bytes
        while True:
            # Open without blocking and shrink the pipe *before* a writer can connect: once
            # ALSA has written more than a page, the kernel refuses the shrink (EBUSY) and
            # the "device" would swallow 64 KiB at once, far faster than real time.
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                fcntl.fcntl(fd, F_SETPIPE_SZ, 4096)
                small = True
            except OSError:
                small = False
            poller = select.poll()
            poller.register(fd, select.POLLIN | select.POLLHUP)
            while not poller.poll(200):      # a writer's first data (or its close)
                pass
            active.append(fd)                # a stream to finish before the pacer exits
            os.set_blocking(fd, True)
            name = f"{next(counter):05d}"
            start = None
            total = 0
            with open(directory / f"{name}.raw", "wb") as sink:
                while True:
                    if start is not None:
                        allowed = (int((time.monotonic() - start) * rate) * frame_bytes
                                   + device_buffer - total)
                        if allowed <= 0:
                            time.sleep(0.001)
                            continue
                    else:
                        allowed = device_buffer
                    data = os.read(fd, min(allowed, 1 << 16))
                    if not data:
                        break
                    if start is None:
                        start = time.monotonic()   # the clock runs from the first sample
                    sink.write(data)
                    total += len(data)
            os.close(fd)
            (directory / f"{name}.json").write_text(json.dumps(
                {"rate": rate, "channels": channels, "bits": bits, "small_pipe": small}))
            active.remove(fd)

    for rate in RATES:
        for channels in CHANNELS:
            fifo = directory / f"sink-{rate}-{channels}-32"
            if not fifo.exists():
                os.mkfifo(fifo)
            threading.Thread(target=pace_fifo, args=(fifo, rate, channels, 32),
                             daemon=True).start()
    (directory / "pacer.pid").write_text(str(os.getpid()))
    sys.stdin.read()
    deadline = time.monotonic() + 5
    while active and time.monotonic() < deadline:
        time.sleep(0.01)


def captures(directory: Path) -> list[tuple[dict, "object"]]:
    """Every stream's captured audio in order: [(meta, float32 array (n, channels))]."""
    import numpy as np

    found = []
    for meta_path in sorted(directory.glob("[0-9]*.json")):
        meta = json.loads(meta_path.read_text())
        raw = meta_path.with_suffix(".raw")
        if meta.get("bits") != 32 or not raw.exists() or raw.stat().st_size == 0:
            # PortAudio opens the device once to probe it; that stream plays nothing.
            continue
        data = np.fromfile(raw, dtype="<f4")
        usable = len(data) // meta["channels"] * meta["channels"]
        found.append((meta, data[:usable].reshape(-1, meta["channels"])))
    return found


# --------------------------------------------------------------------------- scenarios
@dataclass
class Report:
    available: bool
    reason: str | None
    events: list = field(default_factory=list)
    positions: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    output_rate: int = 0
    values: dict = field(default_factory=dict)
    captures: list = field(default_factory=list)
    returncode: int = 0
    stderr: str = ""


def run(directory: Path, actions: list, engine: dict | None = None, mode: str = "capture",
        timeout: float = 120.0, block_portaudio: bool = False) -> Report:
    """Run ``actions`` in a subprocess whose ALSA is configured for ``mode``."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ALSA_CONFIG_PATH": str(alsa_config(directory, mode))}
    spec = {"actions": actions, "engine": engine or {}, "block_portaudio": block_portaudio,
            "directory": str(directory)}
    pacer = None
    if mode == "capture":
        pacer = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "serve",
                                  str(directory)], stdin=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not (directory / "pacer.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    try:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "scenario"],
                              input=json.dumps(spec), capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=str(REPO))
    finally:
        if pacer is not None:
            if pacer.poll() is None:
                pacer.stdin.close()
                try:
                    pacer.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pacer.kill()
                    pacer.wait()
            else:
                pacer.stdin.close()
    if proc.returncode != 0 or not proc.stdout.strip():
        raise AssertionError(f"scenario failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    report = Report(**data)
    report.returncode = proc.returncode
    report.stderr = proc.stderr
    report.captures = captures(directory) if mode == "capture" else []
    return report


def _scenario(spec: dict) -> dict:
    if spec["block_portaudio"]:
        # What a machine without libportaudio2 looks like to sounddevice.
        import ctypes.util

        real = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None if "portaudio" in name else real(name)
    sys.path.insert(0, str(REPO))
    import threading

    from app.audio.playback import PlaybackEngine, PlaybackState

    events: list = []
    changed = threading.Event()
    t0 = time.perf_counter()

    def on_state(state, position):
        events.append(["state", state.value, round(position, 3), time.perf_counter() - t0])
        changed.set()

    def on_error(message):
        events.append(["error", message, None, time.perf_counter() - t0])
        changed.set()

    engine = PlaybackEngine(on_state=on_state, on_error=on_error, **spec["engine"])
    positions: list = []
    values: dict = {}
    try:
        for action, *args in spec["actions"]:
            if action == "wait_state":
                wanted, limit = PlaybackState(args[0]), args[1]
                deadline = time.monotonic() + limit
                while engine.state is not wanted and time.monotonic() < deadline:
                    changed.wait(0.02)
                    changed.clear()
            elif action == "wait_position":
                at_least, limit = args
                deadline = time.monotonic() + limit
                while engine.position_ms() < at_least and time.monotonic() < deadline:
                    time.sleep(0.005)
            elif action == "sleep":
                time.sleep(args[0])
            elif action == "sample_positions":
                seconds, hz = args
                end = time.perf_counter() + seconds
                while time.perf_counter() < end:
                    positions.append([time.perf_counter() - t0, engine.position_ms(),
                                      engine.state.value])
                    time.sleep(1.0 / hz)
            elif action == "kill_pacer":  # the "sound card" disappears mid-stream
                os.kill(int((Path(spec["directory"]) / "pacer.pid").read_text()), 9)
            elif action == "call":
                name, *call_args = args
                result = getattr(engine, name)(*call_args)
                values[f"{name}#{len(values)}"] = _plain(result)
            elif action == "get":
                values[args[0]] = _plain(getattr(engine, args[0]))
            elif action == "start_import_load":   # what importing files does to the process
                load = ImportLoad(Path(args[0]), Path(args[1]))
                load.start()
            elif action == "stop_import_load":
                values["import_load"] = load.stop()
            elif action == "time_position_calls":
                count = args[0]
                begin = time.perf_counter()
                for _ in range(count):
                    engine.position_ms()
                values["position_call_us"] = (time.perf_counter() - begin) / count * 1e6
                begin = time.perf_counter()
                for _ in range(count):
                    engine.display_position_ms()
                values["display_position_call_us"] = (time.perf_counter() - begin) / count * 1e6
            else:
                raise ValueError(f"unknown action {action}")
        stats = engine.stats()
        output_rate = engine.output_rate
    finally:
        engine.close()
    leftover = [t.name for t in threading.enumerate() if t is not threading.main_thread()
                and t.name == "playback-feeder"]
    values["threads_left"] = leftover
    return {"available": engine.available, "reason": engine.unavailable_reason,
            "events": events, "positions": positions, "stats": stats.__dict__,
            "output_rate": output_rate, "values": values}


class ImportLoad:
    """A background thread doing what an audio import does, file after file:
    copy into the library, sha256 the copy, probe it with soundfile.info."""

    def __init__(self, source: Path, target: Path):
        self.files = sorted(source.iterdir())
        self.target = target
        self.done = 0
        self.rounds = 0
        self._stop = False
        self._thread = None

    def start(self) -> None:
        import threading

        self.target.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="import-load")
        self._started = time.perf_counter()
        self._thread.start()

    def _run(self) -> None:
        import hashlib
        import shutil

        import soundfile

        while not self._stop:
            for path in self.files:
                if self._stop:
                    return
                copy = self.target / path.name
                shutil.copyfile(path, copy)
                digest = hashlib.sha256()
                with open(copy, "rb") as handle:
                    for chunk in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(chunk)
                soundfile.info(str(copy))
                copy.unlink()
                self.done += 1
            self.rounds += 1

    def stop(self) -> dict:
        self._stop = True
        self._thread.join()
        elapsed = time.perf_counter() - self._started
        return {"files": self.done, "rounds": self.rounds, "seconds": elapsed}


def _plain(value):
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(v) for k, v in value.__dict__.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return value.value
    return value


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(Path(sys.argv[2]))
    elif sys.argv[1] == "scenario":
        result = _scenario(json.loads(sys.stdin.read()))
        sys.stdout.write("\n" + json.dumps(result) + "\n")
