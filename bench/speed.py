#!/usr/bin/env python3
"""The speed benchmark: every figure of a model's serving speed, and ONNX Runtime beside it, in one table.

For each model (the .rlm files of a folder, default out/demo, or the paths given):
  1. C level: build/bin/reclite-bench (bench/speed/reclite_bench.c) through the released libreclite:
     open, score 1/100/1000/catalog candidates, recommend top-10 with a 150-item seen-list,
     p50/p99, heap allocations per call, peak RSS, and the multiply-add rate against the machine's
     measured single-core peak (the model's multiply-adds come from `reclite inspect --json`).
  2. Instructions: the same tool's fixed workload (20 recommendations) under
     `valgrind --tool=callgrind`, per request: stable on a noisy machine, comparable commit to commit.
  3. From Python, in this process: the model as an ONNX graph (bench/peers/onnx_export.py) in ONNX
     Runtime with one thread, checked against RecLite's scores, then both timed interleaved on the
     same requests (bench/peers/ort_peer.py).

usage: bench/speed.py [MODEL.rlm | DIR ...] [--save] [--check] [--quick]   (see --help; `make bench`)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "peers"))
import onnx_export  # noqa: E402

WORKLOADS = ("score_1", "score_100", "score_1000", "score_catalog", "recommend_top10")
PEER_WORKLOADS = ("score_1", "score_100", "score_1000", "recommend_top10", "recommend_top10_excluding")
# Largest |RecLite − ORT| accepted by --check, relative to the largest |score| (at least 1): int8
# models dequantize differently in the two runtimes' float arithmetic, never by more than this.
AGREEMENT_TOLERANCE = 1e-4
# The callgrind workload: 20 top-10 requests, or as many as make 1 G multiply-adds when fewer (at least 1):
# under valgrind on a shared 2-core machine one teacher request (0.8 G multiply-adds) takes about 2 minutes.
CALLGRIND_REQUESTS, CALLGRIND_MACS = 20, 1_000_000_000


def model_paths(arguments: Sequence[str]) -> List[str]:
    """The .rlm files named, with each folder replaced by its .rlm files in name order."""
    paths = []
    for argument in arguments:
        if os.path.isdir(argument):
            found = sorted(os.path.join(argument, name) for name in os.listdir(argument) if name.endswith(".rlm"))
            if not found:
                raise SystemExit(f"speed.py: {argument} holds no .rlm models (run `make demo`, or name models)")
            paths.extend(found)
        elif os.path.isfile(argument):
            paths.append(argument)
        else:
            raise SystemExit(f"speed.py: no such model or folder: {argument} "
                             f"(`make demo` writes the pipeline's models to out/demo; or name .rlm files)")
    return paths


def encoding(report: dict) -> str:
    """The export encoding: the producer's metadata, else the weight element types, largest first."""
    recorded = report.get("metadata", {}).get("export.encoding")
    if recorded:
        return recorded
    names = {"float32": "f32", "float16": "f16", "int8": "int8", "uint8": "int8", "uint4": "int4"}
    sizes: Dict[str, int] = {}
    for tensor in report["tensors"]:
        if tensor.get("location") == "file" and tensor["dtype"] in names:
            key = names[tensor["dtype"]]
            sizes[key] = sizes.get(key, 0) + tensor["bytes"]
    return "+".join(sorted(sizes, key=sizes.get, reverse=True)) or "-"


def c_level(tool: str, path: str, report: dict, requests: int) -> dict:
    """reclite-bench --json with the model's multiply-adds (exit 3 only says allocations were made)."""
    command = [tool, path, "--json", "--requests", str(requests),
               "--macs-per-candidate", str(report["multiplyAddsPerCandidate"]),
               "--macs-per-request", str(report["multiplyAddsPerRequest"])]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode not in (0, 3):
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return json.loads(result.stdout)


def callgrind_requests(report: dict) -> int:
    """Requests of the callgrind workload: 20, fewer for models so large (the teacher) that 20 would
    take many minutes under valgrind. A function of the model alone, so counts stay comparable."""
    macs = report["multiplyAddsPerCandidate"] * report["catalogItems"] + report["multiplyAddsPerRequest"]
    return int(max(1, min(CALLGRIND_REQUESTS, CALLGRIND_MACS // max(macs, 1))))


def callgrind(tool: str, path: str, requests: int) -> dict:
    """Instructions of reclite-bench's fixed workload (between CALLGRIND_START/STOP_INSTRUMENTATION)."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "callgrind.out")
        # --instr-atstart=no: nothing is counted until CALLGRIND_START_INSTRUMENTATION. (--collect-atstart=no
        # would count nothing at all: the start/stop macros switch instrumentation, not collection.)
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                   tool, path, "--callgrind-requests", str(requests)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            last = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("==")][-3:]
            raise RuntimeError(f"valgrind exited with {result.returncode}: {' / '.join(last) or 'no message'}")
        with open(out) as file:
            totals = re.search(r"^totals:\s*(\d+)", file.read(), re.MULTILINE)
    requests = re.search(r"\((\d+) recommend", result.stdout)
    if totals is None or requests is None:
        raise RuntimeError(f"callgrind: no instruction total or request count in its output: {result.stdout.strip()}")
    instructions, count = int(totals.group(1)), int(requests.group(1))
    if instructions == 0:
        raise RuntimeError("callgrind counted no instructions in the workload")
    return {"instructions": instructions, "requests": count, "per_request": instructions / count,
            "workload": result.stdout.strip().split(": ", 1)[-1]}


def machine() -> dict:
    """What the figures were measured on (the load average says how shared the machine was)."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as file:
            cpu = next((line.split(":", 1)[1].strip() for line in file if line.startswith("model name")), cpu)
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version(),
            "commit": commit.stdout.strip() + ("+changes" if dirty.stdout.strip() else ""),
            "date": datetime.datetime.now().isoformat(timespec="seconds")}


def measure(path: str, args, reclite) -> dict:
    """Every figure of one model; a step that fails records its error and the others still run."""
    row: Dict[str, object] = {"model": os.path.basename(path)[:-4], "path": path, "errors": {}}
    report = onnx_export.read_report(path, args.reclite)
    row.update(encoding=encoding(report), file_bytes=report["fileBytes"], arena_bytes=report["arenaBytes"],
               catalog=report["catalogItems"], description=report["description"],
               macs_per_candidate=report["multiplyAddsPerCandidate"], macs_per_request=report["multiplyAddsPerRequest"])
    steps = [("c_level", lambda: c_level(args.bench_tool, path, report, args.requests))]
    if not args.no_callgrind:
        steps.append(("callgrind", lambda: callgrind(args.bench_tool, path, callgrind_requests(report))))
    if not args.no_peer:
        import ort_peer
        steps.append(("peer", lambda: ort_peer.compare(path, report, reclite, args.users, args.repeats, args.budget)))
    for name, step in steps:
        started = time.perf_counter()
        try:
            row[name] = step()
        except Exception as error:  # a benchmark reports what failed and goes on with the next figure
            row["errors"][name] = f"{type(error).__name__}: {error}"
        print(f"  {row['model']}: {name} {time.perf_counter() - started:.1f} s"
              + (f" — FAILED: {row['errors'][name]}" if name in row["errors"] else ""), file=sys.stderr)
    return row


# ---- The table ---------------------------------------------------------------

def us(value: Optional[float]) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def p50_p99(figures: Optional[dict]) -> str:
    return "–" if not figures else f"{us(figures['p50_us'])} / {us(figures['p99_us'])}"


def side_by_side(timing: Optional[dict], workload: str) -> str:
    """RecLite p50 / ORT p50 (RecLite ÷ ORT)."""
    if not timing or workload not in timing:
        return "–"
    row = timing[workload]
    return f"{us(row['reclite']['p50_us'])} / {us(row['ort']['p50_us'])} ({row['ratio_p50']:.2f})"


def agreement_cell(peer: Optional[dict]) -> List[str]:
    if not peer:
        return ["–", "–"]
    agreement = peer["agreement"]
    agree = f"{agreement['top10_identical'] + agreement['top10_equal_up_to_ties']}/{agreement['users']}"
    if agreement["top10_equal_up_to_ties"]:
        agree += f" ({agreement['top10_equal_up_to_ties']} by ties)"
    return [f"{agreement['max_abs_diff']:.2g}", agree]


HEADER = (["model", "enc", "file B", "arena B", "open µs"]
          + [f"C {w.replace('recommend_top10', 'top-10 excl 150')} p50/p99 µs" for w in WORKLOADS]
          + ["allocs/call", "peak RSS KB", "GMAC/s", "floor µs", "× floor", "instr/request"]
          + [f"Py {w.replace('recommend_top10_excluding', 'top-10 excl 150').replace('recommend_top10', 'top-10')}"
             " RecLite/ORT µs (÷)" for w in PEER_WORKLOADS]
          + ["max abs diff", "top-10 agree"])


def table_row(row: dict) -> List[str]:
    c = row.get("c_level") or {}
    workloads = c.get("workloads", {})
    floor = c.get("floor_us") or 0
    recommend = workloads.get("recommend_top10")
    cells = [row["model"], row["encoding"], f"{row['file_bytes']:,}", f"{row['arena_bytes']:,}", us(c.get("open_us"))]
    cells += [p50_p99(workloads.get(w)) for w in WORKLOADS]
    cells += [f"{c['allocations'] / c['calls']:.2f}" if c else "–", f"{c['peak_rss_kb']:,}" if c else "–",
              f"{c['recommend_gmacs']:.2f}" if c else "–", f"{floor:.1f}" if floor else "–",
              f"{recommend['p50_us'] / floor:.1f}×" if floor and recommend else "–"]
    grind = row.get("callgrind")
    cells.append("–" if not grind else f"{grind['per_request']:,.0f}"
                 + (f" ({grind['requests']} requests)" if grind["requests"] != CALLGRIND_REQUESTS else ""))
    peer = row.get("peer")
    cells += [side_by_side(peer and peer["timing"], w) for w in PEER_WORKLOADS]
    cells += agreement_cell(peer)
    return cells


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def render(rows: Sequence[dict], host: dict, args) -> str:
    peak = next((r["c_level"]["peak_gmacs"] for r in rows if r.get("c_level")), None)
    lines = [
        f"# RecLite speed — {host['date']}",
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores, load average {', '.join(f'{x:.2f}' for x in host['load_average'])} "
        f"at the start, {', '.join(f'{x:.2f}' for x in host['load_average_end'])} at the end"
        + (f"; measured single-core peak {peak:.1f} GMAC/s" if peak else "") + ".",
        f"Commit {host['commit']}; Python {host['python']}"
        + (f", onnxruntime {host['onnxruntime']}" if host.get("onnxruntime") else "") + "; one thread everywhere.",
        "",
        markdown_table(HEADER, [table_row(r) for r in rows]),
        "",
        "- C: reclite-bench through the released libreclite, "
        f"{args.requests} requests per workload (a third of them for score_catalog); top-10 excludes a 150-item seen-list.",
        "- floor µs = multiply-adds per top-10 request (per candidate × catalog + per request) ÷ the measured "
        "single-core peak; × floor = C top-10 p50 ÷ floor. GMAC/s = multiply-adds per request ÷ C top-10 p50.",
        "- instr/request: callgrind instructions of reclite-bench's fixed workload (20 top-10 requests with "
        "150 excluded; fewer for models over 50 M multiply-adds a request: 1 G multiply-adds in all) ÷ its requests.",
        "- Py: both called from Python in one process, interleaved on the same prebuilt requests; p50 µs "
        "RecLite / ORT and (RecLite ÷ ORT): below 1, RecLite is faster. ORT runs the same model as an ONNX "
        "graph (bench/peers/onnx_export.py, dequantized float32 weights, one intra-op thread) on its fastest "
        "Python entry point; ORT takes row indices (the id → row lookups are done for it ahead of time) and "
        "never excludes items, so both top-10 columns use the same ORT time.",
        "- max abs diff: largest |RecLite − ORT| score over the compared users' whole catalogs; top-10 agree: "
        "users whose lists are identical or differ only among scores within twice that difference.",
        "- The machine is shared and noisy: trust callgrind instructions and same-run ratios over single timings.",
    ]
    details = []
    for r in rows:
        if r.get("peer"):
            import ort_peer
            details.append(ort_peer.format_comparison(r["model"], r["peer"]))
        for step, message in r["errors"].items():
            details.append(f"{r['model']}: {step} failed: {message}")
    if details:
        lines += ["", "## Python-level detail (p99, bare-ctypes floor, ORT entry point)", "", "```", *details, "```"]
    return "\n".join(lines) + "\n"


def disagreements(rows: Sequence[dict]) -> List[str]:
    """What --check fails on: a failed step, scores apart, or top-10 lists that differ beyond ties."""
    problems = []
    for r in rows:
        problems += [f"{r['model']}: {step} failed: {message}" for step, message in r["errors"].items()]
        peer = r.get("peer")
        if not peer:
            continue
        agreement = peer["agreement"]
        limit = AGREEMENT_TOLERANCE * max(1.0, agreement["max_abs_score"])
        if agreement["max_abs_diff"] > limit:
            problems.append(f"{r['model']}: RecLite and ORT scores differ by {agreement['max_abs_diff']:.3g} "
                            f"(more than {limit:.3g})")
        if not agreement["top10_agree"]:
            problems.append(f"{r['model']}: top-10 lists differ beyond ties for "
                            f"{agreement['users'] - agreement['top10_identical'] - agreement['top10_equal_up_to_ties']} users")
    return problems


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description="RecLite's speed on each model (C level, callgrind, and ONNX Runtime side by side from Python).")
    parser.add_argument("models", nargs="*", default=[os.path.join("out", "demo")],
                        help="models or folders of models (default: out/demo)")
    parser.add_argument("--reclite", default=os.path.join(REPO, "build", "bin", "reclite"), help="the reclite CLI")
    parser.add_argument("--bench-tool", default=os.path.join(REPO, "build", "bin", "reclite-bench"),
                        help="reclite-bench (make bench-tool)")
    parser.add_argument("--library", help="libreclite.so for the Python binding (default: $RECLITE_LIBRARY or dist/)")
    parser.add_argument("--requests", type=int, default=300, help="C-level requests per workload")
    parser.add_argument("--repeats", type=int, default=2000, help="Python-level calls per workload, at most")
    parser.add_argument("--budget", type=float, default=2.0,
                        help="Python level: seconds per contender and workload, at most (fewer calls for slow models)")
    parser.add_argument("--users", type=int, default=8, help="users whose whole catalog both runtimes score")
    parser.add_argument("--quick", action="store_true", help="few repetitions: shows every piece runs (make bench-smoke)")
    parser.add_argument("--no-callgrind", action="store_true", help="skip the instruction count")
    parser.add_argument("--no-peer", action="store_true", help="skip ONNX Runtime")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a step fails or RecLite and ORT disagree (not on speed: targets are judged from figures)")
    parser.add_argument("--save", action="store_true", help="write bench/results/DATE-speed.md and .json")
    parser.add_argument("--results", default=os.path.join(HERE, "results"), help="folder for --save")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.repeats, args.budget, args.users = min(args.requests, 30), min(args.repeats, 50), 0.2, 3

    reclite = None
    host = machine()
    if not args.no_peer:
        import onnxruntime
        import ort_peer
        reclite = ort_peer.import_reclite(args.library)
        host["onnxruntime"] = onnxruntime.__version__
    rows = []
    for path in model_paths(args.models):
        print(f"{path}:", file=sys.stderr)
        rows.append(measure(path, args, reclite))
    host["load_average_end"] = os.getloadavg()
    text = render(rows, host, args)
    print(text)
    if args.save:
        os.makedirs(args.results, exist_ok=True)
        stem = os.path.join(args.results, f"{host['date'][:10]}-speed")
        with open(stem + ".md", "w") as file:
            file.write(text)
        with open(stem + ".json", "w") as file:
            json.dump({"machine": host, "models": rows}, file, indent=2)
        print(f"wrote {stem}.md and {stem}.json", file=sys.stderr)
    if args.check:
        problems = disagreements(rows)
        for problem in problems:
            print(f"speed.py --check: {problem}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
