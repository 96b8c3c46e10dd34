"""Exceptions: one class per reclite_status kind, all subclasses of reclite.Error."""

from __future__ import annotations

import enum
from typing import Dict, Optional, Type


class Status(enum.IntEnum):
    """reclite_status: the result kind of a library call (values are the header's)."""

    OK = 0
    INVALID_ARGUMENT = 1
    STRUCT_SIZE = 2
    BAD_MODEL = 10
    UNSUPPORTED = 11
    IO = 20
    NO_MEMORY = 21
    ARENA_TOO_SMALL = 22
    INTERNAL = 30


class Error(Exception):
    """Base of every RecLite error.

    `message` is the library's one-line description (the session's message for
    session calls); `status` the reclite_status, or None for errors raised
    before any library call (e.g. the library cannot be found).
    """

    default_status: Optional[Status] = None

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        code = self.default_status if status is None else status
        try:
            self.status: Optional[int] = Status(code) if code is not None else None
        except ValueError:
            self.status = code

    @property
    def status_name(self) -> str:
        """The header's name of the status, e.g. "RECLITE_E_BAD_MODEL"."""
        if self.status is None:
            return "none"
        if isinstance(self.status, Status):
            prefix = "RECLITE_" if self.status is Status.OK else "RECLITE_E_"
            return prefix + self.status.name
        return "RECLITE_E_UNKNOWN"

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status_name})"


class InvalidArgumentError(Error, ValueError):
    """Something impossible was passed: a wrong dtype or shape, k < 1, an unknown context name, ..."""

    default_status = Status.INVALID_ARGUMENT


class ClosedError(InvalidArgumentError):
    """A closed Model or Session was used."""


class StructSizeError(Error):
    """The library rejected a struct size (a binding older than any struct version it knows)."""

    default_status = Status.STRUCT_SIZE


class BadModelError(Error):
    """The model file is corrupt, truncated or inconsistent; the message names the first problem."""

    default_status = Status.BAD_MODEL


class UnsupportedError(Error):
    """A well-formed model that needs a newer library, or an operation this model cannot do."""

    default_status = Status.UNSUPPORTED


class ModelIOError(Error, OSError):
    """The model file could not be opened or read (missing, permission, not a regular file)."""

    default_status = Status.IO


class NoMemoryError(Error, MemoryError):
    """The library could not allocate memory."""

    default_status = Status.NO_MEMORY


class ArenaTooSmallError(Error, ValueError):
    """The arena given to Model.session() is smaller than Model.arena_size."""

    default_status = Status.ARENA_TOO_SMALL


class InternalError(Error):
    """An internal invariant of the library failed (please report it)."""

    default_status = Status.INTERNAL


class LibraryLoadError(Error, ImportError):
    """libreclite could not be found or loaded, or it is incompatible with this package."""


_BY_STATUS: Dict[int, Type[Error]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.STRUCT_SIZE: StructSizeError,
    Status.BAD_MODEL: BadModelError,
    Status.UNSUPPORTED: UnsupportedError,
    Status.IO: ModelIOError,
    Status.NO_MEMORY: NoMemoryError,
    Status.ARENA_TOO_SMALL: ArenaTooSmallError,
    Status.INTERNAL: InternalError,
}


def error_for(status: int, message: str) -> Error:
    """The exception for a failed call's status (reclite.Error itself for a status this package does not know)."""
    return _BY_STATUS.get(status, Error)(message, status)
