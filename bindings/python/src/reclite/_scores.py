"""Turning LOGIT scores into probabilities for display. Rank by the scores themselves."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import InvalidArgumentError


def probabilities(logits: Any) -> np.ndarray:
    """σ(logits) = 1 / (1 + exp(−logit)) in float64, for models whose score_kind is LOGIT.

    For showing a person a number. Never rank by it: float32 would round σ to 1
    above ≈ 16.6 and tie the best items; float64 ties above ≈ 36.7. Rank by the
    scores that score() and recommend() return. Computed without overflow for any
    finite or infinite input; NaN stays NaN.
    """
    try:
        x = np.asarray(logits, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidArgumentError(f"logits must be numbers, got {type(logits).__name__} ({error})") from None
    # exp of a non-positive number never overflows: use exp(-|x|) on both sides.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
