"""The training loop: held-out split, Adam + cosine epochs with epoch selection and per-epoch state, the
student's CE + KD loss, accuracy."""
from __future__ import annotations

import contextlib
import itertools
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

from bwsnn import datasets
from training import checkpoint, precision
from training.augment import augment
from training.config import ConfigError, TrainConfig
from training.dist import Dist, unwrap
from training.model import frozen_teacher, model_input


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@torch.no_grad()
def accuracy(fn, x: np.ndarray, y: np.ndarray, device: torch.device, bits: int = 8, batch: int = 1000) -> float:
    """Accuracy (%) of ``fn`` (model input -> logits) on 8-bit images x at ``bits`` of input precision."""
    correct = 0
    for i in range(0, len(x), batch):
        out = fn(model_input(torch.from_numpy(x[i:i + batch]).to(device), bits))
        correct += (out.argmax(-1).cpu() == torch.from_numpy(y[i:i + batch])).sum().item()
    return 100.0 * correct / len(x)


@dataclass
class Split:
    """The images a phase trains on and (if any are held out) selects its epoch on; never the test set."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    shape: tuple[int, ...]


def holdout(ds: datasets.Dataset, size: int, seed: int, train_size: int = 0) -> Split:
    """Hold ``size`` training images out for validation: a permutation of the training set seeded by ``seed``
    (numpy default_rng), its first ``size`` images; train on the rest, or (``train_size`` > 0) on the next
    ``train_size`` of the permutation. size 0 and train_size 0: the whole training set, no validation."""
    n = len(ds.x_train)
    if size == 0 and train_size == 0:
        return Split(ds.x_train, ds.y_train, None, None, ds.shape)
    if size + max(train_size, 1) > n:
        raise ConfigError(f"val_size + train_size: expected <= {n} (the {ds.name} training set), with at least "
                          f"one training image, got {size} + {train_size}")
    perm = np.random.default_rng(seed).permutation(n)
    val, train = np.sort(perm[:size]), np.sort(perm[size:size + train_size] if train_size else perm[size:])
    if size == 0:
        return Split(ds.x_train[train], ds.y_train[train], None, None, ds.shape)
    return Split(ds.x_train[train], ds.y_train[train], ds.x_train[val], ds.y_train[val], ds.shape)


def copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in unwrap(model).state_dict().items()}


def warmed_up_decay(decay: float, updates: int) -> float:
    """The EMA's decay after ``updates`` averaged steps: min(decay, (1 + n) / (10 + n)), TensorFlow's
    ExponentialMovingAverage rule. A fixed decay of 0.99 still gave the random initial weights and BatchNorm
    statistics (running_var 1 where the net's is ~0.02) 46 % of a CIFAR proxy's EMA after its first epoch
    of 79 steps: 10.9 % held out instead of the raw weights' 38.7 %."""
    return min(decay, (1 + updates) / (10 + updates))


def _warmed_up_ema(decay: float):
    @torch.no_grad()
    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], n_averaged: torch.Tensor) -> None:
        d = warmed_up_decay(decay, int(n_averaged))
        if torch.is_floating_point(averaged[0]):
            torch._foreach_lerp_(averaged, current, 1 - d)
        else:  # BatchNorm's num_batches_tracked: kept in step with the model
            for a, c in zip(averaged, current, strict=True):
                a.copy_(c)
    return update


def weight_ema(model: torch.nn.Module, decay: float) -> AveragedModel | None:
    """The exponential moving average of ``model``'s parameters and buffers (BatchNorm statistics too), updated
    after every step with a warmed-up decay (:func:`warmed_up_decay`); None for decay 0 (off). For the binary
    student it averages the latent weights, so a weight that oscillates around 0 keeps the sign it has on
    average."""
    if not decay:
        return None
    return AveragedModel(unwrap(model), multi_avg_fn=_warmed_up_ema(decay), use_buffers=True)


@contextlib.contextmanager
def averaged(model: torch.nn.Module, ema: AveragedModel | None) -> Iterator[None]:
    """Within the block ``model`` holds the EMA's weights (evaluation and selection see them); after it, its
    own again (training goes on from them)."""
    if ema is None:
        yield
        return
    own = copy_state(model)
    _assign(model, ema.module.state_dict())
    try:
        yield
    finally:
        _assign(model, own)


@torch.no_grad()
def _assign(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """``state``'s values copied into ``model``'s own parameters and buffers: load_state_dict may replace a
    parameter object (brevitas' learned scale), which would leave the optimizer stepping a detached copy."""
    m = unwrap(model)
    own = dict(itertools.chain(m.named_parameters(), m.named_buffers()))
    for name, value in state.items():
        own[name].copy_(value)


def fit(model: torch.nn.Module, loss_fn, data: Split, epochs: int, cfg: TrainConfig, dist: Dist, name: str,
        evaluate, on_epoch: Callable[[dict], None], resume: dict | None = None) -> tuple[dict, dict]:
    """Adam + cosine schedule over ``epochs``, each step's forward pass in ``cfg.precision`` (resolved). With a
    validation split, ``evaluate()`` (its accuracy) runs after every epoch and the model ends with the weights of
    its best epoch (the first of equals); without, with its last epoch's. ``on_epoch`` gets this phase's state
    after every epoch (:mod:`training.checkpoint`); ``resume``, such a state, continues the phase after its last
    finished epoch. With ``cfg.ema``, evaluation, selection and the returned weights are the exponential moving
    average's (:func:`weight_ema`). Returns (this phase's history {f'{name} loss', f'{name} val acc'}, the
    selection {epoch, val_accuracy})."""
    if resume is not None:  # before the optimizer: loading may replace parameters (brevitas' learned scale)
        unwrap(model).load_state_dict(resume["model"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, epochs))
    hist: dict[str, list[float]] = {f"{name} loss": []}
    if data.x_val is not None:
        hist[f"{name} val acc"] = []
    best: tuple[float, int, dict] | None = None  # (validation accuracy, epoch, weights)
    first = 0
    ema = weight_ema(model, cfg.ema)
    if resume is not None:
        if ema is not None:
            ema.load_state_dict(resume["ema"])
        opt.load_state_dict(resume["opt"])
        sched.load_state_dict(resume["sched"])
        hist, best, first = resume["phase_history"], resume["best"], resume["epoch"]
        checkpoint.set_rng_state(resume["rng"])
    bar = tqdm(range(first, epochs), desc=f"train {name}", disable=not dist.main, file=sys.stdout)
    for epoch in bar:
        model.train()
        loader = dist.loader(data.x_train, data.y_train, cfg.batch_size, cfg.seed + epoch)
        if isinstance(getattr(loader, "sampler", None), DistributedSampler):
            loader.sampler.set_epoch(epoch)
        total, count = 0.0, 0
        for xb, yb in loader:
            xb = model_input(augment(xb, data.shape, cfg.shift, cfg.flip).to(dist.device), cfg.input_bits)
            yb = yb.to(dist.device)
            with precision.autocast(cfg.precision, dist.device):
                loss = loss_fn(model, xb, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ema is not None:
                ema.update_parameters(unwrap(model))
            total, count = total + loss.item() * len(xb), count + len(xb)
        sched.step()
        model.eval()
        hist[f"{name} loss"].append(total / count)
        if data.x_val is not None:
            with averaged(model, ema):
                acc = evaluate()
                if best is None or acc > best[0]:
                    best = (acc, epoch + 1, copy_state(model))
            hist[f"{name} val acc"].append(acc)
            bar.set_postfix(loss=f"{total / count:.3f}", val=f"{acc:.2f}")
        on_epoch({"phase": name, "epoch": epoch + 1, "model": copy_state(model), "opt": opt.state_dict(),
                  "sched": sched.state_dict(), "phase_history": hist, "best": best, "rng": checkpoint.rng_state(),
                  **({"ema": ema.state_dict()} if ema is not None else {})})
    if best is not None:
        unwrap(model).load_state_dict(best[2])
        return hist, {"epoch": best[1], "val_accuracy": best[0]}
    if ema is not None:
        unwrap(model).load_state_dict(ema.module.state_dict())
    return hist, {"epoch": epochs, "val_accuracy": None}


def teacher_loss(cfg: TrainConfig):
    return lambda model, xb, yb: F.cross_entropy(model(xb), yb, label_smoothing=cfg.label_smoothing)


def student_loss(teacher: torch.nn.Module | None, cfg: TrainConfig, binary: bool = True):
    """CE (+ KD from ``teacher``); with 1-bit weights (``binary``) + ``cfg.dampen`` x the oscillation dampening
    (:meth:`training.model.BWSNN.dampening`)."""
    if teacher is not None:
        teacher = frozen_teacher(unwrap(teacher))

    def loss(model, xb, yb):
        logits = model(xb).mean(0)
        ce = F.cross_entropy(logits, yb, label_smoothing=cfg.label_smoothing)
        damp = cfg.dampen * unwrap(model).dampening() if binary and cfg.dampen else 0.0
        if teacher is None:
            return ce + damp
        with torch.no_grad():
            t_logits = teacher(xb)
        tau = cfg.kd_temperature
        kl = F.kl_div(F.log_softmax(logits / tau, -1), F.log_softmax(t_logits / tau, -1),
                      reduction="batchmean", log_target=True) * tau * tau
        return (1 - cfg.kd_weight) * ce + cfg.kd_weight * kl + damp
    return loss
