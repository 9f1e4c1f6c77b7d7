#!/usr/bin/env bash
# Re-measure a bundled model's published accuracy through the ONNX runtime: FER+ test, the
# seeded UTKFace test split (with bias breakdowns), CK+48 (cross-data-set: all frames, and
# the two subject halves, valid and test), identity verification on ORL. Every data set is
# framed as the model's card says it was trained (evaluate's default).
# Writes benchmarks/results/NAME-*.json and docs/img/NAME-*-confusion.png; with
# --write-card also records each result in the model's card (how the bundled cards were made).
# Usage: benchmarks/accuracy.sh [MODEL] [DATA] [--write-card]   (about 4 minutes per model)
# MODEL: a bundled name or a card path (NAME = the card's file name without .json).
set -euo pipefail
model=${1:-accurate}
data=${2:-${FACEMTL_DATA:-../shared/data}}
card=${3:-}
name=$(basename "$model" .json)
out=benchmarks/results
mkdir -p "$out" docs/img
run() { facemtl evaluate --model "$model" --json -q --threads "${FACEMTL_THREADS:-0}" $card "$@"; }
run --dataset ferplus --data "$data/ferplus" --split test \
    --confusion "docs/img/$name-ferplus-confusion.png" > "$out/$name-ferplus-test.json"
run --dataset utkface --data "$data/utkface" --split test > "$out/$name-utkface-test.json"
run --dataset ckplus --data "$data/ckplus48" --split all \
    --confusion "docs/img/$name-ckplus-confusion.png" > "$out/$name-ckplus-all.json"
for half in valid test; do
  run --dataset ckplus --data "$data/ckplus48" --split $half > "$out/$name-ckplus-$half.json"
done
run --dataset identity --data "$data/att_faces" --split all > "$out/$name-identity-orl.json"
echo "wrote $out/$name-{ferplus-test,utkface-test,ckplus-all,ckplus-valid,ckplus-test,identity-orl}.json"
