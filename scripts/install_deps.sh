#!/usr/bin/env bash
# Installs the Debian packages tracer-bench builds and runs with (as root, or via sudo).
#   bash scripts/install_deps.sh          everything: the main binary, tests, benchmarks, style check
#   bash scripts/install_deps.sh --main   only what building and running the main binary needs
#                                         (scripts/setup_and_run.sh)
# When every package is already installed, apt is not called at all.
set -euo pipefail
MAIN_PACKAGES=(
  cmake g++ make pkg-config git python3
  libarmadillo-dev libopenblas-dev liblapack-dev   # linear algebra on OpenBLAS/LAPACK
  libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libssl-dev
  libboost-program-options-dev libboost-math-dev libfccp-dev libcsv-dev
  gnuplot-nox                                       # report plots (optional at run time)
)
DEV_PACKAGES=(
  libgtest-dev googletest libbenchmark-dev          # the tests and benchmarks
  clang-format                                      # the style check (scripts/format.sh --check)
  shellcheck                                        # the shell-script check (scripts/check_shell.sh)
)
case "${1:-}" in
  "") PACKAGES=("${MAIN_PACKAGES[@]}" "${DEV_PACKAGES[@]}") ;;
  --main) PACKAGES=("${MAIN_PACKAGES[@]}") ;;
  *) echo "install_deps: unknown argument '$1' (use --main or nothing)" >&2; exit 2 ;;
esac
missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: ok (all ${#PACKAGES[@]} packages already installed)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: ok (installed ${#missing[@]} of ${#PACKAGES[@]}: ${missing[*]})"
