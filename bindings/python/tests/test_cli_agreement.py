"""The binding gives exactly the scores and items of `reclite recommend --json` (the same runtime)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import reclite
from conftest import cli_recommend

CASES = [
    dict(user=1, k=10),
    dict(user=7, k=25),
    dict(user=42, k=10, exclude=[1, 32, 260]),
    dict(user=10**9, k=10),  # unknown user: popularity fallback, scored by the model
    dict(user=10**9, k=10, no_fallback=True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: "-".join(f"{k}={v}" for k, v in case.items()))
def test_recommend_equals_the_cli(any_model_path: Path, cli: Path, case: dict) -> None:
    expected = cli_recommend(cli, any_model_path, **case)["items"]
    with reclite.Model(any_model_path) as model, model.session() as session:
        ids, scores = session.recommend(case["user"], case["k"], exclude=case.get("exclude"),
                                        fallback=not case.get("no_fallback", False))
        assert ids.tolist() == [entry["item"] for entry in expected]
        # The CLI prints the float32 score as a double: equal after rounding back to float32.
        assert scores.tolist() == np.array([entry["score"] for entry in expected], dtype=np.float32).tolist()
        assert [model.title(item) or "" for item in ids] == [entry.get("title", "") for entry in expected]
        assert np.array_equal(session.score(case["user"], ids), scores)


def test_context_equals_the_clis(sample_model: Path, cli: Path) -> None:
    expected = cli_recommend(cli, sample_model, 7, 15, context={"hour": 21})["items"]
    with reclite.Model(sample_model) as model, model.session() as session:
        ids, scores = session.recommend(7, 15, context={"hour": 21})
    assert ids.tolist() == [entry["item"] for entry in expected]
    assert scores.tolist() == np.array([entry["score"] for entry in expected], dtype=np.float32).tolist()
