#!/usr/bin/env bash
# Issue 10's next step on the pre-training lever, in one resumable command: the FER+ FERSNet
# pre-trained 20 epochs (configs/sfs/ferplus_20.yaml; about 2.5 hours on 2 cores, checkpointed
# every epoch), then the CK+48 recogniser alone and FERSNet (+ synthetic) started from it, ten
# folds each (about 45 minutes; each fold appended to sfs-ckplus-folds.jsonl as it ends), then
# the pooled table (benchmarks/results/sfs-ckplus.json, rows *_pretrained20*).
#   bash benchmarks/sfs_pretrained20.sh [FERPLUS_DIR] [CKPLUS_DIR]
# Run it again after a stop: the pre-training resumes after its last epoch and the folds
# already in the results are skipped.
set -euo pipefail
ferplus=${1:-../shared/data/ferplus}
ckplus=${2:-../shared/data/ckplus48}
if [ ! -f benchmarks/results/sfs-ferplus-20.json ] || [ ! -f runs/sfs-ferplus-20/fit.pt ]; then  # the folds start from fit.pt
  python benchmarks/sfs_ferplus.py --config configs/sfs/ferplus_20.yaml --data "$ferplus" \
      --runs runs/sfs-ferplus-20 --out benchmarks/results/sfs-ferplus-20.json
fi
for variant in baseline_pretrained20 fersnet_pretrained20_synthetic; do
  python benchmarks/sfs_ablation.py --config "configs/sfs/$variant.yaml" --data "$ckplus"
done
python benchmarks/sfs_ablation.py --summary
