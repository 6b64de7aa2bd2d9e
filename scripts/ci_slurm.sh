#!/usr/bin/env bash
# CI check of the cluster path: the same experiment run in one process and as a
# Slurm job array + merge job on a real one-node cluster must give the same
# results folder, byte for byte.
#
#   scripts/ci_slurm.sh EXP.toml
#
# Environment:
#   TRACER_BIN            binary (default build/tracer-bench; the test double
#                         tests/slurm/fake_tracer_bench.sh works too)
#   CI_SLURM_SHARDS       array size (default 4)
#   CI_SLURM_TIMEOUT      seconds to wait for the merge job (default 900)
#   CI_SLURM_KEEP=1       keep the temporary folder (printed) instead of removing it
#   CI_SLURM_COMPARE_EXCLUDE  space-separated names left out of the comparison
#                         (default: timings.json candidate_timings.csv manifest.json,
#                         which hold wall times and paths)
# Starts the cluster with scripts/slurm/local_cluster.sh and always stops it on exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 EXP.toml" >&2; exit 2; }
[ -f "$1" ] || { echo "ci_slurm: error: no such experiment file: $1" >&2; exit 2; }
EXP=$(realpath -- "$1")
BIN=$(cd "$REPO" && realpath -m -- "${TRACER_BIN:-build/tracer-bench}")
SHARDS=${CI_SLURM_SHARDS:-4}
TIMEOUT=${CI_SLURM_TIMEOUT:-900}
EXCLUDE=${CI_SLURM_COMPARE_EXCLUDE-timings.json candidate_timings.csv manifest.json}
[ -x "$BIN" ] || { echo "ci_slurm: error: binary not executable: $BIN (set TRACER_BIN)" >&2; exit 2; }
NAME=$(basename "$EXP" .toml)
CLUSTER=$REPO/scripts/slurm/local_cluster.sh

TMP=$(mktemp -d /tmp/ci_slurm.XXXXXX)
started=0
finish() {
  local rc=$?
  if [ "$started" = 1 ]; then "$CLUSTER" stop >/dev/null 2>&1 || echo "ci_slurm: warning: cluster stop failed" >&2; fi
  if [ "${CI_SLURM_KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then
    echo "ci_slurm: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit $rc
}
trap finish EXIT
trap 'exit 130' INT TERM

show_logs() {
  local f
  for f in "$TMP"/work/slurm/logs/*.out; do
    [ -f "$f" ] || continue
    echo "----- $f" >&2; tail -n 30 "$f" >&2
  done
}

t0=$SECONDS
"$CLUSTER" start
started=1
eval "$("$CLUSTER" env)"
t_cluster=$(( SECONDS - t0 ))

t1=$SECONDS
"$BIN" "$EXP" --output "$TMP/single" --quiet
t_single=$(( SECONDS - t1 ))

t2=$SECONDS
"$REPO/scripts/slurm/submit.sh" "$EXP" --shards "$SHARDS" --work "$TMP/work" \
  --output "$TMP/merged" --bin "$BIN" | tee "$TMP/submit.out"
merge_job=$(sed -n 's/^merge_job=//p' "$TMP/submit.out")
array_job=$(sed -n 's/^array_job=//p' "$TMP/submit.out")
[ -n "$merge_job" ] || { echo "ci_slurm: error: submit.sh printed no merge_job=" >&2; exit 1; }

# Poll the merge job's state (no accounting database here, so no sacct).
state=""
while :; do
  state=$(scontrol show job "$merge_job" -o 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)
  case "$state" in
    COMPLETED) break ;;
    FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)
      echo "ci_slurm: error: merge job $merge_job ended $state" >&2
      scontrol show job "$array_job" -o 2>/dev/null | grep -oE '^JobId=[^ ]+|ArrayTaskId=[^ ]+|JobState=[A-Z_]+|ExitCode=[^ ]+' | paste -sd' ' >&2 || true
      show_logs; exit 1 ;;
    "") echo "ci_slurm: error: merge job $merge_job unknown to slurmctld" >&2; show_logs; exit 1 ;;
  esac
  if [ $(( SECONDS - t2 )) -ge "$TIMEOUT" ]; then
    echo "ci_slurm: error: merge job $merge_job still $state after ${TIMEOUT}s" >&2
    squeue >&2 || true; show_logs
    scancel "$array_job" "$merge_job" || true
    exit 1
  fi
  sleep 1
done
t_slurm=$(( SECONDS - t2 ))

excl=()
for e in $EXCLUDE; do excl+=(--exclude="$e"); done
if ! diff -r ${excl[@]+"${excl[@]}"} "$TMP/single" "$TMP/merged" >"$TMP/diff.txt"; then
  echo "ci_slurm: FAIL $NAME: merged results differ from the single-process run:" >&2
  head -n 40 "$TMP/diff.txt" >&2
  exit 1
fi
nfiles=0
while IFS= read -r f; do
  case " $EXCLUDE " in *" $(basename "$f") "*) ;; *) nfiles=$(( nfiles + 1 )) ;; esac
done < <(cd "$TMP/merged" && find . -type f)
echo "ci_slurm: OK $NAME: $SHARDS-task array $array_job + merge $merge_job COMPLETED in ${t_slurm}s,"\
     "$nfiles files identical to the single-process run (${t_single}s) except [${EXCLUDE}]; cluster start ${t_cluster}s"
