"""reclite/_capi.py against include/reclite.h: every function, struct field, enumerator and
version-1 size of the header has its declaration in Python, with the same types and layout.

The header is parsed here (names and C types); the numbers (sizes, offsets, enumerator
values) come from compiling a small C program against the header.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
from ctypes import POINTER, c_char_p, c_float, c_int, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from pathlib import Path
from typing import Dict, List, NamedTuple, Tuple

import pytest

import reclite
from reclite import _capi, _errors
from conftest import HEADER


class CType(NamedTuple):
    base: str
    stars: int


class Header(NamedTuple):
    functions: Dict[str, Tuple[CType, List[CType]]]
    structs: Dict[str, List[Tuple[str, CType]]]
    opaque: List[str]
    enumerators: Dict[str, str]
    size_macros: List[str]


def c_type(text: str) -> CType:
    """`const reclite_model *` → CType("reclite_model", 1)."""
    stars = text.count("*")
    words = [word for word in text.replace("*", " ").split() if word != "const"]
    return CType(" ".join(words), stars)


def split_declaration(text: str) -> Tuple[CType, str]:
    """`const char *name` → (CType("char", 1), "name")."""
    match = re.fullmatch(r"(.*?)(\w+)", text.strip(), re.S)
    assert match, f"cannot read declaration {text!r}"
    return c_type(match.group(1)), match.group(2)


def parse_header(text: str) -> Header:
    code = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    code = re.sub(r"//[^\n]*", " ", code)
    size_macros = re.findall(r"^\s*#\s*define\s+(RECLITE_\w+_SIZE_V1)\b", code, re.M)
    code = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", " ", code, flags=re.M)  # directives, with continuations
    code = code.replace('extern "C" {', " ")

    structs = {}
    for name, body, alias in re.findall(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", code, re.S):
        assert name == alias, f"struct {name} is typedef'd as {alias}"
        structs[name] = [split_declaration(field)[::-1] for field in body.split(";") if field.strip()]
    enumerators = {}
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", code, re.S):
        for entry in body.split(","):
            if entry.strip():
                enum_name, _, value = entry.partition("=")
                enumerators[enum_name.strip()] = value.strip()
    code = re.sub(r"typedef\s+(struct|enum)\s+\w+\s*\{.*?\}\s*\w+\s*;", " ", code, flags=re.S)
    code = re.sub(r"enum\s*\{.*?\}\s*;", " ", code, flags=re.S)

    opaque, functions = [], {}
    for statement in code.replace("}", " ").split(";"):
        statement = " ".join(statement.split())
        if not statement:
            continue
        typedef = re.fullmatch(r"typedef struct (\w+) (\w+)", statement)
        if typedef:
            opaque.append(typedef.group(1))
            continue
        function = re.fullmatch(r"(.+?)\s*\b(reclite_\w+)\s*\((.*)\)", statement)
        assert function, f"the header test cannot read this declaration: {statement!r}"
        returns, name, parameters = function.groups()
        arguments = [] if parameters.strip() == "void" else [split_declaration(p)[0] for p in parameters.split(",")]
        functions[name] = (c_type(returns), arguments)
    return Header(functions, structs, opaque, enumerators, size_macros)


@pytest.fixture(scope="module")
def header(header_text: str) -> Header:
    return parse_header(header_text)


SCALARS = {"void": None, "uint32_t": c_uint32, "uint64_t": c_uint64, "int64_t": c_int64, "size_t": c_size_t,
           "float": c_float, "reclite_status": c_int, "reclite_score_kind": c_int, "reclite_feature_kind": c_int}


def expected_ctypes(kind: CType):
    """The ctypes type that must mirror a C type."""
    if kind.base == "char" and kind.stars >= 1:
        result, stars = c_char_p, kind.stars - 1
    elif kind.base == "void" and kind.stars >= 1:
        result, stars = c_void_p, kind.stars - 1
    elif kind.base in _capi.STRUCTS:
        result, stars = _capi.STRUCTS[kind.base], kind.stars
    elif kind.base in _capi.OPAQUE:
        result, stars = _capi.OPAQUE[kind.base], kind.stars
    elif kind.base in SCALARS:
        result, stars = SCALARS[kind.base], kind.stars
    else:
        pytest.fail(f"no ctypes mirror for the C type {kind.base!r}: declare it in reclite/_capi.py "
                    f"and map it in test_header.py")
    for _ in range(stars):
        result = POINTER(result)
    return result


def test_the_parser_reads_the_header(header: Header) -> None:
    # A parser that found nothing would make every comparison below vacuous.
    assert {"reclite_model_open", "reclite_recommend", "reclite_score_batch"} <= set(header.functions)
    assert {"reclite_model_info", "reclite_request"} <= set(header.structs)
    assert header.opaque == ["reclite_model", "reclite_session", "reclite_model_slot"]
    assert header.enumerators["RECLITE_E_BAD_MODEL"] == "10"
    assert "RECLITE_REQUEST_SIZE_V1" in header.size_macros


def test_every_header_function_is_declared_and_nothing_else(header: Header) -> None:
    missing = sorted(set(header.functions) - set(_capi.SIGNATURES))
    extra = sorted(set(_capi.SIGNATURES) - set(header.functions))
    assert not missing, f"functions of reclite.h without a declaration in reclite/_capi.py: {missing}"
    assert not extra, f"declarations in reclite/_capi.py that reclite.h does not have: {extra}"


def test_every_declaration_has_the_header_types(header: Header) -> None:
    for name, (returns, arguments) in header.functions.items():
        restype, argtypes = _capi.SIGNATURES[name]
        assert restype is expected_ctypes(returns), f"{name} returns {returns}, declared {restype}"
        assert len(argtypes) == len(arguments), f"{name} takes {len(arguments)} arguments, declared {len(argtypes)}"
        for position, (declared, kind) in enumerate(zip(argtypes, arguments)):
            assert declared is expected_ctypes(kind), f"{name} argument {position} is {kind}, declared {declared}"


def test_the_loaded_library_uses_these_declarations() -> None:
    library = _capi.lib()
    for name, (restype, argtypes) in _capi.SIGNATURES.items():
        function = getattr(library, name)
        assert function.restype is restype and function.argtypes == argtypes, name


def test_every_struct_field_is_mirrored_in_order(header: Header) -> None:
    assert set(header.structs) == set(_capi.STRUCTS), "structs of reclite.h vs reclite/_capi.py STRUCTS"
    assert set(header.opaque) == set(_capi.OPAQUE)
    for name, fields in header.structs.items():
        mirrored = _capi.STRUCTS[name]._fields_
        assert [field for field, _ in mirrored] == [field for field, _ in fields], f"fields of {name}"
        for (field, kind), (_, declared) in zip(fields, mirrored):
            assert declared is expected_ctypes(kind), f"{name}.{field} is {kind}, declared {declared}"


def test_every_enumerator_and_size_macro_is_mirrored(header: Header) -> None:
    names = list(header.enumerators) + header.size_macros + ["RECLITE_ABI_VERSION"]
    missing = [name for name in names if not hasattr(_capi, name)]
    assert not missing, f"constants of reclite.h without a twin in reclite/_capi.py: {missing}"


def test_status_exceptions_cover_every_status(header: Header) -> None:
    statuses = {name: getattr(_capi, name) for name in header.enumerators if re.fullmatch(r"RECLITE_(OK|E_\w+)", name)}
    assert {f"RECLITE_{'' if s is _errors.Status.OK else 'E_'}{s.name}": int(s) for s in _errors.Status} == statuses
    library = _capi.lib()
    for name, value in statuses.items():
        assert library.reclite_status_name(value).decode() == name
        if value != _capi.RECLITE_OK:
            error = _errors.error_for(value, "message")
            assert error.status == value and error.status_name == name and type(error) is not reclite.Error


def compile_layout_probe(header: Header, tmp_path: Path) -> Dict[str, int]:
    """Sizes, offsets and constant values as the C compiler sees reclite.h."""
    compiler = shutil.which(os.environ.get("CC", "cc"))
    if compiler is None:
        pytest.skip("no C compiler to check the layout against")
    lines = []
    for name, fields in header.structs.items():
        lines.append(f'printf("sizeof {name} %zu\\n", sizeof({name}));')
        for field, _ in fields:
            lines.append(f'printf("offsetof {name}.{field} %zu\\n", offsetof({name}, {field}));')
    for name in list(header.enumerators) + header.size_macros + ["RECLITE_ABI_VERSION"]:
        lines.append(f'printf("value {name} %lld\\n", (long long)({name}));')
    source = tmp_path / "layout.c"
    source.write_text(f'#include <stddef.h>\n#include <stdio.h>\n#include "{HEADER.resolve()}"\nint main(void) {{\n'
                      + "\n".join(lines) + "\nreturn 0;\n}\n")
    program = tmp_path / "layout"
    build = subprocess.run([compiler, "-std=c11", "-Wall", "-Werror", str(source), "-o", str(program)],
                           capture_output=True, text=True)
    assert build.returncode == 0, f"the layout probe does not compile:\n{build.stderr}"
    output = subprocess.run([str(program)], check=True, capture_output=True, text=True).stdout
    return {key: int(value) for key, value in (line.rsplit(" ", 1) for line in output.splitlines())}


def test_layout_and_values_match_the_compiled_header(header: Header, tmp_path: Path) -> None:
    compiled = compile_layout_probe(header, tmp_path)
    checked = 0
    for name, fields in header.structs.items():
        struct = _capi.STRUCTS[name]
        assert ctypes.sizeof(struct) == compiled[f"sizeof {name}"], f"sizeof {name}"
        for field, _ in fields:
            assert getattr(struct, field).offset == compiled[f"offsetof {name}.{field}"], f"offsetof {name}.{field}"
            checked += 1
    for name in list(header.enumerators) + header.size_macros + ["RECLITE_ABI_VERSION"]:
        assert getattr(_capi, name) == compiled[f"value {name}"], name
        checked += 1
    assert checked >= 40


def test_version_one_sizes_are_below_the_full_structs() -> None:
    # What RECLITE_*_SIZE_V1 promises: a version-1 prefix the library still accepts.
    assert _capi.RECLITE_MODEL_INFO_SIZE_V1 < ctypes.sizeof(_capi.reclite_model_info)
    assert _capi.RECLITE_FEATURE_INFO_SIZE_V1 <= ctypes.sizeof(_capi.reclite_feature_info)
    assert _capi.RECLITE_REQUEST_SIZE_V1 <= ctypes.sizeof(_capi.reclite_request)
