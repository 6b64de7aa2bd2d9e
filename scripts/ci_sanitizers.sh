#!/usr/bin/env bash
# The test suite under sanitizers, with Armadillo's bounds checks on:
#   1. build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (no recovery:
#      the first finding fails), the whole ctest suite;
#   2. build-tsan: ThreadSanitizer, the tests that run code on several threads
#      (forests, MLP, SGD, LSA, zoo, batch routing at 1 vs 2 threads; replay and the CLI
#      determinism test, which runs a TSan-built tracer-bench at --threads 1 and 2).
# ASan/UBSan: GCC 12 (libasan8, libubsan1 come with g++). TSan: clang 14
# (clang-14, libclang-rt-14-dev), because GCC's target_clones kernels
# (TRACER_MULTIVERSION, src/core/models/simd.hpp) get ifunc resolvers that
# GCC instruments for TSan and that run before the TSan runtime is set up:
# every GCC TSan binary linking the models segfaults at load. simd.hpp turns
# multiversioning off for clang. The libraries come with scripts/install_deps.sh.
# Works on a fresh Debian 12 machine.
#
#   SKIP_DEPS=1       do not run install_deps.sh
#   JOBS=N            build and test parallelism (default: nproc)
#   SANITIZERS="address thread"   which passes to run
#   BUILD_TYPE        default RelWithDebInfo (Debug is ~3x slower to run)
#   SAN_FLAGS         its flags, default "-O1 -g1 -DNDEBUG": -O1 and line tables only compile
#                     much faster than -O2 -g, and the reports still name file and line
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-$(nproc)}"
SANITIZERS="${SANITIZERS:-address thread}"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
SAN_FLAGS="${SAN_FLAGS:--O1 -g1 -DNDEBUG}"

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  bash scripts/install_deps.sh
  SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  if ! dpkg -s libasan8 libubsan1 clang-14 libclang-rt-14-dev >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq --no-install-recommends libasan8 libubsan1 clang-14 libclang-rt-14-dev >/dev/null
  fi
fi

# Threaded tests (grep -n "threads" tests/*.cpp): program and gtest filter.
TSAN_TESTS=(
  "test_trees:*"
  "test_mlp:*DeterministicForASeed*:*BeatsMajority*"
  "test_sgd:*SameSeed*"
  "test_lsa:*SameSeedSameBits*:*IgnoresThreadCount*"
  "test_zoo:*"
  "test_router:*"
  "test_replay:*"
  "test_production:*SameResultsAtAnyThreadCount*"
  "test_cli:*Deterministically*"
)

status=0
t_all=$(date +%s)
for san in $SANITIZERS; do
  case "$san" in
    address) dir=build-asan; compiler=g++ ;;
    thread) dir=build-tsan; compiler=clang++-14 ;;
    *) echo "ci_sanitizers: unknown sanitizer '$san'"; exit 2 ;;
  esac
  t0=$(date +%s)
  cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DTRACER_SANITIZE="$san" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$SAN_FLAGS" \
    -DTRACER_BUILD_BENCH=OFF >/dev/null
  if [ "$san" = address ]; then
    cmake --build "$dir" -j"$JOBS"
    t1=$(date +%s)
    # OpenBLAS is not instrumented; its own threads are irrelevant here.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ctest --test-dir "$dir" --output-on-failure -j"$JOBS" || status=1
    unset ASAN_OPTIONS UBSAN_OPTIONS
  else
    targets=(tracer-bench)
    for entry in "${TSAN_TESTS[@]}"; do targets+=("${entry%%:*}"); done
    cmake --build "$dir" -j"$JOBS" --target "${targets[@]}"
    t1=$(date +%s)
    # OpenBLAS's worker threads are not instrumented (TSan would report its
    # internal synchronisation as races): one BLAS thread, our threads only.
    export OPENBLAS_NUM_THREADS=1
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
    for entry in "${TSAN_TESTS[@]}"; do
      prog="${entry%%:*}"; filter="${entry#*:}"
      echo "ci_sanitizers: TSan $prog --gtest_filter=$filter"
      "$dir/$prog" --gtest_filter="$filter" --gtest_brief=1 || { echo "ci_sanitizers: TSan FAILED in $prog"; status=1; }
    done
    unset OPENBLAS_NUM_THREADS TSAN_OPTIONS
  fi
  t2=$(date +%s)
  echo "ci_sanitizers: $san: build $((t1 - t0)) s, tests $((t2 - t1)) s"
done
echo "ci_sanitizers: total $(( $(date +%s) - t_all )) s, status $status"
exit $status
