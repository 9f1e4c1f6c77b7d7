#!/usr/bin/env bash
# The whole CK+48 ablation on a lent GPU (device tool), inside its 10-minute limit:
#   here:  python benchmarks/sfs_ablation.py --save-npz data/ckplus48.npz   (about 1 MB)
#   there: bash benchmarks/sfs_gpu.sh data/ckplus48.npz   (carry .venv or pip install -e ".[train]";
#          carry runs/sfs-ferplus/fit.pt, 12 MB, for the FER+-pretrained variants too)
# Fold results append to benchmarks/results/sfs-ckplus-folds.jsonl as on the CPU; copy it to
# $OUT so it comes back, then run --summary here.
set -euo pipefail
npz=${1:-data/ckplus48.npz}
python benchmarks/sfs_ablation.py --all --data "$npz" --device cuda
if [ -f runs/sfs-ferplus/fit.pt ]; then
  for variant in fersnet_pretrained_synthetic baseline_pretrained; do
    python benchmarks/sfs_ablation.py --config "configs/sfs/$variant.yaml" --data "$npz" \
        --device cuda
  done
fi
if [ -n "${OUT:-}" ]; then cp benchmarks/results/sfs-ckplus-folds.jsonl "$OUT/"; fi
