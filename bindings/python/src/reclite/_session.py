"""reclite.Session: scoring and top-K for one thread at a time."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_float, c_int64
from typing import TYPE_CHECKING, Any, Mapping, NamedTuple, Optional, Tuple

import numpy as np

from . import _capi
from ._arrays import as_id, as_ids, as_nonnegative, check_output
from ._errors import Error, InvalidArgumentError, error_for
from ._resource import Resource

if TYPE_CHECKING:
    from ._model import Model

_INT64_P = POINTER(c_int64)
_FLOAT_P = POINTER(c_float)
_REQUEST_SIZE = ctypes.sizeof(_capi.reclite_request)


def _numpy_layout(struct: Any) -> np.dtype:
    """A numpy dtype with the exact layout of a ctypes struct (pointers as uintp), for arrays of requests."""
    fields = struct._fields_
    return np.dtype({
        "names": [name for name, _ in fields],
        "formats": [np.uintp if issubclass(kind, ctypes._Pointer) else np.dtype(kind) for _, kind in fields],
        "offsets": [getattr(struct, name).offset for name, _ in fields],
        "itemsize": ctypes.sizeof(struct),
    })


_REQUEST_DTYPE = _numpy_layout(_capi.reclite_request)


class Recommendations(NamedTuple):
    """Top-K items, best first: `ids` (int64) and their `scores` (float32), equally long (≤ k)."""

    ids: np.ndarray
    scores: np.ndarray


class Session(Resource):
    """Working memory for running a model: create one per thread.

    Thread rule: a session is used by one thread at a time; sessions of the same
    model are independent, so give every thread its own (model.session()). This
    binding also holds a per-session lock during each call, so a session shared by
    mistake serializes its callers instead of corrupting its arena; sharing still
    costs the parallelism the rule buys.

    Scores are a logit (model.info.score_kind LOGIT) or a raw score (RAW): either way
    higher is better and sorting by the score gives the model's ranking. Show people
    the rank, or model.probabilities(scores) for a LOGIT model.

    Id arrays: an int64, C-contiguous, 1-D numpy array is passed to the library
    as is (no copy); other integer arrays and sequences (lists, ranges, int32 or
    non-contiguous arrays) are converted with one copy; floats, booleans, strings,
    objects, None and arrays of another rank raise InvalidArgumentError.
    """

    _kind = "session"

    def __init__(self, model: "Model", arena: Any = None) -> None:
        super().__init__()
        self.model = model  # keeps the Python model (and so its metadata) alive with the session
        self._arena_owner = None
        arena_pointer, arena_length = None, 0
        if arena is not None:
            try:
                view = (ctypes.c_char * memoryview(arena).nbytes).from_buffer(arena)
            except (TypeError, ValueError) as error:
                raise InvalidArgumentError(
                    f"arena must be a writable, contiguous buffer (bytearray, numpy array...), "
                    f"got {type(arena).__name__} ({error})") from None
            self._arena_owner = (arena, view)  # the library writes there until the session closes
            arena_pointer, arena_length = ctypes.addressof(view), ctypes.sizeof(view)
        handle = _capi.Session_p()
        with model._using() as model_handle:
            status = _capi.lib().reclite_session_create(model_handle, arena_pointer, arena_length,
                                                        ctypes.byref(handle))
        if status != _capi.RECLITE_OK:
            raise error_for(status, _capi.last_error())
        self._handle = handle
        self._request = _capi.reclite_request(struct_size=_REQUEST_SIZE)
        # Per-request calls pass plain addresses (see _capi.HOT_PATH); each stays valid while
        # the session is open, which every call checks under the lock.
        self._address = ctypes.cast(handle, ctypes.c_void_p).value
        self._request_address = ctypes.addressof(self._request)
        self._written = ctypes.c_size_t(0)
        self._written_address = ctypes.addressof(self._written)
        self._score_call = _capi.hot("reclite_score")
        self._recommend_call = _capi.hot("reclite_recommend")
        self._catalog_size = max(1, model.info.catalog_size)

    def _release(self, handle: Any) -> None:
        _capi.lib().reclite_session_close(handle)
        self._arena_owner = None

    def _fail(self, status: int, handle: Any) -> Error:
        message = _capi.lib().reclite_session_last_error(handle).decode("utf-8", "replace")
        return error_for(status, message)

    def _context(self, context: Optional[Mapping[str, Any]]) -> Tuple[Any, int]:
        """The request's context values: a ctypes array (or None) and its length."""
        if context is None:
            return None, 0
        if not isinstance(context, Mapping):
            raise InvalidArgumentError(
                f"context must be a mapping of context feature names to integer values, "
                f"e.g. {{'hour': 21}}; got {type(context).__name__}")
        values = (_capi.reclite_context_value * len(context))()
        for slot, (name, value) in zip(values, context.items()):
            slot.feature = self.model.context_index(name)
            slot.value = as_id(value, f"context value of {name!r}")
        return (values if len(context) else None), len(context)

    def _prepare(self, user: Any, context: Optional[Mapping[str, Any]], flags: int) -> Any:
        """Fills the session's request (under the lock); returns the context array the call must keep alive."""
        request = self._request
        request.flags = flags
        request.user_id = as_id(user, "user")
        if context is None:
            request.context = None
            request.context_count = 0
            return None
        values, count = self._context(context)
        request.context = ctypes.cast(values, POINTER(_capi.reclite_context_value)) if values is not None else None
        request.context_count = count
        return values

    def score(self, user: int, items: Any, context: Optional[Mapping[str, Any]] = None, *,
              out: Optional[np.ndarray] = None) -> np.ndarray:
        """Scores `items` for `user`: a float32 array, one score per item, in the order given.

        Unknown users and items are scored with the model's out-of-vocabulary rows.
        context: {"name": value} for the model's context features (model.context_features).
        out: an optional float32, C-contiguous array of len(items) to write into (returned).
        """
        ids = as_ids(items, "items")
        scores = np.empty(ids.size, dtype=np.float32) if out is None else check_output(out, ids.size, "out")
        with self._lock:
            handle = self._held_handle()
            keep = self._prepare(user, context, 0)
            status = self._score_call(self._address, self._request_address, ids.ctypes.data, ids.size,
                                      scores.ctypes.data)
            if status != _capi.RECLITE_OK:
                raise self._fail(status, handle)
        del keep
        return scores

    def recommend(self, user: int, k: int = 10, exclude: Any = None,
                  context: Optional[Mapping[str, Any]] = None, *, fallback: bool = True) -> Recommendations:
        """The best `k` catalog items for `user`, best first: (ids int64, scores float32).

        exclude: item ids never to return (e.g. already seen). When k exceeds the
        eligible items, all of them are returned. An unknown user gets the catalog's
        most popular items (scored by the model) unless fallback=False.
        Ties are broken by smaller item id. k must be ≥ 1.
        """
        count = as_nonnegative(k, "k")
        excluded = None if exclude is None else as_ids(exclude, "exclude")
        # No call returns more than the catalog: never allocate more than that for a huge k.
        capacity = min(count, self._catalog_size)
        ids = np.empty(capacity, dtype=np.int64)
        scores = np.empty(capacity, dtype=np.float32)
        flags = 0 if fallback else _capi.RECLITE_REQUEST_NO_FALLBACK
        with self._lock:
            handle = self._held_handle()
            keep = self._prepare(user, context, flags)
            status = self._recommend_call(
                self._address, self._request_address, capacity,
                None if excluded is None else excluded.ctypes.data, 0 if excluded is None else excluded.size,
                ids.ctypes.data, scores.ctypes.data, self._written_address)
            if status != _capi.RECLITE_OK:
                raise self._fail(status, handle)
            written = self._written.value
        del keep
        return Recommendations(ids[:written], scores[:written])

    def score_batch(self, users: Any, items: Any, context: Optional[Mapping[str, Any]] = None) -> np.ndarray:
        """Scores the same `items` for every user: a float32 array of shape (len(users), len(items)).

        Row r holds what score(users[r], items, context) returns. The library checks
        every request before writing any score.
        """
        user_ids = as_ids(users, "users")
        ids = as_ids(items, "items")
        scores = np.empty((user_ids.size, ids.size), dtype=np.float32)
        requests = np.zeros(user_ids.size, dtype=_REQUEST_DTYPE)
        requests["struct_size"] = _REQUEST_SIZE
        requests["user_id"] = user_ids
        values, count = self._context(context)
        if values is not None:
            requests["context"] = ctypes.addressof(values)
            requests["context_count"] = count
        with self._using() as handle:
            status = _capi.lib().reclite_score_batch(
                handle, requests.ctypes.data_as(POINTER(_capi.reclite_request)), user_ids.size,
                ids.ctypes.data_as(_INT64_P), ids.size, scores.ctypes.data_as(_FLOAT_P))
            if status != _capi.RECLITE_OK:
                raise self._fail(status, handle)
        return scores

    @property
    def last_error(self) -> str:
        """The message of this session's most recent failure ("" if none)."""
        with self._using() as handle:
            return _capi.lib().reclite_session_last_error(handle).decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"<reclite.Session {'closed' if self.closed else 'open'} of {self.model!r}>"
