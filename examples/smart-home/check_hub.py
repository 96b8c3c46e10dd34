#!/usr/bin/env python3
"""Checks hub.c's answers against the toolkit's own runtime, request by request.

    check_hub.py RECLITE MODEL HUB_OUTPUT LOG [--max-arena BYTES] [--max-file BYTES]

HUB_OUTPUT is what `hub MODEL HOUSEHOLD` printed on stdout; LOG is the event log the model was
trained on (for the action titles). For every suggestion line of a household the model knows it
asks `reclite recommend MODEL --user H -k 3 --context hour=.. --context weekday=.. --context room=..`
and requires the same three actions in the same order (a room the model does not know goes as a
value it has never seen: its OOV row). For a new home it requires the first three actions of the
hour's line in the model's "popular.hour" metadata. It also requires the model and arena sizes
the hub printed to equal `reclite inspect`'s and, when given, to be within the bounds. Exits 1
naming the first difference.
"""

import argparse
import csv
import json
import re
import subprocess
import sys

TUESDAY = 1  # the hub's scripted day; weekday values as in the log (0 = Monday)
HEADER = re.compile(r"^(household|new home) (-?\d+), Tuesday")
MOMENT = re.compile(r"^  (\d\d):(\d\d) (.{12}) (.*)$")
SIZES = re.compile(r"^model: (\d+) bytes, (\d+) actions; arena: (\d+) bytes \(one byte less is refused: RECLITE_E_ARENA_TOO_SMALL\)$")


def run_json(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"check_hub: {' '.join(command)} failed: {result.stderr.strip()}")
    return json.loads(result.stdout)


def room_ids(metadata):
    """'context.room' holds one 'id=label' line per room the model knows."""
    ids = {}
    for line in metadata.get("context.room", "").splitlines():
        value, _, label = line.partition("=")
        ids[label] = int(value)
    return ids


def popular(metadata):
    """'popular.hour' holds one 'hour=id,id,...' line per hour of the training events."""
    lines = {}
    for line in metadata.get("popular.hour", "").splitlines():
        value, _, ids = line.partition("=")
        lines[int(value)] = [int(i) for i in ids.split(",")]
    return lines


def titles(recommendation):
    return [item.get("title") or "?" for item in recommendation["items"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reclite")
    parser.add_argument("model")
    parser.add_argument("hub_output")
    parser.add_argument("log")
    parser.add_argument("--max-arena", type=int)
    parser.add_argument("--max-file", type=int)
    args = parser.parse_args()

    info = run_json([args.reclite, "inspect", args.model, "--json"])
    rooms, by_hour = room_ids(info.get("metadata", {})), popular(info.get("metadata", {}))
    with open(args.log, newline="") as log:
        names = {int(row["action"]): row["action_name"] for row in csv.DictReader(log)}
    lines = open(args.hub_output).read().splitlines()
    sizes = SIZES.match(lines[0]) if lines else None
    if not sizes:
        sys.exit(f"check_hub: the first line is not the model and arena sizes: {lines[:1]}")
    file_bytes, arena = int(sizes.group(1)), int(sizes.group(3))
    if file_bytes != info["fileBytes"]:
        sys.exit(f"check_hub: the hub's model is {file_bytes} bytes, reclite inspect says {info['fileBytes']}")
    if arena != info["arenaBytes"]:
        sys.exit(f"check_hub: the hub's arena is {arena} bytes, reclite inspect says {info['arenaBytes']}")
    if args.max_arena is not None and arena > args.max_arena:
        sys.exit(f"check_hub: arena {arena} bytes is above {args.max_arena}")
    if args.max_file is not None and file_bytes > args.max_file:
        sys.exit(f"check_hub: model file {file_bytes} bytes is above {args.max_file}")

    household, new_home, checked, days = None, False, 0, 0
    for line in lines[1:]:
        header = HEADER.match(line)
        if header:
            new_home, household, days = header.group(1) == "new home", int(header.group(2)), days + 1
            continue
        moment = MOMENT.match(line)
        if not moment or household is None:
            sys.exit(f"check_hub: unexpected line: {line!r}")
        hour, room, shown = int(moment.group(1)), moment.group(3).rstrip(), moment.group(4).split(" | ")
        if new_home:
            if hour not in by_hour:
                sys.exit(f"check_hub: the model has no popular.hour line for {hour}")
            expected = [names[i] for i in by_hour[hour][:3]]
        else:
            answer = run_json([args.reclite, "recommend", args.model, "--user", str(household), "-k", "3", "--json",
                               "--context", f"hour={hour}", "--context", f"weekday={TUESDAY}",
                               "--context", f"room={rooms.get(room, -1)}"])
            if not answer["known_user"]:
                sys.exit(f"check_hub: household {household}: the hub says known, the model does not know it")
            expected = titles(answer)
        if shown != expected:
            sys.exit(f"check_hub: {line.strip()!r}: expected {expected}")
        if len(set(shown)) != 3:
            sys.exit(f"check_hub: {line.strip()!r}: not three different actions")
        checked += 1
    if days != 2 or checked == 0:
        sys.exit(f"check_hub: expected a household's day and a new home's, got {days} days and {checked} suggestions")
    print(f"check_hub: {checked} suggestions as expected (the toolkit's runtime; popular.hour for the new home); model {file_bytes} bytes, arena {arena} bytes")


if __name__ == "__main__":
    main()
