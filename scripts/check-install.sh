#!/usr/bin/env bash
# Checks a `make install` prefix the way a C user meets it: the shared library
# with its SONAME and links, the static library, the header and reclite.pc;
# then builds examples/c/recommend.c with nothing but pkg-config's flags, runs
# it from the prefix (shared, without an rpath, and static) and compares its
# output with the build tree's C example.
# Usage: scripts/check-install.sh WORKDIR VERSION SONAME MODEL REFERENCE_PROGRAM
#   WORKDIR holds the prefix (WORKDIR/prefix) and receives the programs built here.
set -euo pipefail

work=$1 version=$2 soname=$3 model=$4 reference=$5
prefix=$work/prefix
lib=$prefix/lib
fail() { echo "install-test: $*" >&2; exit 1; }

# The shared library: the real file, its SONAME, and the two links ldconfig and -lreclite use.
real=libreclite.so.$version
[ -f "$lib/$real" ] && [ ! -L "$lib/$real" ] || fail "$lib/$real is missing"
recorded=$(readelf -d "$lib/$real" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$recorded" = "$soname" ] || fail "$real has SONAME '$recorded', expected $soname"
[ "$(readlink "$lib/$soname")" = "$real" ] || fail "$lib/$soname does not link to $real"
[ "$(readlink "$lib/libreclite.so")" = "$soname" ] || fail "$lib/libreclite.so does not link to $soname"
echo "shared library: $real, SONAME $recorded, links $soname -> $real, libreclite.so -> $soname"

# The static library defines the API; the header is the tree's.
defined=$(nm --defined-only "$lib/libreclite.a" 2>/dev/null | grep -c ' T reclite_' || true)
[ "$defined" -gt 0 ] || fail "libreclite.a defines no reclite_ function"
cmp -s include/reclite.h "$prefix/include/reclite.h" || fail "$prefix/include/reclite.h differs from include/reclite.h"
echo "static library: libreclite.a defines $defined reclite_ functions; header: include/reclite.h"

# pkg-config sees only this prefix.
export PKG_CONFIG_LIBDIR=$lib/pkgconfig PKG_CONFIG_PATH=
pkg-config --validate reclite || fail "reclite.pc does not validate"
[ "$(pkg-config --modversion reclite)" = "$version" ] || fail "reclite.pc says version $(pkg-config --modversion reclite), the header $version"
[ "$(pkg-config --variable=prefix reclite)" = "$prefix" ] || fail "reclite.pc has prefix $(pkg-config --variable=prefix reclite)"
echo "reclite.pc: version $(pkg-config --modversion reclite), flags: $(pkg-config --cflags --libs reclite)"

# A program built with pkg-config's flags alone runs from the prefix: LD_LIBRARY_PATH finds the
# library (no rpath), and it prints what the build tree's C example prints.
"$reference" "$model" 7 10 > "$work/expected.txt"
# shellcheck disable=SC2046  # pkg-config's output is a list of flags
${CC:-cc} -std=c11 -Wall -Werror examples/c/recommend.c $(pkg-config --cflags --libs reclite) -o "$work/recommend-shared"
# grep reads all of its input here (no -q): with pipefail, a grep -q that stops at the first
# match can leave the writer (ldd, readelf) dying of SIGPIPE and so fail the pipeline.
if readelf -d "$work/recommend-shared" | grep -E 'RPATH|RUNPATH' > /dev/null; then fail "recommend-shared has an rpath"; fi
readelf -d "$work/recommend-shared" | grep "Shared library: \[$soname\]" > /dev/null || fail "recommend-shared does not need $soname"
LD_LIBRARY_PATH=$lib ldd "$work/recommend-shared" | grep "$soname => $lib/$soname" > /dev/null || fail "the loader does not pick $lib/$soname"
LD_LIBRARY_PATH=$lib "$work/recommend-shared" "$model" 7 10 > "$work/shared.txt"
diff -u "$work/expected.txt" "$work/shared.txt" || fail "the installed library recommends differently"
echo "shared: built with \$(pkg-config --cflags --libs reclite), needs $soname, runs with LD_LIBRARY_PATH=$lib:"
cat "$work/shared.txt"

# Statically linked (pkg-config --static adds Libs.private): no libreclite at run time.
# shellcheck disable=SC2046
${CC:-cc} -std=c11 -Wall -Werror -static examples/c/recommend.c $(pkg-config --static --cflags --libs reclite) -o "$work/recommend-static"
if readelf -d "$work/recommend-static" 2>/dev/null | grep 'Shared library' > /dev/null; then fail "recommend-static needs shared libraries"; fi
"$work/recommend-static" "$model" 7 10 > "$work/static.txt"
diff -u "$work/expected.txt" "$work/static.txt" || fail "the static library recommends differently"
echo "static: built with -static \$(pkg-config --static --cflags --libs reclite), $(stat -c %s "$work/recommend-static") bytes, same output"
