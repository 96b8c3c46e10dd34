#!/usr/bin/env python3
"""Write a small MovieLens-format data set (ratings.csv, movies.csv) for the sweep's test.

CI has no MovieLens (it is fetched by `make data`), so `make compress-report` sweeps this
instead: users belong to groups that prefer one genre, so a model has something to learn, and
a few items are rare (for --min-counts). Deterministic for a given --seed.
"""
import argparse
import pathlib
import random

GENRES = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="directory to write ratings.csv and movies.csv into")
    parser.add_argument("--users", type=int, default=80)
    parser.add_argument("--items", type=int, default=240)
    parser.add_argument("--per-user", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    genre_of = {item: GENRES[item % len(GENRES)] for item in range(1, args.items + 1)}
    with open(out / "movies.csv", "w", encoding="utf-8") as f:
        f.write("movieId,title,genres\n")
        for item in range(1, args.items + 1):
            year = 1960 + item % 60
            f.write(f'{item},"Film {item}, the {genre_of[item].lower()} one ({year})",{genre_of[item]}\n')

    with open(out / "ratings.csv", "w", encoding="utf-8") as f:
        f.write("userId,movieId,rating,timestamp\n")
        for user in range(1, args.users + 1):
            liked = GENRES[user % len(GENRES)]
            favourites = [i for i in genre_of if genre_of[i] == liked]
            # The first items of each genre are popular, the last ones rare.
            weights = [1.0 / (1 + k) for k in range(len(favourites))]
            chosen = set()
            while len(chosen) < args.per_user:
                if rng.random() < 0.8:
                    chosen.add(rng.choices(favourites, weights)[0])
                else:
                    chosen.add(rng.randint(1, args.items))
            for t, item in enumerate(sorted(chosen, key=lambda _: rng.random())):
                rating = 4.0 if genre_of[item] == liked else 2.5
                f.write(f"{user},{item},{rating},{1_000_000 + user * 1000 + t}\n")


if __name__ == "__main__":
    main()
