"""Regenerate the demo clips and their manifest (developers only; the output is committed).

Needs espeak-ng on PATH. Speech is synthesized, then artifacts are injected at known
times: clicks and pops (glitch), stretched silences (long_pause) and words that are not
in the script (hallucination). The annotation times in demo.json come from the injection
points, so the demo labels are exact.

    python resources/demo/generate.py
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
RATE = 22050


def speak(text: str, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text],
                         check=True, capture_output=True).stdout
    data, rate = sf.read(io.BytesIO(wav), dtype="float32")
    assert rate == RATE, rate
    # espeak pads both ends with silence; trim to the voiced part plus a little air.
    voiced = np.flatnonzero(np.abs(data) > 0.01)
    return data[max(0, voiced[0] - 800): voiced[-1] + 800] * 0.8


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def ms(samples: int) -> int:
    return int(round(samples * 1000 / RATE))


class Clip:
    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.labels: list[dict] = []
        self.clicks: list[tuple[float, float, float, float, str | None]] = []

    @property
    def length(self) -> int:
        return sum(len(p) for p in self.parts)

    def add(self, audio: np.ndarray, label: str | None = None, confidence: float = 1.0,
            note: str | None = None) -> None:
        start = self.length
        self.parts.append(audio)
        if label:
            self.labels.append({"artifact_type": label, "start_ms": ms(start),
                                "end_ms": ms(self.length), "confidence": confidence,
                                "note": note})

    def audio(self) -> np.ndarray:
        return np.concatenate(self.parts)

    def click(self, at_seconds: float, width_ms: float = 4.0, amplitude: float = 0.9,
              confidence: float = 1.0, note: str | None = None) -> None:
        """A broadband click laid over the audio at render time."""
        self.clicks.append((at_seconds, width_ms, amplitude, confidence, note))

    def render(self) -> tuple[np.ndarray, list[dict]]:
        audio = self.audio()
        rng = np.random.default_rng(7)
        labels = list(self.labels)
        for at, width_ms, amplitude, confidence, note in self.clicks:
            start = int(at * RATE)
            width = max(8, int(width_ms * RATE / 1000))
            burst = rng.uniform(-1, 1, width).astype(np.float32) * amplitude
            burst *= np.hanning(width).astype(np.float32) ** 0.3
            audio[start:start + width] += burst
            labels.append({"artifact_type": "glitch", "start_ms": ms(start) - 10,
                           "end_ms": ms(start + width) + 10, "confidence": confidence,
                           "note": note})
        np.clip(audio, -1, 1, out=audio)
        labels.sort(key=lambda item: item["start_ms"])
        return audio, labels


def main() -> None:
    clips: list[dict] = []

    clip = Clip()
    clip.add(silence(0.3))
    clip.add(speak("Thank you for calling Relay support."))
    clip.add(silence(0.25))
    clip.add(speak("How can I help you today?"))
    clip.add(silence(0.4))
    clip.click(1.05)
    clip.click(2.62, width_ms=9, amplitude=0.6, confidence=0.8, note="softer pop")
    clips.append(("support_greeting.flac", clip, True))

    clip = Clip()
    clip.add(silence(0.3))
    clip.add(speak("Your order has shipped."))
    clip.add(silence(2.2), label="long_pause", note="2.2 s gap mid-sentence")
    clip.add(speak("It will arrive on Tuesday."))
    clip.add(silence(0.4))
    clips.append(("order_status.flac", clip, True))

    clip = Clip()
    clip.add(silence(0.3))
    clip.add(speak("Please hold while I transfer your call."))
    clip.add(silence(0.15))
    clip.add(speak("banana seventeen umbrella"), label="hallucination", confidence=0.9,
             note="words not in the script")
    clip.add(silence(0.4))
    clip.click(0.9, width_ms=3)
    clips.append(("transfer_call.flac", clip, True))

    clip = Clip()
    clip.add(silence(0.3))
    clip.add(speak("Your appointment is confirmed for nine thirty tomorrow morning."))
    clip.add(silence(1.6))
    clip.add(speak("Is there anything else I can do for you?"))
    clip.add(silence(0.4))
    clip.click(3.1, width_ms=5, amplitude=0.7)
    clips.append(("appointment_unlabeled.flac", clip, False))

    # A two-channel call: agent on the left, customer on the right, with a dead-air gap.
    agent, customer = Clip(), Clip()
    agent.add(silence(0.3))
    agent.add(speak("Hello, this is Sam from Relay. How are you today?"))
    agent.add(silence(2.4), label="long_pause", confidence=0.7, note="agent dead air")
    agent.add(speak("Sorry about that. Let me check your account."))
    agent.add(silence(0.5))
    customer.add(silence(2.9))
    customer.add(speak("Hi, I am fine, thanks.", voice="en-gb"))
    customer.add(np.zeros(max(0, agent.length - customer.length), dtype=np.float32))
    customer.click(4.4, width_ms=6, amplitude=0.8)
    left, left_labels = agent.render()
    right, right_labels = customer.render()
    clips.append(("call_stereo.flac", (np.stack([left, right[:len(left)]], axis=1),
                                       sorted(left_labels + right_labels,
                                              key=lambda item: item["start_ms"])), True))

    manifest = {
        "dataset": {
            "name": "TTS Quality Detection",
            "description": "Demo dataset: synthetic support-call prompts with injected "
                           "artifacts.\nLabel every click or pop as glitch, every unnatural "
                           "silence as long_pause, and words that are not in the script as "
                           "hallucination. appointment_unlabeled.flac is left for you to label.",
            "artifact_types": [
                {"name": "glitch", "color": "#FF4444",
                 "description": "Pops, clicks and other short discontinuities"},
                {"name": "long_pause", "color": "#4444FF",
                 "description": "Unnatural pause or silence inside speech"},
                {"name": "hallucination", "color": "#44FF44",
                 "description": "Words the TTS engine made up (not in the script)"},
            ],
        },
        "audio": [],
    }
    for name, clip, labeled in clips:
        audio, labels = clip if isinstance(clip, tuple) else clip.render()
        sf.write(str(HERE / name), audio, RATE, subtype="PCM_16")
        manifest["audio"].append({"file": name, "annotations": labels if labeled else []})
    (HERE / "demo.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
