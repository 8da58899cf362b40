"""Fixtures for the push tests: the stand-in platform on 127.0.0.1, a client for it with
quick retries, an in-memory keyring, and a dataset with audio, a published set and a draft.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest

from app.core.context import AppContext
from app.core.entities import AnnotationDraft, AnnotationSet, ArtifactType, AudioFile, Dataset
from app.sync.client import RelayClient
from app.sync.credentials import API_KEY_ENV, ApiKey
from app.sync.retry import RetryPolicy
from tests.audio_samples import write_tone
from tests.sync.keyrings import MemoryKeyring
from tests.sync.standin_server import READ, WRITE, StandinServer

# Distinctive, so that a search of files and output for it cannot match by accident.
API_KEY = "rk_test_" + secrets.token_hex(20)
READ_ONLY_KEY = "rk_read_" + secrets.token_hex(20)
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, max_retry_after=2.0)


@pytest.fixture(autouse=True)
def _no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def server() -> Iterator[StandinServer]:
    with StandinServer({API_KEY: WRITE, READ_ONLY_KEY: READ}) as platform:
        yield platform


def make_client(server: StandinServer, key: str | None = API_KEY,
                policy: RetryPolicy = FAST, **kwargs) -> RelayClient:
    return RelayClient(server.base_url, ApiKey(key, "test") if key else None, policy=policy,
                       **kwargs)


@pytest.fixture
def client(server: StandinServer) -> Iterator[RelayClient]:
    with make_client(server) as relay:
        yield relay


@dataclass
class Labeled:
    """A dataset as a user would have it before a push."""

    dataset: Dataset
    audio: list[AudioFile]
    published: AnnotationSet
    draft: AnnotationSet


def import_clips(ctx: AppContext, dataset_id: str, folder: Path, count: int,
                 seconds: float = 0.5, first: int = 0) -> list[AudioFile]:
    paths = [write_tone(folder / f"clip{i:02d}.wav", seconds=seconds, rate=16000,
                        freq=220.0 + 37 * i) for i in range(first, first + count)]
    report = ctx.audio.import_paths(dataset_id, paths)
    assert report.ok and len(report.imported) == count
    return sorted(report.imported, key=lambda a: a.original_filename)


def add_annotations(ctx: AppContext, set_id: str, audio: list[AudioFile], per_file: int,
                    types: tuple[str, ...] = ("glitch", "long_pause", "hallucination")) -> None:
    drafts = []
    for f_index, clip in enumerate(audio):
        usable = clip.duration_ms - 20
        step = max(1, usable // max(per_file, 1))
        for i in range(per_file):
            start = (i * step) % usable
            drafts.append(AnnotationDraft(clip.id, types[(i + f_index) % len(types)], start,
                                          min(clip.duration_ms, start + max(5, step - 1)),
                                          round(0.5 + 0.5 * ((i * 7 + f_index) % 10) / 10, 2),
                                          note="check" if i % 5 == 0 else None))
    ctx.annotations.create_many(set_id, drafts)


def make_labeled(ctx: AppContext, folder: Path, files: int = 4, per_file: int = 6,
                 name: str = "TTS Glitches") -> Labeled:
    dataset = ctx.datasets.create(name, "Label every audible glitch.", [
        ArtifactType("glitch", "clicks and pops", "#FF4444"),
        ArtifactType("long_pause", "unnatural silence", "#4444FF"),
        ArtifactType("hallucination", None, "#44FF44"),
    ])
    audio = import_clips(ctx, dataset.id, folder / "clips", files)
    first = ctx.sets.create(dataset.id)
    add_annotations(ctx, first.id, audio, per_file)
    published = ctx.sets.publish(first.id)
    draft = ctx.sets.create(dataset.id, from_set_id=published.id)
    return Labeled(ctx.datasets.get(dataset.id), audio, published, ctx.sets.get(draft.id))


@pytest.fixture
def labeled(ctx: AppContext, tmp_path: Path) -> Labeled:
    return make_labeled(ctx, tmp_path)


def remote_state(server: StandinServer, remote_dataset_id: str) -> dict:
    """The platform's side in the local vocabulary: filenames instead of remote audio ids,
    sets by remote version, annotations keyed by client_id."""
    dataset = server.datasets[remote_dataset_id]
    audio = {a["id"]: a for a in server.audio_of(remote_dataset_id)}
    sets = {}
    for remote_set in server.sets_of(remote_dataset_id):
        annotations = {}
        for item in server.annotations_of(remote_set["id"]):
            annotations.setdefault(item["extra_data"].get("client_id"), []).append(
                (audio[item["audio_file_id"]]["original_filename"], item["artifact_type"],
                 item["start_ms"], item["end_ms"], item["confidence"],
                 item["extra_data"].get("note")))
        sets[remote_set["version"]] = (remote_set["status"], annotations)
    return {"name": dataset["name"], "description": dataset["description"],
            "types": [(t["name"], t["description"], t["color"].upper())
                      for t in dataset["artifact_types"]],
            "audio": sorted((a["original_filename"], a["processing_status"],
                             (a["stored"] or {}).get("size")) for a in audio.values()),
            "sets": sets}


def local_state(ctx: AppContext, dataset_id: str, set_versions: dict[int, int]) -> dict:
    """The same shape from the database; ``set_versions`` maps local to remote versions."""
    dataset = ctx.datasets.get(dataset_id)
    audio = ctx.audio.list(dataset_id)
    names = {a.id: a.original_filename for a in audio}
    sets = {}
    for local_set in ctx.sets.list(dataset_id):
        if local_set.version not in set_versions:
            continue
        annotations = {a.id: [(names[a.audio_file_id], a.artifact_type, a.start_ms, a.end_ms,
                               a.confidence, a.note)]
                       for a in ctx.annotations.list(local_set.id)}
        sets[set_versions[local_set.version]] = (local_set.status, annotations)
    return {"name": dataset.name, "description": dataset.description,
            "types": [(t.name, t.description, t.color.upper()) for t in dataset.artifact_types],
            "audio": sorted((a.original_filename, "ready", a.size_bytes) for a in audio),
            "sets": sets}


def assert_platform_equals_local(server: StandinServer, ctx: AppContext, dataset_id: str,
                                 remote_dataset_id: str | None,
                                 versions: dict[int, int]) -> None:
    """The platform holds exactly the local state (for the sets in ``versions``, local ->
    remote version), and holds it once: one dataset, one record per audio file, one remote
    set per local set, one remote annotation per local one."""
    assert remote_dataset_id is not None
    assert len(server.datasets) == 1 and remote_dataset_id in server.datasets
    remote = remote_state(server, remote_dataset_id)
    local = local_state(ctx, dataset_id, versions)
    assert len(server.sets_of(remote_dataset_id)) == len(versions)
    assert remote["sets"].keys() == local["sets"].keys()
    assert remote == local
