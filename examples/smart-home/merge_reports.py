#!/usr/bin/env python3
"""Merges single-seed `reclite pipeline` reports into the README's multi-seed tables.

    merge_reports.py REPORT_JSON... [--cutoff 3]

Running each seed as its own `reclite pipeline --seeds N` process lets a machine with several
cores train the seeds side by side; this script then writes what `--seeds 1,2,3` would: the
models' test metrics as mean ± std over seeds, and paired comparisons of per-household test
NDCG@K averaged over seeds (95% percentile bootstrap of the mean difference, 2,000 resamples,
and the number of seeds where a > b). Every report must come from the same log (same households).
Also prints each deployed file's arena bytes. Markdown on stdout.

    --extra NAME=A.json,B.json,C.json   adds a model trained outside the pipeline
    (`reclite train/distill ... --metrics A.json`, one file per report, same seeds in the same
    order): its row, and its paired comparisons with the teacher, the baselines and the
    pipeline's two-tower students.
"""

import argparse
import math
import json
import random
import statistics


def mean_std(values):
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def bootstrap(diffs, resamples=2000, seed=11):
    rng = random.Random(seed)
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return means[math.floor(0.025 * resamples)], means[math.ceil(0.975 * resamples) - 1]


def per_user(seed_report, name, k):
    model = next(m for m in seed_report["models"] if m["name"] == name)
    index = next(i for i, m in enumerate(model["test"]["atK"]) if m["k"] == k)
    return model["test"]["ndcgPerUserAtK"][index], model["test"]["users"]


EXTRA_VERSUS = [
    "teacher", "popularity", "popular-in-context", "user-habit", "two-tower-distilled", "two-tower",
    "two-tower-distilled-no-context",
]


def extra_model(spec, k):
    """NAME=a.json,b.json → (name, [(per-user NDCG@k, users) per seed], [metrics record per seed])."""
    name, paths = spec.split("=", 1)
    records = [json.load(open(p)) for p in paths.split(",")]
    runs = []
    for r in records:
        index = next(i for i, m in enumerate(r["test"]["atK"]) if m["k"] == k)
        runs.append((r["test"]["ndcgPerUserAtK"][index], r["test"]["users"]))
    return name, runs, records


def compare(runs_a, runs_b, seeds_won, seeds, key):
    users = runs_a[0][1]
    assert all(r[1] == users for r in runs_a + runs_b), "the reports rank different households"
    diffs = [statistics.mean(r[0][u] for r in runs_a) - statistics.mean(r[0][u] for r in runs_b)
             for u in range(len(users))]
    low, high = bootstrap(diffs)
    wins = sum(d > 0 for d in diffs)
    losses = sum(d < 0 for d in diffs)
    print(f"| {key} | {statistics.mean(diffs):+.4f} | [{low:+.4f}, {high:+.4f}] | {wins} / {losses} | "
          f"{seeds_won} of {seeds} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="+")
    parser.add_argument("--cutoff", type=int, default=3)
    parser.add_argument("--extra", action="append", default=[], help="NAME=metrics.json,... (see above)")
    args = parser.parse_args()
    k = args.cutoff
    documents = [json.load(open(path)) for path in args.reports]
    seeds = [d["report"]["seeds"][0] for d in documents]
    print(f"Seeds: {', '.join(str(s['seed']) for s in seeds)}. Test metrics through the runtime; mean ± std over seeds.\n")
    print(f"| model | encoding | parameters | % of teacher | file bytes | NDCG@{k} | HR@{k} | AUC | µs/request |")
    print("|---|---|---:|---:|---:|---|---|---|---:|")
    for row in documents[0]["rows"]:
        key = (row["model"], row["encoding"])
        same = [next(r for r in d["rows"] if (r["model"], r["encoding"]) == key) for d in documents]
        cells = []
        for metric in ("ndcg", "hr", "auc"):
            m, s = mean_std([r[metric]["mean"] for r in same])
            cells.append(f"{m:.4f} ± {s:.4f}")
        share = f"{100 * row['shareOfTeacher']:.1f}%" if "shareOfTeacher" in row else "-"
        size = f"{row['fileBytes']:,}" if "fileBytes" in row else "-"
        latency = f"{statistics.mean(r['microsecondsPerRequest']['mean'] for r in same):.0f}" \
            if "microsecondsPerRequest" in row else "-"
        print(f"| {row['model']} | {row['encoding']} | {row['parameters']:,} | {share} | {size} | "
              + " | ".join(cells) + f" | {latency} |")

    for spec in args.extra:
        name, _, records = extra_model(spec, k)
        cells = []
        for metric in ("ndcg", "hr"):
            m, sd = mean_std([next(x for x in r["test"]["atK"] if x["k"] == k)[metric] for r in records])
            cells.append(f"{m:.4f} ± {sd:.4f}")
        m, sd = mean_std([r["test"]["auc"] for r in records])
        cells.append(f"{m:.4f} ± {sd:.4f}")
        teacher = next(r for r in documents[0]["rows"] if r["model"] == "teacher")["parameters"]
        print(f"| {name} | {records[0]['encoding']} | {records[0]['parameters']:,} | "
              f"{100 * records[0]['parameters'] / teacher:.1f}% | {records[0]['bytes']:,} | " + " | ".join(cells) + " | - |")
    print(f"\nPaired comparisons of test NDCG@{k} (per-household values averaged over seeds; 95% bootstrap "
          "interval; seeds where a > b):\n")
    print("| comparison | difference | interval | users a better / worse | seeds |")
    print("|---|---:|---|---|---:|")
    extras = [extra_model(spec, k) for spec in args.extra]
    for key in sorted(seeds[0]["comparisons"]):
        a, b = key.split(" vs ")
        won = sum(s["comparisons"][key]["meanDifference"] > 0 for s in seeds)
        compare([per_user(s, a, k) for s in seeds], [per_user(s, b, k) for s in seeds], won, len(seeds), key)
    for name, runs, _ in extras:
        assert len(runs) == len(seeds), f"{name}: one metrics file per report"
        for other in EXTRA_VERSUS:
            runs_b = [per_user(s, other, k) for s in seeds]
            won = sum(statistics.mean(a[0]) > statistics.mean(b[0]) for a, b in zip(runs, runs_b))
            compare(runs, runs_b, won, len(seeds), f"{name} vs {other}")

    print("\nArena bytes (smallest arena each deployed file needs):\n")
    for d in documents:
        for e in d["deployed"]:
            print(f"- seed {e['seed']} {e['name']} {e['encoding']}: file {e['fileBytes']:,} bytes, "
                  f"arena {e['arenaBytes']:,} bytes")


if __name__ == "__main__":
    main()
