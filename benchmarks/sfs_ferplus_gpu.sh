#!/usr/bin/env bash
# Paper 2 on FER+ (benchmarks/sfs_ferplus.py) on a lent GPU (device tool), well inside its
# 10-minute limit:
#   here:  python benchmarks/sfs_ferplus.py --save-mosaics data/ferplus48   (60 MB, lossless)
#   there: bash benchmarks/sfs_ferplus_gpu.sh data/ferplus48   (carry data/ferplus48 and .venv,
#          or pip install -e ".[train]")
# The result JSON is copied to $OUT so that it comes back.
set -euo pipefail
data=${1:-data/ferplus48}
python benchmarks/sfs_ferplus.py --data "$data" --device cuda --runs runs/sfs-ferplus-gpu
if [ -n "${OUT:-}" ]; then cp benchmarks/results/sfs-ferplus.json "$OUT/"; fi
