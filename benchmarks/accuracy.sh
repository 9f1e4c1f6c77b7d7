#!/usr/bin/env bash
# Re-measure the bundled model's published accuracy through the ONNX runtime and write the
# JSON results next to the docs that quote them. Usage: benchmarks/accuracy.sh [MODEL] [DATA]
set -euo pipefail
model=${1:-base}
data=${2:-${FACEMTL_DATA:-../shared/data}}
out=benchmarks/results
mkdir -p "$out"
facemtl evaluate --model "$model" --dataset ferplus --data "$data/ferplus" --split test --json -q > "$out/$model-ferplus-test.json"
facemtl evaluate --model "$model" --dataset utkface --data "$data/utkface" --split test --json -q > "$out/$model-utkface-test.json"
facemtl evaluate --model "$model" --dataset ckplus --data "$data/ckplus48" --json -q > "$out/$model-ckplus-all.json"
echo "wrote $out/$model-{ferplus-test,utkface-test,ckplus-all}.json"
