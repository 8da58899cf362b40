"""Undo commands: every user edit is a QUndoCommand that calls the store (so undo and redo
write to the database like the original edit).

An edit is carried out first, outside the stack (so a refusal is reported and nothing is
pushed); the command is pushed already done and its first ``redo()`` does nothing. If a
later undo or redo is refused (say the set was published meanwhile), the error is
reported and the command made obsolete, so the stack never lies about the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.core.annotations import AnnotationChange
from app.core.datasets import TypeEdit
from app.core.entities import Annotation, AnnotationDraft, AnnotationSet, ArtifactType
from app.core.errors import DomainError
from app.core.timefmt import format_seconds
from app.ui.store import Store

if TYPE_CHECKING:
    from app.formats.importer import ImportPreview, ImportResult

log = logging.getLogger(__name__)

ErrorSink = Callable[[str], None]


def describe(annotation: Annotation) -> str:
    return (f"{annotation.artifact_type} {format_seconds(annotation.start_ms)}-"
            f"{format_seconds(annotation.end_ms)}")


def _describe_many(verb: str, annotations: list[Annotation]) -> str:
    if len(annotations) == 1:
        return f"{verb} {describe(annotations[0])}"
    return f"{verb} {len(annotations)} annotations"


class _StoreCommand(QUndoCommand):
    def __init__(self, store: Store, text: str, on_error: ErrorSink) -> None:
        super().__init__(text)
        self.store = store
        self.on_error = on_error
        self._skip_first_redo = True

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
            return
        self._guarded(self.apply)

    def undo(self) -> None:
        self._guarded(self.revert)

    def _guarded(self, action: Callable[[], None]) -> None:
        try:
            action()
        except DomainError as error:
            self.setObsolete(True)
            self.on_error(f"Cannot {self.text().lower()}: {error}")

    def apply(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def revert(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class CreateAnnotationsCommand(_StoreCommand):
    def __init__(self, store: Store, created: list[Annotation], on_error: ErrorSink,
                 text: str | None = None) -> None:
        super().__init__(store, text or _describe_many("Create", created), on_error)
        self.created = created

    def apply(self) -> None:
        self.created = self.store.restore_annotations(self.created)

    def revert(self) -> None:
        self.store.delete_annotations([a.id for a in self.created])


class DeleteAnnotationsCommand(_StoreCommand):
    def __init__(self, store: Store, deleted: list[Annotation], on_error: ErrorSink) -> None:
        super().__init__(store, _describe_many("Delete", deleted), on_error)
        self.deleted = deleted

    def apply(self) -> None:
        self.store.delete_annotations([a.id for a in self.deleted])

    def revert(self) -> None:
        self.store.restore_annotations(self.deleted)


def _change_to(annotation: Annotation) -> AnnotationChange:
    return AnnotationChange(artifact_type=annotation.artifact_type, start_ms=annotation.start_ms,
                            end_ms=annotation.end_ms, confidence=annotation.confidence,
                            note=annotation.note or "")


class UpdateAnnotationsCommand(_StoreCommand):
    def __init__(self, store: Store, before: list[Annotation], after: list[Annotation],
                 text: str, on_error: ErrorSink) -> None:
        super().__init__(store, text, on_error)
        self.before = before
        self.after = after

    def apply(self) -> None:
        self.store.update_annotations({a.id: _change_to(a) for a in self.after})

    def revert(self) -> None:
        self.store.update_annotations({a.id: _change_to(a) for a in self.before})


class NewVersionCommand(_StoreCommand):
    def __init__(self, store: Store, created: AnnotationSet, source: AnnotationSet | None,
                 on_error: ErrorSink) -> None:
        origin = f" from v{source.version}" if source else ""
        super().__init__(store, f"New version v{created.version}{origin}", on_error)
        self.created = created
        self.source = source

    def apply(self) -> None:
        self.created = self.store.create_set(self.created.dataset_id,
                                             self.source.id if self.source else None,
                                             set_id=self.created.id)

    def revert(self) -> None:
        self.store.delete_draft_set(self.created)


def import_step_name(count: int, format_title: str) -> str:
    """"Import 42 annotations (Praat TextGrid)": what Edit > Undo names."""
    noun = "annotation" if count == 1 else "annotations"
    return f"Import {count} {noun} ({format_title.split(' (')[0]})"


class ImportAnnotationsCommand(_StoreCommand):
    """An annotation-file import: its annotations, and the types it added to the dataset.

    Undo deletes the annotations, then removes the added types that nothing uses any more
    (a type someone labeled with meanwhile stays). Redo puts those types back (same name,
    color, description) and restores the annotations with their ids.
    """

    def __init__(self, store: Store, dataset_id: str, created: list[Annotation],
                 added_types: list[ArtifactType], text: str, on_error: ErrorSink) -> None:
        super().__init__(store, text, on_error)
        self.dataset_id = dataset_id
        self.created = created
        self.added_types = added_types
        self._removed_types: list[ArtifactType] = []

    def apply(self) -> None:
        present = set(self.store.dataset(self.dataset_id).type_names())
        missing = [t for t in self._removed_types if t.name not in present]
        if missing:
            self._edit_types(add=missing)
        try:
            self.created = self.store.restore_annotations(self.created)
        except DomainError:
            if missing:  # leave the dataset as undo left it
                self._edit_types(remove={t.name for t in missing})
            raise
        self._removed_types = []

    def revert(self) -> None:
        self.store.delete_annotations([a.id for a in self.created])
        names = {t.name for t in self.added_types}
        unused = names - set(self.store.type_usage(self.dataset_id))
        if unused:
            dataset = self.store.dataset(self.dataset_id)
            self._removed_types = [t for t in dataset.artifact_types if t.name in unused]
            self._edit_types(remove=unused)

    def _edit_types(self, add: Sequence[ArtifactType] = (),
                    remove: AbstractSet[str] = frozenset()) -> None:
        current = self.store.dataset(self.dataset_id).artifact_types
        edits = [TypeEdit(t.name, t.description, t.color, original_name=t.name)
                 for t in current if t.name not in remove]
        edits += [TypeEdit(t.name, t.description, t.color) for t in add]
        self.store.edit_types(self.dataset_id, edits)


class Editor:
    """Carries out edits through the store and records them on an undo stack."""

    def __init__(self, store: Store, stack: QUndoStack, on_error: ErrorSink) -> None:
        self.store = store
        self.stack = stack
        self.on_error = on_error

    def _attempt(self, action: Callable[[], QUndoCommand | None]) -> bool:
        try:
            command = action()
        except DomainError as error:
            self.on_error(str(error))
            return False
        if command is not None:
            self.stack.push(command)
        return True

    def create(self, set_id: str, drafts: list[AnnotationDraft],
               text: str | None = None) -> list[Annotation]:
        created: list[Annotation] = []

        def action():
            created.extend(self.store.create_annotations(set_id, drafts))
            return CreateAnnotationsCommand(self.store, list(created), self.on_error, text)

        self._attempt(action)
        return created

    def delete(self, annotations: list[Annotation]) -> bool:
        if not annotations:
            return False

        def action():
            deleted = self.store.delete_annotations([a.id for a in annotations])
            return DeleteAnnotationsCommand(self.store, deleted, self.on_error)

        return self._attempt(action)

    def update(self, before: list[Annotation], changes: dict[str, AnnotationChange],
               verb: str) -> list[Annotation]:
        updated: list[Annotation] = []

        def action():
            updated.extend(self.store.update_annotations(changes))
            if [_change_to(a) for a in updated] == [_change_to(b) for b in before]:
                return None  # nothing really changed: keep the stack clean
            return UpdateAnnotationsCommand(self.store, before, list(updated),
                                            _describe_many(verb, before), self.on_error)

        self._attempt(action)
        return updated

    def new_version(self, dataset_id: str, source: AnnotationSet | None) -> AnnotationSet | None:
        created: list[AnnotationSet] = []

        def action():
            created.append(self.store.create_set(dataset_id, source.id if source else None))
            return NewVersionCommand(self.store, created[0], source, self.on_error)

        self._attempt(action)
        return created[0] if created else None

    def import_annotations(self, preview: ImportPreview,
                           on_error: ErrorSink | None = None) -> ImportResult | None:
        """Write a checked import as ONE undo step. On refusal nothing is written, the
        reason goes to ``on_error`` (else the editor's sink) and None is returned."""
        from app.formats.registry import FORMATS

        try:
            result = self.store.import_annotations(preview)
        except DomainError as error:
            (on_error or self.on_error)(str(error))
            return None
        if result.created or result.added_types:
            added = set(result.added_types)
            types = [t for t in self.store.dataset(preview.dataset_id).artifact_types
                     if t.name in added]
            text = import_step_name(len(result.created), FORMATS[preview.format].title)
            self.stack.push(ImportAnnotationsCommand(self.store, preview.dataset_id,
                                                     list(result.created), types, text,
                                                     self.on_error))
        return result
