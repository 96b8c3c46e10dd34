#!/usr/bin/env python3
"""Generates the Swift mirrors of schema/reclite.fbs and include/reclite.h.

Usage: scripts/gen-swift.py [OUTPUT_ROOT]   (default: the repository)

Writes, below OUTPUT_ROOT:
  Sources/RecLiteRuntime/Generated/FormatEnums.swift   the schema's enums (raw values, names)
                                                       and its file identifier
  Sources/RecLiteRuntime/Generated/APIEnums.swift      reclite_status, reclite_score_kind and
                                                       RECLITE_FORMAT_VERSION of the C header
  Sources/RecLiteWriter/Generated/FieldSlots.swift     one FlatBuffers field slot per table field

flatc's Swift output would need the FlatBuffers Swift library (not available
here, and not Embedded-clean), so this small generator covers what the Swift
side mirrors. The output is committed; `make check-generated` regenerates it
into a temporary directory and fails when the committed files differ.
Python 3 standard library only.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = "schema/reclite.fbs"
HEADER = "include/reclite.h"

# Schema enum -> (Swift type, how `name` spells a value in messages).
#   lower: FLOAT32 -> "float32"; kebab: PER_TENSOR -> "per-tensor"; schema: as written.
SCHEMA_ENUMS = {
    "DType": ("ElementType", "lower"),
    "QuantKind": ("QuantizationKind", "kebab"),
    "OpCode": ("OpCode", "schema"),
    "Activation": ("Activation", "lower"),
    "BagMode": ("BagMode", "lower"),
    "FeatureKind": ("FeatureKind", "lower"),
}

# C enum -> (Swift type, raw type, enumerator prefixes to strip, name style, case renames).
#   c: the enumerator itself ("RECLITE_E_BAD_MODEL", what reclite_status_name returns).
HEADER_ENUMS = {
    "reclite_status": ("Status", "Int32", ["RECLITE_E_", "RECLITE_"], "c", {"RECLITE_E_INTERNAL": "internalError"}),
    "reclite_score_kind": ("ScoreKind", "UInt32", ["RECLITE_SCORE_"], "lower", {}),
}

# C enums whose values the C API passes through from a schema enum: they must agree.
SAME_VALUES = {"reclite_feature_kind": ("FeatureKind", "RECLITE_FEATURE_")}

SWIFT_INTEGER = {
    "byte": "Int8", "int8": "Int8", "ubyte": "UInt8", "uint8": "UInt8",
    "short": "Int16", "int16": "Int16", "ushort": "UInt16", "uint16": "UInt16",
    "int": "Int32", "int32": "Int32", "uint": "UInt32", "uint32": "UInt32",
    "long": "Int64", "int64": "Int64", "ulong": "UInt64", "uint64": "UInt64",
}


class GenerationError(Exception):
    pass


# ---- Schema ---------------------------------------------------------------

def tokenize_schema(text):
    """Tokens of a .fbs file: ('doc', text), ('string', text), ('word', text), ('punct', char)."""
    tokens = []
    pattern = re.compile(
        r'(?P<doc>///[^\n]*)|(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<string>"[^"]*")'
        r'|(?P<word>-?[A-Za-z0-9_.+]+)|(?P<punct>[{}()\[\]:;=,])|(?P<space>\s+)|(?P<other>.)',
        re.S)
    for match in pattern.finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind == "doc":
            tokens.append(("doc", value[3:].strip()))
        elif kind == "string":
            tokens.append(("string", value[1:-1]))
        elif kind in ("word", "punct"):
            tokens.append((kind, value))
        elif kind == "other":
            raise GenerationError(f"{SCHEMA}: unexpected character {value!r}")
    return tokens


class SchemaParser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.at = 0
        self.enums = {}    # name -> dict(type, doc, values=[(name, value, doc)])
        self.tables = {}   # name -> dict(doc, fields=[(name, type, declaration, doc)]), declaration order
        self.structs = {}
        self.identifier = None

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self, expected=None):
        token = self.peek()
        if token[0] == "end":
            raise GenerationError(f"{SCHEMA}: unexpected end of file")
        if expected is not None and token[1] != expected:
            raise GenerationError(f"{SCHEMA}: expected {expected!r}, found {token[1]!r}")
        self.at += 1
        return token[1]

    def docs(self):
        lines = []
        while self.peek()[0] == "doc":
            lines.append(self.take())
        return lines

    def parse(self):
        while self.peek()[0] != "end":
            doc = self.docs()
            if self.peek()[0] == "end":
                break
            keyword = self.take()
            if keyword == "namespace":
                self.take()
                self.take(";")
            elif keyword in ("file_identifier", "file_extension", "root_type"):
                value = self.take()
                self.take(";")
                if keyword == "file_identifier":
                    self.identifier = value
            elif keyword == "enum":
                self.parse_enum(doc)
            elif keyword in ("table", "struct"):
                self.parse_table(doc, keyword)
            else:
                raise GenerationError(f"{SCHEMA}: `{keyword}` is not supported by scripts/gen-swift.py")

    def parse_enum(self, doc):
        name = self.take()
        self.take(":")
        underlying = self.take()
        if underlying not in SWIFT_INTEGER:
            raise GenerationError(f"{SCHEMA}: enum {name}: unknown underlying type {underlying}")
        self.take("{")
        values = []
        following = 0
        while True:
            value_doc = self.docs()
            if self.peek()[1] == "}":
                break
            value_name = self.take()
            value = following
            if self.peek()[1] == "=":
                self.take("=")
                value = int(self.take(), 0)
            values.append((value_name, value, value_doc))
            following = value + 1
            if self.peek()[1] == ",":
                self.take(",")
        self.take("}")
        self.enums[name] = {"type": underlying, "doc": doc, "values": values}

    def parse_table(self, doc, keyword):
        name = self.take()
        if self.peek()[1] == "(":
            raise GenerationError(f"{SCHEMA}: {keyword} {name}: attributes are not supported")
        self.take("{")
        fields = []
        while True:
            field_doc = self.docs()
            if self.peek()[1] == "}":
                break
            field_name = self.take()
            self.take(":")
            if self.peek()[1] == "[":
                self.take("[")
                field_type = "[" + self.take() + "]"
                self.take("]")
            else:
                field_type = self.take()
            default = None
            if self.peek()[1] == "=":
                self.take("=")
                default = self.take()
            attributes = []
            if self.peek()[1] == "(":
                self.take("(")
                while self.peek()[1] != ")":
                    attribute = self.take()
                    attributes.append(attribute)
                    if attribute in ("id", "deprecated"):
                        # Slots would no longer follow declaration order.
                        raise GenerationError(
                            f"{SCHEMA}: {name}.{field_name}: attribute `{attribute}` is not supported")
                    if self.peek()[1] == ":":
                        self.take(":")
                        self.take()
                    if self.peek()[1] == ",":
                        self.take(",")
                self.take(")")
            self.take(";")
            spelled = f"{field_name}: {field_type}" + (f" = {default}" if default is not None else "")
            spelled += f" ({', '.join(attributes)})" if attributes else ""
            fields.append((field_name, field_type, spelled, field_doc))
        self.take("}")
        (self.tables if keyword == "table" else self.structs)[name] = {"doc": doc, "fields": fields}


def check_field_types(parser):
    for table, info in parser.tables.items():
        for field, field_type, _, _ in info["fields"]:
            base = field_type.strip("[]")
            known = base in SWIFT_INTEGER or base in ("bool", "float", "double", "string")
            known = known or base in parser.enums or base in parser.tables or base in parser.structs
            if not known:
                raise GenerationError(f"{SCHEMA}: {table}.{field}: unknown type {base} (unions are not supported)")


# ---- Header ---------------------------------------------------------------

def parse_header(text):
    """typedef enums of the header -> [(name, value, doc lines)], and #define integer constants."""
    enums = {}
    for match in re.finditer(r"typedef\s+enum\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", text, re.S):
        name, body, alias = match.group(1), match.group(2), match.group(3)
        if name != alias:
            raise GenerationError(f"{HEADER}: typedef enum {name} is named {alias}")
        values = []
        doc = []
        following = 0
        pieces = re.finditer(r"(?P<doc>/\*\*.*?\*/)|(?P<comment>/\*.*?\*/|//[^\n]*)|(?P<value>\w+\s*(=\s*-?\w+)?)",
                             body, re.S)
        for piece in pieces:
            if piece.group("doc"):
                doc = c_doc_lines(piece.group("doc"))
            elif piece.group("value"):
                parts = [p.strip() for p in piece.group("value").split("=")]
                value = int(parts[1], 0) if len(parts) == 2 else following
                values.append((parts[0], value, doc))
                following = value + 1
                doc = []
        enums[name] = values
    defines = {m.group(1): int(m.group(2)) for m in re.finditer(r"^#define\s+(RECLITE_\w+)\s+(\d+)\s*$", text, re.M)}
    return enums, defines


def c_doc_lines(comment):
    body = comment[3:-2]
    lines = []
    for line in body.split("\n"):
        line = line.strip()
        if line.startswith("*"):
            line = line[1:].strip()
        lines.append(line)
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


# ---- Swift output ---------------------------------------------------------

SWIFT_KEYWORDS = {"internal", "default", "case", "enum", "extension", "import", "init", "operator",
                  "protocol", "public", "private", "repeat", "return", "self", "static", "struct",
                  "subscript", "switch", "var", "let", "func", "class", "in", "is", "as", "true", "false"}


def camel(words):
    parts = [p for p in words.lower().split("_") if p]
    return parts[0] + "".join(p[0].upper() + p[1:] for p in parts[1:])


def swift_identifier(name, context):
    if name in SWIFT_KEYWORDS:
        raise GenerationError(f"{context}: `{name}` is a Swift keyword; add a rename in scripts/gen-swift.py")
    return name


def display_name(value_name, style):
    if style == "lower":
        return value_name.lower()
    if style == "kebab":
        return value_name.lower().replace("_", "-")
    return value_name


def doc_block(lines, indent):
    return "".join(f"{indent}///{' ' + line if line else ''}\n" for line in lines)


def swift_enum(swift_name, raw_type, values, doc, origin, style_names):
    """values: [(case name, raw value, display name, doc lines)]"""
    out = doc_block(doc + ([""] if doc else []) + [origin], "")
    out += f"public enum {swift_name}: {raw_type}, CaseIterable, Sendable {{\n"
    for case, value, _, case_doc in values:
        out += doc_block(case_doc, "  ")
        out += f"  case {case} = {value}\n"
    out += "\n"
    out += f"  /// {style_names}\n"
    out += "  public var name: StaticString {\n    switch self {\n"
    for case, _, name, _ in values:
        out += f'    case .{case}: return "{name}"\n'
    out += "    }\n  }\n}\n"
    return out


def banner(source):
    return (f"// Generated by scripts/gen-swift.py from {source}. Do not edit: change the source and run\n"
            "// scripts/gen-swift.py (`make check-generated` fails when this file is stale).\n")


NAME_STYLES = {
    "lower": "The value's name in messages, lowercase (\"{example}\").",
    "kebab": "The value's name in messages, lowercase with dashes (\"{example}\").",
    "schema": "The value's name in messages, as the schema spells it (\"{example}\").",
    "c": "The C enumerator's name, as `reclite_status_name` returns it (\"{example}\").",
}


def format_enums(parser):
    out = banner(SCHEMA) + "//\n// The schema's enums, with the raw values the file stores.\n\n"
    if parser.identifier is None or len(parser.identifier) != 4:
        raise GenerationError(f"{SCHEMA}: a 4-character file_identifier is required")
    out += "/// The schema's `file_identifier`: bytes 4..<8 of every .rlm file.\n"
    out += "public enum FileFormat {\n"
    out += f'  public static let identifier: StaticString = "{parser.identifier}"\n'
    out += "}\n"
    missing = set(SCHEMA_ENUMS) - set(parser.enums)
    if missing:
        raise GenerationError(f"{SCHEMA}: enums {sorted(missing)} are gone; update SCHEMA_ENUMS")
    unmapped = set(parser.enums) - set(SCHEMA_ENUMS)
    if unmapped:
        raise GenerationError(f"{SCHEMA}: enums {sorted(unmapped)} have no Swift name; add them to SCHEMA_ENUMS")
    for schema_name, (swift_name, style) in SCHEMA_ENUMS.items():
        enum = parser.enums[schema_name]
        values = [(swift_identifier(camel(v), f"{schema_name}.{v}"), value, display_name(v, style), doc)
                  for v, value, doc in enum["values"]]
        example = values[-1][2]
        out += "\n" + swift_enum(
            swift_name, SWIFT_INTEGER[enum["type"]], values, enum["doc"], f"`reclite.fb.{schema_name}` of {SCHEMA}.",
            NAME_STYLES[style].format(example=example))
    return out


def api_enums(header_enums, defines, parser):
    out = banner(HEADER) + "//\n// Enums and constants of the C API that the runtime uses, with the header's values.\n"
    for c_name, (swift_name, raw_type, prefixes, style, renames) in HEADER_ENUMS.items():
        if c_name not in header_enums:
            raise GenerationError(f"{HEADER}: typedef enum {c_name} is gone; update HEADER_ENUMS")
        values = []
        for enumerator, value, doc in header_enums[c_name]:
            stripped = next((enumerator[len(p):] for p in prefixes if enumerator.startswith(p)), None)
            if stripped is None:
                raise GenerationError(f"{HEADER}: {enumerator} does not start with {prefixes}")
            case = renames.get(enumerator) or swift_identifier(camel(stripped), f"{c_name}.{enumerator}")
            name = enumerator if style == "c" else display_name(stripped, style)
            values.append((case, value, name, doc))
        out += "\n" + swift_enum(
            swift_name, raw_type, values, [], f"`{c_name}` of {HEADER} (same raw values).",
            NAME_STYLES[style].format(example=values[-1][2]))
    for c_name, (schema_name, prefix) in SAME_VALUES.items():
        c_values = [(e[len(prefix):] if e.startswith(prefix) else e, v) for e, v, _ in header_enums.get(c_name, [])]
        schema_values = [(v, value) for v, value, _ in parser.enums[schema_name]["values"]]
        if c_values != schema_values:
            raise GenerationError(
                f"{HEADER}: {c_name} {c_values} differs from {SCHEMA} {schema_name} {schema_values}; "
                "the C API passes the schema's values through")
    if "RECLITE_FORMAT_VERSION" not in defines:
        raise GenerationError(f"{HEADER}: #define RECLITE_FORMAT_VERSION is gone")
    out += "\n/// Integer constants of the header.\n"
    out += "public enum HeaderConstants {\n"
    out += "  /// `RECLITE_FORMAT_VERSION`: the newest .rlm format version this library reads.\n"
    out += f"  public static let formatVersion = {defines['RECLITE_FORMAT_VERSION']}\n"
    out += "}\n"
    return out


def field_slots(parser):
    out = banner(SCHEMA) + "//\n"
    out += "// FlatBuffers field slots (vtable indices): a table field's slot is its position in\n"
    out += "// the table's declaration, so appending a field to the schema adds the next slot.\n\n"
    out += "/// One namespace per table of the schema, one slot per field.\n"
    out += "enum FieldSlot {\n"
    first = True
    for table, info in parser.tables.items():
        if not first:
            out += "\n"
        first = False
        out += f"  /// `reclite.fb.{table}`.\n"
        out += f"  enum {table} {{\n"
        for slot, (field, _, spelled, _) in enumerate(info["fields"]):
            out += f"    /// {spelled}\n"
            out += f"    static let {swift_identifier(camel(field), f'{table}.{field}')} = {slot}\n"
        out += "  }\n"
    out += "}\n"
    return out


def generate(output_root):
    with open(os.path.join(ROOT, SCHEMA), encoding="utf-8") as f:
        parser = SchemaParser(tokenize_schema(f.read()))
    parser.parse()
    check_field_types(parser)
    with open(os.path.join(ROOT, HEADER), encoding="utf-8") as f:
        header_enums, defines = parse_header(f.read())
    files = {
        "Sources/RecLiteRuntime/Generated/FormatEnums.swift": format_enums(parser),
        "Sources/RecLiteRuntime/Generated/APIEnums.swift": api_enums(header_enums, defines, parser),
        "Sources/RecLiteWriter/Generated/FieldSlots.swift": field_slots(parser),
    }
    for path, text in files.items():
        target = os.path.join(output_root, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as f:
            f.write(text)


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1].startswith("-")):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        generate(sys.argv[1] if len(sys.argv) == 2 else ROOT)
    except GenerationError as error:
        print(f"gen-swift.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
