"""Lifetime of a library handle: use under a lock, close once, never use after close.

Every call that passes the handle to the library holds the object's lock, and
close() takes the same lock, so closing from one thread while another is
inside a call waits for that call instead of freeing memory under it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional, TypeVar

from ._errors import ClosedError

R = TypeVar("R", bound="Resource")


class Resource:
    """Base of Model and Session: owns one handle and releases it exactly once."""

    _kind = "object"
    _handle: Any = None

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def _release(self, handle: Any) -> None:
        raise NotImplementedError

    @contextmanager
    def _using(self) -> Iterator[Any]:
        """Holds the lock and yields the open handle; ClosedError once closed."""
        with self._lock:
            yield self._held_handle()

    def _held_handle(self) -> Any:
        """The open handle, for a caller holding the lock (the per-request calls take the lock
        themselves: a generator-based context manager costs more than a small request)."""
        if self._handle is None:
            raise ClosedError(f"this {self._kind} is closed")
        return self._handle

    @property
    def closed(self) -> bool:
        return self._handle is None

    def close(self) -> None:
        """Releases the library object. Idempotent; later calls raise ClosedError."""
        if self._handle is None:
            return
        with self._lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            self._release(handle)

    def __enter__(self: R) -> R:
        if self._handle is None:
            raise ClosedError(f"this {self._kind} is closed")
        return self

    def __exit__(self, *exc_info: Optional[object]) -> None:
        self.close()

    def __del__(self) -> None:
        # A safety net only: close() explicitly or use `with`. At interpreter
        # shutdown the modules close() needs may already be gone.
        try:
            self.close()
        except Exception:
            pass
