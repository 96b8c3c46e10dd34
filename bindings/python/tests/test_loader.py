"""Finding libreclite: RECLITE_LIBRARY, then the package folder, then the system; errors say where it looked."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import reclite
from reclite import _capi, _loader
from conftest import HEADER


def test_version_is_the_headers_everywhere(header_text: str) -> None:
    import re

    declared = re.search(r'#define RECLITE_VERSION_STRING "([^"]+)"', header_text).group(1)
    assert reclite.library_version() == declared
    assert reclite.__version__ == declared
    major, minor, patch = (int(part) for part in declared.split("."))
    assert _capi.lib().reclite_version_number() == major * 10000 + minor * 100 + patch
    assert _capi.lib().reclite_abi_version() == _capi.RECLITE_ABI_VERSION


def test_installed_metadata_version_is_the_headers(header_text: str) -> None:
    package_dir = Path(reclite.__file__).parent
    if package_dir == HEADER.parents[1] / "bindings" / "python" / "src" / "reclite":
        pytest.skip("reclite is imported from the source tree (PYTHONPATH): no installed metadata to check")
    assert metadata.version("reclite") == reclite.library_version()
    assert f'#define RECLITE_VERSION_STRING "{metadata.version("reclite")}"' in header_text


def test_the_library_in_use_is_reported() -> None:
    location = reclite.library_path()
    expected = os.environ.get("RECLITE_LIBRARY") or os.path.join(os.path.dirname(reclite.__file__), "libreclite.so")
    assert location == expected


def real_library() -> str:
    path = reclite.library_path()
    assert os.path.isfile(path), "these tests need the library as a file (RECLITE_LIBRARY or the package folder)"
    return path


def test_explicit_library_is_loaded_from_a_file_or_a_folder(tmp_path: Path) -> None:
    shutil.copy(real_library(), tmp_path / "libreclite.so")
    for value in (str(tmp_path / "libreclite.so"), str(tmp_path)):
        library, location = _loader.load(environ={"RECLITE_LIBRARY": value}, package_dir="/nonexistent")
        assert location == str(tmp_path / "libreclite.so")
        assert library.reclite_abi_version() == 1


def test_explicit_library_that_cannot_load_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    not_a_library = tmp_path / "libreclite.so"
    not_a_library.write_text("not an ELF file")
    package = tmp_path / "package"
    package.mkdir()
    shutil.copy(real_library(), package / "libreclite.so")  # a working copy it must NOT fall back to
    for value in (str(not_a_library), str(tmp_path / "missing.so")):
        with pytest.raises(reclite.LibraryLoadError) as caught:
            _loader.load(environ={"RECLITE_LIBRARY": value}, package_dir=str(package))
        assert f"RECLITE_LIBRARY={value}" in str(caught.value)
        assert isinstance(caught.value, ImportError) and isinstance(caught.value, reclite.Error)


def test_package_folder_comes_before_the_system(tmp_path: Path) -> None:
    shutil.copy(real_library(), tmp_path / "libreclite.so")
    _, location = _loader.load(environ={}, package_dir=str(tmp_path))
    assert location == str(tmp_path / "libreclite.so")


def test_nothing_found_lists_every_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_cdll = ctypes.CDLL

    def no_system_library(name, *args, **kwargs):
        if not os.path.isabs(name):
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return real_cdll(name, *args, **kwargs)

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(ctypes, "CDLL", no_system_library)
    with pytest.raises(reclite.LibraryLoadError) as caught:
        _loader.load(environ={"RECLITE_LIBRARY": ""}, package_dir=str(tmp_path))
    message = str(caught.value)
    assert "RECLITE_LIBRARY: not set" in message
    assert f"package folder {tmp_path / 'libreclite.so'}: no such file" in message
    assert "find_library('reclite'): not found" in message
    assert "dlopen(libreclite.so)" in message and "No such file" in message
    assert "make lib" in message


def test_a_library_without_reclite_functions_is_refused() -> None:
    with pytest.raises(reclite.LibraryLoadError, match="has no reclite_version"):
        _capi._bind(ctypes.CDLL(None), "the C library")


def test_a_missing_library_is_an_exception_at_first_use_not_at_import(tmp_path: Path) -> None:
    script = ("import reclite\n"
              "try:\n"
              "    reclite.Model('whatever.rlm')\n"
              "except reclite.LibraryLoadError as error:\n"
              "    print('LibraryLoadError:', error)\n")
    environment = dict(os.environ, RECLITE_LIBRARY=str(tmp_path / "nowhere" / "libreclite.so"))
    result = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"LibraryLoadError: cannot load libreclite from RECLITE_LIBRARY={tmp_path}/nowhere/libreclite.so" \
        in result.stdout
