"""The UI's thin bridge over the core services: every write goes through here, and the
widgets learn about changes from its signals (past-tense names), never by polling."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.core.annotations import AnnotationChange
from app.core.context import AppContext
from app.core.datasets import DeletionSummary, TypeEdit
from app.core.entities import Annotation, AnnotationDraft, AnnotationSet, ArtifactType, Dataset

if TYPE_CHECKING:
    from app.formats.importer import ImportPreview, ImportResult


class Store(QObject):
    """Qt signals around :class:`AppContext`. Methods raise ``DomainError`` on refusal."""

    dataset_created = Signal(object)        # Dataset
    dataset_changed = Signal(object)        # Dataset (name, description, types, stats)
    dataset_deleted = Signal(str)           # dataset id
    audio_imported = Signal(str, list)      # dataset id, [AudioFile]
    set_created = Signal(object)            # AnnotationSet
    set_changed = Signal(object)            # AnnotationSet (published, stats)
    set_deleted = Signal(str, str)          # dataset id, set id
    annotations_added = Signal(list)        # [Annotation]
    annotations_changed = Signal(list)      # [Annotation] (new values)
    annotations_removed = Signal(list)      # [Annotation] (as they were)

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    # -- reading (pass-through, kept here so widgets need only the store) -------------

    @property
    def paths(self):
        return self.ctx.paths

    def datasets(self) -> list[Dataset]:
        return self.ctx.datasets.list()

    def dataset(self, dataset_id: str) -> Dataset:
        return self.ctx.datasets.get(dataset_id)

    def type_usage(self, dataset_id: str) -> dict[str, dict[int, int]]:
        """Type name -> (set version -> annotation count), for types annotations use."""
        return self.ctx.datasets.usage_by_type(dataset_id)

    def audio_files(self, dataset_id: str):
        return self.ctx.audio.list(dataset_id)

    def audio_path(self, audio) -> Path:
        return self.ctx.audio.path_of(audio)

    def sets(self, dataset_id: str) -> list[AnnotationSet]:
        return self.ctx.sets.list(dataset_id)

    def annotation_set(self, set_id: str) -> AnnotationSet:
        return self.ctx.sets.get(set_id)

    def annotations(self, set_id: str, audio_id: str | None = None) -> list[Annotation]:
        return self.ctx.annotations.list(set_id, audio_id)

    def counts_by_audio(self, set_id: str) -> dict[str, int]:
        return self.ctx.sets.annotation_counts_by_audio(set_id)

    # -- datasets -------------------------------------------------------------------------

    def create_dataset(self, name: str, description: str | None,
                       types: list[ArtifactType]) -> Dataset:
        dataset = self.ctx.datasets.create(name, description, types)
        self.dataset_created.emit(dataset)
        return dataset

    def update_dataset(self, dataset_id: str, **changes) -> Dataset:
        dataset = self.ctx.datasets.update(dataset_id, **changes)
        self.dataset_changed.emit(dataset)
        return dataset

    def edit_types(self, dataset_id: str, edits: list[TypeEdit]) -> Dataset:
        return self.update_dataset(dataset_id, artifact_types=edits)

    def deletion_summary(self, dataset_id: str) -> DeletionSummary:
        return self.ctx.datasets.deletion_summary(dataset_id)

    def delete_dataset(self, dataset_id: str) -> DeletionSummary:
        summary = self.ctx.datasets.delete(dataset_id)
        self.dataset_deleted.emit(dataset_id)
        return summary

    def notify_audio_imported(self, dataset_id: str, imported: list) -> None:
        """Imports run in a worker; the UI thread announces what arrived."""
        if imported:
            self.audio_imported.emit(dataset_id, imported)
            self.dataset_changed.emit(self.ctx.datasets.get(dataset_id))

    # -- sets -----------------------------------------------------------------------------

    def create_set(self, dataset_id: str, from_set_id: str | None = None,
                   set_id: str | None = None) -> AnnotationSet:
        created = self.ctx.sets.create(dataset_id, from_set_id=from_set_id, set_id=set_id)
        self.set_created.emit(created)
        self.dataset_changed.emit(self.ctx.datasets.get(dataset_id))
        return created

    def delete_draft_set(self, annotation_set: AnnotationSet) -> None:
        self.ctx.sets.delete_draft(annotation_set.id)
        self.set_deleted.emit(annotation_set.dataset_id, annotation_set.id)
        self.dataset_changed.emit(self.ctx.datasets.get(annotation_set.dataset_id))

    def publish_set(self, set_id: str) -> AnnotationSet:
        published = self.ctx.sets.publish(set_id)
        self.set_changed.emit(published)
        return published

    def _set_stats_changed(self, set_ids) -> None:
        for set_id in set_ids:
            self.set_changed.emit(self.ctx.sets.get(set_id))

    # -- annotations ------------------------------------------------------------------------

    def create_annotations(self, set_id: str, drafts: list[AnnotationDraft],
                           ids: list[str] | None = None) -> list[Annotation]:
        created = self.ctx.annotations.create_many(set_id, drafts, ids)
        self.annotations_added.emit(created)
        self._set_stats_changed({set_id})
        return created

    def restore_annotations(self, annotations: list[Annotation]) -> list[Annotation]:
        restored = self.ctx.annotations.restore(annotations)
        self.annotations_added.emit(restored)
        self._set_stats_changed({a.annotation_set_id for a in restored})
        return restored

    def update_annotations(self, changes: dict[str, AnnotationChange]) -> list[Annotation]:
        updated = self.ctx.annotations.update_many(changes)
        self.annotations_changed.emit(updated)
        self._set_stats_changed({a.annotation_set_id for a in updated})
        return updated

    def delete_annotations(self, ids: list[str]) -> list[Annotation]:
        deleted = self.ctx.annotations.delete_many(ids)
        self.annotations_removed.emit(deleted)
        self._set_stats_changed({a.annotation_set_id for a in deleted})
        return deleted

    # -- annotation files (app.formats) -------------------------------------------------------

    def import_annotations(self, preview: ImportPreview) -> ImportResult:
        """Write a checked import (one transaction) and announce what arrived."""
        from app.formats.importer import apply_import  # the parsers load on first use

        result = apply_import(self.ctx, preview)
        if result.added_types:
            self.dataset_changed.emit(self.ctx.datasets.get(preview.dataset_id))
        self.annotations_added.emit(list(result.created))
        self._set_stats_changed({preview.set_id})
        return result
