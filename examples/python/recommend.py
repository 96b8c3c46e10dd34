#!/usr/bin/env python3
"""recommend.py — the smallest useful RecLite program, in Python.

Opens a .rlm model, recommends the top K items for a user and prints their ids,
titles and scores: byte for byte what examples/c/recommend.c prints for the
same arguments.

    pip install ./bindings/python          # after `make lib`, or install a reclite wheel
    python3 examples/python/recommend.py movies.rlm 42 10
"""

import re
import sys

import reclite


def c_integer(text: str, bits: int = 64) -> int:
    """The value C's strtoll(text, NULL, 10) gives (leading digits; 0 when none; saturated),
    so this example reads its arguments exactly as recommend.c does."""
    match = re.match(r"\s*([+-]?\d+)", text, re.ASCII)
    if not match:
        return 0
    value = int(match.group(1))
    return max(-(2 ** (bits - 1)), min(2 ** (bits - 1) - 1, value))


def main(argv: list) -> int:
    if not 3 <= len(argv) <= 4:
        print(f"usage: {argv[0]} MODEL USER_ID [K]", file=sys.stderr)
        return 2
    path = argv[1]
    user = c_integer(argv[2])
    k = c_integer(argv[3]) if len(argv) == 4 else 10
    if k < 1 or k > 1000:
        print("K must be between 1 and 1000", file=sys.stderr)
        return 2

    try:
        model = reclite.Model(path)
    except reclite.Error as error:
        print(f"cannot open {path}: {error.message}", file=sys.stderr)
        return 1
    with model:
        # The session allocates its arena once, here; recommending allocates nothing in the library.
        try:
            session = model.session()
        except reclite.Error as error:
            print(f"cannot create a session: {error.message}", file=sys.stderr)
            return 1
        with session:
            try:
                ids, scores = session.recommend(user, k)
            except reclite.Error as error:
                print(f"recommend failed ({error.status_name}): {error.message}", file=sys.stderr)
                return 1
            lines = [f"top {len(ids)} for user {user} (arena {model.arena_size} bytes):"]
            for rank, (item, score) in enumerate(zip(ids.tolist(), scores.tolist()), start=1):
                lines.append(f"{rank:3d}. {item:8d}  {score:.4f}  {model.title(item) or ''}")
    # Titles are UTF-8 in the model; write the bytes whatever the terminal's locale, as C does.
    sys.stdout.buffer.write(("\n".join(lines) + "\n").encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
