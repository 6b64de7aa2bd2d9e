#!/usr/bin/env bash
# Runs every committed experiment into results/<name>/.
set -euo pipefail
cd "$(dirname "$0")/.."
for exp in "${@:-experiments/banking77.toml}"; do
  build/tracer-bench "$exp" --quiet
done
