#!/usr/bin/env python3
"""ONNX Runtime beside RecLite in one process: do they give the same scores, and how fast is each.

Both are called from Python on the same requests. RecLite goes through its Python binding
(session.score / session.recommend); ONNX Runtime runs the graphs of onnx_export.py with one
intra-op and one inter-op thread and every graph optimization on. Each side gets its inputs
prebuilt (numpy ids and output buffers for RecLite; row indices for ONNX Runtime, which takes
rows, not raw ids, so the id → row lookups RecLite does inside each call are done for it ahead
of time), and ONNX Runtime is timed on the fastest of its Python entry points for each workload
(run with numpy feeds, run_with_ort_values, or run_with_iobinding with inputs and outputs bound
ahead): see `ORT_PATHS`.

Timing is interleaved: each repetition calls every contender once, in an order that rotates, so
a noisy neighbour slows both alike. Medians and 99th percentiles, in µs.

usage: ort_peer.py MODEL.rlm [--reclite build/bin/reclite] [--repeats N] [--users N] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_export  # noqa: E402  (a sibling module)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCORE_SIZES = (1, 100, 1000)
EXCLUDED = 150  # a typical MovieLens user's seen-list, as reclite-bench excludes
VARIANTS = 16  # distinct prebuilt requests each workload cycles through


def import_reclite(library: Optional[str] = None):
    """The RecLite Python binding from this checkout, on `library` (default: $RECLITE_LIBRARY, else
    dist/x86_64-linux-gnu/libreclite.so of this checkout)."""
    if library:
        os.environ["RECLITE_LIBRARY"] = os.path.abspath(library)
    elif not os.environ.get("RECLITE_LIBRARY"):
        os.environ["RECLITE_LIBRARY"] = os.path.join(REPO, "dist", "x86_64-linux-gnu", "libreclite.so")
    sys.path.insert(0, os.path.join(REPO, "bindings", "python", "src"))
    import reclite
    return reclite


def ort_session(model) -> ort.InferenceSession:
    """One intra-op thread, one inter-op thread, sequential execution, all graph optimizations."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


class OrtPeer:
    """A RecLite model's score and recommend graphs in ONNX Runtime, and the feeds they take."""

    def __init__(self, report: dict, k: int = 10) -> None:
        tensors = report["tensors"]
        self.features = {f["name"]: onnx_export.FeatureRows(f, tensors) for f in report["features"]}
        self.item = next(f["name"] for f in report["features"] if f["kind"] == "item")
        user = [f["name"] for f in report["features"] if f["kind"] == "user"]
        self.user = user[0] if user else None
        self.catalog_size = report["catalogItems"]
        self.catalog = self.features[self.item].values()[: self.catalog_size]
        self.k = k
        self.score = ort_session(onnx_export.build_onnx(report, "score", k))
        self.recommend = ort_session(onnx_export.build_onnx(report, "recommend", k))

    @staticmethod
    def _input_features(session: ort.InferenceSession) -> Dict[str, str]:
        """Input name → feature name (the exporter records it in the model's metadata)."""
        props = session.get_modelmeta().custom_metadata_map
        return {i.name: props[f"input:{i.name}"] for i in session.get_inputs()}

    def feed(self, session: ort.InferenceSession, user: int, context: Dict[str, int],
             items: Optional[np.ndarray] = None) -> Dict[str, np.ndarray]:
        """Row indices for every input of `session` (raw values mapped as the runtime maps them)."""
        raw = dict(context)
        if self.user is not None:
            raw[self.user] = user
        feeds = {}
        for name, feature in self._input_features(session).items():
            value = items if feature == self.item else np.array([raw[feature]], np.int64)
            feeds[name] = self.features[feature](value)
        return feeds


def default_context(model) -> Dict[str, int]:
    """A fixed value for each context feature (its first known value), passed to both runtimes."""
    return {name: int(model.values(name)[0]) for name in model.context_features}


def known_users(model, peer: OrtPeer, count: int) -> np.ndarray:
    """The model's first `count` users (a model without a user feature: one request, user 0)."""
    users = model.values(peer.user) if peer.user is not None else np.zeros(0, np.int64)
    return users[:count] if len(users) else np.array([0], np.int64)


# ---- Agreement -------------------------------------------------------------

def check_agreement(model, peer: OrtPeer, users: Sequence[int]) -> dict:
    """Both score each user's whole catalog: the largest |RecLite − ORT| difference, and whether
    the top-k lists agree (identical, or differing only among scores within twice that difference)."""
    catalog = model.values(peer.item)[: peer.catalog_size]
    if not np.array_equal(catalog, peer.catalog):
        raise RuntimeError("the binding's catalog differs from the rows the ONNX graphs were built with")
    context = default_context(model)
    session = model.session()
    largest, magnitude, identical, tied = 0.0, 0.0, 0, 0
    output = peer.score.get_outputs()[0].name
    for user in users:
        ours = session.score(int(user), catalog, context=context or None)
        theirs = peer.score.run([output], peer.feed(peer.score, int(user), context, catalog))[0].reshape(-1)
        difference = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
        largest = max(largest, float(difference.max()))
        magnitude = max(magnitude, float(np.abs(ours).max()))
        our_top = session.recommend(int(user), k=peer.k, context=context or None).ids
        top_scores, top_rows = peer.recommend.run(None, peer.feed(peer.recommend, int(user), context))
        their_top = catalog[top_rows.reshape(-1)]
        if np.array_equal(our_top, their_top):
            identical += 1
        else:
            position = {item: row for row, item in enumerate(catalog)}
            ours_by_theirs = np.sort(theirs[[position[i] for i in our_top]])[::-1]
            tolerance = 2 * float(difference.max()) + 1e-6
            if np.allclose(ours_by_theirs, top_scores.reshape(-1), rtol=0, atol=tolerance):
                tied += 1
    session.close()
    return {"users": len(users), "max_abs_diff": largest, "max_abs_score": magnitude, "top10_identical": identical,
            "top10_equal_up_to_ties": tied, "top10_agree": identical + tied == len(users)}


# ---- Timing ----------------------------------------------------------------

def interleaved(contenders: Dict[str, Sequence[Callable[[], object]]], repeats: int) -> Dict[str, np.ndarray]:
    """Calls every contender once per repetition (each cycling through its prebuilt requests), the
    order rotating per repetition; returns each one's call times in µs."""
    names = list(contenders)
    times = {name: np.empty(repeats) for name in names}
    clock = time.perf_counter_ns
    enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(repeats):
            for j in range(len(names)):
                name = names[(r + j) % len(names)]
                calls = contenders[name]
                call = calls[r % len(calls)]
                start = clock()
                call()
                times[name][r] = (clock() - start) / 1e3
    finally:
        if enabled:
            gc.enable()
    return times


def summary(samples: np.ndarray) -> dict:
    return {"p50_us": float(np.median(samples)), "p99_us": float(np.percentile(samples, 99)),
            "calls": int(len(samples))}


class OrtCalls:
    """ONNX Runtime's Python entry points for one prebuilt request each; ORT_PATHS names them."""

    @staticmethod
    def run(session, feed):
        outputs = [o.name for o in session.get_outputs()]
        return lambda: session.run(outputs, feed)

    @staticmethod
    def ort_values(session, feed):
        outputs = [o.name for o in session.get_outputs()]
        values = {name: ort.OrtValue.ortvalue_from_numpy(array) for name, array in feed.items()}
        return lambda: session.run_with_ort_values(outputs, values)

    @staticmethod
    def iobinding(session, feed):
        """Inputs and outputs bound once; the outputs are written into preallocated numpy arrays."""
        binding = session.io_binding()
        keep = []
        for name, array in feed.items():
            value = ort.OrtValue.ortvalue_from_numpy(array)
            keep.append(value)
            binding.bind_ortvalue_input(name, value)
        candidates = max((len(array) for array in feed.values()), default=1)  # the item rows: "n"
        for output in session.get_outputs():
            shape = [d if isinstance(d, int) else candidates for d in output.shape]
            array = np.empty(shape, np.int64 if "int64" in output.type else np.float32)
            value = ort.OrtValue.ortvalue_from_numpy(array)
            keep.append((array, value))
            binding.bind_ortvalue_output(output.name, value)
        run = session.run_with_iobinding
        call = lambda: run(binding)  # noqa: E731
        call.keep = keep
        return call


class BareCalls:
    """RecLite's C functions called through bare ctypes with every pointer prebuilt: no argument
    checks, no lock. Not an API anyone should use; it shows how much of a Python-level RecLite
    time is the binding's own work (the `ctypes floor` of the tables)."""

    def __init__(self, reclite, session, context: Dict[str, int]) -> None:
        import ctypes
        self.ctypes = ctypes
        self.capi = reclite._capi
        self.library = self.capi.lib()
        self.handle = session._handle
        self.context = context
        self.session = session
        self.keep: List[object] = []

    def _request(self, user: int):
        ctypes, capi = self.ctypes, self.capi
        request = capi.reclite_request(struct_size=ctypes.sizeof(capi.reclite_request))
        request.user_id = user
        if self.context:
            values = (capi.reclite_context_value * len(self.context))()
            for slot, (name, value) in zip(values, self.context.items()):
                slot.feature = self.session.model.context_index(name)
                slot.value = value
            request.context = ctypes.cast(values, ctypes.POINTER(capi.reclite_context_value))
            request.context_count = len(self.context)
            self.keep.append(values)
        self.keep.append(request)
        return ctypes.byref(request)

    def _pointer(self, array: np.ndarray, kind):
        self.keep.append(array)
        return array.ctypes.data_as(self.ctypes.POINTER(kind))

    def score(self, user: int, items: np.ndarray):
        ctypes = self.ctypes
        args = (self.handle, self._request(user), self._pointer(items, ctypes.c_int64), len(items),
                self._pointer(np.empty(len(items), np.float32), ctypes.c_float))
        call = self.library.reclite_score
        return lambda: call(*args)

    def recommend(self, user: int, k: int, exclude: Optional[np.ndarray]):
        ctypes = self.ctypes
        excluded = (None, 0) if exclude is None else (self._pointer(exclude, ctypes.c_int64), len(exclude))
        written = ctypes.c_size_t(0)
        self.keep.append(written)
        args = (self.handle, self._request(user), k, *excluded, self._pointer(np.empty(k, np.int64), ctypes.c_int64),
                self._pointer(np.empty(k, np.float32), ctypes.c_float), ctypes.byref(written))
        call = self.library.reclite_recommend
        return lambda: call(*args)


ORT_PATHS = {"run": OrtCalls.run, "run_with_ort_values": OrtCalls.ort_values, "iobinding": OrtCalls.iobinding}


def fastest_ort_path(session, feeds: Sequence[dict], trial: int) -> str:
    """The entry point with the lowest median on a short interleaved trial."""
    contenders = {name: [make(session, feed) for feed in feeds] for name, make in ORT_PATHS.items()}
    times = interleaved(contenders, trial)
    return min(times, key=lambda name: float(np.median(times[name])))


def repetitions(calls: Sequence[Callable[[], object]], wanted: int, budget_seconds: float) -> int:
    """`wanted` repetitions, fewer for slow calls so that each contender spends about
    `budget_seconds` (at least 20 repetitions); the calls also warm up here."""
    start = time.perf_counter()
    for call in calls[:4]:
        call()
    each = (time.perf_counter() - start) / min(4, len(calls))
    return int(max(20, min(wanted, budget_seconds / max(each, 1e-9))))


def time_workloads(reclite, model, peer: OrtPeer, users: Sequence[int], repeats: int, budget_seconds: float = 2.0,
                   seed: int = 0) -> dict:
    """score 1/100/1000 candidates and top-10 over the catalog, RecLite vs ONNX Runtime."""
    rng = np.random.default_rng(seed)
    context = default_context(model)
    context_argument = context or None
    catalog = peer.catalog
    session = model.session()
    bare = BareCalls(reclite, session, context)
    users = [int(users[v % len(users)]) for v in range(VARIANTS)]
    results = {}
    trial = max(20, min(200, repeats // 10))

    for size in SCORE_SIZES:
        n = min(size, len(catalog))
        candidates = [rng.choice(catalog, n, replace=False).astype(np.int64) for _ in users]
        outs = [np.empty(n, np.float32) for _ in users]
        feeds = [peer.feed(peer.score, u, context, c) for u, c in zip(users, candidates)]
        ours = [(lambda u=u, c=c, o=o: session.score(u, c, context_argument, out=o))
                for u, c, o in zip(users, candidates, outs)]
        path = fastest_ort_path(peer.score, feeds, trial)
        theirs = [ORT_PATHS[path](peer.score, feed) for feed in feeds]
        floor = [bare.score(u, c) for u, c in zip(users, candidates)]
        count = min(repetitions(ours, repeats, budget_seconds), repetitions(theirs, repeats, budget_seconds))
        times = interleaved({"reclite": ours, "ort": theirs, "ctypes": floor}, count)
        results[f"score_{size}"] = _compare(times, path, n)

    exclusions = [rng.choice(catalog, min(EXCLUDED, len(catalog) - 1), replace=False).astype(np.int64)
                  for _ in users]
    plain = [(lambda u=u: session.recommend(u, 10, context=context_argument)) for u in users]
    excluding = [(lambda u=u, e=e: session.recommend(u, 10, e, context_argument))
                 for u, e in zip(users, exclusions)]
    feeds = [peer.feed(peer.recommend, u, context) for u in users]
    path = fastest_ort_path(peer.recommend, feeds, trial)
    theirs = [ORT_PATHS[path](peer.recommend, feed) for feed in feeds]
    floor = [bare.recommend(u, 10, None) for u in users]
    floor_excluding = [bare.recommend(u, 10, e) for u, e in zip(users, exclusions)]
    count = min(repetitions(plain, repeats, budget_seconds), repetitions(theirs, repeats, budget_seconds))
    times = interleaved({"reclite": plain, "reclite_excluding": excluding, "ort": theirs,
                         "ctypes": floor, "ctypes_excluding": floor_excluding}, count)
    results["recommend_top10"] = _compare(times, path, len(catalog))
    results["recommend_top10_excluding"] = _compare(
        {"reclite": times["reclite_excluding"], "ort": times["ort"], "ctypes": times["ctypes_excluding"]},
        path, len(catalog))
    results["recommend_top10_excluding"]["excluded"] = int(len(exclusions[0]))
    session.close()
    return results


def _compare(times: Dict[str, np.ndarray], path: str, candidates: int) -> dict:
    """One workload's figures: RecLite through its binding, ONNX Runtime, and the bare-ctypes floor."""
    mine, other = summary(times["reclite"]), summary(times["ort"])
    return {"candidates": candidates, "reclite": mine, "ort": other, "ctypes": summary(times["ctypes"]),
            "ort_path": path, "ratio_p50": mine["p50_us"] / other["p50_us"]}


def compare(model_path: str, report: dict, reclite, users: int = 8, repeats: int = 2000,
            budget_seconds: float = 2.0) -> dict:
    """The whole side-by-side for one model: agreement, then timing."""
    model = reclite.Model(model_path)
    try:
        peer = OrtPeer(report)
        chosen = known_users(model, peer, users)
        return {"agreement": check_agreement(model, peer, chosen),
                "timing": time_workloads(reclite, model, peer, chosen, repeats, budget_seconds),
                "onnxruntime": ort.__version__,
                "exclusions_in_ort": False}
    finally:
        model.close()


def format_comparison(name: str, result: dict) -> str:
    agreement = result["agreement"]
    lines = [f"{name}: max |RecLite − ORT| over {agreement['users']} users' catalogs {agreement['max_abs_diff']:.3g}; "
             f"top-10 identical for {agreement['top10_identical']}, equal up to ties for "
             f"{agreement['top10_equal_up_to_ties']} (ORT models no exclusions)",
             f"  {'workload':<26} {'RecLite p50':>11} {'p99':>9} {'ORT p50':>9} {'p99':>9} {'RecLite/ORT':>11} "
             f"{'ctypes p50':>10}  ORT path"]
    for workload, row in result["timing"].items():
        lines.append(f"  {workload:<26} {row['reclite']['p50_us']:>11.1f} {row['reclite']['p99_us']:>9.1f} "
                     f"{row['ort']['p50_us']:>9.1f} {row['ort']['p99_us']:>9.1f} {row['ratio_p50']:>11.2f} "
                     f"{row['ctypes']['p50_us']:>10.1f}  {row['ort_path']} ({row['reclite']['calls']} calls)")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="RecLite vs ONNX Runtime on one model, from Python.")
    parser.add_argument("model", help="the .rlm file")
    parser.add_argument("--reclite", default=os.path.join(REPO, "build", "bin", "reclite"), help="the reclite CLI")
    parser.add_argument("--library", help="libreclite.so for the binding (default: $RECLITE_LIBRARY or dist/)")
    parser.add_argument("--repeats", type=int, default=2000, help="timed calls per workload (fewer for slow ones)")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per contender and workload, at most")
    parser.add_argument("--users", type=int, default=8, help="users whose whole catalog is compared")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    reclite = import_reclite(args.library)
    report = onnx_export.read_report(args.model, args.reclite)
    result = compare(args.model, report, reclite, args.users, args.repeats, args.budget)
    print(json.dumps(result, indent=2) if args.json else format_comparison(args.model, result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
