#!/usr/bin/env bash
# Regenerates every committed result into a fresh folder and compares it with
# results/ (scripts/compare_results.py: file sets both ways, counts exact,
# decimals within the stated tolerance).
#
# Experiments with committed work units (units/<name>/) are not recomputed
# whole: a deterministic sample of their units (chosen from the commit hash)
# is re-run and compared exactly with the committed unit files, then all
# committed units are merged and the merged folder is compared like the rest.
# A study still being computed (units/<name>/IN_PROGRESS, which says how far it
# is) has no committed results yet: a sample of its present units is re-run and
# compared, nothing is merged.
#   UNIT_SAMPLE         units re-run per such experiment (default 3)
#   IN_PROGRESS_SAMPLE  units re-run per study in progress (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/blas_env.sh
source scripts/blas_env.sh
BIN=${TRACER_BIN:-build/tracer-bench}
SAMPLE=${UNIT_SAMPLE:-3}
PARTIAL_SAMPLE=${IN_PROGRESS_SAMPLE:-1}
FRESH=${1:-$(mktemp -d /tmp/tracer_check.XXXXXX)}
SEED=$(git rev-parse HEAD 2>/dev/null || echo no-git)
status=0
for exp in experiments/*.toml; do
  name=$(basename "$exp" .toml)
  t0=$SECONDS
  if [ -f "units/$name/IN_PROGRESS" ]; then
    "$BIN" verify "$exp" --work "units/$name" --sample "$PARTIAL_SAMPLE" --sample-seed "$SEED" --present-only --quiet ||
      status=1
    echo "check_results: $name (in progress, not merged) verified $PARTIAL_SAMPLE present units in $((SECONDS - t0)) s"
    continue
  elif [ -d "units/$name" ]; then
    "$BIN" verify "$exp" --work "units/$name" --sample "$SAMPLE" --sample-seed "$SEED" --quiet || status=1
    "$BIN" merge "$exp" --work "units/$name" --output "$FRESH/$name" --quiet || status=1
    how="verified $SAMPLE units + merged"
  else
    "$BIN" "$exp" --output "$FRESH/$name" --quiet || status=1
    how="regenerated"
  fi
  echo "check_results: $name $how in $((SECONDS - t0)) s"
  python3 scripts/compare_results.py "results/$name" "$FRESH/$name" || status=1
done
echo "check_results: fresh results in $FRESH"
exit $status
