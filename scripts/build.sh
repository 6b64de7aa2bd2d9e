#!/usr/bin/env bash
# Configures and builds tracer-bench in Release with warnings on, into build/.
#   TRACER_WERROR=ON  treat warnings as errors (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTRACER_WERROR="${TRACER_WERROR:-OFF}" >/dev/null
cmake --build build -j"$(nproc)"
