"""First-run content: the "TTS Quality Detection" demo dataset (app.core.demo)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from app.core.context import AppContext
from app.core.demo import seed_demo, should_seed
from app.core.entities import ArtifactType
from app.core.errors import ValidationError
from tests.core.dbstate import db_state
from app.resources import resource

DEMO = resource("demo")


def test_demo_material_is_small_real_audio() -> None:
    audio = [p for p in DEMO.iterdir() if p.suffix in {".flac", ".wav", ".ogg"}]
    assert len(audio) >= 3
    assert sum(p.stat().st_size for p in audio) < 2 * 1024 * 1024
    manifest = json.loads((DEMO / "demo.json").read_text(encoding="utf-8"))
    assert sorted(item["file"] for item in manifest["audio"]) == sorted(p.name for p in audio)
    for path in audio:
        info = sf.info(str(path))
        assert 1.0 <= info.duration <= 30.0, path.name


def test_seeds_once_on_an_empty_home(ctx: AppContext) -> None:
    assert should_seed(ctx)
    result = seed_demo(ctx, DEMO)
    dataset = result.dataset
    assert dataset.name == "TTS Quality Detection"
    assert dataset.artifact_types == (
        ArtifactType("glitch", "Pops, clicks and other short discontinuities", "#FF4444"),
        ArtifactType("long_pause", "Unnatural pause or silence inside speech", "#4444FF"),
        ArtifactType("hallucination", "Words the TTS engine made up (not in the script)",
                     "#44FF44"))
    manifest = json.loads((DEMO / "demo.json").read_text(encoding="utf-8"))
    expected = sum(len(item["annotations"]) for item in manifest["audio"])
    assert result.annotation_count == expected > 0
    assert dataset.audio_count == len(manifest["audio"])
    assert dataset.annotation_set_count == 1
    (draft,) = ctx.sets.list(dataset.id)
    assert draft.status == "draft" and draft.stats.total_annotations == expected
    assert {a.channels for a in ctx.audio.list(dataset.id)} == {1, 2}
    assert not should_seed(ctx)


def test_not_seeded_again_after_the_user_deletes_it(ctx: AppContext) -> None:
    seeded = seed_demo(ctx, DEMO).dataset
    ctx.datasets.delete(seeded.id)
    assert ctx.datasets.list() == []
    assert not should_seed(ctx)


def test_not_seeded_into_a_home_that_already_has_data(ctx: AppContext, dataset) -> None:
    assert not should_seed(ctx)


def test_seeding_twice_does_not_duplicate(ctx: AppContext) -> None:
    first = seed_demo(ctx, DEMO).dataset
    again = seed_demo(ctx, DEMO)
    assert again.dataset.id == first.id and again.annotation_count == 0
    assert len(ctx.datasets.list()) == 1 and len(ctx.audio.list(first.id)) == first.audio_count


def test_demo_audio_lives_in_the_library_not_in_resources(ctx: AppContext, tmp_path: Path) -> None:
    dataset = seed_demo(ctx, DEMO).dataset
    for audio in ctx.audio.list(dataset.id):
        path = ctx.audio.path_of(audio)
        assert path.is_relative_to(ctx.paths.library_dir) and path.exists()


def _broken_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    return copy


def test_a_failed_seed_leaves_nothing_behind(ctx: AppContext, tmp_path: Path) -> None:
    demo = _broken_copy(tmp_path)
    (demo / "order_status.flac").write_bytes(b"not audio at all" * 64)
    empty = db_state(ctx)
    with pytest.raises(RuntimeError, match="order_status.flac: not a readable audio file"):
        seed_demo(ctx, demo)
    assert db_state(ctx) == empty and should_seed(ctx)


def test_a_bad_demo_label_leaves_nothing_behind(ctx: AppContext, tmp_path: Path) -> None:
    demo = _broken_copy(tmp_path)
    manifest = json.loads((demo / "demo.json").read_text(encoding="utf-8"))
    manifest["audio"][0]["annotations"][0]["end_ms"] = 10_000_000
    (demo / "demo.json").write_text(json.dumps(manifest), encoding="utf-8")
    empty = db_state(ctx)
    with pytest.raises(ValidationError, match="beyond the end"):
        seed_demo(ctx, demo)
    assert db_state(ctx) == empty and should_seed(ctx)


def test_an_unreadable_manifest_is_one_clear_error(ctx: AppContext, tmp_path: Path) -> None:
    demo = _broken_copy(tmp_path)
    (demo / "demo.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RuntimeError, match="the demo material in .* cannot be read"):
        seed_demo(ctx, demo)
    assert ctx.datasets.list() == []
