#!/usr/bin/env bash
# Where the bytes of libreclite.so go, per architecture.
#
# usage: scripts/size-report.sh DIST_DIR...     e.g. dist/x86_64-linux-gnu dist/aarch64-linux-gnu
#
# For each dist/<triple>/libreclite.so: the file size unstripped and stripped
# (stripped with <triple>-strip when that exists, else strip), the loadable
# sections, and the bytes of every symbol grouped by the module it belongs to
# (loader, kernels, verifier shim, top-K, C API, ...; see scripts/size_groups.py).
# What no symbol covers (ELF and dynamic-symbol tables, PLT and GOT, unwind
# tables, alignment padding) is the "ELF overhead" line, so each column adds
# up to the stripped file size.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 DIST_DIR..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tool() {  # tool TRIPLE NAME: the cross binutils program when installed, else the host one
  if command -v "$1-$2" >/dev/null; then echo "$1-$2"; else echo "$2"; fi
}

columns=()
for dir in "$@"; do
  triple=$(basename "$dir")
  lib="$dir/libreclite.so"
  [ -f "$lib" ] || { echo "size-report: $lib is missing (build it first)" >&2; exit 1; }
  "$(tool "$triple" strip)" -o "$work/$triple.so" "$lib"
  # Symbols: size (hex), type, name; demangled in the same order.
  "$(tool "$triple" nm)" -S --size-sort "$lib" | awk 'NF == 4 { print $2, $3, $4 }' > "$work/$triple.syms"
  cut -d' ' -f3 "$work/$triple.syms" | swift demangle --compact > "$work/$triple.names"
  "$(tool "$triple" size)" -A "$lib" > "$work/$triple.sections"
  echo "$triple $(stat -c %s "$lib") $(stat -c %s "$work/$triple.so")" > "$work/$triple.files"
  columns+=("$triple")
done

python3 "$here/size_groups.py" "$work" "${columns[@]}"
