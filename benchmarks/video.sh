#!/usr/bin/env bash
# The three video benchmarks of docs/VIDEO.md, on the data in ../shared. Writes JSON results
# to benchmarks/results/. Usage: benchmarks/video.sh [DATA] [MODEL] (about 5 minutes on 2
# cores; MODEL is a bundled name or a card, default accurate; the speed part uses accurate)
set -euo pipefail
data=${1:-${FACEMTL_DATA:-../shared/data}}
model=${2:-accurate}
out=benchmarks/results
mkdir -p "$out"
# Exit code 1 means some clips could not be used (reported on stderr; e.g. a scene where no
# face was detected); the others are still evaluated. Anything else stops the script.
tolerate() { "$@" || [ $? -eq 1 ]; }

# 1. CK+ sequences as clips: 10-fold subject-independent CV, frame average vs statistics + SVM.
python benchmarks/ckplus_clips.py --data "$data/ckplus48" --out .cache/ckplus_clips
tolerate facemtl video evaluate --clips .cache/ckplus_clips/clips --labels .cache/ckplus_clips/labels.csv \
    --cropped --features embedding --folds 10 -q --model "$model" --json "$out/video-ckplus-embedding.json"
tolerate facemtl video evaluate --clips .cache/ckplus_clips/clips --labels .cache/ckplus_clips/labels.csv \
    --cropped --features scores --folds 10 -q --model "$model" --json "$out/video-ckplus-scores.json"

# 2. Group level: 600 scenes of 2-6 FER+ test faces; group descriptor + classifiers vs voting.
python benchmarks/group_scenes.py --data "$data/ferplus" --out .cache/group --scenes 600
tolerate facemtl video evaluate --clips .cache/group/scenes --labels .cache/group/labels.csv \
    --level group --label-map valence3 --features embedding --folds 10 -q --model "$model" \
    --json "$out/video-group-embedding.json"
tolerate facemtl video evaluate --clips .cache/group/scenes --labels .cache/group/labels.csv \
    --level group --label-map valence3 --features scores --folds 10 -q --model "$model" \
    --json "$out/video-group-scores.json"

# 3. Speed and memory of the whole video pipeline.
python benchmarks/video_speed.py
