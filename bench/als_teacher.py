#!/usr/bin/env python3
"""Write an ALS model's scores as a teacher-logits CSV for `reclite distill --teacher-scores`.

Why: on ml-latest-small the tuned ALS baseline (bench/baselines.py) ranks better than the
built-in DeepFM teacher, so it is the stronger teacher to distill from. ALS scores are dot
products, not logits: a logistic calibration logit = a * score + b is fitted on train
positives against uniformly sampled unseen items (the same 1 : negatives mix the students
train on), so σ(logit) is a probability the distillation loss can use as a soft label.

Only train interactions are used (the same per-user temporal split as everything else), and
the file lists every (user, catalog item) pair so every sampled negative has a soft label.

Usage:
  python3 bench/als_teacher.py --out out/als-logits.csv [--data DIR] [--seed N]
  python3 bench/als_teacher.py --self-test
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines  # noqa: E402  (same directory: the loader, split and ALS settings)

# The setting bench/baselines.py selects on validation (NDCG@10 0.094 val, 0.082 test).
ALS_SETTING = {"factors": 128, "regularization": 10.0, "alpha": 1.0, "iterations": 30}


def fit_calibration(scores, positives, negatives_per_positive, rng, steps=50):
    """(a, b) of logit = a·score + b fitted on positives against sampled unseen items."""
    n_users, n_items = scores.shape
    pos_users = np.repeat(np.arange(n_users), [len(p) for p in positives])
    pos_items = np.concatenate(positives)
    neg_users = np.repeat(pos_users, negatives_per_positive)
    neg_items = rng.integers(0, n_items, size=len(neg_users))
    x = np.concatenate([scores[pos_users, pos_items], scores[neg_users, neg_items]])
    y = np.concatenate([np.ones(len(pos_items)), np.zeros(len(neg_items))])
    return fit_logistic(x, y, steps)


def fit_logistic(x, y, steps=50):
    """Maximum-likelihood (a, b) of P(y = 1) = σ(a·x + b), by Newton's method."""
    a, b = 1.0, 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a * x + b)))
        g = np.array([np.dot(p - y, x), np.sum(p - y)])
        w = p * (1 - p)
        h = np.array([[np.dot(w, x * x), np.dot(w, x)], [np.dot(w, x), np.sum(w)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.max(np.abs(step)) < 1e-10:
            break
    return float(a), float(b)


def self_test():
    """The calibration recovers a known logistic relation from sampled pairs."""
    rng = np.random.default_rng(3)
    n_users, n_items, true_a, true_b = 200, 400, 4.0, -2.5
    scores = rng.normal(0.2, 0.5, (n_users, n_items))
    chosen = rng.random((n_users, n_items)) < 1 / (1 + np.exp(-(true_a * scores + true_b)))
    positives = [np.flatnonzero(row) for row in chosen]
    # Every pair as a labelled sample: the fit must find the generating a and b.
    x = scores.ravel()
    y = chosen.ravel().astype(float)
    a, b = fit_logistic(x, y)
    assert abs(a - true_a) < 0.15 and abs(b - true_b) < 0.1, (a, b)
    a, b = fit_calibration(scores, positives, 8, rng)
    assert a > 0, a  # on sampled pairs: a higher ALS score still means a higher logit
    print("self-test: calibration checks passed")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=baselines.DEFAULT_DATA,
                    help="directory with MovieLens ratings.csv (default: data/ml-latest-small)")
    ap.add_argument("--out", type=Path, help="CSV to write (user,item,logit)")
    ap.add_argument("--seed", type=int, default=0, help="ALS random_state and sampling seed")
    ap.add_argument("--negatives", type=int, default=8,
                    help="sampled unseen items per positive for the calibration (default 8)")
    ap.add_argument("--self-test", action="store_true",
                    help="check the calibration on synthetic data and exit (needs only numpy)")
    args = ap.parse_args(argv)
    if args.self_test:
        self_test()
        return
    if args.out is None:
        ap.error("--out is required")

    import scipy.sparse as sp

    started = time.time()
    data, _ = baselines.load_ratings(args.data / "ratings.csv")
    labels = baselines.temporal_split(data.users, data.items, data.times)
    train = labels == 0
    nu, ni = data.n_users, data.n_items
    matrix = sp.csr_matrix((np.ones(int(train.sum()), dtype=np.float32),
                            (data.users[train], data.items[train])), shape=(nu, ni))
    model = baselines.fit_als(matrix, seed=args.seed, **ALS_SETTING)
    scores = baselines.als_scores(model)
    positives = baselines.per_user_sets(data.users[train], data.items[train], nu)
    a, b = fit_calibration(scores, positives, args.negatives, np.random.default_rng(args.seed))
    logits = (a * scores + b).astype(np.float32)
    print(f"ALS {ALS_SETTING}, seed {args.seed}: calibration logit = {a:.4f} * score + {b:.4f}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.out.with_name(args.out.name + ".tmp")
    with open(temporary, "w") as f:
        f.write("user,item,logit\n")
        items = data.item_ids
        for u in range(nu):
            rows = np.char.add(np.char.add(f"{data.user_ids[u]},", items.astype(str)),
                               np.char.add(",", np.char.mod("%.5f", logits[u])))
            f.write("\n".join(rows))
            f.write("\n")
    temporary.replace(args.out)
    print(f"wrote {args.out}: {nu * ni:,} pairs in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
