#!/usr/bin/env python3
"""Is CSR faster than dense where the exporter chose it? Instruction counts, not timings.

    python3 bench/compress/csr_callgrind.py MODEL.rlm... [--reclite build/bin/reclite-release]
        [--bench build/bin/reclite-bench] [--requests 20]

For each pruned model (a sweep's student-d*-s80-*.rlm): the layers the exporter measured
(its compression.csr metadata), the same model with every measured layer the other way
(`reclite compress --csr none`, or `--csr LAYERS` where it kept them dense), and for both files
the instructions of a fixed workload of top-10 requests under callgrind (`reclite-bench --callgrind`:
recommend over the whole catalog with a seen-list, instructions counted between
CALLGRIND_START/STOP_INSTRUMENTATION), per request. Instruction counts do not depend on the load of
a shared machine; a kernel with fewer instructions can still be slower (memory, branches), which
`reclite bench`'s timings show when the machine is quiet."""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile


def inspect(reclite, path):
    return json.loads(subprocess.run([reclite, "inspect", "--json", path], check=True, capture_output=True, text=True).stdout)


def instructions(bench, path, requests):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=" + out, bench, path,
             "--callgrind", "--callgrind-requests", str(requests)],
            check=True, capture_output=True, text=True)
        with open(out) as f:
            for line in f:
                if line.startswith("totals:"):
                    return int(line.split()[1])
    raise RuntimeError("no totals in the callgrind output for " + path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--reclite", default="build/bin/reclite-release")
    parser.add_argument("--bench", default="build/bin/reclite-bench")
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    print("| model | layer | zeros | exporter chose (µs dense / CSR when measured) | instructions per request, dense | CSR | CSR / dense |")
    print("|---|---|---:|---|---:|---:|---:|")
    for path in args.models:
        info = inspect(args.reclite, path)
        recorded = info["metadata"].get("compression.csr")
        if not recorded:
            print("| %s | no layer measured (nothing with enough zeros per candidate) | | | | | |" % os.path.basename(path))
            continue
        measured = []
        for entry in recorded.split("; "):
            m = re.match(r"(\S+): (\d+)% zeros, (CSR|dense) \(recommend ([\d.]+) µs dense, ([\d.]+) µs CSR\)", entry)
            if not m:
                sys.exit("cannot read compression.csr entry: " + entry)
            measured.append(m.groups())
        chosen_csr = [layer for layer, _, choice, _, _ in measured if choice == "CSR"]
        with tempfile.TemporaryDirectory() as tmp:
            other = os.path.join(tmp, "other.rlm")
            flip = "none" if chosen_csr else ",".join(layer for layer, *_ in measured)
            subprocess.run([args.reclite, "compress", path, "--csr", flip, "--out", other], check=True, capture_output=True, text=True)
            counts = {"file": instructions(args.bench, path, args.requests), "other": instructions(args.bench, other, args.requests)}
        dense, csr = (counts["other"], counts["file"]) if chosen_csr else (counts["file"], counts["other"])
        for layer, zeros, choice, dense_us, csr_us in measured:
            print("| %s | %s | %s%% | %s (%s / %s) | {:,} | {:,} | %.3f |".format(
                dense // args.requests, csr // args.requests) % (
                os.path.basename(path), layer, zeros, choice, dense_us, csr_us, csr / dense))


if __name__ == "__main__":
    main()
