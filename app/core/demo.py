"""First-run content: the "TTS Quality Detection" demo dataset from resources/demo."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from app.core.context import AppContext
from app.core.entities import AnnotationDraft, ArtifactType, Dataset
from app.core.errors import ConflictError

SEEDED_MARKER = ".demo-seeded"


@dataclass(frozen=True)
class DemoResult:
    dataset: Dataset
    annotation_count: int


def should_seed(ctx: AppContext) -> bool:
    """Only an empty home that never had the demo (deleting it must not bring it back)."""
    return not (ctx.paths.data_dir / SEEDED_MARKER).exists() and not ctx.datasets.list()


def seed_demo(ctx: AppContext, demo_dir: Path) -> DemoResult:
    """Create the demo dataset, all or nothing: a failure leaves no half-made demo behind."""
    try:
        manifest = json.loads((demo_dir / "demo.json").read_text(encoding="utf-8"))
        spec = manifest["dataset"]
        types = [ArtifactType(t["name"], t.get("description"), t.get("color") or "#FF0000")
                 for t in spec["artifact_types"]]
        items = list(manifest["audio"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RuntimeError(f"the demo material in {demo_dir} cannot be read: "
                           f"{error.__class__.__name__}: {error}") from None
    try:
        dataset = ctx.datasets.create(spec["name"], spec.get("description"), types)
    except ConflictError:
        dataset = ctx.datasets.resolve(spec["name"])
        return DemoResult(dataset, 0)
    try:
        report = ctx.audio.import_paths(dataset.id, [demo_dir / item["file"] for item in items])
        if not report.ok:
            reasons = "; ".join(f"{f.path}: {f.reason}" for f in report.failed)
            raise RuntimeError(f"demo audio could not be imported: {reasons}")
        by_name = {a.original_filename: a for a in report.imported}
        draft = ctx.sets.create(dataset.id)
        drafts = [AnnotationDraft(by_name[item["file"]].id, label["artifact_type"],
                                  label["start_ms"], label["end_ms"],
                                  label.get("confidence", 1.0), label.get("note"))
                  for item in items for label in item["annotations"]]
        ctx.annotations.create_many(draft.id, drafts)
    except BaseException:
        ctx.datasets.delete(dataset.id)
        raise
    (ctx.paths.data_dir / SEEDED_MARKER).write_text(dataset.id + "\n", encoding="utf-8")
    return DemoResult(ctx.datasets.get(dataset.id), len(drafts))
