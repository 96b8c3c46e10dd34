"""Finds and loads libreclite: $RECLITE_LIBRARY, then this package's folder, then the system.

An explicit RECLITE_LIBRARY is the only place tried when it is set: a build the
caller points at must never be silently replaced by another copy.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Mapping, Optional, Tuple

from ._errors import LibraryLoadError

LIBRARY_FILE = "libreclite.so"
ENVIRONMENT_VARIABLE = "RECLITE_LIBRARY"
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def load(environ: Optional[Mapping[str, str]] = None,
         package_dir: Optional[str] = None) -> Tuple[ctypes.CDLL, str]:
    """Returns the loaded library and where it came from (a path, or a name dlopen resolved).

    Raises LibraryLoadError listing every place looked at and why each failed.
    """
    environ = os.environ if environ is None else environ
    package_dir = PACKAGE_DIR if package_dir is None else package_dir

    explicit = environ.get(ENVIRONMENT_VARIABLE, "")
    if explicit:
        path = os.path.join(explicit, LIBRARY_FILE) if os.path.isdir(explicit) else explicit
        try:
            return ctypes.CDLL(path), path
        except OSError as error:
            raise LibraryLoadError(
                f"cannot load libreclite from {ENVIRONMENT_VARIABLE}={explicit}: {error}; "
                f"point it at a libreclite.so (e.g. dist/x86_64-linux-gnu/libreclite.so after `make lib`) or unset it"
            ) from None

    tried = [f"{ENVIRONMENT_VARIABLE}: not set"]
    bundled = os.path.join(package_dir, LIBRARY_FILE)
    if os.path.exists(bundled):
        try:
            return ctypes.CDLL(bundled), bundled
        except OSError as error:
            tried.append(f"package folder {bundled}: {error}")
    else:
        tried.append(f"package folder {bundled}: no such file")

    found = ctypes.util.find_library("reclite")
    if found:
        try:
            return ctypes.CDLL(found), found
        except OSError as error:
            tried.append(f"system library {found} (ctypes.util.find_library): {error}")
    else:
        tried.append("ctypes.util.find_library('reclite'): not found")
    try:
        return ctypes.CDLL(LIBRARY_FILE), LIBRARY_FILE
    except OSError as error:
        tried.append(f"dlopen({LIBRARY_FILE}) (LD_LIBRARY_PATH, ld.so.cache, system folders): {error}")

    places = "\n".join(f"  - {place}" for place in tried)
    raise LibraryLoadError(
        f"cannot find libreclite.so; looked at:\n{places}\n"
        f"Build it (`make lib`) and set {ENVIRONMENT_VARIABLE}=/path/to/dist/x86_64-linux-gnu/libreclite.so, "
        f"install it (`make install`), or install a reclite wheel, which bundles it."
    )
