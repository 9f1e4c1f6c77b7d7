"""``facemtl video train | predict | evaluate``: clip-level (and group-level) emotion from
paper 1's statistical descriptors and classical classifiers.

Clips are the entries of a folder (``--clips DIR``): videos, images (one-frame clips, e.g.
group photos) or folders of frame images. Labels come from a CSV ``clip,label[,group]``.
"""

from __future__ import annotations

import argparse
import json
import sys

from tqdm import tqdm

from facemtl.errors import FacemtlError
from facemtl.runtime.registry import DEFAULT_MODEL


def add_video_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "video", help="clip-level and group-level emotion classifiers",
        description="Train, apply and evaluate clip classifiers on paper 1's descriptors "
        "(mean, std, min, max of per-frame features, L2-normalised; for groups: mean and std "
        "over faces, then over frames).")
    modes = parser.add_subparsers(dest="mode", required=True, metavar="MODE")

    def common(sub: argparse.ArgumentParser, describe_defaults: bool = True) -> None:
        sub.add_argument("--model", default=None,
                         help=f"face model (default: {DEFAULT_MODEL}, or the classifier's own)")
        if describe_defaults:
            sub.add_argument("--features", default="embedding",
                             choices=("embedding", "scores", "both"),
                             help="per-face features behind the descriptor (default embedding)")
            sub.add_argument("--level", default="clip", choices=("clip", "group"),
                             help="clip: the largest face per frame; group: all faces")
            sub.add_argument("--cropped", action="store_true",
                             help="frames are face crops already (no detection)")
            sub.add_argument("--fps", type=float, help="sample videos at N frames per second")
        sub.add_argument("--det-size", type=int, default=960, metavar="PX",
                         help="longest side the detector sees")
        sub.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all)")
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    train = modes.add_parser("train", help="fit a clip classifier and save it with a card")
    train.add_argument("--clips", required=True, metavar="DIR")
    train.add_argument("--labels", required=True, metavar="CSV", help="clip,label[,group]")
    train.add_argument("--classifier", default="linear_svc",
                       choices=("linear_svc", "rbf_svc", "random_forest"))
    train.add_argument("--out", required=True, metavar="NAME.json",
                       help="card path; the classifier goes beside it as NAME.joblib")
    common(train)
    train.set_defaults(func=run_train)

    predict = modes.add_parser("predict", help="label clips with a saved classifier")
    predict.add_argument("clips", nargs="+", metavar="CLIP",
                         help="videos, images, frame folders, or folders holding such clips")
    predict.add_argument("--classifier", required=True, metavar="NAME.json")
    common(predict, describe_defaults=False)
    predict.set_defaults(func=run_predict)

    evaluate = modes.add_parser("evaluate", help="cross-validated accuracy vs baselines")
    evaluate.add_argument("--clips", required=True, metavar="DIR")
    evaluate.add_argument("--labels", required=True, metavar="CSV", help="clip,label[,group]")
    evaluate.add_argument("--classifier", default="all",
                          choices=("all", "linear_svc", "rbf_svc", "random_forest"))
    evaluate.add_argument("--folds", type=int, default=10)
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--label-map", default="identity", choices=("identity", "valence3"),
                          help="how model emotions map to the labels for the baselines")
    evaluate.add_argument("--json", metavar="FILE", help="write the full results here")
    common(evaluate)
    evaluate.set_defaults(func=run_evaluate)


def _video_analyzer(args: argparse.Namespace, model: str, cropped: bool):
    from facemtl.analyzer import FaceAnalyzer
    from facemtl.video import VideoAnalyzer

    analyzer = FaceAnalyzer(model=model, threads=args.threads, max_side=args.det_size)
    # clip and group classifiers: the detector on every frame, as their figures were measured
    return VideoAnalyzer(analyzer, cropped=cropped, detect_every=1)


def _describe_all(args: argparse.Namespace, video, clips: list, features: str, level: str,
                  fps: float | None) -> tuple[list, int]:
    """Descriptors for every clip; a clip that fails is reported in one line and skipped."""
    from facemtl.cli.guard import guarded
    from facemtl.video.clips import describe_clip

    described, failures = [], 0
    for clip in tqdm(clips, unit="clip", disable=args.quiet, file=sys.stderr):
        ok, result = guarded(clip.path, lambda c=clip: describe_clip(video, c, features,
                                                                        level, fps))
        if ok:
            described.append((clip, result))
        failures += not ok
    return described, failures


def _labelled(args: argparse.Namespace) -> tuple[list, list[str], list[str | None], object]:
    from facemtl.video.clips import find_clips, label_of, read_labels

    labels = read_labels(args.labels)
    clips = [c for c in find_clips(args.clips) if label_of(c, labels)]
    if not clips:
        raise FacemtlError(f"no clip in {args.clips} has a row in {args.labels}")
    video = _video_analyzer(args, args.model or DEFAULT_MODEL, args.cropped)
    described, failures = _describe_all(args, video, clips, args.features, args.level, args.fps)
    if not described:
        raise FacemtlError("no clip could be described")
    found = [label_of(clip, labels) for clip, _ in described]
    return ([d for _, d in described], [f[0] for f in found], [f[1] for f in found],
            (video, failures))


def run_train(args: argparse.Namespace) -> int:
    from facemtl.video.classifier import ClipClassifier

    features, labels, _, (video, failures) = _labelled(args)
    card = video.analyzer.model.card
    classifier = ClipClassifier.fit(features, labels, args.classifier, {
        "face_model": {"name": card.name, "sha256": card.sha256}, "features": args.features,
        "level": args.level, "cropped": args.cropped, "fps": args.fps})
    path = classifier.save(args.out)
    print(f"saved {path} ({args.classifier}, {len(labels)} clips, "
          f"{len(classifier.card['labels'])} classes)", file=sys.stderr)
    return 1 if failures else 0


def run_predict(args: argparse.Namespace) -> int:
    from facemtl.video.classifier import ClipClassifier
    from facemtl.video.clips import clips_from_paths

    classifier = ClipClassifier.load(args.classifier)
    card = classifier.card
    video = _video_analyzer(args, args.model or card["face_model"]["name"], card["cropped"])
    if video.analyzer.model.card.sha256 != card["face_model"]["sha256"]:
        raise FacemtlError(f"{args.classifier}: trained on face model "
                           f"{card['face_model']['name']} with other weights; descriptors "
                           "from this model would not match")
    clips = clips_from_paths(args.clips)
    described, failures = _describe_all(args, video, clips, card["features"], card["level"],
                                        card["fps"])
    if described:
        predicted = classifier.predict([d for _, d in described])
        for (clip, features), label in zip(described, predicted, strict=True):
            print(json.dumps({"clip": str(clip.path), "label": label, "frames": features.frames,
                              "faces": len(features.face_probs)}))
    return 1 if failures else 0


def run_evaluate(args: argparse.Namespace) -> int:
    from facemtl.io.atomic import write_json
    from facemtl.video.classifier import CLASSIFIERS, cross_validate

    features, labels, groups, (video, failures) = _labelled(args)
    kinds = CLASSIFIERS if args.classifier == "all" else (args.classifier,)
    result = cross_validate(features, labels, groups, kinds, folds=args.folds, seed=args.seed,
                            label_map=args.label_map)
    result.update({"face_model": video.analyzer.model.card.name, "features": args.features,
                   "level": args.level, "cropped": args.cropped, "fps": args.fps,
                   "label_map": args.label_map, "clips_failed": failures,
                   "faces_used": int(sum(len(f.face_probs) for f in features)),
                   "per_clip": [{"clip": f.name, "label": label, "frames": f.frames,
                                 "faces": len(f.face_probs)}
                                for f, label in zip(features, labels, strict=True)]})
    print(f"{result['clips']} clips, {len(result['classes'])} classes, {args.folds}-fold "
          f"{result['split']}, descriptor {result['descriptor_dim']} values")
    for name, entry in result["methods"].items():
        folds = (f"  (folds {entry['fold_mean']:.2%} ± {entry['fold_std']:.2%})"
                 if "fold_mean" in entry else "  (no training)")
        print(f"  {name:14s} {entry['accuracy']:.2%}{folds}")
    if args.json:
        write_json(args.json, result)
    return 1 if failures else 0
