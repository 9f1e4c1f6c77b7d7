#!/usr/bin/env bash
# Paper 2 on FER+ (benchmarks/sfs_ferplus.py) on a lent GPU (device tool), well inside its
# 10-minute limit:
#   here:  python benchmarks/sfs_ferplus.py --save-mosaics data/ferplus48   (60 MB, lossless)
#   there: bash benchmarks/sfs_ferplus_gpu.sh data/ferplus48 [CONFIG]   (carry data/ferplus48
#          and .venv, or pip install -e ".[train]"); CONFIG defaults to configs/sfs/ferplus.yaml,
#          e.g. configs/sfs/ferplus_20.yaml for the 20-epoch pre-training (2.5 h on 2 CPU cores)
# The result JSON and the trained FERSNet (fit.pt, which the CK+ *_pretrained* configs start
# from) are copied to $OUT so that they come back.
set -euo pipefail
data=${1:-data/ferplus48}
config=${2:-configs/sfs/ferplus.yaml}
name=$(basename "$config" .yaml)
python benchmarks/sfs_ferplus.py --data "$data" --device cuda --config "$config" \
    --runs "runs/sfs-$name-gpu" --out "benchmarks/results/sfs-$name-gpu.json"
if [ -n "${OUT:-}" ]; then
  cp "benchmarks/results/sfs-$name-gpu.json" "runs/sfs-$name-gpu/fit.pt" "$OUT/"
fi
