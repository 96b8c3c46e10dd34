"""The platform wheel carries libreclite.so: installed in a fresh virtual environment with no
Swift on the PATH and no build tree in sight, it recommends what the CLI recommends."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import reclite
from conftest import C_EXAMPLE, PYTHON_EXAMPLE, REPOSITORY, cli_recommend

PACKAGE_SOURCE = REPOSITORY / "bindings" / "python"

PROBE = """
import json, sys
import reclite
with reclite.Model(sys.argv[1]) as model, model.session() as session:
    ids, scores = session.recommend(7, k=10)
    mapped = [line.split()[-1] for line in open("/proc/self/maps") if "/" in line]
    print(json.dumps({"library": reclite.library_path(), "package": reclite.__file__,
                      "version": reclite.__version__, "ids": ids.tolist(), "scores": scores.tolist(),
                      "swift_mapped": sorted({path for path in mapped if "swift" in path.lower()})}))
"""


def without_swift(path_variable: str) -> str:
    """PATH minus every folder that holds a swift or swiftc executable."""
    kept = [folder for folder in path_variable.split(os.pathsep)
            if folder and not any(os.path.exists(os.path.join(folder, tool)) for tool in ("swift", "swiftc"))]
    return os.pathsep.join(kept)


def clean_environment() -> dict:
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "RECLITE_LIBRARY", "LD_LIBRARY_PATH", "VIRTUAL_ENV", "PYTHONHOME")}
    environment["PATH"] = without_swift(os.environ.get("PATH", ""))
    return environment


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    library = os.environ.get("RECLITE_BUNDLE_LIBRARY") or reclite.library_path()
    assert os.path.isfile(library), f"no libreclite.so to bundle at {library}"
    out = tmp_path_factory.mktemp("wheelhouse")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(PACKAGE_SOURCE)],
                   check=True, env=dict(os.environ, RECLITE_BUNDLE_LIBRARY=library), capture_output=True)
    wheels = list(out.glob("reclite-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_is_a_platform_wheel_that_carries_the_library(wheel: Path) -> None:
    version = reclite.library_version()
    assert wheel.name == f"reclite-{version}-py3-none-linux_{platform.machine()}.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"reclite/libreclite.so", "reclite/py.typed", "reclite/__init__.py", "reclite/_capi.py"} <= names
        assert not any(name.startswith("tests/") or ".data/" in name for name in names)
        metadata = archive.read(f"reclite-{version}.dist-info/METADATA").decode()
        tags = archive.read(f"reclite-{version}.dist-info/WHEEL").decode()
        bundled = archive.read("reclite/libreclite.so")
    assert f"\nVersion: {version}\n" in metadata and "Requires-Dist: numpy" in metadata
    assert "Root-Is-Purelib: false" in tags and f"Tag: py3-none-linux_{platform.machine()}" in tags
    assert bundled == Path(os.environ.get("RECLITE_BUNDLE_LIBRARY") or reclite.library_path()).read_bytes()


def test_a_fresh_venv_without_swift_recommends_from_the_wheel(wheel: Path, tmp_path: Path, sample_model: Path,
                                                              cli: Path) -> None:
    environment = clean_environment()
    assert shutil.which("swift", path=environment["PATH"]) is None
    assert "/opt/swift/usr/bin" not in environment["PATH"].split(os.pathsep)
    venv = tmp_path / "venv"
    # numpy (and pip, which installs into the venv) come from the base interpreter's site-packages:
    # no network and no ensurepip; reclite comes only from the wheel.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
                   check=True, env=environment)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, env=environment, capture_output=True)

    result = subprocess.run([str(python), "-c", PROBE, str(sample_model)], cwd=tmp_path, env=environment,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert Path(probe["library"]).resolve().is_relative_to(venv.resolve()), probe["library"]
    assert Path(probe["package"]).resolve().is_relative_to(venv.resolve()), probe["package"]
    assert probe["version"] == reclite.library_version()
    assert probe["swift_mapped"] == []
    expected = cli_recommend(cli, sample_model, 7, 10)["items"]
    assert probe["ids"] == [entry["item"] for entry in expected]

    example = subprocess.run([str(python), str(PYTHON_EXAMPLE), str(sample_model), "7", "10"], cwd=tmp_path,
                             env=environment, capture_output=True)
    assert example.returncode == 0, example.stderr
    if C_EXAMPLE.exists():
        assert example.stdout == subprocess.run([str(C_EXAMPLE), str(sample_model), "7", "10"],
                                                capture_output=True, check=True).stdout
    print(example.stdout.decode())  # shown with pytest -s: the fresh venv's recommendation
