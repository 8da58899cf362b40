"""The annotations of one file, indexed for fast drawing and hit tests.

Starts are kept sorted next to a running maximum of the ends, so the annotations that
overlap any window are found with two ``searchsorted`` calls, whatever their number.
Each annotation also gets a label row: overlapping ones get different rows so that
their type names never cover each other.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from app.core.entities import Annotation


class AnnotationIndex:
    def __init__(self, label_rows: int = 4) -> None:
        self._label_rows = label_rows
        self._by_id: dict[str, Annotation] = {}
        self.type_names: list[str] = []          # type index -> name (grows, never shrinks)
        self._type_index: dict[str, int] = {}
        self._rebuild()

    # --- content ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, annotation_id: str) -> bool:
        return annotation_id in self._by_id

    def get(self, annotation_id: str) -> Annotation | None:
        return self._by_id.get(annotation_id)

    def replace(self, annotations: Iterable[Annotation]) -> None:
        self._by_id = {a.id: a for a in annotations}
        self._rebuild()

    def upsert(self, annotations: Iterable[Annotation]) -> None:
        for annotation in annotations:
            self._by_id[annotation.id] = annotation
        self._rebuild()

    def remove(self, ids: Iterable[str]) -> None:
        for annotation_id in ids:
            self._by_id.pop(annotation_id, None)
        self._rebuild()

    def type_index(self, name: str) -> int:
        index = self._type_index.get(name)
        if index is None:
            index = self._type_index[name] = len(self.type_names)
            self.type_names.append(name)
        return index

    def _rebuild(self) -> None:
        items = sorted(self._by_id.values(), key=lambda a: (a.start_ms, a.end_ms, a.id))
        self.ids: list[str] = [a.id for a in items]
        self.position = {annotation_id: i for i, annotation_id in enumerate(self.ids)}
        self.starts = np.array([a.start_ms for a in items], dtype=np.float64)
        self.ends = np.array([a.end_ms for a in items], dtype=np.float64)
        self.types = np.array([self.type_index(a.artifact_type) for a in items], dtype=np.int32)
        self._end_cummax = np.maximum.accumulate(self.ends) if items else self.ends
        self.rows = self._assign_rows()

    def _assign_rows(self) -> np.ndarray:
        rows = np.zeros(len(self.ids), dtype=np.int32)
        row_ends = [-np.inf] * self._label_rows
        for i, (start, end) in enumerate(zip(self.starts.tolist(), self.ends.tolist())):
            free = next((r for r, e in enumerate(row_ends) if e <= start), None)
            if free is None:
                free = int(np.argmin(row_ends))
            rows[i] = free
            row_ends[free] = end
        return rows

    # --- queries ------------------------------------------------------------------------

    def visible(self, start_ms: float, end_ms: float) -> np.ndarray:
        """Indices (into ``ids``) of annotations overlapping [start, end], in start order."""
        if not self.ids:
            return np.zeros(0, dtype=np.int64)
        hi = int(np.searchsorted(self.starts, end_ms, side="right"))
        lo = int(np.searchsorted(self._end_cummax, start_ms, side="left"))
        if hi <= lo:
            return np.zeros(0, dtype=np.int64)
        candidates = np.arange(lo, hi)
        return candidates[self.ends[lo:hi] >= start_ms]

    def at(self, ms: float, tolerance_ms: float = 0.0) -> list[int]:
        """Indices of annotations containing ``ms``, topmost (as drawn) first."""
        hits = self.visible(ms - tolerance_ms, ms + tolerance_ms)
        return self.topmost_first(hits)

    def topmost_first(self, indices: np.ndarray) -> list[int]:
        """Shortest first (drawn last, so on top), then the later start."""
        if len(indices) == 0:
            return []
        durations = self.ends[indices] - self.starts[indices]
        order = np.lexsort((-self.starts[indices], durations))
        return [int(i) for i in indices[order]]

    def paint_order(self, indices: np.ndarray) -> np.ndarray:
        """Longest first, so short regions stay on top and clickable."""
        if len(indices) == 0:
            return indices
        durations = self.ends[indices] - self.starts[indices]
        order = np.lexsort((self.starts[indices], -durations))
        return indices[order]
