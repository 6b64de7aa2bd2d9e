#!/usr/bin/env bash
# Submits one tracer-bench experiment to Slurm as a job array plus a merge job:
#
#   scripts/slurm/submit.sh EXP.toml [--shards N] [--work DIR] [--output DIR]
#                           [--bin PATH] [-- extra sbatch options...]
#
#   array job  --array=0-(N-1):  tracer-bench run   EXP --shard $SLURM_ARRAY_TASK_ID/N --work DIR
#   merge job  --dependency=afterok:<array job>:  tracer-bench merge EXP --work DIR [--output DIR]
#
# Defaults: --shards 4, --work ./tracer-bench-work/<EXP name> (from the current
# folder), --output: the experiment's own output_dir, --bin: $TRACER_BIN or
# <repo>/build/tracer-bench. All paths are made absolute, so the jobs do not
# depend on the submitting folder; the work dir must be on a file system every
# node sees. Options after `--` go to both sbatch calls (e.g. --partition=...,
# --time=..., --cpus-per-task=...).
#
# Logs: DIR/slurm/logs/run-<array job>_<task>.out and merge-<job>.out; the two
# batch scripts are kept as DIR/slurm/run.sbatch and merge.sbatch.
# Resume: submit the same command again. Units already valid in DIR are skipped
# by `tracer-bench run`, so only the missing ones are computed.
# Prints the job ids, the last two lines machine-readable: array_job=ID, merge_job=ID.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}
bad() { echo "submit: error: $*" >&2; echo >&2; usage; exit 2; }
abspath() { realpath -m -- "$1"; }   # absolute, need not exist yet
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || bad "$1 needs a value"; }

exp="" shards=4 work="" output="" bin=${TRACER_BIN:-$REPO/build/tracer-bench}
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) need_value "$@"; shards=$2; shift 2 ;;
    --shards=*) shards=${1#*=}; shift ;;
    --work) need_value "$@"; work=$2; shift 2 ;;
    --work=*) work=${1#*=}; shift ;;
    --output) need_value "$@"; output=$2; shift 2 ;;
    --output=*) output=${1#*=}; shift ;;
    --bin) need_value "$@"; bin=$2; shift 2 ;;
    --bin=*) bin=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    -*) bad "unknown option: $1" ;;
    *) [ -z "$exp" ] || bad "more than one experiment given: '$exp' and '$1'"; exp=$1; shift ;;
  esac
done

[ -n "$exp" ] || bad "missing EXP.toml"
[ -f "$exp" ] || bad "no such experiment file: $exp"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || bad "--shards must be a positive integer (got '$shards')"
exp=$(abspath "$exp")
bin=$(abspath "$bin")
[ -x "$bin" ] || bad "tracer-bench binary not found or not executable: $bin (build it, or pass --bin / set TRACER_BIN)"
name=$(basename "$exp" .toml)
work=$(abspath "${work:-tracer-bench-work/$name}")
[ -z "$output" ] || output=$(abspath "$output")
command -v sbatch >/dev/null || { echo "submit: error: sbatch not found (no Slurm client on this machine?)" >&2; exit 2; }

slurm_dir=$work/slurm
mkdir -p "$slurm_dir/logs"

q() { printf '%q' "$1"; }
{
  echo '#!/usr/bin/env bash'
  echo "# tracer-bench run, one array task per shard; written by scripts/slurm/submit.sh"
  echo 'set -euo pipefail'
  echo "exec $(q "$bin") run $(q "$exp") --shard \"\$SLURM_ARRAY_TASK_ID/$shards\" --work $(q "$work") --quiet"
} >"$slurm_dir/run.sbatch"
{
  echo '#!/usr/bin/env bash'
  echo "# tracer-bench merge, after every shard succeeded; written by scripts/slurm/submit.sh"
  echo 'set -euo pipefail'
  printf 'exec %s merge %s --work %s' "$(q "$bin")" "$(q "$exp")" "$(q "$work")"
  [ -z "$output" ] || printf ' --output %s' "$(q "$output")"
  echo
} >"$slurm_dir/merge.sbatch"

jobid() { printf '%s\n' "${1%%;*}"; }   # --parsable prints "id" or "id;cluster"

array_out=$(sbatch --parsable --job-name="tb-run-$name" --array="0-$(( shards - 1 ))" \
  --chdir="$work" --output="$slurm_dir/logs/run-%A_%a.out" \
  ${extra[@]+"${extra[@]}"} "$slurm_dir/run.sbatch") || {
  echo "submit: error: sbatch of the run array failed" >&2; exit 1; }
array_job=$(jobid "$array_out")

# --kill-on-invalid-dep: if a shard fails the merge job is cancelled instead of
# pending forever on a dependency that can never be satisfied.
merge_out=$(sbatch --parsable --job-name="tb-merge-$name" \
  --dependency="afterok:$array_job" --kill-on-invalid-dep=yes \
  --chdir="$work" --output="$slurm_dir/logs/merge-%j.out" \
  ${extra[@]+"${extra[@]}"} "$slurm_dir/merge.sbatch") || {
  echo "submit: error: sbatch of the merge job failed; cancelling array job $array_job" >&2
  scancel "$array_job" || true
  exit 1; }
merge_job=$(jobid "$merge_out")

echo "submit: $name: array job $array_job ($shards shards: $bin run ... --shard 0..$(( shards - 1 ))/$shards)"
dest=${output:-"the experiment's output_dir"}
echo "submit: $name: merge job $merge_job (afterok:$array_job) -> $dest"
echo "submit: work dir $work, logs in $slurm_dir/logs"
echo "array_job=$array_job"
echo "merge_job=$merge_job"
