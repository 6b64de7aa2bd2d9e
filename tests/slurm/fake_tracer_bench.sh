#!/usr/bin/env bash
# TEST DOUBLE for tracer-bench's work-unit CLI. It computes nothing: it exists so
# scripts/slurm/submit.sh and scripts/ci_slurm.sh can be exercised on a real
# Slurm cluster before (or without) the real binary. It follows the contract:
#
#   plan  EXP.toml [--format tsv|json]
#   run   EXP.toml --shard I/N --work DIR [--quiet]   units with index % N == I
#   merge EXP.toml --work DIR [--output OUT]          exit 2 on missing/foreign units
#   EXP.toml [--output OUT] [--quiet]                 plan+run+merge, same bytes
#
# A "unit" is a line of text derived from the experiment file's sha256, so a
# unit file from another experiment is detected as foreign. Knobs (environment):
#   FAKE_UNITS=12        number of work units
#   FAKE_SLEEP=0         seconds each unit "takes"
#   FAKE_FAIL_SHARD=I    the run of shard I fails (exit 1) after its first unit
set -euo pipefail

UNITS=${FAKE_UNITS:-12}
err() { echo "fake_tracer_bench: error: $*" >&2; exit 2; }

sub=run_all
case "${1:-}" in
  plan|run|merge) sub=$1; shift ;;
esac
exp=${1:-}; [ -n "$exp" ] || err "missing EXP.toml"; shift
[ -f "$exp" ] || err "no such experiment file: $exp"
sha=$(sha256sum "$exp" | cut -c1-16)
name=$(basename "$exp" .toml)

shard="" work="" output="" format=tsv quiet=0
while [ $# -gt 0 ]; do
  case "$1" in
    --shard) shard=${2:-}; shift 2 ;;
    --work) work=${2:-}; shift 2 ;;
    --output) output=${2:-}; shift 2 ;;
    --format) format=${2:-}; shift 2 ;;
    --quiet) quiet=1; shift ;;
    *) err "unknown argument: $1" ;;
  esac
done
[ -n "$output" ] || output=$(dirname "$exp")/fake-results/$name

unit_id() { printf 'u%03d' "$1"; }
unit_body() { printf '%s\t%s\t%s\tvalue=%d\n' "$name" "$sha" "$(unit_id "$1")" $(( ($1 * 7919) % 1000 )); }

do_plan() {
  local i
  if [ "$format" = json ]; then
    printf '['
    for ((i = 0; i < UNITS; i++)); do
      [ "$i" -gt 0 ] && printf ','
      printf '{"id":"%s","covers":"fake unit %d","cost":1}' "$(unit_id $i)" "$i"
    done
    printf ']\n'
  else
    printf 'id\tcovers\tcost\n'
    for ((i = 0; i < UNITS; i++)); do printf '%s\tfake unit %d\t1\n' "$(unit_id $i)" "$i"; done
  fi
}

do_run() {  # $1 = I, $2 = N
  local I=$1 N=$2 i f done_here=0
  mkdir -p "$work/units"
  for ((i = 0; i < UNITS; i++)); do
    [ $(( i % N )) -eq "$I" ] || continue
    f=$work/units/$(unit_id $i).tsv
    if [ -f "$f" ] && [ "$(cat "$f")" = "$(unit_body $i)" ]; then
      [ "$quiet" = 1 ] || echo "skip $(unit_id $i) (valid)"
      continue
    fi
    sleep "${FAKE_SLEEP:-0}"
    unit_body $i >"$f.tmp.$$"
    mv "$f.tmp.$$" "$f"   # atomic within one folder
    [ "$quiet" = 1 ] || echo "done $(unit_id $i)"
    done_here=$(( done_here + 1 ))
    if [ -n "${FAKE_FAIL_SHARD:-}" ] && [ "$FAKE_FAIL_SHARD" = "$I" ]; then
      echo "fake_tracer_bench: shard $I failing on purpose (FAKE_FAIL_SHARD)" >&2
      exit 1
    fi
  done
  [ "$quiet" = 1 ] || echo "shard $I/$N: computed $done_here unit(s)"
}

do_merge() {
  local i f missing=0
  for ((i = 0; i < UNITS; i++)); do
    f=$work/units/$(unit_id $i).tsv
    if [ ! -f "$f" ]; then echo "fake_tracer_bench: missing unit $(unit_id $i) in $work" >&2; missing=1
    elif [ "$(cat "$f")" != "$(unit_body $i)" ]; then echo "fake_tracer_bench: foreign or corrupt unit $f" >&2; missing=1
    fi
  done
  [ "$missing" = 0 ] || exit 2
  mkdir -p "$output"
  cat "$work"/units/u*.tsv | sort >"$output/results.tsv"
  printf '{"experiment":"%s","work":"%s"}\n' "$name" "$work" >"$output/manifest.json"
  printf '{"wall_s":%s}\n' "$SECONDS" >"$output/timings.json"
  [ "$quiet" = 1 ] || echo "merged $UNITS units into $output"
}

case "$sub" in
  plan) do_plan ;;
  run)
    [[ "$shard" =~ ^([0-9]+)/([0-9]+)$ ]] || err "--shard I/N required (got '${shard}')"
    I=${BASH_REMATCH[1]} N=${BASH_REMATCH[2]}
    [ "$N" -ge 1 ] && [ "$I" -lt "$N" ] || err "bad shard $shard"
    [ -n "$work" ] || err "--work DIR required"
    do_run "$I" "$N" ;;
  merge)
    [ -n "$work" ] || err "--work DIR required"
    do_merge ;;
  run_all)
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    do_run 0 1 >/dev/null; do_merge ;;
esac
