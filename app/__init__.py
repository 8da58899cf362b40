"""Artifact Annotator: label artifacts in speech audio."""

from importlib import metadata as _metadata

APP_NAME = "Artifact Annotator"
APP_ID = "artifact-annotator"

try:
    __version__ = _metadata.version(APP_ID)
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"
