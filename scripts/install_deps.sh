#!/usr/bin/env bash
# Installs the Debian packages tracer-bench builds and runs with (as root, or via sudo).
set -euo pipefail
PACKAGES=(
  cmake g++ make pkg-config git python3
  libarmadillo-dev libopenblas-dev liblapack-dev   # linear algebra on OpenBLAS/LAPACK
  libfmt-dev libtomlplusplus-dev nlohmann-json3-dev libssl-dev
  libboost-program-options-dev libboost-math-dev libfccp-dev libcsv-dev
  libgtest-dev googletest libbenchmark-dev
  gnuplot-nox                                       # report plots (optional at run time)
  clang-format                                      # the style check (scripts/format.sh --check)
)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
echo "install_deps: ok"
