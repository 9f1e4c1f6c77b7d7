#!/usr/bin/env bash
# The bundled network's CPU recipe (configs/cpu_recipe.yaml, docs/TRAINING.md), end to end:
# train (resumable: run it again after a stop and it continues from the last epoch), log each
# epoch to docs/logs/cpu_recipe.log, export the best epoch as ONNX + card.
#   bash benchmarks/cpu_recipe.sh [CONFIG] [NAME] [DATA]
# About 100 minutes on 2 CPU cores (18 epochs) (first run: about 5 more to crop and cache the data sets
# with the detector). On a GPU machine the same command runs on the GPU (`device: auto`).
# Extra arguments after DATA go to `facemtl train` (e.g. --epochs 2 --limit 500 for a smoke run).
set -euo pipefail
config=${1:-configs/cpu_recipe.yaml}
name=${2:-cpu_recipe}
data=${3:-${FACEMTL_DATA:-../shared/data}}
shift $(( $# < 3 ? $# : 3 ))
out=runs/$name
mkdir -p "$out" docs/logs
log=docs/logs/$name.log
echo "# $(date -u +%FT%TZ) facemtl train --config $config $*  ($(nproc) CPUs," \
     "torch threads ${OMP_NUM_THREADS:-default})" >> "$log"
facemtl train --config "$config" --data ferplus="$data/ferplus" --data utkface="$data/utkface" \
    --out "$out" -q "$@" 2>&1 | tee -a "$log"
facemtl export "$out/best.pt" --out "$out/export" --name "$name"
echo "exported $out/export/$name.onnx (+ .json); measure it with:" \
     "bash benchmarks/accuracy.sh $out/export/$name.json"
