"""How good are FERSNet's synthesised faces? Measured, not only shown:

(a) expression: each face is synthesised in each of the model's expressions and judged by an
    independent classifier, the bundled ``accurate`` model (its most probable class among the
    synthesis model's classes); the share judged as the target, per target class, beside how
    often the judge gives that class to the source faces and how often it is right on the
    real faces of that class (all of the split's on FER+): the most a judge this good can
    confirm;
(b) identity: cosine similarity of ``accurate``'s embedding between a source face and its
    synthesised versions, beside the same figure for pairs of different people as the floor.

Two sets of faces:
- FER+ (default): the first N of FER2013Test (majority labels) after a seed-0 shuffle,
  synthesised by ``--model`` (the bundled CK+-trained model by default: in-the-wild faces it
  never saw). Writes benchmarks/results/sfs-quality.json and the sample grid
  docs/img/sfs-grid-ferplus.png; another model or ``--split valid`` (FER2013Valid, where
  synthesis models are compared and chosen) writes sfs-quality-MODEL-SPLIT.json and
  sfs-grid-MODEL-SPLIT.png instead. ``--classes`` restricts targets and judge to a list
  (models with different label sets are compared on the classes they share).
- CK+ test folds (``--ckplus-folds runs/sfs-folds/VARIANT``): every CK+48 face synthesised
  by the model of the fold that held it out (kept by benchmarks/sfs_ablation.py), so no
  synthesis model saw the subject; folds without a model yet are left out and named.
  Writes benchmarks/results/sfs-quality-ckplus-VARIANT.json.

    python benchmarks/sfs_quality.py [--faces 300] [--data ../shared/data/ferplus]
    python benchmarks/sfs_quality.py --model fersnet_ferplus --split valid \
        --classes anger,contempt,disgust,fear,happiness,sadness,surprise
    python benchmarks/sfs_quality.py --ckplus-folds runs/sfs-folds/fersnet_pretrained
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sfs_ablation import CLASSES, fold_numbers, load_ckplus  # noqa: E402

from facemtl.data.ferplus import read_ferplus  # noqa: E402
from facemtl.io.atomic import write_json  # noqa: E402
from facemtl.labels import EMOTIONS  # noqa: E402
from facemtl.runtime.model import FaceModel  # noqa: E402
from facemtl.synthesis import FaceSynthesizer, SynthesisResult  # noqa: E402
from facemtl.writers.annotate import write_image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class Judge:
    """The independent classifier, restricted to the synthesis model's classes."""

    def __init__(self, name: str, labels: list[str]) -> None:
        self.model = FaceModel.load(name, threads=1)
        self.labels = labels
        judge_labels = self.model.card.labels("expression")
        self.columns = [judge_labels.index(label) for label in labels]

    def __call__(self, grey: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Class indices (into ``labels``) and unit embeddings of grey crops."""
        outputs = self.model.predict([np.repeat(g[:, :, None], 3, axis=2) for g in grey])
        return (outputs["expression"][:, self.columns].argmax(axis=1),
                unit(outputs["embedding"]))


def judge_synthesis(judge: Judge, crops: list[np.ndarray], made: list[dict[str, np.ndarray]]
                    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Per target: whether each synthesised face was judged as the target; each source face's
    mean cosine similarity to its synthesised versions; the judge's classes and embeddings of
    the sources."""
    source_classes, source_embedding = judge(crops)
    hits, similarity = {}, []
    for name in judge.labels:
        chosen, embedding = judge([m[name] for m in made])
        hits[name] = chosen == judge.labels.index(name)
        similarity.append(np.sum(embedding * source_embedding, axis=1))
    return hits, np.mean(similarity, axis=0), source_classes, source_embedding


def tone(crops: list[np.ndarray], made: list[dict[str, np.ndarray]], labels: list[str]
         ) -> dict[str, float]:
    """Pixel correlation between each source face and its synthesised versions: near 1 when
    light and dark stay where they were, below 0 for a face that comes back as its negative
    (what a cycle loss alone lets a synthesiser do: invert, and invert back)."""
    r = np.array([[np.corrcoef(c.ravel().astype(float), m[name].ravel().astype(float))[0, 1]
                   for name in labels] for c, m in zip(crops, made, strict=True)])
    r = np.nan_to_num(r)  # a flat face has no correlation
    return {"tone_pixel_correlation_mean": float(r.mean()),
            "tone_inverted_share": float(np.mean(r < 0))}


def summary(labels: list[str], hits: dict[str, np.ndarray], similarity: np.ndarray,
            source_classes: np.ndarray, different: np.ndarray) -> dict:
    per_class = {name: float(hits[name].mean()) for name in labels}
    return {
        "expression_judged_as_target": per_class,
        "expression_judged_as_target_mean": float(np.mean(list(per_class.values()))),
        "judge_on_the_source_faces_share_per_class": {
            name: float(np.mean(source_classes == k)) for k, name in enumerate(labels)},
        "identity_cosine_source_vs_synthesised_mean": float(similarity.mean()),
        "identity_cosine_different_people_mean": float(different.mean()),
        "identity_synthesised_closer_than_different_people": float(
            np.mean(similarity > np.median(different)))}


def different_people(embedding: np.ndarray, people: np.ndarray, pairs: int = 2000) -> np.ndarray:
    """Cosine similarities of random pairs of faces of different people (seed 1)."""
    a, b = np.random.default_rng(1).integers(0, len(embedding), (2, pairs))
    keep = people[a] != people[b]
    return np.sum(embedding[a[keep]] * embedding[b[keep]], axis=1)


def read_crop(path: Path, size: int) -> np.ndarray:
    """A FER+ face as the synthesis model and the judge take it: grey, ``size`` square."""
    return cv2.resize(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (size, size),
                      interpolation=cv2.INTER_AREA)


def ferplus_quality(args: argparse.Namespace) -> dict:
    synthesizer = FaceSynthesizer(args.model, threads=1)
    labels = synthesizer.check_targets(args.classes.split(",")) if args.classes \
        else synthesizer.labels
    judge = Judge(args.judge, labels)
    samples = read_ferplus(args.data, args.split, mode="majority")
    order = np.random.default_rng(0).permutation(len(samples))[:args.faces]
    size = synthesizer.card.input.size
    crops = [read_crop(samples[i].path, size) for i in order]
    made = synthesizer.synthesize_crops(crops, labels)
    hits, similarity, source_classes, source_embedding = judge_synthesis(judge, crops, made)
    # FER+ names no subjects: two different faces stand for two different people
    different = different_people(source_embedding, np.arange(len(crops)))
    folder = {"test": "FER2013Test", "valid": "FER2013Valid"}[args.split]
    result = {"faces": len(crops), "data": f"FER+ {folder}, majority labels, first N after "
              "a seed-0 shuffle", "synthesis_model": synthesizer.card.name,
              "synthesis_model_version": synthesizer.card.raw.get("version"),
              "judge": judge.model.card.name, "judge_version": judge.model.card.raw.get("version"),
              "classes": labels,
              **summary(labels, hits, similarity, source_classes, different),
              **tone(crops, made, labels)}
    result |= judge_on_real_faces(judge, samples, size)
    name = synthesizer.card.name
    suffix = "" if (name, args.split) == ("fersnet_ckplus", "test") and not args.classes \
        else f"-{name}-{args.split}"
    write_json(ROOT / f"benchmarks/results/sfs-quality{suffix}.json", result)
    grid = FaceSynthesizer.grid([SynthesisResult(None, crops[i], made[i]) for i in range(8)],
                                scale=2)
    write_image(grid, ROOT / f"docs/img/sfs-grid{suffix or '-ferplus'}.png", ".png")
    return result


def judge_on_real_faces(judge: Judge, samples: list, size: int) -> dict:
    """How often the judge is right on *real* faces of each target class (every face of the
    split whose majority label is one of them, at the synthesis size): the most it can
    confirm of a synthesiser, since a class it misses on real faces it misses on made ones."""
    names = [EMOTIONS[int(s.expression.argmax())] for s in samples]
    kept = [(s, name) for s, name in zip(samples, names, strict=True) if name in judge.labels]
    truth = np.array([judge.labels.index(name) for _, name in kept])
    crops = [read_crop(s.path, size) for s, _ in kept]
    chosen = np.concatenate([judge(crops[i:i + 256])[0] for i in range(0, len(crops), 256)])
    recall = {name: float(np.mean(chosen[truth == k] == k)) for k, name in enumerate(judge.labels)}
    return {"judge_recall_on_the_real_faces": recall,
            # to set beside expression_judged_as_target_mean, the same mean over classes
            "judge_recall_on_the_real_faces_mean": float(np.mean(list(recall.values()))),
            "judge_real_faces_per_class": {
                name: int(np.sum(truth == k)) for k, name in enumerate(judge.labels)},
            "judge_accuracy_on_the_real_faces": float(np.mean(chosen == truth))}


def ckplus_quality(args: argparse.Namespace) -> dict:
    images, labels, subjects = load_ckplus(args.ckplus)
    fold = fold_numbers(subjects)
    names = list(CLASSES)
    judge = Judge(args.judge, names)
    hits: dict[str, list[np.ndarray]] = {name: [] for name in names}
    similarity, source_classes, embeddings, order, judged_folds = [], [], [], [], []
    detector = None  # the fold models only take crops: one detector serves them all
    for k in sorted(set(fold.tolist())):
        card = args.ckplus_folds / f"fold{k}.json"
        if not card.is_file():  # the ablation is still running: judge the folds it has
            print(f"{card}: no synthesis model for fold {k} yet; left out", file=sys.stderr)
            continue
        judged_folds.append(k)
        synthesizer = FaceSynthesizer(card, detector=detector, threads=1)
        detector = synthesizer.detector
        test = np.flatnonzero(fold == k)
        crops = list(images[test])
        made = synthesizer.synthesize_crops(crops, names)
        fold_hits, fold_similarity, fold_classes, fold_embedding = judge_synthesis(
            judge, crops, made)
        for name in names:
            hits[name].append(fold_hits[name])
        similarity.append(fold_similarity)
        source_classes.append(fold_classes)
        embeddings.append(fold_embedding)
        order.append(test)
    order_all = np.concatenate(order)
    source_all = np.concatenate(source_classes)
    truth = labels[order_all]
    result = {
        "faces": len(order_all), "data": "CK+48, every face synthesised by the model of the "
        "fold that held its subject out (src/facemtl/data/splits/ckplus_folds.txt)",
        "synthesis_models": str(args.ckplus_folds), "folds": judged_folds,
        "judge": judge.model.card.name,
        **summary(names, {n: np.concatenate(h) for n, h in hits.items()},
                  np.concatenate(similarity), source_all,
                  different_people(np.concatenate(embeddings), subjects[order_all])),
        "judge_recall_on_the_real_faces": {
            name: float(np.mean(source_all[truth == k] == k)) for k, name in enumerate(names)},
        "judge_accuracy_on_the_real_faces": float(np.mean(source_all == truth)),
    }
    variant = args.ckplus_folds.name
    write_json(ROOT / f"benchmarks/results/sfs-quality-ckplus-{variant}.json", result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ferplus")
    parser.add_argument("--faces", type=int, default=300)
    parser.add_argument("--model", default="fersnet_ckplus")
    parser.add_argument("--judge", default="accurate")
    parser.add_argument("--split", choices=("test", "valid"), default="test",
                        help="FER+ faces to synthesise (choose models on valid)")
    parser.add_argument("--classes", help="comma-separated targets (default: all the model's)")
    parser.add_argument("--ckplus-folds", type=Path, metavar="DIR",
                        help="judge CK+ test folds with the fold models kept in DIR")
    parser.add_argument("--ckplus", type=Path, default=ROOT.parent / "shared/data/ckplus48")
    args = parser.parse_args(argv)
    result = ckplus_quality(args) if args.ckplus_folds else ferplus_quality(args)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
