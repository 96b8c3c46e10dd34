#!/usr/bin/env python3
"""Checks what a small generated home must show in `reclite pipeline`'s report.json.

    check_report.py REPORT_JSON

Both context-aware distilled students (DeepFM and the two-tower the hub runs) must rank the
held-out events better than the same student without context and better than global popularity:
test NDCG@3, paired over households, with the 95% bootstrap interval above 0. (Beating
popular-in-context and user-habit takes the default home's size; its figures are in
examples/smart-home/README.md.)
Prints the test NDCG@3 of every model. Exits 1 naming a comparison that fails.
"""

import json
import sys

REQUIRED = [
    "student-distilled vs student-distilled-no-context", "student-distilled vs popularity",
    "two-tower-distilled vs two-tower-distilled-no-context", "two-tower-distilled vs popularity",
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    report = json.load(open(sys.argv[1]))["report"]
    for model in report["seeds"][0]["models"]:
        ndcg = next(m["ndcg"] for m in model["test"]["atK"] if m["k"] == 3)
        print(f"  {model['name']:32} test NDCG@3 {ndcg:.4f}")
    comparisons = report["pooledComparisons"]
    for name in REQUIRED:
        if name not in comparisons:
            sys.exit(f"check_report: no comparison {name!r} in the report")
        c = comparisons[name]
        line = f"{name}: {c['meanDifference']:+.4f} [{c['low']:+.4f}, {c['high']:+.4f}], households {c['wins']} / {c['losses']}"
        if c["low"] <= 0:
            sys.exit(f"check_report: {line}: the interval does not exclude 0")
        print(f"check_report: {line}")


if __name__ == "__main__":
    main()
