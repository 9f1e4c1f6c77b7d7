"""The training loop: in-memory uint8 crops, augmentation on the device, masked multi-task
loss, a checkpoint every epoch (resumable), validation per head, best epoch kept."""

from __future__ import annotations

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
from facemtl.data.folders import class_names, read_identities
from facemtl.io.atomic import atomic_path
from facemtl.labels import EMOTIONS
from facemtl.models import HEADS, MultiTaskNet, create_model
from facemtl.models.multitask import IdentityHead
from facemtl.scoring import predict_arrays, score_outputs, selection_score, summary_line
from facemtl.train.augment import augment
from facemtl.train.config import TrainConfig
from facemtl.train.losses import multitask_loss
from facemtl.train.sam import SAM

#: Data sets training takes, and the split each validates on.
VALID_SPLIT = {"ferplus": "valid", "utkface": "valid", "affectnet": "valid", "folder": "valid",
               "identity": "valid"}


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
        if dataset not in VALID_SPLIT:
            raise ValueError(f"cannot train on {dataset!r}: training takes "
                             f"{', '.join(VALID_SPLIT)} (data sets with train/valid splits)")
        name = split if split == "train" else VALID_SPLIT[dataset]
        parts.append(cached_arrays(dataset, folder, name, config.cache_dir,
                                   ferplus_mode=config.ferplus_mode, limit=config.limit,
                                   progress=config.progress, folder_crop=config.folder_crop))
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


def build_model(config: TrainConfig) -> MultiTaskNet:
    """The network a run starts from: ImageNet or random weights, a state-dict file, or a
    bundled/exported ONNX model (``init: fast``, a card path) rebuilt in torch."""
    labels = expression_labels(config)
    identities = identity_count(config)
    if config.init and not str(config.init).endswith((".pt", ".pth")):
        from facemtl.models.from_onnx import load_onnx_model
        from facemtl.runtime.registry import resolve_model

        net = load_onnx_model(resolve_model(config.init), config.input_size,
                              num_expressions=len(labels))
        if identities:
            net.identity = IdentityHead(net.embedding_dim, identities, config.identity_head)
        return net
    net = create_model(config.backbone, config.input_size,
                       pretrained=config.pretrained and not config.init,
                       num_expressions=len(labels), age_head=config.age_head,
                       num_identities=identities, identity_head=config.identity_head)
    if config.init:
        state = torch.load(config.init, map_location="cpu", weights_only=False)
        state = state.get("model", state)
        own = net.state_dict()
        # The identity classifier of a pre-training run is dropped (paper 1), as is a head
        # whose shape no longer fits (a new label set): both start afresh.
        kept = {k: v.float() for k, v in state.items()
                if k in own and v.shape == own[k].shape}
        unexpected = [k for k in state if k not in own and not k.startswith("identity.")]
        if unexpected:
            raise ValueError(f"{config.init}: unexpected tensors {unexpected[:5]}")
        net.load_state_dict(kept, strict=False)
    return net


def expression_labels(config: TrainConfig) -> list[str]:
    """The expression head's label names: the config's, a class-folder data set's, or the
    8 emotions."""
    if config.labels:
        return list(config.labels)
    if "folder" in config.datasets:
        return class_names(config.datasets["folder"])
    return list(EMOTIONS)


def identity_count(config: TrainConfig) -> int:
    """People in an identity data set's train side (0 without one)."""
    if "identity" not in config.datasets:
        return 0
    samples = read_identities(config.datasets["identity"], "train")
    return 1 + max((s.identity for s in samples), default=-1)


def freeze_batchnorm(net: torch.nn.Module) -> None:
    """Batch norms in eval mode: statistics kept (they are folded into the weights of a model
    rebuilt from ONNX, and small fine-tuning batches would estimate them badly)."""
    for module in net.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()


def _atomic_save(obj: Any, path: Path) -> None:
    with atomic_path(path) as partial:
        torch.save(obj, partial)


def train(config: TrainConfig, resume: bool = True) -> dict[str, Any]:
    """Train per ``config``; returns the best epoch's validation metrics and checkpoint path."""
    seed_everything(config.seed)
    device = pick_device(config.device)
    out_dir = Path(config.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if config.init and not str(config.init).endswith((".pt", ".pth")):
        config.freeze_batchnorm = True  # ONNX weights have their batch norms folded in
    if not config.labels and "folder" in config.datasets:
        config.labels = expression_labels(config)  # saved with the checkpoint, for export
    train_arrays, sources = load_split(config, "train")
    valid_arrays, _ = load_split(config, "valid")

    net = build_model(config).to(device)
    if device.type == "cuda":
        net = net.to(memory_format=torch.channels_last)
        torch.backends.cudnn.benchmark = True
    counts = train_arrays.expression.sum(axis=0)
    class_weights = None
    if config.class_weighted and counts.sum() > 0:
        w = np.where(counts > 0, counts.max() / np.maximum(counts, 1), 0.0)
        class_weights = torch.tensor(w, dtype=torch.float32, device=device)

    steps_per_epoch = len(epoch_batches(sources, config.batch_size, config.batching,
                                        torch.Generator().manual_seed(0)))
    total_steps = steps_per_epoch * config.epochs
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer not in ("adamw", "sam"):
        raise ValueError(f"unknown optimizer {config.optimizer!r}; choose adamw or sam")
    sam = SAM(optimizer, config.sam_rho) if config.optimizer == "sam" else None
    arcface = (config.arcface_scale, config.arcface_margin) \
        if config.identity_head == "arcface" else None

    def lr_factor(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, total_steps - config.warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    start_epoch, best, history = 0, {"score": -1.0}, []
    last_path, best_path = out_dir / "last.pt", out_dir / "best.pt"
    if resume and last_path.exists():
        state = torch.load(last_path, map_location="cpu", weights_only=False)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start_epoch, best, history = state["epoch"] + 1, state["best"], state["history"]
        print(f"resumed from {last_path} at epoch {start_epoch}", flush=True)

    images = torch.from_numpy(train_arrays.images).to(device)
    labels = {name: torch.from_numpy(getattr(train_arrays, name)).to(device)
              for name in ("expression", "age", "gender", "ethnicity", "valence", "arousal",
                           "identity")}
    generator = torch.Generator(device=device)
    predict = torch_predictor(net, device)
    step = start_epoch * steps_per_epoch
    for epoch in range(start_epoch, config.epochs):
        generator.manual_seed(config.seed * 1000 + epoch)
        head_only = epoch < config.head_epochs
        if config.finetune_lr and not head_only:  # paper 1: a lower rate for the whole net
            scheduler.base_lrs = [config.finetune_lr] * len(scheduler.base_lrs)
        for p in net.backbone.parameters():
            p.requires_grad_(not head_only)
        net.train()
        if head_only:
            net.backbone.eval()  # keep pretrained batch-norm statistics while heads warm up
        elif config.freeze_batchnorm:
            freeze_batchnorm(net)
        batches = epoch_batches(sources, config.batch_size, config.batching,
                                torch.Generator().manual_seed(config.seed * 1000 + epoch))
        started, seen, running = time.time(), 0, 0.0
        bar = tqdm(range(steps_per_epoch), desc=f"epoch {epoch + 1}/{config.epochs}",
                   disable=not config.progress, leave=False)
        for index in bar:
            batch_index = batches[index].to(device)
            pixels = images[batch_index].permute(0, 3, 1, 2).float()
            pixels = augment(pixels, generator=generator,
                             erase_probability=config.erase_probability)
            if device.type == "cuda":
                pixels = pixels.contiguous(memory_format=torch.channels_last)
            batch = {name: value[batch_index] for name, value in labels.items()}

            def closure(pixels: torch.Tensor = pixels, batch: dict = batch) -> torch.Tensor:
                with torch.autocast(device.type, dtype=torch.bfloat16,
                                    enabled=device.type == "cuda"):
                    outputs = net(pixels)
                loss, _ = multitask_loss(outputs, batch, class_weights, config.label_smoothing,
                                         config.loss_weights, arcface)
                loss.backward()
                return loss

            if sam is not None:
                loss = sam.step(closure)
            else:
                optimizer.zero_grad(set_to_none=True)
                loss = closure()
                optimizer.step()
            scheduler.step()
            step += 1
            seen += len(batch_index)
            loss_value = float(loss.detach())
            running = 0.98 * running + 0.02 * loss_value if index else loss_value
            bar.set_postfix(loss=f"{running:.3f}")
            if config.max_steps and step >= config.max_steps:
                break
        net.eval()
        metrics = score_outputs(valid_arrays, predict_arrays(predict, valid_arrays),
                                age_decoder=config.age_decoder,
                                emotions=tuple(expression_labels(config)))
        score = selection_score(metrics)
        elapsed = time.time() - started
        record = {"epoch": epoch + 1, "loss": running, "score": score, "images_per_s":
                  seen / max(elapsed, 1e-9), "seconds": elapsed, "valid": _brief(metrics)}
        history.append(record)
        print(f"epoch {epoch + 1}/{config.epochs} loss {running:.3f} {seen / elapsed:.0f} img/s"
              f" | valid {summary_line(metrics)} | score {score:.4f}", flush=True)
        if score > best["score"]:
            best = {"score": score, "epoch": epoch + 1, "metrics": metrics,
                    "trained_heads": trained_heads(train_arrays)}
            _atomic_save({"model": net.state_dict(), "config": config.to_dict(),
                          "best": best}, best_path)
        _atomic_save({"model": net.state_dict(), "optimizer": optimizer.state_dict(),
                      "scheduler": scheduler.state_dict(), "epoch": epoch, "best": best,
                      "history": history, "config": config.to_dict()}, last_path)
        (out_dir / "history.json").write_text(json.dumps(history, indent=1))
        if config.max_steps and step >= config.max_steps:
            break
    return {"best": best, "checkpoint": str(best_path), "history": history}


def trained_heads(arrays: FaceArrays) -> list[str]:
    """Heads that had at least one label in the training data (the others stay untrained)."""
    heads = ("expression", "valence_arousal", "age", "gender", "ethnicity", "identity")
    return ["embedding"] + [h for h in heads if arrays.labelled(h).any()]


def _brief(metrics: dict[str, dict]) -> dict[str, float]:
    out = {}
    for head, values in metrics.items():
        out[head] = round(values["mae"] if head == "age" else values["accuracy"], 4)
    return out
