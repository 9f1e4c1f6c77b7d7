"""Join exported models into one ONNX graph whose heads are the members' mean.

Why one graph rather than a runtime that runs several: the runtime stays what it is (one
card, one session, one preprocessing), the service, CLI and API need nothing new, and the
card still says everything the runtime follows. The graph takes faces at the largest
member's input size; a smaller member gets them area-averaged down inside the graph with the
exact weights of OpenCV's ``INTER_AREA`` (as a fixed matrix on each side, so it exports as two
MatMuls). Every head is the members' mean (probabilities, the age distribution, P(female));
the embedding is the members' L2-normalised vectors joined, so each member weighs the same
in a cosine similarity.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import cv2
import numpy as np

from facemtl.errors import ModelError
from facemtl.io.atomic import atomic_path
from facemtl.runtime.card import CARD_FORMAT, ModelCard, sha256_of
from facemtl.runtime.registry import resolve_model

OPSET = 17


def area_matrix(source: int, target: int) -> np.ndarray:
    """The (target, source) matrix M with M @ column == cv2.resize(column, INTER_AREA):
    applied on both sides (M @ X @ M.T) it resizes an image as ``resize_face`` does."""
    eye = np.eye(source, dtype=np.float32)
    return np.stack([cv2.resize(eye[:, [j]], (1, target), interpolation=cv2.INTER_AREA)[:, 0]
                     for j in range(source)], axis=1)


def export_ensemble(sources: list[str | Path], out_dir: str | Path, name: str,
                    version: str = "0.1.0", framing: str | None = None) -> tuple[Path, Path]:
    """Write ``NAME.onnx`` + ``NAME.json``: the mean of the exported models ``sources``
    (bundled names or cards). ``framing`` is the card's (how test faces are cut when it is
    evaluated); the members' own when they agree, and required when they do not."""
    import onnx
    from onnx import helper, numpy_helper

    cards = [ModelCard.load(resolve_model(source)) for source in sources]
    _check_members(cards)
    framings = {card.input.framing for card in cards}
    if framing is None:
        if len(framings) > 1:
            raise ModelError(f"members trained on different framings ({', '.join(framings)}): "
                             "say which the ensemble is used with (--framing)")
        framing = framings.pop()
    size = max(card.input_size for card in cards)
    nodes, initialisers, heads, shapes = [], [], None, {}
    for index, card in enumerate(cards):
        card.verify()
        prefix = f"m{index}/"
        member = onnx.compose.add_prefix(onnx.load(str(card.onnx_path)), prefix)
        names = [o.name.removeprefix(prefix) for o in member.graph.output]
        if heads is not None and names != heads:
            raise ModelError(f"{card.onnx_path}: outputs {names} differ from {heads}")
        heads = names
        for output in member.graph.output:
            dims = [d.dim_param or d.dim_value for d in output.type.tensor_type.shape.dim]
            shapes.setdefault(output.name.removeprefix(prefix), []).append(dims)
        source_input = member.graph.input[0].name
        if card.input_size == size:
            nodes.append(helper.make_node("Identity", ["pixels"], [source_input]))
        else:
            matrix = area_matrix(size, card.input_size)
            initialisers += [numpy_helper.from_array(matrix, f"{prefix}area"),
                             numpy_helper.from_array(np.ascontiguousarray(matrix.T),
                                                     f"{prefix}area_t")]
            nodes += [helper.make_node("MatMul", [f"{prefix}area", "pixels"], [f"{prefix}rows"]),
                      helper.make_node("MatMul", [f"{prefix}rows", f"{prefix}area_t"],
                                       [source_input])]
        nodes += list(member.graph.node)
        initialisers += list(member.graph.initializer)
    outputs = []
    for head in heads:
        parts = [f"m{i}/{head}" for i in range(len(cards))]
        if head == "embedding":
            unit = []
            for part in parts:
                nodes += [helper.make_node("ReduceL2", [part], [f"{part}/norm"], axes=[1],
                                           keepdims=1),
                          helper.make_node("Max", [f"{part}/norm", "epsilon"],
                                           [f"{part}/safe_norm"]),
                          helper.make_node("Div", [part, f"{part}/safe_norm"], [f"{part}/unit"])]
                unit.append(f"{part}/unit")
            nodes.append(helper.make_node("Concat", unit, [head], axis=1))
            shape = ["batch", sum(int(dims[1]) for dims in shapes[head])]
        else:
            nodes.append(helper.make_node("Mean", parts, [head]))
            shape = ["batch", *shapes[head][0][1:]]
        outputs.append(helper.make_tensor_value_info(head, onnx.TensorProto.FLOAT, shape))
    initialisers.append(numpy_helper.from_array(np.array([1e-12], np.float32), "epsilon"))
    pixels = helper.make_tensor_value_info("pixels", onnx.TensorProto.FLOAT,
                                           ["batch", 3, size, size])
    graph = helper.make_graph(nodes, name, [pixels], outputs, initialisers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="facemtl ensemble")
    onnx.checker.check_model(model)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{name}.onnx"
    with atomic_path(onnx_path) as partial:
        onnx.save(model, str(partial))
    card_path = ModelCard(path=out_dir / f"{name}.json",
                          raw=_card(cards, name, version, size, framing, onnx_path)).save()
    return onnx_path, card_path


def _check_members(cards: list[ModelCard]) -> None:
    """Members must answer the same questions the same way: analysis models with the same
    input colour and crop, and heads with the same labels, trained flags, decoders and age
    bins."""
    if len(cards) < 2:
        raise ModelError("an ensemble needs at least two models")
    first = cards[0]
    for card in cards:
        if card.kind != "analysis":
            raise ModelError(f"{card.path}: a {card.kind} model cannot join an ensemble")
        if (card.input.colour, card.input.crop) != (first.input.colour, first.input.crop):
            raise ModelError(f"{card.path}: input {card.input.colour}/{card.input.crop} differs "
                             f"from {first.name}'s {first.input.colour}/{first.input.crop}")
        for head in ("expression", "valence_arousal", "age", "gender", "ethnicity"):
            mine, theirs = card.head(head), first.head(head)
            if (mine.labels, mine.trained, mine.decoder) != (theirs.labels, theirs.trained,
                                                             theirs.decoder):
                raise ModelError(f"{card.path}: head {head!r} differs from {first.name}'s")
        if card.raw["outputs"]["age"].get("bins") != first.raw["outputs"]["age"].get("bins"):
            raise ModelError(f"{card.path}: age bins differ from {first.name}'s")


def _card(cards: list[ModelCard], name: str, version: str, size: int, framing: str,
          onnx_path: Path) -> dict:
    first = cards[0].raw
    # a member's logit adjustment was chosen for that member: the ensemble starts without one
    outputs = {head: {k: v for k, v in spec.items() if k != "adjustment"}
               for head, spec in first["outputs"].items()}
    outputs["embedding"] = {
        "dim": sum(int(c.raw["outputs"]["embedding"]["dim"]) for c in cards),
        "trained": all(c.trained("embedding") for c in cards),
        "note": "the members' L2-normalised embeddings joined; the runtime L2-normalises it"}
    flips = {c.inference.get("test_time_augmentation") for c in cards}
    return {
        "format": CARD_FORMAT,
        "name": name,
        "version": version,
        "created": datetime.date.today().isoformat(),
        "backbone": " + ".join(str(c.backbone) for c in cards),
        "architecture": "ensemble: every head the mean of its members' (" + ", ".join(
            f"{c.name} {c.raw.get('version', '')} at {c.input_size} px" for c in cards)
            + "); members smaller than the input get it area-averaged down inside the graph",
        "input": {**first["input"], "size": size, "framing": framing},
        "outputs": outputs,
        "ensemble": [{"name": c.name, "version": c.raw.get("version"), "sha256": c.sha256,
                      "prefix": f"m{i}/", "backbone": c.backbone, "input": c.raw["input"],
                      "architecture": c.raw.get("architecture"),
                      "inference": c.inference, "training": c.raw.get("training", {})}
                     for i, c in enumerate(cards)],
        "inference": {"test_time_augmentation": flips.pop() if len(flips) == 1 else "mixed",
                      "note": "as inside each member's graph", "quantization": None},
        "metrics": {},
        "licence": first.get("licence", ""),
        "onnx": {"file": onnx_path.name, "sha256": sha256_of(onnx_path), "opset": OPSET},
    }
