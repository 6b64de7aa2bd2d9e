#!/usr/bin/env bash
# Fuzz every reader with libFuzzer (clang, ASan + UBSan): any bytes must give a
# value or a tracer::UserError, never a crash, another exception, UB or a leak.
#
#   FUZZ_SECONDS   seconds per target (default 60)
#   FUZZ_BUILD_DIR build folder (default build-fuzz)
#   FUZZ_TARGETS   space-separated subset (default: all)
#
# Each target starts from its committed seeds (fuzz/corpus/<target>/, never
# modified: the run works on a copy) and writes any crashing input to
# $FUZZ_BUILD_DIR/crashes/<target>/. Prints executions per second and total
# executions per target; exits 1 if any target failed.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}"
ALL_TARGETS="fuzz_npy fuzz_trace_csv fuzz_trace_jsonl fuzz_labels fuzz_glove fuzz_config"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"

# clang and its runtime (libFuzzer, sanitizers); the libraries come from
# scripts/install_deps.sh (run it first on a fresh machine, as .ci/run does).
if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  SUDO=""; if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends clang-14 libclang-rt-14-dev >/dev/null
fi

cmake -S . -B "$BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTRACER_BUILD_FUZZ=ON -DTRACER_BUILD_TESTS=OFF -DTRACER_BUILD_BENCH=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" -j"$(nproc)" --target $TARGETS

status=0
summary=()
for t in $TARGETS; do
  work="$BUILD_DIR/corpus/$t"
  crashes="$BUILD_DIR/crashes/$t"
  mkdir -p "$work" "$crashes"
  if [ -d "fuzz/corpus/$t" ]; then cp -n fuzz/corpus/"$t"/* "$work"/ 2>/dev/null || true; fi
  log="$BUILD_DIR/$t.log"
  echo "ci_fuzz: $t for ${SECONDS_PER_TARGET} s"
  rc=0
  "$BUILD_DIR/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$work" >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  if [ "$rc" -ne 0 ]; then
    status=1
    summary+=("$(printf '%-18s FAILED (exit %s): see %s, inputs in %s' "$t" "$rc" "$log" "$crashes")")
    grep -m 5 -E 'ERROR|fuzz: |SUMMARY' "$log" || tail -n 20 "$log"
  else
    summary+=("$(printf '%-18s ok   %10s executions  %8s exec/s' "$t" "$execs" "$rate")")
  fi
done
echo "ci_fuzz: ${SECONDS_PER_TARGET} s per target"
printf 'ci_fuzz: %s\n' "${summary[@]}"
exit $status
