"""Training FERSNet on one cross-validation fold: recognition, synthesis (a conditional
LSGAN) and, optionally, synthetic balancing of the training set.

Losses and weights (the paper does not publish them; these follow its conditional-GAN family,
StarGAN's weights for the reconstruction terms):
    recognition      CE(classify(x), y)                                   weight 1
    adversarial      LSGAN: (D(fake) - 1)^2 for G; D: (D(x) - 1)^2 + D(fake)^2  weight 1
    expression       CE(classify(fake), t), applied to the synthesis side only  weight 1
    cycle            |synthesize(fake, y) - x| (pixels / 255)             weight 10
    pair             |fake - x_t| when the same subject has a face of class t  weight 10
    identity         |synthesize(x, y) - x|: asked for its own expression, the face is kept
                     (CycleGAN's identity loss; it keeps tone and features where the data
                     has no pairs, as in FER+)                   weight 0 unless configured
``fake = synthesize(x, t)``: each training face is sent to a random other expression ``t``;
where the same CK+ subject posed ``t`` too, that face is the pair's target (CK+48 holds the
last frames of each sequence, no neutral frames, so pairs are expression-to-expression).
The expression loss on fakes trains only the synthesis side (decoder, target embedding,
synthesis encoder and its gates): the recogniser judges fakes but does not learn from them
until synthetic balancing, when it is fine-tuned on real and synthetic faces together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from facemtl.models.fersnet import FERSNet, PatchDiscriminator
from facemtl.train.trainer import atomic_save, cosine_schedule

log = logging.getLogger(__name__)


@dataclass
class FersnetConfig:
    """One variant's recipe; every variant of an ablation shares all but ``sharing`` and
    ``synthetic``."""

    sharing: str = "convflu"  # none (Baseline) | hard (Baseline*) | convflu (FERSNet)
    synthetic: bool = False  # fine-tune the recogniser on real + synthetic, class-balanced
    width: int = 16
    levels: int = 3
    shared_levels: int = 2
    input_size: int = 48
    epochs: int = 15
    batch_size: int = 32
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    weights: dict[str, float] = field(default_factory=lambda: {
        "recognition": 1.0, "adversarial": 1.0, "expression": 1.0, "cycle": 10.0, "pair": 10.0})
    label_smoothing: float = 0.1
    synthetic_epochs: int = 5
    synthetic_lr: float = 5e-5
    #: balance each class up to min(largest class, cap) faces; 0 = up to the largest class.
    #: A cap keeps the synthetic set affordable where classes differ 50-fold (FER+).
    synthetic_cap: int = 0
    seed: int = 0
    #: start from a trained FERSNet checkpoint (``fit`` writes one with its class names), as
    #: the paper pre-trained before CK+; "" trains from scratch. Relative to the working folder.
    init: str = ""


def augment(pixels: torch.Tensor, generator: torch.Generator, shift: int = 3) -> torch.Tensor:
    """Random horizontal flips and shifts of up to ``shift`` pixels (edge-padded)."""
    n, _, size, _ = pixels.shape
    device = pixels.device  # random draws stay on the CPU generator, then move
    flip = (torch.rand(n, generator=generator) < 0.5).to(device)
    pixels = torch.where(flip.view(-1, 1, 1, 1), pixels.flip(3), pixels)
    padded = F.pad(pixels, (shift,) * 4, mode="replicate")
    dx, dy = torch.randint(0, 2 * shift + 1, (2, n), generator=generator).to(device)
    steps = torch.arange(size, device=device)
    rows = (dy.view(-1, 1) + steps).view(n, 1, size, 1).expand(n, 1, size, size + 2 * shift)
    taken = padded.gather(2, rows)
    cols = (dx.view(-1, 1) + steps).view(n, 1, 1, size).expand(n, 1, size, size)
    return taken.gather(3, cols)


def pair_targets(labels: np.ndarray, subjects: np.ndarray, index: np.ndarray,
                 targets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each batch face (``index`` into the training set) and its target class, a face of
    the same subject in that class (its index), or -1 when the subject never posed it."""
    out = np.full(len(index), -1)
    for k, (i, target) in enumerate(zip(index, targets, strict=True)):
        same = np.flatnonzero((subjects == subjects[i]) & (labels == target))
        if len(same):
            out[k] = rng.choice(same)
    return out


def synthesis_parameters(net: FERSNet) -> list[torch.nn.Parameter]:
    """What the expression loss on synthesised faces may train: the synthesis side only."""
    names = ("target_embedding", "up", "fuse", "to_face", "to_synthesis")
    params = [p for n, p in net.named_parameters() if n.split(".")[0] in names]
    shared = {id(p) for p in net.recognition.parameters()}
    params += [p for p in net.synthesis.parameters() if id(p) not in shared]
    return params


def transfer_weights(module: FERSNet, saved: dict[str, torch.Tensor],
                     saved_classes: Sequence[str], classes: Sequence[str]) -> list[str]:
    """Copy ``saved`` (a state dict trained on ``saved_classes``) into ``module``, whose
    classes are ``classes``: class-indexed weights keep the rows of the classes by name (FER+'s
    eight to CK+'s seven), everything else must match in shape. Parameters the saved network
    has and ``module`` lacks (a synthesis branch, into a recogniser alone) are left out;
    parameters ``module`` has and ``saved`` lacks keep their fresh values. Returns the names
    copied."""
    missing = [name for name in classes if name not in saved_classes]
    if missing:
        raise ValueError(f"the initial weights have no class {', '.join(missing)}")
    rows = torch.tensor([list(saved_classes).index(name) for name in classes])
    class_axes = module.class_axes()
    state = module.state_dict()
    copied = []
    for key, value in state.items():
        if key not in saved:
            continue
        source = saved[key]
        if key in class_axes:
            source = source.index_select(class_axes[key], rows)
        if source.shape != value.shape:
            raise ValueError(f"initial weight {key} has shape {tuple(source.shape)}, "
                             f"the network needs {tuple(value.shape)}")
        state[key] = source
        copied.append(key)
    module.load_state_dict(state)
    return copied


@dataclass
class _Run:
    """What one ``fit`` carries from step to step and saves with every checkpoint."""

    opt: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer | None  # None for the recogniser alone
    schedules: list[torch.optim.lr_scheduler.LRScheduler]
    rng: np.random.Generator  # batch order, target expressions, pair choice
    generator: torch.Generator  # augmentation
    syn_params: list[torch.nn.Parameter]  # what the expression loss on fakes may train


class FoldTrainer:
    """Trains one variant on one fold's training faces (uint8 (N, S, S), labels, subjects).

    ``classes`` names the labels in label order: their number sizes the network, and the
    names carry each class's weights over with ``config.init`` and go into checkpoints."""

    def __init__(self, config: FersnetConfig, classes: Sequence[str],
                 device: str = "cpu") -> None:
        self.config, self.classes = config, list(classes)
        self.num_classes = num_classes = len(self.classes)
        if len(set(self.classes)) != num_classes:
            raise ValueError(f"class names repeat: {self.classes}")
        self.device = torch.device(device)
        torch.manual_seed(config.seed)
        # channels-last: 1.2-1.4x faster training steps on the CPU (sfs_throughput.py); the
        # one-channel input batches already have that layout
        layout = torch.channels_last
        self.net = FERSNet(num_classes, config.input_size, config.width, config.levels,
                           config.sharing, config.shared_levels).to(self.device,
                                                                    memory_format=layout)
        self.disc = PatchDiscriminator(config.width).to(self.device, memory_format=layout) \
            if self.net.synthesises else None
        self.log: list[dict[str, Any]] = []
        if config.init:
            self.initialise(Path(config.init))

    def initialise(self, checkpoint: Path) -> None:
        """Start from a trained FERSNet (``config.init``): its network and, for a variant that
        synthesises, its discriminator."""
        if not checkpoint.is_file():
            raise FileNotFoundError(f"{checkpoint}: initial weights not found (the FER+ FERSNet "
                                    "is made by python benchmarks/sfs_ferplus.py)")
        state = torch.load(checkpoint, map_location=self.device, weights_only=False)
        if "classes" not in state:
            raise ValueError(f"{checkpoint}: the checkpoint does not name its classes")
        transfer_weights(self.net, state["net"], state["classes"], self.classes)
        if self.disc is not None and "disc" in state:
            self.disc.load_state_dict(state["disc"])

    def fit(self, images: np.ndarray, labels: np.ndarray, subjects: np.ndarray | None = None,
            checkpoint: Path | None = None) -> None:
        """Train for ``config.epochs``. ``subjects`` (None where the data has none, as in
        FER+) enables the same-subject pair loss. With ``checkpoint``, the whole state is saved
        after every epoch and a restart with the same arguments resumes after the last one."""
        config, net = self.config, self.net
        run = self._start(len(images))
        first = self._restore(run, checkpoint) \
            if checkpoint is not None and checkpoint.is_file() else 0
        pixels = torch.from_numpy(images).float().unsqueeze(1).to(self.device)
        for epoch in range(first, config.epochs):
            net.train()
            started, totals = time.time(), {}
            order = run.rng.permutation(len(images))
            for start in range(0, len(order), config.batch_size):
                index = order[start:start + config.batch_size]
                x = augment(pixels[index], run.generator)
                values = self._fersnet_step(run, x, pixels, labels, subjects, index) \
                    if net.synthesises else self._recognition_step(run, x, labels[index])
                for schedule in run.schedules:
                    schedule.step()
                _add(totals, **values)
            self.log.append({"epoch": epoch + 1, "seconds": round(time.time() - started, 1),
                             **{k: round(v[0] / max(v[1], 1), 4) for k, v in totals.items()}})
            log.info("epoch %d/%d: %s", epoch + 1, config.epochs, self.log[-1])
            if checkpoint is not None:
                self._save(run, checkpoint, epoch + 1)

    def _start(self, count: int) -> _Run:
        """Fresh optimisers, schedules and random streams for a run over ``count`` faces."""
        config = self.config
        rng = np.random.default_rng(config.seed)
        generator = torch.Generator().manual_seed(config.seed)
        opt = torch.optim.Adam(self.net.parameters(), config.lr, betas=config.betas)
        opt_d = torch.optim.Adam(self.disc.parameters(), config.lr, betas=config.betas) \
            if self.disc else None
        # cosine decay to zero over the run: the last epoch's weights are the ones evaluated
        steps = config.epochs * -(-count // config.batch_size)
        schedules = [cosine_schedule(o, steps) for o in (opt, opt_d) if o is not None]
        syn_params = synthesis_parameters(self.net) if self.net.synthesises else []
        return _Run(opt, opt_d, schedules, rng, generator, syn_params)

    def _recognition_step(self, run: _Run, x: torch.Tensor, labels: np.ndarray
                          ) -> dict[str, float]:
        """One step of the recogniser alone (Baseline): cross-entropy only."""
        y = torch.from_numpy(labels).long().to(self.device)
        loss = F.cross_entropy(self.net.classify(x), y,
                               label_smoothing=self.config.label_smoothing)
        run.opt.zero_grad(set_to_none=True)
        loss.backward()
        run.opt.step()
        return {"recognition": float(loss.detach())}

    def _fersnet_step(self, run: _Run, x: torch.Tensor, pixels: torch.Tensor,
                      labels: np.ndarray, subjects: np.ndarray | None, index: np.ndarray
                      ) -> dict[str, float]:
        """One step of both branches and the discriminator: each face of the batch is sent
        to a random other expression ``t`` (see the module docstring for the losses)."""
        config, net, device, w = self.config, self.net, self.device, self.config.weights
        y = torch.from_numpy(labels[index]).long().to(device)
        shift = run.rng.integers(1, self.num_classes, len(index))
        t_np = (labels[index] + shift) % self.num_classes
        t = torch.from_numpy(t_np).long().to(device)
        out = net(x, t)
        fake = out["fake"]
        recognition = F.cross_entropy(out["logits"], y, label_smoothing=config.label_smoothing)
        adversarial = ((self.disc(fake) - 1) ** 2).mean()
        cycle = (net.synthesize(fake, y) - x).abs().mean() / 255
        pairs = pair_targets(labels, subjects, index, t_np, run.rng) \
            if subjects is not None else np.full(len(index), -1)
        pair = torch.zeros((), device=device)
        has = pairs >= 0
        if has.any():
            target_faces = pixels[torch.from_numpy(pairs[has]).to(device)]
            chosen = fake[torch.from_numpy(has).to(device)]
            pair = (chosen - target_faces).abs().mean() / 255
        losses = {"recognition": recognition, "adversarial": adversarial,
                  "cycle": cycle, "pair": pair}
        if w.get("identity", 0.0):  # computed only when weighted: runs without it keep
            # their exact arithmetic
            losses["identity"] = (net.synthesize(x, y) - x).abs().mean() / 255
        # summed in this order, as every earlier run summed them
        main = sum(w[name] * value for name, value in losses.items())
        expression = F.cross_entropy(net.classify(fake), t)
        run.opt.zero_grad(set_to_none=True)
        main.backward(retain_graph=True)
        (w["expression"] * expression).backward(inputs=run.syn_params)
        run.opt.step()
        d_loss = ((self.disc(x) - 1) ** 2).mean() + (self.disc(fake.detach()) ** 2).mean()
        run.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        run.opt_d.step()
        return {k: float(v.detach()) for k, v in (
            losses | {"expression": expression, "discriminator": d_loss}).items()}

    def _save(self, run: _Run, checkpoint: Path, epochs_done: int) -> None:
        """The whole state after an epoch, written whole or not at all."""
        state = {"net": self.net.state_dict(), "opt": run.opt.state_dict(),
                 "schedules": [s.state_dict() for s in run.schedules],
                 "rng": run.rng.bit_generator.state, "generator": run.generator.get_state(),
                 "torch_rng": torch.get_rng_state(), "log": self.log,
                 "epoch": epochs_done, "classes": self.classes}
        if torch.cuda.is_available():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
        if run.opt_d is not None:
            state |= {"disc": self.disc.state_dict(), "opt_d": run.opt_d.state_dict()}
        atomic_save(state, checkpoint)

    def _restore(self, run: _Run, checkpoint: Path) -> int:
        """Load what ``_save`` wrote; returns the number of epochs already done."""
        state = torch.load(checkpoint, map_location=self.device, weights_only=False)
        self.net.load_state_dict(state["net"])
        run.opt.load_state_dict(state["opt"])
        if run.opt_d is not None:
            self.disc.load_state_dict(state["disc"])
            run.opt_d.load_state_dict(state["opt_d"])
        for schedule, saved in zip(run.schedules, state["schedules"], strict=True):
            schedule.load_state_dict(saved)
        run.rng.bit_generator.state = state["rng"]
        run.generator.set_state(state["generator"])
        if "torch_rng" in state:  # dropout draws from the global RNG
            torch.set_rng_state(state["torch_rng"])
        if torch.cuda.is_available() and "cuda_rng" in state:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.log = state["log"]
        return state["epoch"]

    def balance_and_finetune(self, images: np.ndarray, labels: np.ndarray,
                             extra: str = "synthetic", synthesiser: FERSNet | None = None
                             ) -> None:
        """Synthetic balancing (after ``fit``): synthesise faces of the under-represented
        classes (from training faces of other classes) until every class has as many as the
        largest (or ``synthetic_cap``), then fine-tune the recogniser (classification loss
        only) on real + synthetic faces.

        ``extra`` names what fills the classes, so that synthesis can be compared with the
        obvious alternatives under the same fine-tuning: ``synthetic`` (the paper),
        ``oversample`` (copies of the class's own real faces) or ``none`` (real faces only).
        ``synthesiser``: another trained FERSNet whose synthesis path makes the faces (the
        paper uses the network's own, the default), so that a synthesiser trained on for
        synthesis alone can balance the recogniser it was trained from.
        """
        config, net = self.config, self.net
        if extra not in ("synthetic", "oversample", "none"):
            raise ValueError(f"extra must be synthetic, oversample or none, not {extra!r}")
        maker = synthesiser if synthesiser is not None else net
        if extra == "synthetic" and not maker.synthesises:
            raise ValueError("synthetic balancing needs a synthesis branch (sharing hard/convflu)")
        rng = np.random.default_rng(config.seed + 1)
        generator = torch.Generator().manual_seed(config.seed + 1)
        pixels = torch.from_numpy(images).float().unsqueeze(1).to(self.device)
        counts = np.bincount(labels, minlength=self.num_classes)
        goal = min(counts.max(), config.synthetic_cap) if config.synthetic_cap else counts.max()
        sources, targets = [], []
        for cls, count in enumerate(counts):
            need = max(0, int(goal - count)) if extra != "none" else 0
            pool = np.flatnonzero(labels != cls) if extra == "synthetic" else \
                np.flatnonzero(labels == cls)
            if need and len(pool):
                sources.extend(rng.choice(pool, need, replace=need > len(pool)))
                targets.extend([cls] * need)
        self.synthetic_count = len(targets) if extra == "synthetic" else 0
        if extra == "synthetic" and targets:
            maker.eval()
            with torch.no_grad():
                made = torch.cat([
                    maker.synthesize(pixels[torch.tensor(sources[i:i + 256])],
                                     torch.tensor(targets[i:i + 256], device=self.device))
                    for i in range(0, len(targets), 256)]).round().clamp(0, 255)
        elif targets:
            made = pixels[torch.tensor(sources, device=self.device)]
        else:
            made = pixels[:0]
        all_pixels = torch.cat([pixels, made])
        all_labels = torch.cat([torch.from_numpy(labels).long(),
                                torch.tensor(targets, dtype=torch.long)]).to(self.device)
        opt = torch.optim.Adam(net.parameters(), config.synthetic_lr, betas=config.betas)
        for epoch in range(config.synthetic_epochs):
            net.train()
            order = rng.permutation(len(all_labels))
            total = [0.0, 0]
            for start in range(0, len(order), config.batch_size):
                index = torch.from_numpy(order[start:start + config.batch_size]).to(self.device)
                if len(index) < 2:
                    continue
                loss = F.cross_entropy(net.classify(augment(all_pixels[index], generator)),
                                       all_labels[index], label_smoothing=config.label_smoothing)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total = [total[0] + float(loss.detach()), total[1] + 1]
            self.log.append({"synthetic_epoch": epoch + 1,
                             "recognition": round(total[0] / max(total[1], 1), 4)})

    @torch.no_grad()
    def predict(self, images: np.ndarray) -> np.ndarray:
        self.net.eval()
        pixels = torch.from_numpy(images).float().unsqueeze(1).to(self.device)
        logits = torch.cat([self.net.classify(pixels[i:i + 256])
                            for i in range(0, len(pixels), 256)])
        return logits.argmax(1).cpu().numpy()


def _add(totals: dict[str, list[float]], **values: float) -> None:
    for key, value in values.items():
        entry = totals.setdefault(key, [0.0, 0])
        entry[0] += value
        entry[1] += 1
