#!/usr/bin/env bash
# The network behind `fast` 0.5 (docs/TRAINING.md, "Distillation"), in one resumable command:
# the two 96-px CPU-recipe runs (each made here first if it has not finished: about 2.2 hours
# apiece on 2 cores, channels-last), their flip-TTA exports averaged in one graph as the teacher,
# then `fast` 0.4's network trained 5 more epochs against labels + teacher
# (configs/distill96.yaml; about 35 minutes), and the best epoch exported.
#   bash benchmarks/distill96.sh [DATA]
# From nothing that is about 5 hours, over issue 11's 3-hour budget for one run (each recipe
# run alone is within it). Run it again after a stop: every step resumes or is skipped.
# The control without the teacher: bash benchmarks/cpu_recipe.sh configs/finetune96.yaml finetune96
set -euo pipefail
data=${1:-${FACEMTL_DATA:-../shared/data}}
for run in cpu_recipe96 cpu_recipe96_cl; do
  if [ ! -f "runs/$run/export/$run.json" ]; then  # cpu_recipe.sh exports when it ends
    bash benchmarks/cpu_recipe.sh configs/cpu_recipe.yaml "$run" "$data" --input-size 96
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
