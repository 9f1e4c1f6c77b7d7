#!/usr/bin/env bash
# Re-measure a bundled model's published accuracy through the ONNX runtime: FER+ test, the
# seeded UTKFace test split (with bias breakdowns), CK+48 (cross-data-set), identity
# verification on ORL and on the CK+ subjects that identity pre-training holds out.
# Writes benchmarks/results/MODEL-*.json and docs/img/MODEL-*-confusion.png; with
# --write-card also records each result in the model's card (how the bundled cards were made).
# Usage: benchmarks/accuracy.sh [MODEL] [DATA] [--write-card]   (about 3 minutes per model)
set -euo pipefail
model=${1:-accurate}
data=${2:-${FACEMTL_DATA:-../shared/data}}
card=${3:-}
out=benchmarks/results
mkdir -p "$out" docs/img
run() { facemtl evaluate --model "$model" --json -q --threads "${FACEMTL_THREADS:-0}" $card "$@"; }
run --dataset ferplus --data "$data/ferplus" --split test \
    --confusion "docs/img/$model-ferplus-confusion.png" > "$out/$model-ferplus-test.json"
run --dataset utkface --data "$data/utkface" --split test > "$out/$model-utkface-test.json"
run --dataset ckplus --data "$data/ckplus48" \
    --confusion "docs/img/$model-ckplus-confusion.png" > "$out/$model-ckplus-all.json"
run --dataset identity --data "$data/att_faces" --split all > "$out/$model-identity-orl.json"
echo "wrote $out/$model-{ferplus-test,utkface-test,ckplus-all,identity-orl}.json"
