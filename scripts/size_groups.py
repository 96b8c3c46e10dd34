#!/usr/bin/env python3
"""Groups the symbols of libreclite.so by module and prints the size table.

Called by scripts/size-report.sh with a work directory holding, per triple,
<triple>.syms (nm -S: size type name), <triple>.names (the same names
demangled), <triple>.sections (size -A) and <triple>.files (unstripped and
stripped file sizes). Prints one column per triple.

usage: size_groups.py WORK_DIR TRIPLE...
       size_groups.py --self-test
"""
import re
import sys
from pathlib import Path

# Module of each runtime type (Sources/RecLiteRuntime); the first group that
# names a symbol's subject wins.
GROUPS = [
    ("loader: checks and memory plan", [
        "ModelLoader", "Model", "ModelGraph", "MemoryPlanner", "PlanRequest", "PlanCheck", "StringRef",
        "ElementType", "QuantizationKind", "RowWiseLayout", "CatalogInfo", "TensorInfo", "OpInfo", "OpCode",
        "Activation", "BagMode", "FeatureKind", "FeatureInfo", "Stage", "ScoreKind", "Quantization",
        "memoryEqual", "Version"]),
    ("kernels and executor", [
        "ReferenceKernels", "OptimizedKernels", "Executor", "MatrixView", "WeightView", "TableView", "RowWise",
        "Half", "Math", "Float32Weights", "Int8Weights", "WeightRow"]),
    ("top-K", ["TopKHeap"]),
    ("session: requests, exclusions, fallback", ["Session", "Request", "ContextValue"]),
    ("error messages", ["Message", "RecLiteError", "Status"]),
]
SHIM = "verifier shim (C++: FlatBuffers, CRC, mmap)"
CAPI = "C API (RecLiteC)"
STDLIB = "Swift stdlib generics (arrays, sort)"
RUNTIME = "Swift embedded runtime (alloc, refcount)"
OUTLINED = "machine-outlined sequences (shared, all modules)"
LIBGCC = "compiler helpers (libgcc: 64-bit integers on 32-bit)"
CRT = "C runtime glue (crt, init)"
ANONYMOUS = "read-only data without a symbol (message texts, literals)"
ORDER = [g for g, _ in GROUPS] + [CAPI, SHIM, STDLIB, RUNTIME, OUTLINED, LIBGCC, CRT]

PREFIXES = re.compile(
    r"^(?:merged |function signature |generic |outlined |partial apply |reabstraction thunk |"
    r"specialized |closure #\d+ in |implicit closure #\d+ in |static |\(extension in [^)]*\):)")


def strip_brackets(text):
    """Drops a leading '<...>' (nested) and the ' of ' after it."""
    if not text.startswith("<"):
        return text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "<"
        depth -= ch == ">"
        if depth == 0:
            rest = text[i + 1:]
            return rest[4:] if rest.startswith(" of ") else rest
    return text


def subject(demangled):
    """The function a (possibly specialized or outlined) symbol belongs to."""
    text = demangled
    while True:
        match = PREFIXES.match(text)
        if match:
            text = text[match.end():]
        elif text.startswith("specialization "):
            text = strip_brackets(text[len("specialization "):])
        elif text.startswith("<"):
            text = strip_brackets(text)
        elif text.startswith(("init with copy of ", "destroy of ", "copy of ", "retain of ", "release of ",
                              "enum tag store of ", "assign with take of ", "init with take of ")):
            text = text.split(" of ", 1)[1]
        else:
            return text


def group(raw, demangled):
    if raw.startswith("reclite_"):
        return CAPI
    if raw.startswith(("_Z", "rlf_")) or "reclite2fb" in raw or "flatbuffers" in raw:
        return SHIM
    if raw.startswith("swift_") or raw.startswith("_swift_") or demangled.startswith("Swift.swift_"):
        return RUNTIME
    if raw.startswith("OUTLINED_FUNCTION_"):
        return OUTLINED
    if re.match(r"__(aeabi_|udiv|div|mod|umod|float|fix|add|sub|mul|neg|cmp|gnu_)", raw):
        return LIBGCC
    name = subject(demangled)
    if name.startswith("RecLiteC."):
        return CAPI
    if name.startswith("RecLiteRuntime."):
        owner = re.split(r"[.(<]", name[len("RecLiteRuntime."):], maxsplit=1)[0]
        for title, types in GROUPS:
            if owner in types:
                return title
        return "loader: checks and memory plan"  # free functions and globals of the loader files
    if name.startswith(("Swift.", "__C.")) or raw.startswith("$e"):
        return STDLIB
    return CRT


def read_column(work, triple):
    sizes = dict.fromkeys(ORDER + [ANONYMOUS], 0)
    syms = (work / f"{triple}.syms").read_text().splitlines()
    names = (work / f"{triple}.names").read_text().splitlines()
    named_rodata = 0
    for line, demangled in zip(syms, names):
        size, kind, raw = line.split(" ", 2)
        if kind.lower() != "b":  # .bss takes no bytes in the file
            sizes[group(raw, demangled)] += int(size, 16)
        if kind.lower() == "r":
            named_rodata += int(size, 16)
    sections = {}
    for line in (work / f"{triple}.sections").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    sizes[ANONYMOUS] = max(0, sections.get(".rodata", 0) - named_rodata)
    _, unstripped, stripped = (work / f"{triple}.files").read_text().split()
    return sizes, sections, int(unstripped), int(stripped)


def table(work, triples):
    columns = [read_column(work, t) for t in triples]
    width = max(len(name) for name in ORDER + [ANONYMOUS]) + 4
    head = "".join(f"{t:>22}" for t in triples)
    print(f"{'libreclite.so':<{width}}{head}")
    def row(label, values):
        print(f"{label:<{width}}" + "".join(f"{v:>22,}" for v in values))
    row("file, unstripped", [c[2] for c in columns])
    row("file, stripped", [c[3] for c in columns])
    for section in (".text", ".rodata", ".data", ".bss"):
        row(f"  section {section}", [c[1].get(section, 0) for c in columns])
    print(f"{'bytes by module (stripped file)':<{width}}")
    for name in ORDER + [ANONYMOUS]:
        row(f"  {name}", [c[0][name] for c in columns])
    row("  ELF overhead (tables, PLT/GOT, unwind, padding)", [c[3] - sum(c[0].values()) for c in columns])


def self_test():
    cases = {
        ("x", "RecLiteRuntime.ModelLoader.readOps() throws(RecLiteRuntime.RecLiteError) -> ()"): "loader: checks and memory plan",
        ("x", "static RecLiteRuntime.OptimizedKernels.relu(_: Swift.UnsafeMutablePointer<Swift.Float>, count: Swift.Int) -> ()"): "kernels and executor",
        ("x", "generic specialization <RecLiteRuntime.Int8Weights> of static RecLiteRuntime.OptimizedKernels.denseTiled<A>(_: A.Type) -> ()"): "kernels and executor",
        ("x", "generic specialization <Swift.Int> of Swift._ContiguousArrayBuffer._consumeAndCreateNew() -> ()"): STDLIB,
        ("x", "closure #1 in RecLiteRuntime.Session.recommend() -> ()"): "session: requests, exclusions, fallback",
        ("x", "outlined init with copy of RecLiteRuntime.ModelGraph"): "loader: checks and memory plan",
        ("x", "RecLiteC.convert(Swift.UnsafePointer<__C.reclite_request>?) -> RecLiteRuntime.Request"): CAPI,
        ("reclite_score", "reclite_score"): CAPI,
        ("_ZNK7reclite2fb2Op6VerifyERN11flatbuffers8VerifierE", "_ZNK7reclite2fb2Op6VerifyERN11flatbuffers8VerifierE"): SHIM,
        ("rlf_verify", "rlf_verify"): SHIM,
        ("swift_release", "swift_release"): RUNTIME,
        ("completed.0", "completed.0"): CRT,
        ("OUTLINED_FUNCTION_12", "OUTLINED_FUNCTION_12"): OUTLINED,
        ("__aeabi_l2f", "__aeabi_l2f"): LIBGCC,
        ("__udivmoddi4", "__udivmoddi4"): LIBGCC,
        ("x", "RecLiteRuntime.TopKHeap.sortDescending() -> ()"): "top-K",
        ("x", "RecLiteRuntime.Message.append(Swift.StaticString) -> ()"): "error messages",
    }
    failed = 0
    for (raw, demangled), expected in cases.items():
        got = group(raw, demangled)
        if got != expected:
            print(f"size_groups self-test: {demangled!r} -> {got!r}, expected {expected!r}")
            failed += 1
    print(f"size_groups self-test: {len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    table(Path(sys.argv[1]), sys.argv[2:])
