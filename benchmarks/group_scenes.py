"""Build a group-emotion set (VGAF-style, 3 classes) from real faces: each scene is one frame
holding 2-6 FER+ *test* faces pasted at random places on a landscape.

Construction (seeded, so the same command rebuilds the same set):
* faces: FER+ test images with a majority label, grouped as positive (happiness), neutral
  (neutral) and negative (anger, contempt, disgust, fear, sadness); surprise is left out as
  its valence is ambiguous. Every face is used at most once in the whole set.
* a scene's label is drawn uniformly; it gets n = 2..6 faces, of which a strict majority
  (n//2 + 1 .. n) come from the label's group and the rest from the other two groups.
* faces are upscaled to 80-150 px (grey, as FER+ is), placed without overlap on
  ``free-mountain-vector-01.jpg`` (random crop, flip and brightness), saved as JPEG (q 92).

Writes ``OUT/scenes/scene_NNNN.jpg``, ``OUT/labels.csv`` (clip,label,group) and
``OUT/manifest.json`` (which FER+ file went where, with its label and box).

    python benchmarks/group_scenes.py --data ../shared/data/ferplus --out .cache/group --scenes 600
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from facemtl.data.ferplus import read_ferplus
from facemtl.labels import EMOTIONS

GROUPS = {"happiness": "positive", "neutral": "neutral", "anger": "negative",
          "contempt": "negative", "disgust": "negative", "fear": "negative",
          "sadness": "negative"}
LABELS = ("positive", "neutral", "negative")
SCENE_SIZE = (960, 540)


def face_pools(ferplus: Path, rng: np.random.Generator) -> dict[str, list[tuple[Path, str]]]:
    pools: dict[str, list[tuple[Path, str]]] = {label: [] for label in LABELS}
    for sample in read_ferplus(ferplus, "test", "majority"):
        emotion = EMOTIONS[sample.expression_label]
        if emotion in GROUPS:
            pools[GROUPS[emotion]].append((sample.path, emotion))
    for pool in pools.values():
        rng.shuffle(pool)
    return pools


def background(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    height, width = image.shape[:2]
    scale = max(SCENE_SIZE[0] / width, SCENE_SIZE[1] / height) * rng.uniform(1.0, 1.4)
    resized = cv2.resize(image, (int(width * scale) + 1, int(height * scale) + 1))
    y = rng.integers(0, resized.shape[0] - SCENE_SIZE[1] + 1)
    x = rng.integers(0, resized.shape[1] - SCENE_SIZE[0] + 1)
    crop = resized[y:y + SCENE_SIZE[1], x:x + SCENE_SIZE[0]]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.clip(crop * rng.uniform(0.7, 1.2), 0, 255).astype(np.uint8)


def place(sizes: list[int], rng: np.random.Generator) -> list[tuple[int, int]] | None:
    """Top-left corners for squares of ``sizes`` that do not overlap (rejection sampling)."""
    boxes: list[tuple[int, int, int]] = []
    for size in sizes:
        for _ in range(200):
            x = int(rng.integers(10, SCENE_SIZE[0] - size - 10))
            y = int(rng.integers(10, SCENE_SIZE[1] - size - 10))
            if all(x + size + 10 < bx or bx + bs + 10 < x or y + size + 10 < by
                   or by + bs + 10 < y for bx, by, bs in boxes):
                boxes.append((x, y, size))
                break
        else:
            return None
    return [(x, y) for x, y, _ in boxes]


def build(ferplus: Path, out: Path, scenes: int, seed: int, scene_image: Path) -> dict:
    rng = np.random.default_rng(seed)
    pools = face_pools(ferplus, rng)
    land = cv2.imread(str(scene_image))
    if land is None:
        raise SystemExit(f"{scene_image}: cannot read the background image")
    (out / "scenes").mkdir(parents=True, exist_ok=True)
    rows, manifest = [], []
    for index in range(scenes):
        label = LABELS[index % 3]  # balanced classes, in a shuffled order below
        n = int(rng.integers(2, 7))
        majority = int(rng.integers(n // 2 + 1, n + 1))
        others = [g for g in LABELS if g != label]
        wanted = [label] * majority + [others[int(rng.integers(0, 2))] for _ in range(n - majority)]
        if any(wanted.count(g) > len(pools[g]) for g in LABELS):
            print(f"face pools exhausted after {index} scenes", file=sys.stderr)
            break
        faces = [pools[g].pop() for g in wanted]
        sizes = [int(rng.integers(80, 151)) for _ in faces]
        corners = place(sizes, rng)
        if corners is None:
            continue
        canvas = background(land, rng)
        placed = []
        for (path, emotion), size, (x, y), group in zip(faces, sizes, corners, wanted,
                                                        strict=True):
            face = cv2.imread(str(path))
            canvas[y:y + size, x:x + size] = cv2.resize(face, (size, size),
                                                        interpolation=cv2.INTER_CUBIC)
            placed.append({"file": path.name, "emotion": emotion, "group": group,
                           "box": [x, y, size, size]})
        name = f"scene_{index:04d}.jpg"
        cv2.imwrite(str(out / "scenes" / name), canvas, [cv2.IMWRITE_JPEG_QUALITY, 92])
        rows.append(f"{name},{label},{name[:-4]}\n")
        manifest.append({"scene": name, "label": label, "faces": placed})
    (out / "labels.csv").write_text("clip,label,group\n" + "".join(rows))
    info = {"seed": seed, "scenes": len(rows), "faces": sum(len(m["faces"]) for m in manifest),
            "per_class": {g: sum(m["label"] == g for m in manifest) for g in LABELS},
            "source": "FER+ test split, majority labels", "scenes_list": manifest}
    (out / "manifest.json").write_text(json.dumps(info, indent=1) + "\n")
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/data/ferplus", type=Path)
    parser.add_argument("--out", default=".cache/group", type=Path)
    parser.add_argument("--scenes", type=int, default=600)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--background", type=Path,
                        default=Path("../shared/media/free-mountain-vector-01.jpg"))
    args = parser.parse_args()
    info = build(args.data, args.out, args.scenes, args.seed, args.background)
    print(f"{info['scenes']} scenes, {info['faces']} faces, per class {info['per_class']}"
          f" -> {args.out}")


if __name__ == "__main__":
    main()
