"""Output devices through sounddevice, imported lazily so a missing PortAudio never crashes.

sounddevice loads the PortAudio shared library when it is imported and raises
``OSError("PortAudio library not found")`` if it is missing; it also enumerates the
devices once, at that moment (``Pa_Initialize``). Everything that touches sounddevice
goes through :func:`load_backend`, which turns those failures into a sentence for the
status bar instead of an exception.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import ModuleType

INSTALL_PORTAUDIO = (
    "Playback disabled: the PortAudio library is missing. "
    "Install it with: sudo apt-get install libportaudio2"
    if sys.platform.startswith("linux")
    else "Playback disabled: the PortAudio library is missing. Reinstall the application "
         "(the sounddevice package ships PortAudio on this system)."
)
INSTALL_SOUNDDEVICE = ("Playback disabled: the Python package 'sounddevice' is not installed. "
                       "Install it with: pip install sounddevice")
NO_OUTPUT_DEVICE = ("Playback disabled: no audio output device was found. Connect headphones "
                    "or speakers (on Linux check that ALSA, PulseAudio or PipeWire sees a "
                    "sound card, e.g. with 'aplay -l'), then reopen the application.")


class PlaybackUnavailable(Exception):
    """Sound output cannot be used; ``str()`` says what is wrong and what to install."""


class DeviceNotFound(Exception):
    """A device asked for by name or index does not exist; ``str()`` names it."""


@dataclass(frozen=True)
class OutputDevice:
    """One output device as PortAudio lists it."""

    index: int
    name: str
    hostapi: str
    max_channels: int
    default_samplerate: float
    is_default: bool

    @property
    def label(self) -> str:
        """What a device menu shows: ``"HDA Intel PCH: ALC3246 Analog (ALSA)"``."""
        return f"{self.name} ({self.hostapi})"


_backend: ModuleType | None = None
_backend_error: str | None = None


def load_backend() -> ModuleType:
    """Import sounddevice once; raise :class:`PlaybackUnavailable` with the reason."""
    global _backend, _backend_error
    if _backend is not None:
        return _backend
    if _backend_error is not None:
        raise PlaybackUnavailable(_backend_error)
    try:
        import sounddevice
    except ImportError:
        _backend_error = INSTALL_SOUNDDEVICE
    except OSError as exc:  # sounddevice raises OSError when libportaudio is missing
        _backend_error = INSTALL_PORTAUDIO if "PortAudio" in str(exc) else (
            f"Playback disabled: the sound library could not be loaded ({exc}).")
    except Exception as exc:  # a broken PortAudio build must not take the app down
        _backend_error = f"Playback disabled: the sound system failed to start ({exc})."
    else:
        _backend = sounddevice
        return sounddevice
    raise PlaybackUnavailable(_backend_error)


def refresh_backend() -> None:
    """Re-enumerate devices (PortAudio only sees devices plugged in before its init).

    Only call it while no stream is open.
    """
    sd = load_backend()
    try:
        sd._terminate()
    finally:
        sd._initialize()


def list_output_devices() -> list[OutputDevice]:
    """All devices with at least one output channel, default first-class marked."""
    sd = load_backend()
    try:
        default_out = _default_output_index(sd)
        hostapis = sd.query_hostapis()
        devices = sd.query_devices()
    except Exception as exc:
        raise PlaybackUnavailable(f"Playback disabled: the sound system failed ({exc}).") from exc
    found = []
    for index, info in enumerate(devices):
        if info["max_output_channels"] <= 0:
            continue
        found.append(OutputDevice(
            index=index,
            name=info["name"],
            hostapi=hostapis[info["hostapi"]]["name"],
            max_channels=int(info["max_output_channels"]),
            default_samplerate=float(info["default_samplerate"]),
            is_default=index == default_out,
        ))
    return found


def _default_output_index(sd: ModuleType) -> int:
    index = sd.default.device[1]
    if index is None or index < 0:
        try:
            index = sd.query_hostapis(0)["default_output_device"]
        except Exception:
            return -1
    return int(index)


def resolve_device(choice: int | str | None) -> OutputDevice:
    """The device for a preference value: ``None`` = default, an index, or a name.

    A name matches exactly first, then case-insensitively as a substring (device names
    carry volatile suffixes such as ``(hw:1,0)``). Raises :class:`PlaybackUnavailable`
    when there is no output device at all and :class:`DeviceNotFound` for an unknown
    choice.
    """
    devices = list_output_devices()
    if not devices:
        raise PlaybackUnavailable(NO_OUTPUT_DEVICE)
    if choice is None or choice == "":
        for device in devices:
            if device.is_default:
                return device
        return devices[0]
    if isinstance(choice, int):
        for device in devices:
            if device.index == choice:
                return device
        raise DeviceNotFound(f"There is no audio output device number {choice}; "
                             f"available: {_names(devices)}.")
    for device in devices:
        if device.name == choice or device.label == choice:
            return device
    wanted = choice.casefold()
    for device in devices:
        if wanted in device.name.casefold():
            return device
    raise DeviceNotFound(f"There is no audio output device called '{choice}'; "
                         f"available: {_names(devices)}.")


def _names(devices: list[OutputDevice]) -> str:
    return ", ".join(f"'{d.name}'" for d in devices)


def choose_samplerate(device: OutputDevice, file_rate: int, channels: int,
                      forced: int | None = None) -> int:
    """The stream rate: the file's if the device takes it, else the device's default.

    ``forced`` (a preference, also used by tests) skips the probing.
    """
    if forced:
        return int(forced)
    sd = load_backend()
    candidates = [file_rate, int(device.default_samplerate), 48000, 44100]
    for rate in dict.fromkeys(candidates):  # ordered, without duplicates
        try:
            sd.check_output_settings(device=device.index, samplerate=rate,
                                     channels=channels, dtype="float32")
        except Exception:
            continue
        return rate
    return int(device.default_samplerate)
