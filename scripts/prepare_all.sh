#!/usr/bin/env bash
# Prepares the trace tables and the offline embeddings every experiment reads.
#   DATA_SOURCE  raw data folder (default ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCE="${DATA_SOURCE:-../shared/data}"
python3 data_scripts/prepare_data.py --source "$SOURCE" --out prepared
BIN=build/tracer-bench
for ds in banking77 clinc150; do
  $BIN embed --encoder lsa --train prepared/$ds/train.csv --test prepared/$ds/test.csv \
    --out prepared/$ds/embeddings --name lsa768 --dim 768 --seed 20260422 --quiet
done
