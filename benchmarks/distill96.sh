#!/usr/bin/env bash
# The network behind `fast` 0.5 (docs/TRAINING.md, "Distillation"), from the two 96-px CPU-recipe
# runs: their flip-TTA exports averaged in one graph become the teacher, then `fast` 0.4's
# network trains 5 more epochs against labels + teacher (configs/distill96.yaml; about 35
# minutes on 2 cores, resumable), and the best epoch is exported.
#   bash benchmarks/distill96.sh [DATA]
# Needs runs/cpu_recipe96/best.pt and runs/cpu_recipe96_cl/best.pt, made by
#   bash benchmarks/cpu_recipe.sh configs/cpu_recipe.yaml cpu_recipe96 DATA --input-size 96
#   bash benchmarks/cpu_recipe.sh configs/cpu_recipe.yaml cpu_recipe96_cl DATA --input-size 96
# The control without the teacher: bash benchmarks/cpu_recipe.sh configs/finetune96.yaml finetune96
set -euo pipefail
data=${1:-${FACEMTL_DATA:-../shared/data}}
for run in cpu_recipe96 cpu_recipe96_cl; do
  if [ ! -f "runs/$run/best.pt" ]; then
    echo "runs/$run/best.pt: missing; train it first (see the head of $0)" >&2; exit 1
  fi
  facemtl export "runs/$run/best.pt" --out runs/teacher --name "${run}_flip" --flip-tta \
      --age-decoder expectation
done
facemtl export runs/teacher/cpu_recipe96_flip.json runs/teacher/cpu_recipe96_cl_flip.json \
    --out runs/teacher --name ens96f --framing detector
bash benchmarks/cpu_recipe.sh configs/distill96.yaml distill96 "$data"
facemtl export runs/distill96/best.pt --out runs/distill96/export --name d96 \
    --age-decoder expectation
echo "validation figures: python benchmarks/inference_options.py --model runs/distill96/export/d96.json"
