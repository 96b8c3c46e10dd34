"""reclite.Model: an opened, verified .rlm model and what it says about itself."""

from __future__ import annotations

import ctypes
import enum
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple, Union

import numpy as np

from . import _capi
from ._arrays import as_id
from ._errors import InvalidArgumentError, UnsupportedError, error_for
from ._resource import Resource
from ._scores import probabilities

if TYPE_CHECKING:
    from ._session import Session


class ScoreKind(enum.IntEnum):
    """What the scores of score() and recommend() mean (reclite_score_kind)."""

    #: A real-valued score: higher ranks first, no probability meaning. Show the rank.
    RAW = _capi.RECLITE_SCORE_RAW
    #: A logit: σ(score) is the probability. Rank by the score; show reclite.probabilities(score).
    LOGIT = _capi.RECLITE_SCORE_LOGIT


class FeatureKind(enum.IntEnum):
    """Who supplies a feature's value (reclite_feature_kind)."""

    USER = _capi.RECLITE_FEATURE_USER
    ITEM = _capi.RECLITE_FEATURE_ITEM
    CONTEXT = _capi.RECLITE_FEATURE_CONTEXT


def _enum_or_int(kind: type, value: int) -> Any:
    """The enum member, or the plain int for a value a newer library added."""
    try:
        return kind(value)
    except ValueError:
        return value


def _kind_name(kind: Any) -> str:
    return kind.name if isinstance(kind, enum.Enum) else f"kind {kind}"


def _text(raw: Optional[bytes]) -> str:
    return "" if raw is None else raw.decode("utf-8", "replace")


@dataclass(frozen=True)
class ModelInfo:
    """Summary of a model (reclite_model_info)."""

    format_version: int
    catalog_size: int
    user_count: int
    feature_count: int
    tensor_count: int
    op_count: int
    max_batch: int
    weight_bytes: int
    file_bytes: int
    arena_bytes: int
    description: str
    #: ScoreKind.LOGIT or ScoreKind.RAW: what the scores mean. Either way, rank by the score.
    score_kind: ScoreKind
    metadata_count: int


@dataclass(frozen=True)
class Feature:
    """One input of a model (reclite_feature_info)."""

    index: int
    name: str
    kind: FeatureKind
    #: Values the model knows; any other value uses the out-of-vocabulary row.
    value_count: int

    @property
    def is_context(self) -> bool:
        """True for features a request passes by name in `context=`, e.g. hour of day."""
        return self.kind == FeatureKind.CONTEXT


class Model(Resource):
    """An opened, verified model. Immutable: share one Model between threads freely.

    Scoring goes through sessions (model.session()), one per thread. Close the
    model with close() or a `with` block; sessions keep working after the model
    is closed (the library keeps it alive until its last session closes).

        with reclite.Model("movies.rlm") as model, model.session() as session:
            ids, scores = session.recommend(42, k=10)
    """

    _kind = "model"

    def __init__(self, path: Union[str, "os.PathLike[str]", bytes]) -> None:
        """Opens and verifies a .rlm file; it is memory-mapped (zero copy) and must not change while open.

        Raises ModelIOError (missing, unreadable), BadModelError (fails verification;
        the message names the first problem), UnsupportedError (a newer format).
        """
        super().__init__()
        try:
            encoded = os.fsencode(path)
        except TypeError:
            raise InvalidArgumentError(f"path must be a str, bytes or os.PathLike, got {type(path).__name__}") from None
        if b"\0" in encoded:
            raise InvalidArgumentError(f"path {path!r} contains a NUL byte")
        self.path: Optional[str] = os.fsdecode(encoded)
        library = _capi.lib()
        handle = _capi.Model_p()
        status = library.reclite_model_open(encoded, ctypes.byref(handle))
        self._adopt(status, handle)

    @classmethod
    def from_bytes(cls, data: Any, *, verify_checksum: bool = True) -> "Model":
        """Opens a model from bytes in memory (bytes, bytearray, memoryview, numpy array...).

        The library copies the bytes (RECLITE_OPEN_COPY), so `data` may be changed or
        freed afterwards. To avoid the copy, open a path: files are memory-mapped.
        verify_checksum=False skips the whole-file checksum (structure checks still run).
        """
        try:
            view = memoryview(data)
        except TypeError:
            raise InvalidArgumentError(
                f"data must be a bytes-like object (bytes, bytearray, memoryview, numpy array), "
                f"got {type(data).__name__}") from None
        raw = np.frombuffer(view if view.c_contiguous else view.tobytes(), dtype=np.uint8)
        model = cls.__new__(cls)
        Resource.__init__(model)
        model.path = None
        flags = _capi.RECLITE_OPEN_COPY | (0 if verify_checksum else _capi.RECLITE_OPEN_SKIP_CHECKSUM)
        handle = _capi.Model_p()
        status = _capi.lib().reclite_model_open_buffer(raw.ctypes.data, raw.size, flags, ctypes.byref(handle))
        model._adopt(status, handle)
        return model

    def _adopt(self, status: int, handle: Any) -> None:
        """Takes ownership of a freshly opened handle and reads the model's description once."""
        if status != _capi.RECLITE_OK:
            raise error_for(status, _capi.last_error())
        self._handle = handle
        self._info = self._read_info(handle)
        self._features = tuple(self._read_feature(handle, index) for index in range(self._info.feature_count))
        self._metadata = self._read_metadata(handle, self._info.metadata_count)
        self._context_index = {f.name: f.index for f in self._features if f.is_context}

    def _release(self, handle: Any) -> None:
        _capi.lib().reclite_model_close(handle)

    @staticmethod
    def _read_info(handle: Any) -> ModelInfo:
        raw = _capi.reclite_model_info(struct_size=ctypes.sizeof(_capi.reclite_model_info))
        status = _capi.lib().reclite_model_get_info(handle, ctypes.byref(raw))
        if status != _capi.RECLITE_OK:
            raise error_for(status, _capi.last_error())
        return ModelInfo(
            format_version=raw.format_version, catalog_size=raw.catalog_size, user_count=raw.user_count,
            feature_count=raw.feature_count, tensor_count=raw.tensor_count, op_count=raw.op_count,
            max_batch=raw.max_batch, weight_bytes=raw.weight_bytes, file_bytes=raw.file_bytes,
            arena_bytes=raw.arena_bytes, description=_text(raw.description),
            score_kind=_enum_or_int(ScoreKind, raw.score_kind), metadata_count=raw.metadata_count)

    @staticmethod
    def _read_feature(handle: Any, index: int) -> Feature:
        raw = _capi.reclite_feature_info(struct_size=ctypes.sizeof(_capi.reclite_feature_info))
        status = _capi.lib().reclite_model_get_feature(handle, index, ctypes.byref(raw))
        if status != _capi.RECLITE_OK:
            raise error_for(status, _capi.last_error())
        return Feature(index=index, name=_text(raw.name), kind=_enum_or_int(FeatureKind, raw.kind),
                       value_count=raw.value_count)

    @staticmethod
    def _read_metadata(handle: Any, count: int) -> Dict[str, str]:
        entries = {}
        key, value = ctypes.c_char_p(), ctypes.c_char_p()
        for index in range(count):
            status = _capi.lib().reclite_model_get_metadata(handle, index, ctypes.byref(key), ctypes.byref(value))
            if status != _capi.RECLITE_OK:
                raise error_for(status, _capi.last_error())
            entries[_text(key.value)] = _text(value.value)
        return entries

    # ---- What the model says about itself (read once at open; available after close) ----

    @property
    def info(self) -> ModelInfo:
        """Counts, sizes, description and score kind."""
        return self._info

    @property
    def features(self) -> Tuple[Feature, ...]:
        """Every feature (user, item, context) in index order."""
        return self._features

    @property
    def context_features(self) -> Tuple[str, ...]:
        """Names a request may set in `context=`, e.g. ("hour",)."""
        return tuple(self._context_index)

    @property
    def metadata(self) -> Dict[str, str]:
        """Provenance metadata (a fresh dict each time), e.g. {"producer": ..., "teacher.ndcg@10": ...}."""
        return dict(self._metadata)

    @property
    def arena_size(self) -> int:
        """Bytes of working memory a session needs (the smallest arena session() accepts)."""
        return self._info.arena_bytes

    @property
    def score_kind(self) -> ScoreKind:
        return self._info.score_kind

    def title(self, item: int) -> Optional[str]:
        """Display title of a catalog item, or None when unknown or the model stores no titles."""
        item_id = as_id(item, "item")
        with self._using() as handle:
            raw = _capi.lib().reclite_model_item_title(handle, item_id)
        return None if raw is None else raw.decode("utf-8", "replace")

    def values(self, feature: str) -> "np.ndarray":
        """The raw values a feature knows, in row order, as int64: values("item") is the catalog,
        values("user") the known users. InvalidArgumentError for a name the model lacks."""
        found = next((f for f in self._features if f.name == feature), None)
        if found is None:
            names = ", ".join(f.name for f in self._features)
            raise InvalidArgumentError(f"no feature named {feature!r}; this model's features: {names}")
        out = np.empty(found.value_count, dtype=np.int64)
        value = ctypes.c_int64()
        with self._using() as handle:
            for row in range(found.value_count):
                status = _capi.lib().reclite_model_get_feature_value(handle, found.index, row, ctypes.byref(value))
                if status != _capi.RECLITE_OK:
                    raise error_for(status, _capi.last_error())
                out[row] = value.value
        return out

    def context_index(self, name: str) -> int:
        """The feature index of context feature `name`; InvalidArgumentError naming the choices otherwise."""
        index = self._context_index.get(name) if isinstance(name, str) else None
        if index is not None:
            return index
        available = ", ".join(self._context_index) or "none"
        other = next((f for f in self._features if f.name == name), None)
        reason = (f"{name!r} is a {other.kind.name.lower()} feature, not a context feature" if other
                  else f"unknown context feature {name!r}")
        raise InvalidArgumentError(f"{reason}; this model's context features: {available}")

    def session(self, arena: Any = None) -> "Session":
        """A new session for scoring (one per thread at a time).

        arena=None lets the session allocate model.arena_size bytes once. Or pass a
        writable buffer (bytearray, numpy array...) of at least that size; the session
        keeps a reference to it. ArenaTooSmallError when it is smaller.
        """
        from ._session import Session

        return Session(self, arena)

    def probabilities(self, scores: Any) -> np.ndarray:
        """σ(scores) in float64 for a LOGIT model; UnsupportedError for a RAW model (show the rank instead)."""
        if self._info.score_kind != ScoreKind.LOGIT:
            raise UnsupportedError(
                f"this model's scores are {_kind_name(self._info.score_kind)}: "
                f"they rank items but are not logits of a probability; show the rank instead")
        return probabilities(scores)

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        source = repr(self.path) if self.path is not None else "from bytes"
        return (f"<reclite.Model {source} {state}: {self._info.catalog_size} items, "
                f"{self._info.user_count} users, scores {_kind_name(self._info.score_kind)}>")

