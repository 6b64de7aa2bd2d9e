#!/usr/bin/env bash
# Prepares the trace tables and every offline embedding the committed
# experiments read (into the git-ignored prepared/); the list is
# EMBEDDINGS in scripts/prepare_inputs.py.
#   DATA_SOURCE      raw data folder (default ../shared/data)
#   TRACER_GLOVE_DIR GloVe cache (default ../cache/glove, filled by data_scripts/fetch_glove.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/blas_env.sh
source scripts/blas_env.sh
python3 scripts/prepare_inputs.py --all
echo "prepare_all: ok"
