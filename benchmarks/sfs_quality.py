"""How good are FERSNet's synthesised faces? Measured, not only shown, on FER+ test faces
(never seen by the CK+-trained synthesis model):

(a) expression: each face is synthesised in each of the model's expressions and judged by an
    independent classifier, the bundled ``accurate`` model (its most probable class among the
    synthesis model's classes); the share judged as the target, per target class;
(b) identity: cosine similarity of ``accurate``'s embedding between a source face and its
    synthesised versions, beside the same figure for pairs of different FER+ faces (different
    people) as the floor.
Writes benchmarks/results/sfs-quality.json and the sample grid docs/img/sfs-grid-ferplus.png.

    python benchmarks/sfs_quality.py [--faces 300] [--data ../shared/data/ferplus]
Faces: the first N of FER+ FER2013Test (majority labels), shuffled with seed 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from facemtl.data.ferplus import read_ferplus
from facemtl.io.atomic import write_json
from facemtl.runtime.model import FaceModel
from facemtl.synthesis import FaceSynthesizer, SynthesisResult
from facemtl.writers.annotate import write_image

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ferplus")
    parser.add_argument("--faces", type=int, default=300)
    parser.add_argument("--model", default="fersnet_ckplus")
    parser.add_argument("--judge", default="accurate")
    args = parser.parse_args(argv)
    synthesizer = FaceSynthesizer(args.model, threads=1)
    judge = FaceModel.load(args.judge, threads=1)
    labels = synthesizer.labels
    judge_labels = judge.card.labels("expression")
    columns = [judge_labels.index(name) for name in labels]
    samples = read_ferplus(args.data, "test", mode="majority")
    order = np.random.default_rng(0).permutation(len(samples))[:args.faces]
    size = synthesizer.card.input.size
    crops = [cv2.resize(cv2.imread(str(samples[i].path), cv2.IMREAD_GRAYSCALE), (size, size),
                        interpolation=cv2.INTER_AREA) for i in order]
    made = synthesizer.synthesize_crops(crops, labels)

    def judged(grey: list[np.ndarray]) -> dict[str, np.ndarray]:
        rgb = [np.repeat(g[:, :, None], 3, axis=2) for g in grey]
        return judge.predict(rgb)

    def unit(vectors: np.ndarray) -> np.ndarray:
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    source = judged(crops)
    source_embedding = unit(source["embedding"])
    per_class, similarity = {}, []
    for name in labels:
        outputs = judged([m[name] for m in made])
        chosen = outputs["expression"][:, columns].argmax(axis=1)
        per_class[name] = float(np.mean(np.array(labels)[chosen] == name))
        similarity.append(np.sum(unit(outputs["embedding"]) * source_embedding, axis=1))
    similarity = np.mean(similarity, axis=0)
    rng = np.random.default_rng(1)
    a, b = rng.integers(0, len(crops), (2, 2000))
    keep = a != b
    different = np.sum(source_embedding[a[keep]] * source_embedding[b[keep]], axis=1)
    source_classes = source["expression"][:, columns].argmax(axis=1)
    result = {
        "faces": len(crops), "data": "FER+ FER2013Test, majority labels, first N after a "
        "seed-0 shuffle", "synthesis_model": synthesizer.card.name, "judge": judge.card.name,
        "expression_judged_as_target": per_class,
        "expression_judged_as_target_mean": float(np.mean(list(per_class.values()))),
        "judge_on_the_source_faces_share_per_class": {
            name: float(np.mean(np.array(labels)[source_classes] == name)) for name in labels},
        "identity_cosine_source_vs_synthesised_mean": float(similarity.mean()),
        "identity_cosine_different_people_mean": float(different.mean()),
        "identity_synthesised_closer_than_different_people": float(
            np.mean(similarity > np.median(different))),
    }
    write_json(ROOT / "benchmarks/results/sfs-quality.json", result)
    grid = FaceSynthesizer.grid([SynthesisResult(None, crops[i], made[i]) for i in range(8)],
                                scale=2)
    write_image(grid, ROOT / "docs/img/sfs-grid-ferplus.png", ".png")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
