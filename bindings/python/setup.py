"""Build glue for the reclite package (metadata lives in pyproject.toml).

Two things pyproject.toml cannot say:
- the version is include/reclite.h's RECLITE_VERSION_STRING (the single source);
- the wheel carries libreclite.so when one is available ($RECLITE_BUNDLE_LIBRARY, else
  the source tree's dist/<triple>/libreclite.so after `make lib`), and is then tagged for
  the library's platform (py3-none-linux_<arch>, the arch read from the library's ELF
  header). Without a library the wheel is pure and uses $RECLITE_LIBRARY or the system's.
"""

import os
import platform
import re
import shutil
import struct

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1 keeps it in the wheel package
    from wheel.bdist_wheel import bdist_wheel

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = os.path.normpath(os.path.join(HERE, "..", ".."))
LIBRARY_FILE = "libreclite.so"
# ELF e_machine values → the architecture part of a Linux platform tag.
ELF_MACHINES = {3: "i686", 40: "armv7l", 62: "x86_64", 183: "aarch64", 243: "riscv64"}


def read_version():
    path = os.environ.get("RECLITE_HEADER") or os.path.join(REPOSITORY, "include", "reclite.h")
    try:
        with open(path, encoding="utf-8") as header:
            text = header.read()
    except OSError as error:
        raise SystemExit(f"reclite: cannot read {path} ({error.strerror}): the package version is "
                         f"include/reclite.h's RECLITE_VERSION_STRING; build from the RecLite source tree "
                         f"or set RECLITE_HEADER")
    match = re.search(r'^#define RECLITE_VERSION_STRING "([^"]+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit(f"reclite: {path} defines no RECLITE_VERSION_STRING")
    return match.group(1)


def library_to_bundle():
    """The libreclite.so the package will carry, or None."""
    explicit = os.environ.get("RECLITE_BUNDLE_LIBRARY")
    if explicit:
        if not os.path.isfile(explicit):
            raise SystemExit(f"reclite: RECLITE_BUNDLE_LIBRARY={explicit} is not a file (run `make lib`)")
        return explicit
    triple = {"x86_64": "x86_64-linux-gnu", "aarch64": "aarch64-linux-gnu", "armv7l": "arm-linux-gnueabihf"}.get(
        platform.machine(), f"{platform.machine()}-linux-gnu")
    built = os.path.join(REPOSITORY, "dist", triple, LIBRARY_FILE)
    if os.path.isfile(built):
        return built
    print(f"reclite: no {LIBRARY_FILE} to bundle (run `make lib` first, or set RECLITE_BUNDLE_LIBRARY); "
          f"building a pure package that loads $RECLITE_LIBRARY or the system's libreclite")
    return None


def platform_tag(library):
    """linux_<arch> of a shared library, from its ELF header."""
    with open(library, "rb") as file:
        header = file.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        raise SystemExit(f"reclite: {library} is not an ELF shared library")
    byte_order = "<" if header[5] == 1 else ">"
    (machine,) = struct.unpack(byte_order + "H", header[18:20])
    if machine not in ELF_MACHINES:
        raise SystemExit(f"reclite: {library} is for ELF machine {machine}, which has no known wheel tag")
    return "linux_" + ELF_MACHINES[machine]


LIBRARY = library_to_bundle()


class BuildWithLibrary(build_py):
    """Stages the package afresh (no module or library left from an earlier build) with libreclite.so."""

    def run(self):
        shutil.rmtree(os.path.join(self.build_lib, "reclite"), ignore_errors=True)
        super().run()
        if LIBRARY:
            target = os.path.join(self.build_lib, "reclite", LIBRARY_FILE)
            shutil.copyfile(LIBRARY, target)
            os.chmod(target, 0o755)


class DistributionWithLibrary(Distribution):
    """A package that carries a native library installs into platlib, like one with extensions."""

    def has_ext_modules(self):
        return LIBRARY is not None


class PlatformWheel(bdist_wheel):
    """Tags a wheel that carries libreclite for the library's platform (any Python 3: ctypes has no ABI)."""

    def get_tag(self):
        if LIBRARY is None:
            return super().get_tag()
        return "py3", "none", platform_tag(LIBRARY)


setup(version=read_version(), distclass=DistributionWithLibrary,
      cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel})
