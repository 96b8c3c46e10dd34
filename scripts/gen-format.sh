#!/usr/bin/env bash
# Regenerates the C++ reader for schema/reclite.fbs with flatc.
# Usage: scripts/gen-format.sh [OUTPUT_DIR]   (default: Sources/CRecLiteFormat/generated)
# The output is committed; `make check-generated` fails when it is stale.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/Sources/CRecLiteFormat/generated}
command -v flatc >/dev/null || { echo "flatc not found: apt-get install flatbuffers-compiler" >&2; exit 1; }
mkdir -p "$out"
flatc --cpp --scoped-enums --no-prefix -o "$out" "$root/schema/reclite.fbs"
