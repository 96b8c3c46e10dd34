"""Shared fixtures: the source tree's header and CLI, a sample model, and the demo model when present.

Paths come from the environment (mk/python.mk sets them) or default to the
source tree this test folder lives in:
  RECLITE_HEADER        include/reclite.h
  RECLITE_CLI           build/bin/reclite (makes the sample model; the reference for scores)
  RECLITE_C_EXAMPLE     build/bin/recommend (the C example the Python example must match)
  RECLITE_SAMPLE_MODEL  a sample model to use instead of making one
  RECLITE_DEMO_MODEL    out/demo/two-tower-distilled-int8.rlm (tests on it skip when absent)
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest

import reclite

REPOSITORY = Path(__file__).resolve().parents[3]


def configured_path(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable) or default)


HEADER = configured_path("RECLITE_HEADER", REPOSITORY / "include" / "reclite.h")
CLI = configured_path("RECLITE_CLI", REPOSITORY / "build" / "bin" / "reclite")
C_EXAMPLE = configured_path("RECLITE_C_EXAMPLE", REPOSITORY / "build" / "bin" / "recommend")
DEMO_MODEL = configured_path("RECLITE_DEMO_MODEL", REPOSITORY / "out" / "demo" / "two-tower-distilled-int8.rlm")
PYTHON_EXAMPLE = REPOSITORY / "examples" / "python" / "recommend.py"

# The sample model is made with these sizes: users 1...50, items 1...200, context feature "hour".
SAMPLE_USERS = 50
SAMPLE_ITEMS = 200


def require(path: Path, what: str, how: str) -> Path:
    if not path.exists():
        pytest.fail(f"{what} not found at {path}: {how}")
    return path


@pytest.fixture(scope="session")
def header_text() -> str:
    return require(HEADER, "include/reclite.h", "set RECLITE_HEADER").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def cli() -> Path:
    return require(CLI, "the reclite CLI", "run `make tool` or set RECLITE_CLI")


@pytest.fixture(scope="session")
def sample_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("RECLITE_SAMPLE_MODEL")
    if given:
        return require(Path(given), "RECLITE_SAMPLE_MODEL", "make it with `reclite sample-model`")
    tool = require(CLI, "the reclite CLI", "run `make tool` or set RECLITE_CLI/RECLITE_SAMPLE_MODEL")
    path = tmp_path_factory.mktemp("models") / "sample.rlm"
    subprocess.run([str(tool), "sample-model", str(path), "--users", str(SAMPLE_USERS), "--items", str(SAMPLE_ITEMS)],
                   check=True, capture_output=True)
    return path


@pytest.fixture(params=["sample", "demo"])
def any_model_path(request: pytest.FixtureRequest, sample_model: Path) -> Path:
    """The sample model, then the real MovieLens student when it exists."""
    if request.param == "sample":
        return sample_model
    if not DEMO_MODEL.exists():
        pytest.skip(f"no demo model at {DEMO_MODEL} (make demo)")
    return DEMO_MODEL


@pytest.fixture
def model(sample_model: Path):
    with reclite.Model(sample_model) as opened:
        yield opened


@pytest.fixture
def session(model: reclite.Model):
    with model.session() as opened:
        yield opened


def cli_recommend(cli: Path, model_path: Path, user: int, k: int, exclude: Optional[List[int]] = None,
                  context: Optional[dict] = None, no_fallback: bool = False) -> dict:
    """`reclite recommend MODEL --user U -k K --json`, parsed."""
    command = [str(cli), "recommend", str(model_path), "--user", str(user), "-k", str(k), "--json"]
    if exclude:
        command += ["--exclude", ",".join(map(str, exclude))]
    for name, value in (context or {}).items():
        command += ["--context", f"{name}={value}"]
    if no_fallback:
        command.append("--no-fallback")
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
