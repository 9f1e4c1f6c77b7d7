"""Run an exported multi-task model as its card says: preprocess -> onnxruntime -> decode."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facemtl.errors import ModelError
from facemtl.runtime.card import ModelCard
from facemtl.runtime.decode import adjust_expression, decode_age, decode_gender
from facemtl.runtime.preprocess import to_batch
from facemtl.runtime.registry import DEFAULT_MODEL, resolve_model
from facemtl.runtime.session import cpu_session


class FaceModel:
    """One exported model. ``predict`` gives raw head outputs; ``postprocess`` answers.

    ``threads`` sets onnxruntime's intra-op threads (0 = its default, all cores). ``tau``
    replaces the strength of the card's logit adjustment of the expression answer (0: the
    network's own probabilities; None: the card's, chosen on validation data), for a user
    who weighs accuracy against rare-class recall differently (docs/MODELS.md).
    """

    def __init__(self, card: ModelCard, threads: int = 0, tau: float | None = None) -> None:
        if card.kind != "analysis":
            raise ModelError(f"{card.path}: a {card.kind} model, not one that analyses faces "
                             "(use it with FaceSynthesizer / facemtl synthesize)")
        card.verify()
        self.card = card
        self.tau = self._expression_tau(tau)
        try:
            self.session = cpu_session(card.onnx_path, threads)
        except Exception as error:  # onnxruntime raises its own exception types
            raise ModelError(f"{card.onnx_path}: cannot load ONNX model ({error})") from None
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [o.name for o in self.session.get_outputs()]

    @classmethod
    def load(cls, name_or_path: str | Path = DEFAULT_MODEL, threads: int = 0,
             tau: float | None = None) -> FaceModel:
        return cls(ModelCard.load(resolve_model(name_or_path)), threads=threads, tau=tau)

    def _expression_tau(self, tau: float | None) -> float:
        """The adjustment strength this model answers with: ``tau`` when given, else the
        card's. A card without the training class shares cannot be adjusted."""
        head = self.card.head("expression")
        if tau is None:
            return head.tau
        if not tau >= 0:
            raise ModelError(f"tau must be 0 or more, not {tau}")
        if tau and not head.train_shares:
            raise ModelError(f"{self.card.path}: the card records no training class shares, "
                             "so its expression answer cannot be adjusted (tau)")
        return float(tau)

    @property
    def adjusted_as_card(self) -> bool:
        """Whether the expression answer is the card's own (its ``tau``), so that figures
        measured with this model may stand for the card's."""
        return self.tau == self.card.head("expression").tau

    @property
    def input_size(self) -> int:
        return self.card.input_size

    def preprocess(self, crops: list[np.ndarray]) -> np.ndarray:
        spec = self.card.input
        return to_batch(crops, spec.size, spec.colour)

    def predict(self, crops: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Head outputs for RGB uint8 crops (any size), all in one batch."""
        if not crops:
            return {}
        values = self.session.run(self.output_names, {self.input_name: self.preprocess(crops)})
        return dict(zip(self.output_names, values, strict=True))

    def postprocess(self, outputs: dict[str, np.ndarray]) -> list[dict[str, object]]:
        """Per-face answers: labels, probabilities, decoded age, normalised embedding.

        Heads the card marks untrained give None rather than numbers nobody trained.
        """
        if not outputs:
            return []
        card = self.card
        n = len(next(iter(outputs.values())))
        results: list[dict[str, object]] = [{} for _ in range(n)]
        expression = card.head("expression")
        if expression.trained:
            _add_class_answers(results, self.expression_answer(outputs["expression"]),
                               expression.labels, "emotion")
        if card.head("valence_arousal").trained:
            for result, (valence, arousal) in zip(results, outputs["valence_arousal"],
                                                  strict=True):
                result["valence"], result["arousal"] = float(valence), float(arousal)
        age = card.head("age")
        if age.trained:
            for result, years in zip(results, decode_age(outputs["age"], age.decoder),
                                     strict=True):
                result["age"] = float(years)
        gender = card.head("gender")
        if gender.trained:
            scores = outputs["gender"].reshape(-1)
            for result, p_second, second in zip(results, scores,
                                                decode_gender(scores, gender.threshold),
                                                strict=True):
                result["gender"] = gender.labels[second]
                result["gender_prob"] = float(p_second if second else 1.0 - p_second)
        ethnicity = card.head("ethnicity")
        if ethnicity.trained:
            _add_class_answers(results, outputs["ethnicity"], ethnicity.labels, "ethnicity")
        if "embedding" in outputs:
            embeddings = outputs["embedding"].astype(np.float32)
            norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
            embeddings = embeddings / np.maximum(norms, 1e-12)
            for result, embedding in zip(results, embeddings, strict=True):
                result["embedding"] = embedding
        return results

    def expression_answer(self, probabilities: np.ndarray) -> np.ndarray:
        """The expression probabilities the model answers with: the network's, corrected by
        the logit adjustment (the card's ``tau`` unless the model was given another;
        unchanged where there is none). ``postprocess`` and ``facemtl evaluate`` both answer
        through it."""
        head = self.card.head("expression")
        return adjust_expression(probabilities, head.train_shares, self.tau)

    def __call__(self, crops: list[np.ndarray]) -> list[dict[str, object]]:
        return self.postprocess(self.predict(crops))


def _add_class_answers(results: list[dict[str, object]], probabilities: np.ndarray,
                       names: tuple[str, ...], key: str) -> None:
    """Set ``key`` (the most probable class) and ``key_probs`` (all classes) per face."""
    for result, probs in zip(results, probabilities, strict=True):
        result[key] = names[int(np.argmax(probs))]
        result[f"{key}_probs"] = {k: float(p) for k, p in zip(names, probs, strict=True)}
