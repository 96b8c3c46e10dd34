#!/usr/bin/env python3
"""Tables of `reclite sweep` over several seeds (one sweep directory per seed).

    python3 bench/compress/sweep_seeds.py out/sweep-seed1 out/sweep-seed2 out/sweep-seed3 [--titles none] > table.md

Per point (student × encoding × catalog form): file bytes, × smaller than the teacher's file,
test NDCG@10 per seed and their mean, the mean as % of the teacher's mean (each seed's own
teacher), as % of the same student's f32 file, and for pruned students as % of the unpruned
student of the same dimension and encoding. Validation NDCG@10 means are listed beside, since
choices are made on them. Ratios are ratios of means over the seeds."""

import argparse
import json
import os
import statistics
import sys


def load(directory):
    """The teacher record and every finished point of a sweep directory (points/, so a sweep
    still running or several grids run into one directory are read alike)."""
    with open(os.path.join(directory, "teacher.json")) as f:
        teacher = json.load(f)
    found = []
    for name in sorted(os.listdir(os.path.join(directory, "points"))):
        with open(os.path.join(directory, "points", name)) as f:
            found.append(json.load(f))
    found = [p for p in found if p["fingerprint"] == teacher["fingerprint"]]
    seed = int(teacher["fingerprint"].split(" seed ")[1].split()[0])
    points = {}
    for p in found:
        key = p["key"]
        student = key["student"]
        points[(student_name(student), key["encoding"], key["titles"])] = p
    return seed, teacher, points


def student_name(student):
    c = student["compression"]
    label = []
    if c["prune"] > 0:
        label.append(("n" if c["structured"] else "s") + str(round(c["prune"] * 100)))
    if c["minCount"] > 0:
        label.append("mc%d" % c["minCount"])
    return "%s-d%d" % (student["model"], student["dim"]) + ("-" + "-".join(label) if label else "")


def unpruned(name):
    parts = name.split("-")
    return "-".join(p for p in parts if not (p[0] in "sn" and p[1:].isdigit()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sweeps", nargs="+")
    parser.add_argument("--titles", choices=["full", "none", "both"], default="both")
    parser.add_argument(
        "--teacher-bytes", type=int,
        help="the teacher's file size for × smaller (default: the sweeps' teacher files; a teacher exported with its item "
        "side precomputed is larger than the same model's compact file)")
    args = parser.parse_args()
    runs = [load(d) for d in args.sweeps]
    seeds = [seed for seed, _, _ in runs]
    teachers = [t["metrics"] for _, t, _ in runs]
    teacher_ndcg = statistics.mean(t["ndcg10"] for t in teachers)
    teacher_bytes = args.teacher_bytes or statistics.mean(t["fileBytes"] for t in teachers)
    keys = [k for k in runs[0][2] if all(k in points for _, _, points in runs)]
    missing = sorted(set().union(*[set(points) for _, _, points in runs]) - set(keys))

    def mean(key, field="ndcg10"):
        return statistics.mean(points[key]["metrics"][field] for _, _, points in runs)

    print("Seeds %s; teacher test NDCG@10 %s (mean %.4f), file bytes %s; × smaller against {:,} bytes.".format(
        round(teacher_bytes)) % (", ".join(map(str, seeds)), " / ".join("%.4f" % t["ndcg10"] for t in teachers), teacher_ndcg,
        " / ".join("{:,}".format(t["fileBytes"]) for t in teachers)))
    print()
    print("| point | bytes | × smaller | test NDCG@10 per seed | mean | % teacher | % own f32 | % unpruned | val NDCG@10 mean |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for key in keys:
        name, encoding, titles = key
        if args.titles != "both" and titles != args.titles:
            continue
        bytes_ = statistics.mean(points[key]["metrics"]["fileBytes"] for _, _, points in runs)
        per_seed = " / ".join("%.4f" % points[key]["metrics"]["ndcg10"] for _, _, points in runs)
        m = mean(key)
        f32 = (name, "f32", titles)
        own = "%.1f" % (100 * m / mean(f32)) if f32 in keys and encoding != "f32" else "-"
        base = (unpruned(name), encoding, titles)
        pruned = "%.1f" % (100 * m / mean(base)) if base != key and base in keys else "-"
        print("| %s %s%s | {:,} | %.1f | %s | %.4f | %.1f | %s | %s | %.4f |".format(round(bytes_)) % (
            name, encoding, "" if titles == "full" else ", no titles", teacher_bytes / bytes_, per_seed, m,
            100 * m / teacher_ndcg, own, pruned, mean(key, "validationNDCG10")))
    if missing:
        print("\nLeft out (not in every sweep): " + ", ".join(" ".join(k) for k in missing), file=sys.stderr)


if __name__ == "__main__":
    main()
