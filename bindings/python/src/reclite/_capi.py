"""The private layer: include/reclite.h mirrored in ctypes.

Every function of the header is declared in SIGNATURES (argtypes and restype),
every struct, enumerator and version-1 size has its twin here under the
header's own name. tests/test_header.py parses the header and compiles it to
check this module: a function, field or constant added to the header without
a declaration here fails that test.
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import POINTER, c_char_p, c_float, c_int, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from typing import Dict, List, Optional, Tuple

from . import _loader
from ._errors import LibraryLoadError

# ---- Versions ----------------------------------------------------------------

RECLITE_ABI_VERSION = 1

# ---- Status (reclite_status) -----------------------------------------------------

reclite_status = c_int
RECLITE_OK = 0
RECLITE_E_INVALID_ARGUMENT = 1
RECLITE_E_STRUCT_SIZE = 2
RECLITE_E_BAD_MODEL = 10
RECLITE_E_UNSUPPORTED = 11
RECLITE_E_IO = 20
RECLITE_E_NO_MEMORY = 21
RECLITE_E_ARENA_TOO_SMALL = 22
RECLITE_E_INTERNAL = 30

# ---- Models --------------------------------------------------------------------


class reclite_model(ctypes.Structure):
    """Opaque: only pointers to it cross the API."""


RECLITE_OPEN_BORROW = 0
RECLITE_OPEN_COPY = 1
RECLITE_OPEN_SKIP_CHECKSUM = 2

reclite_score_kind = c_int
RECLITE_SCORE_RAW = 0
RECLITE_SCORE_LOGIT = 1


class reclite_model_info(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("format_version", c_uint32),
        ("catalog_size", c_uint32),
        ("user_count", c_uint32),
        ("feature_count", c_uint32),
        ("tensor_count", c_uint32),
        ("op_count", c_uint32),
        ("max_batch", c_uint32),
        ("weight_bytes", c_uint64),
        ("file_bytes", c_uint64),
        ("arena_bytes", c_uint64),
        ("description", c_char_p),
        ("score_kind", c_uint32),
        ("metadata_count", c_uint32),
    ]


RECLITE_MODEL_INFO_SIZE_V1 = reclite_model_info.description.offset + ctypes.sizeof(c_char_p)

reclite_feature_kind = c_int
RECLITE_FEATURE_USER = 0
RECLITE_FEATURE_ITEM = 1
RECLITE_FEATURE_CONTEXT = 2


class reclite_feature_info(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("kind", c_uint32),
        ("value_count", c_uint64),
        ("name", c_char_p),
    ]


RECLITE_FEATURE_INFO_SIZE_V1 = reclite_feature_info.name.offset + ctypes.sizeof(c_char_p)

# ---- Sessions and requests -----------------------------------------------------------


class reclite_session(ctypes.Structure):
    """Opaque: only pointers to it cross the API."""


class reclite_model_slot(ctypes.Structure):
    """Opaque: only pointers to it cross the API."""


class reclite_context_value(ctypes.Structure):
    _fields_ = [
        ("feature", c_uint32),
        ("value", c_int64),
    ]


RECLITE_REQUEST_NO_FALLBACK = 1


class reclite_request(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("flags", c_uint32),
        ("user_id", c_int64),
        ("context", POINTER(reclite_context_value)),
        ("context_count", c_size_t),
    ]


RECLITE_REQUEST_SIZE_V1 = reclite_request.context_count.offset + ctypes.sizeof(c_size_t)

# The header's structs and opaque types by their C names (the header test walks these).
STRUCTS = {cls.__name__: cls for cls in (reclite_model_info, reclite_feature_info,
                                         reclite_context_value, reclite_request)}
OPAQUE = {cls.__name__: cls for cls in (reclite_model, reclite_session, reclite_model_slot)}

# ---- Functions ------------------------------------------------------------------

Model_p = POINTER(reclite_model)
Session_p = POINTER(reclite_session)
Slot_p = POINTER(reclite_model_slot)

SIGNATURES: Dict[str, Tuple[Optional[type], List[type]]] = {
    "reclite_version": (c_char_p, []),
    "reclite_version_number": (c_uint32, []),
    "reclite_abi_version": (c_uint32, []),
    "reclite_status_name": (c_char_p, [reclite_status]),
    "reclite_last_error": (c_char_p, []),
    "reclite_model_open": (reclite_status, [c_char_p, POINTER(Model_p)]),
    "reclite_model_open_buffer": (reclite_status, [c_void_p, c_size_t, c_uint32, POINTER(Model_p)]),
    "reclite_model_close": (None, [Model_p]),
    "reclite_model_arena_size": (c_size_t, [Model_p]),
    "reclite_model_get_info": (reclite_status, [Model_p, POINTER(reclite_model_info)]),
    "reclite_model_get_feature": (reclite_status, [Model_p, c_uint32, POINTER(reclite_feature_info)]),
    "reclite_model_get_feature_value": (reclite_status, [Model_p, c_uint32, c_uint64, POINTER(c_int64)]),
    "reclite_model_find_feature": (reclite_status, [Model_p, c_char_p, POINTER(c_uint32)]),
    "reclite_model_item_title": (c_char_p, [Model_p, c_int64]),
    "reclite_model_metadata": (c_char_p, [Model_p, c_char_p]),
    "reclite_model_get_metadata": (reclite_status, [Model_p, c_uint32, POINTER(c_char_p), POINTER(c_char_p)]),
    "reclite_session_create": (reclite_status, [Model_p, c_void_p, c_size_t, POINTER(Session_p)]),
    "reclite_session_close": (None, [Session_p]),
    "reclite_session_last_error": (c_char_p, [Session_p]),
    "reclite_score": (reclite_status, [Session_p, POINTER(reclite_request), POINTER(c_int64), c_size_t,
                                       POINTER(c_float)]),
    "reclite_recommend": (reclite_status, [Session_p, POINTER(reclite_request), c_size_t, POINTER(c_int64),
                                           c_size_t, POINTER(c_int64), POINTER(c_float), POINTER(c_size_t)]),
    "reclite_score_batch": (reclite_status, [Session_p, POINTER(reclite_request), c_size_t, POINTER(c_int64),
                                             c_size_t, POINTER(c_float)]),
    "reclite_model_slot_create": (reclite_status, [Model_p, POINTER(Slot_p)]),
    "reclite_model_slot_close": (None, [Slot_p]),
    "reclite_model_slot_publish": (reclite_status, [Slot_p, Model_p]),
    "reclite_model_slot_get": (reclite_status, [Slot_p, POINTER(Model_p)]),
    "reclite_session_create_from_slot": (reclite_status, [Slot_p, c_void_p, c_size_t, POINTER(Session_p)]),
    "reclite_session_refresh": (reclite_status, [Session_p]),
    "reclite_session_model": (Model_p, [Session_p]),
}

# The per-request calls again, every pointer as c_void_p: a session passes plain addresses
# (ints) to these, which ctypes converts several times faster than pointer objects. Small
# requests are where a lean runtime should win, so the binding's own cost matters there.
HOT_PATH = ("reclite_score", "reclite_recommend")


def hot(name: str) -> ctypes._CFuncPtr:
    """A second, address-taking function object for `name` (one of HOT_PATH)."""
    restype, argtypes = SIGNATURES[name]
    function = lib()[name]  # indexing returns a new function object; attribute access would share one
    function.restype = restype
    function.argtypes = [c_void_p if issubclass(kind, ctypes._Pointer) else kind for kind in argtypes]
    return function


# ---- Loading ----------------------------------------------------------------------

_lock = threading.Lock()
_library: Optional[ctypes.CDLL] = None
_library_location = ""


def _bind(library: ctypes.CDLL, location: str) -> None:
    """Declares every signature on `library`; refuses a library that lacks one or has another ABI."""
    for name, (restype, argtypes) in SIGNATURES.items():
        try:
            function = getattr(library, name)
        except AttributeError:
            raise LibraryLoadError(
                f"{location} has no {name}: it is older than this package, which needs "
                f"ABI {RECLITE_ABI_VERSION} with every function of its reclite.h"
            ) from None
        function.restype = restype
        function.argtypes = argtypes
    abi = library.reclite_abi_version()
    if abi != RECLITE_ABI_VERSION:
        raise LibraryLoadError(
            f"{location} has ABI version {abi}; this package speaks ABI {RECLITE_ABI_VERSION}: "
            f"install the reclite package matching the library ({library.reclite_version().decode()})"
        )


def lib() -> ctypes.CDLL:
    """The loaded, declared library (loaded on first use; LibraryLoadError when it cannot be)."""
    global _library, _library_location
    if _library is None:
        with _lock:
            if _library is None:
                library, location = _loader.load()
                _bind(library, location)
                _library_location = location
                _library = library
    return _library


def location() -> str:
    """Where the library was loaded from (a path, or the name dlopen resolved)."""
    lib()
    return _library_location


def last_error() -> str:
    """The calling thread's last failure message."""
    return lib().reclite_last_error().decode("utf-8", "replace")
