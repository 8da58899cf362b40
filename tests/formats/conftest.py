"""Fixtures for the format tests: a dataset with three audio files and a labeled draft."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.context import AppContext
from app.core.entities import AnnotationDraft
from app.core.models import AnnotationRow, ArtifactTypeRow, AudioFileRow
from tests.audio_samples import write_tone

DATA = Path(__file__).with_name("data")


@pytest.fixture
def clips(ctx: AppContext, dataset, tmp_path: Path) -> dict:
    """clip01.wav (2 s), clip02.flac (3.5 s), Call 0042.wav (2 s), by file name."""
    paths = [write_tone(tmp_path / "audio" / "clip01.wav", 2.0),
             write_tone(tmp_path / "audio" / "clip02.flac", 3.5, freq=300),
             write_tone(tmp_path / "audio" / "Call 0042.wav", 2.0, freq=520)]
    report = ctx.audio.import_paths(dataset.id, paths)
    assert report.ok and len(report.imported) == 3
    return {a.original_filename: a for a in report.imported}


@pytest.fixture
def labeled(ctx: AppContext, dataset, clips):
    """A draft with overlapping annotations of one type, notes, confidences, odd times."""
    clip01, clip02 = clips["clip01.wav"], clips["clip02.flac"]
    target = ctx.sets.create(dataset.id)
    ctx.annotations.create_many(target.id, [
        AnnotationDraft(clip01.id, "glitch", 1001, 1500, 0.7, 'a "quoted" note, with comma'),
        AnnotationDraft(clip01.id, "glitch", 1200, 1800),
        AnnotationDraft(clip01.id, "glitch", 1300, 1400, 0.333),
        AnnotationDraft(clip01.id, "glitch", 1800, 1999),          # touches the one before
        AnnotationDraft(clip01.id, "long_pause", 0, 2000, 0.5),
        AnnotationDraft(clip02.id, "hallucination", 7, 3499, 0.125, "ünïcødé «note»"),
        AnnotationDraft(clip02.id, "glitch", 1, 2, 1.0),
    ])
    return target


def keys(ctx: AppContext, set_id: str, *, confidence: bool = True, note: bool = False) -> list:
    """The set's annotations as comparable tuples."""
    rows = []
    for a in ctx.annotations.list(set_id):
        row = (a.audio_file_id, a.artifact_type, a.start_ms, a.end_ms)
        if confidence:
            row += (a.confidence,)
        if note:
            row += (a.note,)
        rows.append(row)
    return sorted(rows)


def db_counts(ctx: AppContext) -> tuple[int, int, int]:
    """Rows in the annotation, artifact type and audio tables."""
    with ctx.db.read() as session:
        return (session.scalar(select(func.count()).select_from(AnnotationRow)),
                session.scalar(select(func.count()).select_from(ArtifactTypeRow)),
                session.scalar(select(func.count()).select_from(AudioFileRow)))
