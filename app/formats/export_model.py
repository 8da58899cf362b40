"""What exporters receive: the dataset, the set, and each audio file with its annotations."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.entities import Annotation, AnnotationSet, AudioFile, Dataset


@dataclass(frozen=True)
class AudioAnnotations:
    audio: AudioFile
    annotations: tuple[Annotation, ...]  # by start, end, type


@dataclass(frozen=True)
class ExportInput:
    dataset: Dataset
    annotation_set: AnnotationSet
    files: tuple[AudioAnnotations, ...]  # by original filename

    def rows(self):
        """(audio, annotation) pairs in file order, then time order."""
        for item in self.files:
            for annotation in item.annotations:
                yield item.audio, annotation
