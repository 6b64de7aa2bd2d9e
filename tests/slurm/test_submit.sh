#!/usr/bin/env bash
# Checks scripts/slurm/submit.sh without a cluster: argument errors exit 2, and
# the sbatch calls it makes (recorded by a stand-in sbatch on PATH) have the
# array, the afterok dependency, absolute paths and the extra options.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SUBMIT=$REPO/scripts/slurm/submit.sh
FAKE=$REPO/tests/slurm/fake_tracer_bench.sh
EXP=$REPO/experiments/banking77.toml
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
pass=0 fail=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name" >&2; fi
}

# A stand-in sbatch: records its arguments, answers like --parsable (id;cluster).
mkdir -p "$T/bin"
cat >"$T/bin/sbatch" <<'SB'
#!/usr/bin/env bash
n=$(( $(cat "$SBATCH_LOG.n" 2>/dev/null || echo 100) + 1 )); echo $n >"$SBATCH_LOG.n"
printf '%s\n' "$*" >>"$SBATCH_LOG"
echo "$n;testcluster"
SB
chmod +x "$T/bin/sbatch"
export PATH=$T/bin:$PATH SBATCH_LOG=$T/sbatch.log

rc() { "$@" >/dev/null 2>&1; echo $?; }
check "no args -> 2" [ "$(rc "$SUBMIT")" = 2 ]
check "missing file -> 2" [ "$(rc "$SUBMIT" "$T/nope.toml" --bin "$FAKE")" = 2 ]
check "shards 0 -> 2" [ "$(rc "$SUBMIT" "$EXP" --shards 0 --bin "$FAKE")" = 2 ]
check "shards abc -> 2" [ "$(rc "$SUBMIT" "$EXP" --shards abc --bin "$FAKE")" = 2 ]
check "unknown option -> 2" [ "$(rc "$SUBMIT" "$EXP" --frobnicate --bin "$FAKE")" = 2 ]
check "missing value -> 2" [ "$(rc "$SUBMIT" "$EXP" --bin "$FAKE" --work)" = 2 ]
check "bad binary -> 2" [ "$(rc "$SUBMIT" "$EXP" --bin "$T/no-such-binary")" = 2 ]
check "two experiments -> 2" [ "$(rc "$SUBMIT" "$EXP" "$EXP" --bin "$FAKE")" = 2 ]
check "no sbatch call on errors" [ ! -e "$SBATCH_LOG" ]

# A good call from another folder, relative paths, extra sbatch options.
mkdir -p "$T/cwd" && cp "$EXP" "$T/cwd/e.toml"
out=$(cd "$T/cwd" && "$SUBMIT" e.toml --shards 3 --work w --output o --bin "$FAKE" -- --partition=p --time=5)
check "exit 0" [ $? = 0 ]
check "prints array_job" grep -qx 'array_job=101' <<<"$out"
check "prints merge_job" grep -qx 'merge_job=102' <<<"$out"
run_call=$(sed -n 1p "$SBATCH_LOG"); merge_call=$(sed -n 2p "$SBATCH_LOG")
check "array 0-2" grep -q -- "--array=0-2 " <<<"$run_call"
check "run logs in work" grep -q -- "--output=$T/cwd/w/slurm/logs/run-%A_%a.out" <<<"$run_call"
check "extra options on run" grep -q -- "--partition=p --time=5 " <<<"$run_call"
check "afterok on the array id" grep -q -- "--dependency=afterok:101 " <<<"$merge_call"
check "kill on invalid dep" grep -q -- "--kill-on-invalid-dep=yes" <<<"$merge_call"
check "extra options on merge" grep -q -- "--partition=p --time=5 " <<<"$merge_call"
check "run script: absolute shard command" \
  grep -qF "run $T/cwd/e.toml --shard \"\$SLURM_ARRAY_TASK_ID/3\" --work $T/cwd/w --quiet" "$T/cwd/w/slurm/run.sbatch"
check "merge script: absolute merge command" \
  grep -qF "merge $T/cwd/e.toml --work $T/cwd/w --output $T/cwd/o" "$T/cwd/w/slurm/merge.sbatch"

# The generated batch scripts really run the contract (with the test double).
(cd "$T" && for i in 0 1 2; do SLURM_ARRAY_TASK_ID=$i bash "$T/cwd/w/slurm/run.sbatch" || exit 1; done \
   && bash "$T/cwd/w/slurm/merge.sbatch") >/dev/null 2>&1
check "batch scripts run and merge" [ -s "$T/cwd/o/results.tsv" ]

echo "test_submit: $pass passed, $fail failed"
[ "$fail" = 0 ]
