"""examples/python/recommend.py prints byte for byte what examples/c/recommend.c prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import C_EXAMPLE, PYTHON_EXAMPLE, require

ARGUMENTS = [["7", "10"], ["1"], ["10000000", "3"], ["42", "1000"], [" +12xyz", "5"]]


def run(command) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True)


@pytest.mark.parametrize("arguments", ARGUMENTS, ids=" ".join)
def test_python_example_prints_what_the_c_example_prints(any_model_path: Path, arguments) -> None:
    c_example = require(C_EXAMPLE, "the C example", "run `make build/bin/recommend` or set RECLITE_C_EXAMPLE")
    expected = run([str(c_example), str(any_model_path), *arguments])
    got = run([sys.executable, str(PYTHON_EXAMPLE), str(any_model_path), *arguments])
    assert expected.returncode == 0, expected.stderr
    assert got.returncode == 0, got.stderr.decode()
    assert got.stdout == expected.stdout
    assert got.stdout.startswith(b"top ")


@pytest.mark.parametrize("arguments", [["7", "0"], ["7", "1001"], ["7", "-3"]], ids=" ".join)
def test_python_example_refuses_what_the_c_example_refuses(sample_model: Path, arguments) -> None:
    expected = run([str(C_EXAMPLE), str(sample_model), *arguments])
    got = run([sys.executable, str(PYTHON_EXAMPLE), str(sample_model), *arguments])
    assert (got.returncode, got.stdout, got.stderr) == (expected.returncode, expected.stdout, expected.stderr)
    assert got.returncode == 2


def test_python_example_reports_an_unreadable_model_like_c(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.rlm", tmp_path):
        expected = run([str(C_EXAMPLE), str(path), "7"])
        got = run([sys.executable, str(PYTHON_EXAMPLE), str(path), "7"])
        assert (got.returncode, got.stdout, got.stderr) == (expected.returncode, expected.stdout, expected.stderr)
        assert got.returncode == 1 and got.stderr.startswith(f"cannot open {path}: ".encode())


def test_python_example_usage() -> None:
    got = run([sys.executable, str(PYTHON_EXAMPLE), "model.rlm"])
    assert got.returncode == 2 and got.stderr == f"usage: {PYTHON_EXAMPLE} MODEL USER_ID [K]\n".encode()
