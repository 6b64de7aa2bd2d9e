#!/usr/bin/env bash
# One command from a fresh clone to the first result: the packages the main
# binary needs, the tracer-bench executable only, the data the main job reads
# (Banking77's trace tables and its LSA-768 embeddings), and the main job (the
# Banking77 replay) into results/banking77/. Prints a timed breakdown at the end.
# Tests, benchmarks, the other datasets and GloVe come with
#   bash scripts/install_deps.sh && bash scripts/build.sh && bash scripts/prepare_all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/blas_env.sh
source scripts/blas_env.sh
MAIN=experiments/banking77.toml
names=()
usecs=()
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo $((10#$t)); }
step() {  # name command...
  local name=$1 t0
  shift
  t0=$(now_us)
  echo "=== setup_and_run: $name"
  "$@"
  names+=("$name")
  usecs+=($(($(now_us) - t0)))
}
secs() { printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }
step packages bash scripts/install_deps.sh --main
step build bash scripts/build.sh --main-only
step data python3 scripts/prepare_inputs.py "$MAIN"
step run build/tracer-bench "$MAIN"
total=0
echo "setup_and_run: time to first result (seconds)"
for i in "${!names[@]}"; do
  printf '  %-9s %7s\n' "${names[$i]}" "$(secs "${usecs[$i]}")"
  total=$((total + usecs[i]))
done
printf '  %-9s %7s\n' total "$(secs "$total")"
