#!/usr/bin/env bash
# One command from a fresh clone: dependencies, build, data, embeddings, and the
# main job (the Banking77 replay) into results/banking77/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
bash scripts/prepare_all.sh
build/tracer-bench experiments/banking77.toml
