#!/usr/bin/env bash
# Paper 1's stage 1 (identity pre-training) on CK+48's subjects, compared on verification of
# people never trained on: the CK+ subjects the identity split holds out (24 people) and ORL
# (40 people). Trains, at 64 px on the CPU (about 25 minutes on 2 cores):
#   head-only (1 epoch; backbone ImageNet or random, frozen: the features as they come),
#   configs/stage1_identity.yaml (softmax, paper 1) and stage1_identity_arcface.yaml,
# exports each and evaluates it, with the bundled models beside them.
# Writes benchmarks/results/identity.json. Usage: benchmarks/identity.sh [DATA]
set -euo pipefail
data=${1:-${FACEMTL_DATA:-../shared/data}}
runs=runs/identity_benchmark
mkdir -p "$runs" benchmarks/results
train() {  # NAME, then extra train flags
    local name=$1; shift
    if [ ! -f "$runs/$name/export/$name.json" ]; then
        facemtl train --data identity="$data/ckplus48" --cache-dir .cache -q --out "$runs/$name" "$@" \
            > "$runs/$name.log"
        facemtl export "$runs/$name/best.pt" --out "$runs/$name/export" --name "$name" > /dev/null 2>&1
    fi
}
train imagenet_features --config configs/stage1_identity.yaml --epochs 1
train random_features --config configs/stage1_identity.yaml --epochs 1 --no-pretrained
train stage1_softmax --config configs/stage1_identity.yaml
train stage1_arcface --config configs/stage1_identity_arcface.yaml
{
    echo "{"
    first=1
    for model in "$runs"/*/export/*.json fast accurate; do
        for set in "ckplus48 test" "att_faces all"; do
            read -r folder split <<< "$set"
            [ $first = 1 ] || echo ","
            first=0
            name=$(basename "$model" .json)
            printf '"%s %s/%s": ' "$name" "$folder" "$split"
            facemtl evaluate --dataset identity --data "$data/$folder" --split "$split" \
                --model "$model" --json -q --threads 1
        done
    done
    echo "}"
} > benchmarks/results/identity.json.partial
mv benchmarks/results/identity.json.partial benchmarks/results/identity.json
python - <<'PY'
import json
results = json.load(open("benchmarks/results/identity.json"))
print("| features | data (people) | ROC AUC | accuracy at best threshold | rank-1 |")
print("| --- | --- | --- | --- | --- |")
for key, value in results.items():
    m = value["metrics"]["identity"]
    print(f"| {key.split()[0]} | {key.split()[1]} ({m['people']}) | {m['roc_auc']:.3f} | "
          f"{m['accuracy']:.1%} | {m['rank1']:.1%} |")
PY
