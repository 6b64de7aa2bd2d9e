#!/usr/bin/env bash
# Configures and builds tracer-bench in Release with warnings on, into build/.
#   bash scripts/build.sh              everything: the executable, tests, benchmarks (CI)
#   bash scripts/build.sh --main-only  only the tracer-bench executable (no tests, benchmarks,
#                                      checked libraries; GoogleTest/Benchmark not needed)
#   TRACER_WERROR=ON  treat warnings as errors (CI)
#   TRACER_CHECKED_TESTS=OFF  tests link the Release libraries instead of a second copy built with
#                     Armadillo's bounds checks (CI: its ASan pass runs the whole suite with the checks on)
# The test and benchmark options are passed every time, so a full build after a
# --main-only one builds everything again (CMake caches options).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  "") ALL=ON; TARGET=() ;;
  --main-only) ALL=OFF; TARGET=(--target tracer-bench) ;;
  *) echo "build.sh: unknown argument '$1' (use --main-only or nothing)" >&2; exit 2 ;;
esac
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTRACER_WERROR="${TRACER_WERROR:-OFF}" \
  -DTRACER_CHECKED_TESTS="${TRACER_CHECKED_TESTS:-ON}" \
  -DTRACER_BUILD_TESTS=$ALL -DTRACER_BUILD_BENCH=$ALL >/dev/null
cmake --build build -j"$(nproc)" "${TARGET[@]}"
