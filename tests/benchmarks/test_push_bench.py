"""Push benchmark: 150 FLAC files (2.5 h of audio) and 10,000 annotations to the stand-in
platform on loopback, then the same push again.

Bytes are counted by the server as they arrive (request lines, headers and bodies), so
the overhead figure is what really crossed the socket beyond the audio files themselves.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import soundfile as sf

from app.core.context import AppContext
from app.core.entities import AnnotationDraft, ArtifactType
from app.sync.client import RelayClient
from app.sync.credentials import ApiKey
from app.sync.push import Pusher
from tests.sync.standin_server import WRITE, StandinServer

FILES = 150
SECONDS_PER_FILE = 60          # 150 x 60 s = 2.5 h
RATE = 16000
ANNOTATIONS = 10_000
TYPES = ("glitch", "long_pause", "hallucination", "echo", "dropout")
KEY = "rk_bench_0123456789abcdef"


def _speechlike(seed: int) -> np.ndarray:
    """A voiced tone with a syllable-rate envelope and a little noise: compresses in FLAC
    about as well as real speech does (roughly half the PCM size)."""
    rng = np.random.default_rng(seed)
    t = np.arange(SECONDS_PER_FILE * RATE) / RATE
    envelope = 0.5 * (1 + np.sin(2 * np.pi * (2.5 + seed % 7 * 0.2) * t))
    pitch = 150 + seed % 60 + 40 * np.sin(2 * np.pi * 0.4 * t)
    voice = 0.2 * envelope * np.sin(2 * np.pi * pitch * t)
    return (voice + 0.02 * rng.standard_normal(t.size)).astype(np.float32)


def _make_dataset(ctx: AppContext, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(FILES):
        path = folder / f"call_{index:03d}.flac"
        sf.write(str(path), _speechlike(index), RATE, subtype="PCM_16")
        paths.append(path)
    dataset = ctx.datasets.create("Voice Agent Issues", "bench",
                                  [ArtifactType(name) for name in TYPES])
    report = ctx.audio.import_paths(dataset.id, paths)
    assert report.ok and len(report.imported) == FILES
    labels = ctx.sets.create(dataset.id)
    drafts = []
    for index in range(ANNOTATIONS):
        audio = report.imported[index % FILES]
        start = (index // FILES) * 850 + 17
        drafts.append(AnnotationDraft(audio.id, TYPES[index % len(TYPES)], start,
                                      start + 120 + index % 400, 0.5 + (index % 50) / 100,
                                      note="agent talked over" if index % 9 == 0 else None))
    ctx.annotations.create_many(labels.id, drafts)
    ctx.sets.publish(labels.id)
    return dataset.id


def test_push_150_files_and_10000_annotations(bench, ctx: AppContext, tmp_path: Path) -> None:
    dataset_id = _make_dataset(ctx, tmp_path / "calls")
    audio_bytes = sum(a.size_bytes for a in ctx.audio.list(dataset_id))
    with StandinServer({KEY: WRITE}) as server, \
            RelayClient(server.base_url, ApiKey(KEY, "bench")) as client:
        started = time.perf_counter()
        report = Pusher(ctx, client).run(dataset_id)
        wall = time.perf_counter() - started
        assert report.ok, report.failures
        assert report.annotations_created == ANNOTATIONS
        first = list(server.requests)
        server.reset_log()

        started = time.perf_counter()
        again = Pusher(ctx, client).run(dataset_id)
        second_wall = time.perf_counter() - started
        assert again.ok and again.annotations_created == 0 and not again.audio_uploaded
        second = list(server.requests)

    received = sum(r.bytes_in for r in first)
    overhead = (received - audio_bytes) / audio_bytes * 100
    annotation_requests = sum(1 for r in first if "/annotation-sets" in r.path)
    bench("push: wall time (150 FLAC files, 2.5 h, 10,000 annotations)", wall, "s")
    bench("push: audio sent", audio_bytes / 1e6, "MB")
    bench("push: throughput", audio_bytes / 1e6 / wall, "MB/s")
    bench("push: requests made", len(first), "requests")
    bench("push: requests for the annotations (set, bulk, check, publish)",
          annotation_requests, "requests", "<= 25", annotation_requests <= 25)
    bench("push: protocol overhead over the audio bytes", overhead, "%", "<= 5 %",
          overhead <= 5)
    bench("second push: requests", len(second), "requests", "<= 10", len(second) <= 10)
    bench("second push: wall time", second_wall, "s", "<= 2 s", second_wall <= 2)
