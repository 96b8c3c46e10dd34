"""RecLite: run a small recommendation model (.rlm) from Python, over libreclite.

    import reclite
    with reclite.Model("movies.rlm") as model, model.session() as session:
        ids, scores = session.recommend(42, k=10)          # best first
        titles = [model.title(i) for i in ids]
        scores = session.score(42, [1, 32, 260], context={"hour": 21})

Scores rank items (higher is better); for LOGIT models (model.info.score_kind)
reclite.probabilities(scores) gives the probability to show a person. Rank by
the scores, never by rounded probabilities.

Threads: a Model is shared freely; a Session is used by one thread at a time
(create one per thread with model.session()).
"""

from __future__ import annotations

from typing import Any

from . import _capi
from ._errors import (ArenaTooSmallError, BadModelError, ClosedError, Error, InternalError, InvalidArgumentError,
                      LibraryLoadError, ModelIOError, NoMemoryError, Status, StructSizeError, UnsupportedError)
from ._model import Feature, FeatureKind, Model, ModelInfo, ScoreKind
from ._scores import probabilities
from ._session import Recommendations, Session

__all__ = [
    "Model", "ModelInfo", "Feature", "FeatureKind", "ScoreKind", "Session", "Recommendations",
    "probabilities", "library_version", "library_path", "Status",
    "Error", "InvalidArgumentError", "ClosedError", "StructSizeError", "BadModelError", "UnsupportedError",
    "ModelIOError", "NoMemoryError", "ArenaTooSmallError", "InternalError", "LibraryLoadError",
]


def library_version() -> str:
    """Version of the loaded libreclite, e.g. "0.2.0" (reclite_version())."""
    return _capi.lib().reclite_version().decode()


def library_path() -> str:
    """Where libreclite was loaded from: $RECLITE_LIBRARY, this package's folder, or the system."""
    return _capi.location()


def __getattr__(name: str) -> Any:
    # The version is the library's (include/reclite.h is its single source); reading
    # it loads the library, so it is computed on first access, not at import.
    if name == "__version__":
        return library_version()
    raise AttributeError(f"module 'reclite' has no attribute {name!r}")
