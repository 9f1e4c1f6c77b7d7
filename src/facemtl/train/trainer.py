"""The training loop, in parts: data (in-memory uint8 crops), model, optimiser and resume,
the epoch loop (augmentation on the device, masked multi-task loss), validation per head,
and checkpoints (``last.pt`` every epoch, resumable; ``best.pt`` for the best validation).

``Trainer`` holds the parts; a new kind of network (two branches, a GAN) subclasses it and
replaces the steps that differ (``build``, ``loss``, ``validate``) instead of copying the loop.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from facemtl.data.arrays import FaceArrays
from facemtl.data.cache import cached_arrays
from facemtl.data.registry import get_dataset
from facemtl.io.atomic import atomic_path
from facemtl.models import HEADS, MultiTaskNet
from facemtl.models.build import build_model, expression_labels
from facemtl.scoring import brief_metrics, predict_arrays, score_outputs, selection_score, summary_line
from facemtl.train.augment import augment
from facemtl.train.config import TrainConfig
from facemtl.train.distill import DISTILLED_HEADS, distillation_loss, teacher_targets
from facemtl.train.losses import multitask_loss
from facemtl.train.sam import SAM


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def epoch_batches(sources: np.ndarray, batch_size: int, batching: str,
                  generator: torch.Generator) -> list[torch.Tensor]:
    """One epoch's batches of sample indices.

    ``mixed`` shuffles all data sets together; ``alternate`` (paper 1) makes every batch come
    from one data set and interleaves the data sets' batches round-robin, so each head sees
    whole batches of its own labels.
    """
    if batching == "mixed":
        order = torch.randperm(len(sources), generator=generator)
        return list(order.split(batch_size))
    if batching != "alternate":
        raise ValueError(f"unknown batching {batching!r}; choose mixed or alternate")
    queues = []
    for source in np.unique(sources):
        members = torch.from_numpy(np.flatnonzero(sources == source))
        members = members[torch.randperm(len(members), generator=generator)]
        queues.append(list(members.split(batch_size)))
    batches = []
    while any(queues):
        for queue in queues:
            if queue:
                batches.append(queue.pop(0))
    return batches


def load_split(config: TrainConfig, split: str) -> tuple[FaceArrays, np.ndarray]:
    """The split of every configured data set, concatenated, and each sample's data set
    index (for ``alternate`` batching)."""
    parts = []
    for dataset, folder in config.datasets.items():
        spec = get_dataset(dataset)
        name = split if split == "train" else spec.valid_split
        parts.append(cached_arrays(dataset, folder, name, config.cache_dir,
                                   ferplus_mode=config.ferplus_mode, limit=config.limit,
                                   progress=config.progress, folder_crop=config.folder_crop,
                                   framing=config.framing,
                                   size=config.cache_size(spec.native_size)))
    if not parts:
        raise ValueError("no data sets given: set 'datasets' (e.g. ferplus: DIR, utkface: DIR)")
    if len({p.expression.shape[1] for p in parts}) > 1:
        raise ValueError("a 'folder' data set has its own label set: train it on its own")
    sources = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)])
    return FaceArrays.concatenate([p.resized(config.input_size) for p in parts]), sources


def torch_predictor(net: MultiTaskNet, device: torch.device):
    """A ``PredictFn`` over a torch network, for validation with the shared scorer."""

    @torch.no_grad()
    def predict(images: np.ndarray) -> dict[str, np.ndarray]:
        pixels = torch.from_numpy(images).to(device).permute(0, 3, 1, 2).float()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            raw = net(pixels)  # one pass: the heads' probabilities and the identity logits
            result = {name: value.float().cpu().numpy()
                      for name, value in zip(HEADS, net.probabilities(raw), strict=True)}
            if "identity" in raw:
                result["identity"] = raw["identity"].float().cpu().numpy()
        return result

    return predict


def freeze_batchnorm(net: torch.nn.Module) -> None:
    """Batch norms in eval mode: statistics kept (they are folded into the weights of a model
    rebuilt from ONNX, and small fine-tuning batches would estimate them badly)."""
    for module in net.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()


def atomic_save(obj: Any, path: Path) -> None:
    """``torch.save`` written whole or not at all (a run killed mid-save keeps the last one)."""
    with atomic_path(path) as partial:
        torch.save(obj, partial)


def cosine_schedule(optimizer: torch.optim.Optimizer, total_steps: int,
                    warmup_steps: int = 0) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over ``warmup_steps``, then cosine decay to zero at ``total_steps``."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class Trainer:
    """One training run of ``config``; ``fit()`` runs it (resuming from ``last.pt``).

    The caller's config is never changed: the run works on its own copy (``self.config``),
    which is what the checkpoints record.
    """

    def __init__(self, config: TrainConfig, resume: bool = True) -> None:
        changes: dict[str, Any] = {}
        if config.init_is_model:
            changes["freeze_batchnorm"] = True  # ONNX weights have their batch norms folded in
        if not config.labels and "folder" in config.datasets:
            changes["labels"] = expression_labels(config)  # saved with checkpoints, for export
        self.config = dataclasses.replace(config, **changes)
        self.resume = resume
        self.device = pick_device(self.config.device)
        self.out_dir = Path(self.config.out_dir)
        self.last_path, self.best_path = self.out_dir / "last.pt", self.out_dir / "best.pt"
        self.start_epoch, self.best, self.history = 0, {"score": -1.0}, []
        self.step = 0

    # -- data -------------------------------------------------------------------------------
    def load_data(self) -> None:
        """Train and validation arrays in memory; labels as tensors on the device."""
        self.train_arrays, self.sources = load_split(self.config, "train")
        self.valid_arrays, _ = load_split(self.config, "valid")
        self.images = torch.from_numpy(self.train_arrays.images).to(self.device)
        self.labels = {name: torch.from_numpy(getattr(self.train_arrays, name)).to(self.device)
                       for name in ("expression", "age", "gender", "ethnicity", "valence",
                                    "arousal", "identity")}
        if self.config.teacher:
            targets = teacher_targets(self.config.teacher, self.train_arrays,
                                      self.out_dir / "teacher.npz")
            self.labels.update({f"teacher_{head}": torch.from_numpy(targets[head]).to(
                self.device) for head in DISTILLED_HEADS})
        self.steps_per_epoch = len(epoch_batches(self.sources, self.config.batch_size,
                                                 self.config.batching,
                                                 torch.Generator().manual_seed(0)))

    def batches(self, epoch: int) -> list[torch.Tensor]:
        """The epoch's batches of sample indices, seeded by run seed and epoch."""
        config = self.config
        return epoch_batches(self.sources, config.batch_size, config.batching,
                             torch.Generator().manual_seed(config.seed * 1000 + epoch))

    # -- model ------------------------------------------------------------------------------
    def build(self) -> torch.nn.Module:
        # Channels-last on every device: on the 2-core CPU it doubles training throughput
        # (oneDNN's depthwise and 1x1 convolutions; benchmarks/results/train-throughput.json).
        net = build_model(self.config).to(self.device, memory_format=torch.channels_last)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        return net

    def class_weights(self) -> torch.Tensor | None:
        """Expression weights 1/count, normalised to the largest class (paper 1)."""
        counts = self.train_arrays.expression.sum(axis=0)
        if not self.config.class_weighted or counts.sum() <= 0:
            return None
        w = np.where(counts > 0, counts.max() / np.maximum(counts, 1), 0.0)
        return torch.tensor(w, dtype=torch.float32, device=self.device)

    # -- optimiser, schedule and resume -------------------------------------------------------
    def build_optimiser(self) -> None:
        config = self.config
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=config.lr,
                                           weight_decay=config.weight_decay)
        self.sam = SAM(self.optimizer, config.sam_rho) if config.optimizer == "sam" else None
        self.scheduler = cosine_schedule(self.optimizer, self.steps_per_epoch * config.epochs,
                                         config.warmup_steps)

    def restore(self) -> None:
        """Continue from ``last.pt`` when there is one (and ``resume``)."""
        if not (self.resume and self.last_path.exists()):
            return
        state = torch.load(self.last_path, map_location="cpu", weights_only=False)
        self.net.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.start_epoch = state["epoch"] + 1
        self.best, self.history = state["best"], state["history"]
        self.step = self.start_epoch * self.steps_per_epoch
        print(f"resumed from {self.last_path} at epoch {self.start_epoch}", flush=True)

    # -- one epoch ----------------------------------------------------------------------------
    def loss(self, outputs: dict[str, torch.Tensor], batch: dict[str, torch.Tensor]
             ) -> torch.Tensor:
        config = self.config
        arcface = (config.arcface_scale, config.arcface_margin) \
            if config.identity_head == "arcface" else None
        loss, _ = multitask_loss(outputs, batch, self.weights, config.label_smoothing,
                                 config.loss_weights, arcface)
        if config.teacher:
            taught, _ = distillation_loss(outputs, {head: batch[f"teacher_{head}"]
                                                    for head in DISTILLED_HEADS})
            loss = loss + config.distill_weight * taught
        return loss

    def prepare_epoch(self, epoch: int) -> None:
        """Head-only epochs first (backbone frozen, its batch-norm statistics kept); then
        the whole network, at ``finetune_lr`` when set (paper 1)."""
        config, net = self.config, self.net
        head_only = epoch < config.head_epochs
        if config.finetune_lr and not head_only:
            self.scheduler.base_lrs = [config.finetune_lr] * len(self.scheduler.base_lrs)
        for module in net.trunk():
            module.requires_grad_(not head_only)
        net.train()
        if head_only:
            for module in net.trunk():
                module.eval()
        elif config.freeze_batchnorm:
            freeze_batchnorm(net)

    def train_epoch(self, epoch: int) -> tuple[float, int, float]:
        """One pass over the training batches; returns (smoothed loss, images, seconds)."""
        config, device = self.config, self.device
        self.prepare_epoch(epoch)
        self.generator.manual_seed(config.seed * 1000 + epoch)
        batches = self.batches(epoch)
        started, seen, running = time.time(), 0, 0.0
        bar = tqdm(range(self.steps_per_epoch), desc=f"epoch {epoch + 1}/{config.epochs}",
                   disable=not config.progress, leave=False)
        for index in bar:
            batch_index = batches[index].to(device)
            pixels = self.images[batch_index].permute(0, 3, 1, 2).float()
            pixels = augment(pixels, generator=self.generator,
                             erase_probability=config.erase_probability)
            pixels = pixels.contiguous(memory_format=torch.channels_last)
            batch = {name: value[batch_index] for name, value in self.labels.items()}

            def closure(pixels: torch.Tensor = pixels, batch: dict = batch) -> torch.Tensor:
                with torch.autocast(device.type, dtype=torch.bfloat16,
                                    enabled=device.type == "cuda"):
                    outputs = self.net(pixels)
                loss = self.loss(outputs, batch)
                loss.backward()
                return loss

            if self.sam is not None:
                loss = self.sam.step(closure)
            else:
                self.optimizer.zero_grad(set_to_none=True)
                loss = closure()
                self.optimizer.step()
            self.scheduler.step()
            self.step += 1
            seen += len(batch_index)
            loss_value = float(loss.detach())
            running = 0.98 * running + 0.02 * loss_value if index else loss_value
            bar.set_postfix(loss=f"{running:.3f}")
            if self.stopped:
                break
        return running, seen, time.time() - started

    @property
    def stopped(self) -> bool:
        return bool(self.config.max_steps and self.step >= self.config.max_steps)

    # -- validation and checkpoints ----------------------------------------------------------
    def validate(self) -> dict[str, dict]:
        self.net.eval()
        predict = torch_predictor(self.net, self.device)
        return score_outputs(self.valid_arrays, predict_arrays(predict, self.valid_arrays),
                             age_decoder=self.config.age_decoder,
                             emotions=tuple(expression_labels(self.config)))

    def checkpoint(self, epoch: int, metrics: dict[str, dict], score: float) -> None:
        """``best.pt`` when the epoch is the best so far, ``last.pt`` always, then the
        history: each written whole or not at all."""
        config = self.config.to_dict()
        if score > self.best["score"]:
            self.best = {"score": score, "epoch": epoch + 1, "metrics": metrics,
                         "trained_heads": trained_heads(self.train_arrays)}
            atomic_save({"model": self.net.state_dict(), "config": config,
                          "best": self.best}, self.best_path)
        atomic_save({"model": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                      "scheduler": self.scheduler.state_dict(), "epoch": epoch,
                      "best": self.best, "history": self.history, "config": config},
                     self.last_path)
        with atomic_path(self.out_dir / "history.json") as partial:
            partial.write_text(json.dumps(self.history, indent=1))

    # -- the run ----------------------------------------------------------------------------
    def fit(self) -> dict[str, Any]:
        """Train; returns the best epoch's validation metrics, its checkpoint and history."""
        config = self.config
        seed_everything(config.seed)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.load_data()
        self.net = self.build()
        self.weights = self.class_weights()
        self.build_optimiser()
        self.restore()
        self.generator = torch.Generator(device=self.device)
        for epoch in range(self.start_epoch, config.epochs):
            running, seen, elapsed = self.train_epoch(epoch)
            metrics = self.validate()
            score = selection_score(metrics)
            self.history.append({"epoch": epoch + 1, "loss": running, "score": score,
                                 "images_per_s": seen / max(elapsed, 1e-9), "seconds": elapsed,
                                 "valid": brief_metrics(metrics)})
            print(f"epoch {epoch + 1}/{config.epochs} loss {running:.3f} "
                  f"{seen / max(elapsed, 1e-9):.0f} img/s | valid {summary_line(metrics)} | "
                  f"score {score:.4f}", flush=True)
            self.checkpoint(epoch, metrics, score)
            if self.stopped:
                break
        return {"best": self.best, "checkpoint": str(self.best_path), "history": self.history}


def train(config: TrainConfig, resume: bool = True) -> dict[str, Any]:
    """Train per ``config`` (which is left unchanged); returns the best epoch's validation
    metrics and checkpoint path."""
    return Trainer(config, resume).fit()


def trained_heads(arrays: FaceArrays) -> list[str]:
    """Heads that had at least one label in the training data (the others stay untrained)."""
    heads = ("expression", "valence_arousal", "age", "gender", "ethnicity", "identity")
    return ["embedding"] + [h for h in heads if arrays.labelled(h).any()]
