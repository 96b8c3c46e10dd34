"""numpy conversions at the boundary: ids in as C-contiguous int64, scores out as float32.

An int64 C-contiguous 1-D array passes through untouched (no copy). Anything
else that is unambiguously a list of integer ids (other integer dtypes,
non-contiguous or byte-swapped int64, lists, tuples, ranges) is converted
once. Floats, booleans, strings, objects, None and arrays that are not 1-D are
refused with an InvalidArgumentError that says what was given.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ._errors import InvalidArgumentError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_INT64 = np.dtype(np.int64)

_KIND_NAMES = {"f": "floating-point", "c": "complex", "b": "boolean", "O": "object",
               "U": "string", "S": "bytes", "M": "datetime", "m": "timedelta", "V": "structured"}


def _integer(value: Any, what: str, expected: str) -> int:
    """A Python int from anything with __index__ (int, numpy integers), never from bool, float or None."""
    if value is None or isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(f"{what} must be {expected}, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise InvalidArgumentError(f"{what} must be {expected}, got {type(value).__name__} {value!r}") from None


def as_id(value: Any, what: str) -> int:
    """One integer id (user, item, context value) as a Python int within int64."""
    number = _integer(value, what, "an integer id")
    if not INT64_MIN <= number <= INT64_MAX:
        raise InvalidArgumentError(f"{what} {number} is outside the int64 range of ids")
    return number


def as_ids(value: Any, what: str) -> np.ndarray:
    """A 1-D C-contiguous int64 array of ids: `value` itself when it already is one."""
    if type(value) is np.ndarray and value.dtype is _INT64 and value.ndim == 1 and value.flags.c_contiguous:
        return value  # the common case, checked first: small requests feel every microsecond
    if value is None:
        raise InvalidArgumentError(f"{what}: expected a 1-D array or sequence of integer ids, got None")
    if isinstance(value, (str, bytes, bytearray, dict, set, frozenset)):
        raise InvalidArgumentError(
            f"{what}: expected a 1-D array or sequence of integer ids, got {type(value).__name__}")
    array = value
    if not isinstance(value, np.ndarray):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError, OverflowError) as error:
            raise InvalidArgumentError(f"{what}: cannot read as an array of integer ids ({error})") from None
    if array.ndim != 1:
        shape = "a scalar" if array.ndim == 0 else f"a {array.ndim}-D array of shape {array.shape}"
        raise InvalidArgumentError(f"{what}: expected a 1-D array of integer ids, got {shape}")
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    kind = array.dtype.kind
    if kind == "i":
        if array.dtype == np.int64 and array.flags.c_contiguous:
            return array
        return np.ascontiguousarray(array, dtype=np.int64)
    if kind == "u":
        if array.dtype.itemsize == 8 and int(array.max()) > INT64_MAX:
            raise InvalidArgumentError(f"{what}: id {int(array.max())} is outside the int64 range of ids")
        return np.ascontiguousarray(array, dtype=np.int64)
    if kind == "O" and not isinstance(value, np.ndarray):
        raise InvalidArgumentError(
            f"{what}: expected integer ids, got values numpy cannot hold as int64 "
            f"(None, mixed types, or integers beyond int64?)")
    described = _KIND_NAMES.get(kind, str(array.dtype))
    raise InvalidArgumentError(
        f"{what}: expected integer ids, got a {described} array (dtype {array.dtype}); "
        f"convert whole-number values explicitly, e.g. .astype(np.int64)")


def check_output(out: Any, length: int, what: str) -> np.ndarray:
    """A caller's output array: float32, 1-D, C-contiguous, writable, `length` long (never converted)."""
    if not isinstance(out, np.ndarray):
        raise InvalidArgumentError(f"{what}: expected a numpy float32 array, got {type(out).__name__}")
    problems = []
    if out.dtype != np.float32:
        problems.append(f"dtype {out.dtype} (need float32)")
    if out.shape != (length,):
        problems.append(f"shape {out.shape} (need ({length},))")
    if not out.flags.c_contiguous:
        problems.append("not C-contiguous")
    if not out.flags.writeable:
        problems.append("read-only")
    if problems:
        raise InvalidArgumentError(f"{what}: cannot write scores into it: " + ", ".join(problems))
    return out


def as_nonnegative(value: Any, what: str) -> int:
    """A count such as k as a Python int ≥ 0 (whether 0 is allowed is the library's call)."""
    number = _integer(value, what, "a positive integer")
    if number < 0:
        raise InvalidArgumentError(f"{what} must be a positive integer, got {number}")
    return number
