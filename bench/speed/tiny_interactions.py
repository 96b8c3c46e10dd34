#!/usr/bin/env python3
"""A tiny generated interactions CSV (user, item, timestamp, genres, year) for `make bench-smoke`.

`reclite train --interactions` turns it into small two-tower and DeepFM models in seconds, so the
speed benchmark's every piece (including genre bags, FM and concatenation in the ONNX exporter)
runs in CI without MovieLens. The data is random (seeded): the models' quality means nothing.

usage: tiny_interactions.py --out FILE [--users 60] [--items 120] [--seed 1]
"""

import argparse
import os
import random

GENRES = ("action", "comedy", "drama", "horror", "romance", "scifi")


def write(path: str, users: int, items: int, seed: int) -> int:
    """Writes the CSV; returns its number of interactions."""
    rng = random.Random(seed)
    catalog = {item: ("|".join(rng.sample(GENRES, rng.randint(1, 3))), 1980 + item % 30)
               for item in range(1, items + 1)}
    rows, timestamp = [], 0
    for user in range(1, users + 1):
        for item in rng.sample(range(1, items + 1), rng.randint(12, 30)):
            timestamp += 1
            genres, year = catalog[item]
            rows.append(f"{user},{item},{timestamp},{genres},{year}\n")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as file:
        file.write("user,item,timestamp,genres,year\n")
        file.writelines(rows)
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    count = write(args.out, args.users, args.items, args.seed)
    print(f"{args.out}: {count} interactions, {args.users} users, {args.items} items")


if __name__ == "__main__":
    main()
