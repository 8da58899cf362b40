"""Errors the services raise. Each carries a message written for the user."""

from __future__ import annotations


class DomainError(Exception):
    """A refused or failed operation; ``str(error)`` is shown to the user as is."""


class NotFoundError(DomainError):
    """A dataset, audio file, set or annotation that does not exist."""


class ValidationError(DomainError):
    """A value that breaks a rule; ``field`` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(DomainError):
    """The operation clashes with existing data (duplicate name, type in use ...)."""


class PublishedSetError(DomainError):
    """A write to a published (immutable) annotation set."""


class StorageError(DomainError):
    """The database or the audio library could not be read or written."""
