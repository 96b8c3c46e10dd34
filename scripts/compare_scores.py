#!/usr/bin/env python3
"""Compares two score dumps (Tests/C/score_dump.c) of one model on two architectures.

usage: compare_scores.py REFERENCE OTHER [--tolerance T]
       compare_scores.py --self-test

Integer results must be bit-exact: the catalog, every top-K list (ids, in
order) and its length. Float scores may differ by at most T (default 1e-5)
relative to max(1, |reference|): the runtime has no fused multiply-add and
sums in a fixed order, so the same binary code gives the same bits on x86-64,
aarch64 and armv7; T covers what could still differ: libm's expf (used by σ
inside a graph) is a different implementation per architecture, and a compiler
may contract a·b + c into one FMA on a target that has it. The report says how
many scores were bit-identical and the largest difference in units in the
last place.
"""
import struct
import sys
from array import array


def read_dump(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RLSD":
        raise SystemExit(f"{path}: not a score dump")
    n, records, k = struct.unpack_from("=3I", data, 4)
    offset = 16
    catalog = array("q", data[offset:offset + 8 * n])
    offset += 8 * n
    rows = []
    for _ in range(records):
        user, flags, count, scored, _ = struct.unpack_from("=qIIII", data, offset)
        offset += 24
        ids = array("q", data[offset:offset + 8 * k])
        offset += 8 * k
        top = array("f", data[offset:offset + 4 * k])
        offset += 4 * k
        scores = array("f", data[offset:offset + 4 * n] if scored else b"")
        offset += 4 * n if scored else 0
        rows.append((user, flags, count, ids, top, scores))
    if offset != len(data):
        raise SystemExit(f"{path}: {len(data) - offset} trailing bytes")
    return catalog, rows


def ordered_bits(value):
    """Float32 bits mapped to integers whose difference counts ULPs."""
    bits = struct.unpack("=i", struct.pack("=f", value))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFF)


def compare(reference, other, tolerance):
    """Returns (problems, scores compared, bit-identical, max ULP, max relative difference)."""
    catalog_a, rows_a = reference
    catalog_b, rows_b = other
    problems = []
    if catalog_a != catalog_b:
        problems.append("catalogs differ")
    if len(rows_a) != len(rows_b):
        problems.append(f"{len(rows_a)} records vs {len(rows_b)}")
    compared = identical = max_ulp = 0
    max_relative = 0.0
    for a, b in zip(rows_a, rows_b):
        label = f"user {a[0]}{' (no fallback)' if a[1] else ''}"
        if a[:3] != b[:3] or len(a[5]) != len(b[5]):
            problems.append(f"{label}: record header {a[:3]} vs {b[:3]}")
            continue
        if a[3] != b[3]:
            problems.append(f"{label}: top-{len(a[3])} ids {list(a[3][:a[2]])} vs {list(b[3][:b[2]])}")
        for x, y in zip(list(a[4][:a[2]]) + list(a[5]), list(b[4][:b[2]]) + list(b[5])):
            compared += 1
            if struct.pack("=f", x) == struct.pack("=f", y):
                identical += 1
                continue
            relative = abs(x - y) / max(1.0, abs(x))
            max_relative = max(max_relative, relative)
            max_ulp = max(max_ulp, abs(ordered_bits(x) - ordered_bits(y)))
            if not relative <= tolerance:
                problems.append(f"{label}: score {x!r} vs {y!r} (relative difference {relative:.3g} > {tolerance:g})")
    return problems, compared, identical, max_ulp, max_relative


def self_test():
    catalog = array("q", [1, 2])
    row = (1, 0, 2, array("q", [2, 1] + [0] * 8), array("f", [0.5, 0.25] + [0] * 8), array("f", [0.25, 0.5]))
    same = compare((catalog, [row]), (catalog, [row]), 1e-5)
    nudged = (1, 0, 2, row[3], row[4], array("f", [0.25, 0.50000006]))
    close = compare((catalog, [row]), (catalog, [nudged]), 1e-5)
    swapped = (1, 0, 2, array("q", [1, 2] + [0] * 8), row[4], row[5])
    wrong = compare((catalog, [row]), (catalog, [swapped]), 1e-5)
    far = compare((catalog, [row]), (catalog, [(1, 0, 2, row[3], row[4], array("f", [0.25, 0.6]))]), 1e-5)
    checks = [
        same[0] == [] and same[2] == 4,
        close[0] == [] and close[3] == 1 and close[2] == 3,
        len(wrong[0]) == 1 and "top-10 ids" in wrong[0][0],
        len(far[0]) == 1 and "relative difference" in far[0][0],
        ordered_bits(-0.0) == 0 and ordered_bits(0.0) == 0,
    ]
    failed = checks.count(False)
    print(f"compare_scores self-test: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    tolerance = 1e-5
    if len(argv) == 4 and argv[2] == "--tolerance":
        tolerance = float(argv[3])
        argv = argv[:2]
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    reference = read_dump(argv[0])
    problems, compared, identical, max_ulp, max_relative = compare(reference, read_dump(argv[1]), tolerance)
    users = len(reference[1])
    print(f"{argv[1]}: {users} users, top-10 lists {'identical' if not any('ids' in p for p in problems) else 'DIFFER'}; "
          f"{identical:,} of {compared:,} scores bit-identical, largest difference {max_ulp} ULP "
          f"(relative {max_relative:.2g}, tolerance {tolerance:g})")
    for problem in problems[:20]:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
