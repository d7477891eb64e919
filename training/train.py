"""`make train`: teacher -> binary-weight SNN with shortcuts + KD -> fold -> artifact, QONNX, report.

Single process on CPU or CUDA; multi-GPU with ``torchrun --nproc_per_node=N -m training.train ...``
(DistributedDataParallel, detected from the WORLD_SIZE variable torchrun sets).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

from bwsnn import cli, datasets, golden
from bwsnn.artifact import RESETS
from bwsnn.limits import MAX_T
from bwsnn.paths import build_dir
from training import checkpoint
from training.deploy import DeployModel
from training.export import export_qonnx
from training.fold import fold
from training.model import (
    BWSNN,
    STACK_GRAMMAR,
    ConvBWSNN,
    ConvConfig,
    ConvTeacher,
    SNNConfig,
    Teacher,
    frozen_teacher,
    model_input,
    stack_ok,
)
from training.report import activity, plot_curves


class ConfigError(ValueError):
    """An invalid training configuration (one line naming the field)."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything one training run depends on; presets are named instances (:data:`PRESETS`)."""

    dataset: str = "digits"
    hidden: tuple[int, ...] = (256, 256, 256)  # spiking dense layers (after the conv stack, if any)
    conv: tuple[str, ...] = ()  # conv stack: "c<channels>" (binary 3x3 conv) and "p" (2x2 spike OR-pool)
    T: int = 2
    input_bits: int = 8  # layer 0 sees the top input_bits bits of each pixel (artifact input.bits)
    epochs: int = 60  # student
    teacher_epochs: int = 30
    batch_size: int = 64
    lr: float = 2e-3
    leak_shift: int = 1  # membrane decay 2^-k per step
    reset: str = "hard"
    shortcuts: bool = True  # SEI-BWSNN (a): an identity shortcut around each hidden block
    kd: bool = True  # SEI-BWSNN (b): distil from the full-precision teacher
    kd_weight: float = 0.7  # weight of the KL term (CE gets 1 - this)
    kd_temperature: float = 4.0
    shift: int = 0  # augmentation: random image shift up to N pixels
    seed: int = 0
    val_size: int = 0  # training images held out (seeded) to select the epoch; 0: no selection, the last epoch
    train_size: int = 0  # train on this many of the rest (a seeded subset: budget ablations); 0: all of them
    data_dir: str | None = None
    teacher: str | None = None  # a teacher state_dict to load instead of training one
    device: str = "auto"
    export: bool = True  # the QONNX export
    preset: str = "digits"

    def check(self) -> TrainConfig:
        """Raise :class:`ConfigError` on the first invalid field; returns self."""
        rules = [("hidden", bool(self.hidden or self.conv) and all(h >= 1 for h in self.hidden), "positive widths"),
                 ("conv", stack_ok(self.conv), STACK_GRAMMAR),
                 ("T", 1 <= self.T <= MAX_T, f"1..{MAX_T}"), ("input_bits", 1 <= self.input_bits <= 8, "1..8"),
                 ("epochs", self.epochs >= 1, ">= 1"),
                 ("teacher_epochs", self.teacher_epochs >= 0, ">= 0"), ("batch_size", self.batch_size >= 1, ">= 1"),
                 ("lr", self.lr > 0, "> 0"), ("leak_shift", 0 <= self.leak_shift <= MAX_LEAK_SHIFT,
                                                f"0..{MAX_LEAK_SHIFT}"),
                 ("reset", self.reset in RESETS, " or ".join(RESETS)), ("kd_weight", 0 <= self.kd_weight <= 1, "0..1"),
                 ("kd_temperature", self.kd_temperature > 0, "> 0"), ("shift", self.shift >= 0, ">= 0"),
                 ("val_size", self.val_size >= 0, ">= 0"), ("train_size", self.train_size >= 0, ">= 0"),
                 ("dataset", self.dataset in datasets.DATASETS, " or ".join(sorted(datasets.DATASETS)))]
        for name, ok, expected in rules:
            if not ok:
                raise ConfigError(f"{name}: expected {expected}, got {getattr(self, name)!r}")
        if self.teacher is not None and not Path(self.teacher).is_file():
            raise ConfigError(f"teacher: {self.teacher}: no such file")
        return self

    def snn(self, n_in: int, n_classes: int) -> SNNConfig:
        return SNNConfig(n_in=n_in, n_classes=n_classes, hidden=list(self.hidden), T=self.T,
                         leak_shift=self.leak_shift, reset=self.reset, shortcuts=self.shortcuts,
                         input_bits=self.input_bits)

    def conv_snn(self, shape: tuple[int, ...], n_classes: int) -> ConvConfig:
        """The conv model's config for images of ``shape`` ((H, W) greyscale or (H, W, C))."""
        return ConvConfig(input_shape=tuple(shape) if len(shape) == 3 else (*shape, 1), n_classes=n_classes,
                          stack=list(self.conv), hidden=list(self.hidden), T=self.T, leak_shift=self.leak_shift,
                          reset=self.reset, shortcuts=self.shortcuts, input_bits=self.input_bits)

    def student(self, ds: datasets.Dataset) -> BWSNN | ConvBWSNN:
        """The BW-SNN for ``ds``: conv when ``conv`` is set, dense otherwise."""
        if self.conv:
            return ConvBWSNN(self.conv_snn(ds.shape, len(ds.classes)))
        return BWSNN(self.snn(ds.x_train.shape[1], len(ds.classes)))

    def teacher_model(self, ds: datasets.Dataset) -> torch.nn.Module:
        """The full-precision teacher of the student's shape. A conv teacher always has the shortcuts: the
        ``shortcuts`` switch is the student's structure, and the ablation's variants share one teacher."""
        if self.conv:
            return ConvTeacher(replace(self.conv_snn(ds.shape, len(ds.classes)), shortcuts=True))
        return Teacher(ds.x_train.shape[1], list(self.hidden), len(ds.classes))


MAX_LEAK_SHIFT = 16
ACTIVITY_IMAGES = 1000
PRESETS: dict[str, TrainConfig] = {
    "digits": TrainConfig(),
    "mnist-mlp": TrainConfig(dataset="mnist", hidden=(1024, 1024, 1024), epochs=40, teacher_epochs=10,
                             batch_size=256, shift=2, preset="mnist-mlp"),
    # the fast dense MNIST model of the RTL benchmark (models/mnist-fast): 256-wide, 2-bit input (layer 0 reads
    # 2 bit-planes of 784 x 256 weights instead of 8 of 784 x 1024)
    "mnist-fast": TrainConfig(dataset="mnist", hidden=(256, 256, 256), input_bits=2, epochs=40, teacher_epochs=10,
                              batch_size=256, shift=2, preset="mnist-fast"),
    # conv BW-SNNs: binary 3x3 convs with a shortcut wherever the shape is kept (the downsampling path is the
    # OR-pool: the conv after a pool takes its spikes as its shortcut), then the binary dense classifier
    "digits-conv": TrainConfig(conv=("c16", "c16", "p", "c16", "c16"), hidden=(), epochs=30, teacher_epochs=10,
                               preset="digits-conv"),
    # the shipped models (models/): sized to train in under an hour on a shared 2-core CPU (1 thread each);
    # 5000 training images held out to select the epoch on
    "mnist-conv": TrainConfig(dataset="mnist", conv=("c16", "c16", "p", "c32", "c32", "p"), hidden=(), epochs=7,
                              teacher_epochs=2, batch_size=128, shift=1, val_size=5000, preset="mnist-conv"),
    "fashion-conv": TrainConfig(dataset="fashion", conv=("c16", "c16", "p", "c32", "c32", "p"), hidden=(),
                                epochs=7, teacher_epochs=2, batch_size=128, shift=1, val_size=5000,
                                preset="fashion-conv"),
    # the shortcuts x KD ablation on Fashion-MNIST (training.ablation, 3 seeds x 4 variants kept in
    # models/ablation-fashion): half the shipped model's channels, 6,000 training images, 2 student epochs, so
    # that 12 runs fit in under an hour on one (shared) CPU core: a small-budget ablation
    "fashion-ablation": TrainConfig(dataset="fashion", conv=("c8", "c8", "p", "c16", "c16", "p"), hidden=(),
                                    epochs=2, teacher_epochs=2, batch_size=128, shift=1, val_size=5000,
                                    train_size=6000, preset="fashion-ablation"),
}


def _ints_or_empty(text: str) -> tuple[int, ...]:
    """cli.int_list, or '' for no dense hidden layer (a conv network's classifier then reads the map)."""
    return () if text == "" else tuple(cli.int_list(text))


def _conv_stack(text: str) -> tuple[str, ...]:
    stack = tuple(v for v in text.split(",") if v)
    if not stack_ok(stack):
        raise argparse.ArgumentTypeError(f"expected {STACK_GRAMMAR}, got {text!r}")
    return stack


@dataclass(frozen=True)
class RunOptions:
    """How a run is carried out, not what it computes."""

    out: Path
    resume: bool = False
    threads: int | None = None


def parse_args(argv: list[str] | None = None) -> tuple[TrainConfig, Path]:
    """The CLI's (config, output directory): see :func:`parse_cli`."""
    cfg, opts = parse_cli(argv)
    return cfg, opts.out


def parse_cli(argv: list[str] | None = None) -> tuple[TrainConfig, RunOptions]:
    """The CLI: a preset plus overrides -> (config, run options). Any invalid option is one line."""
    p = cli.Parser(prog="python -m training.train", description=__doc__.splitlines()[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="digits")
    p.add_argument("--data-dir", help="directory with mnist.npz or the MNIST IDX files (mnist presets)")
    p.add_argument("--hidden", type=_ints_or_empty, help="dense hidden widths, e.g. 256,256,256, or '' for none "
                   "after a conv stack (default: the preset's)")
    p.add_argument("--conv", type=_conv_stack, help="conv stack, e.g. c16,c16,p,c32,c32,p: c<N> a binary 3x3 conv "
                   "with N channels, p a 2x2 spike OR-pool; '' for a dense network (default: the preset's)")
    p.add_argument("--T", type=int, help=f"time steps, 1..{MAX_T}")
    p.add_argument("--input-bits", type=int, help="input precision b, 1..8: layer 0 sees pixel >> (8 - b)")
    p.add_argument("--epochs", type=int, help="student epochs (default: the preset's)")
    p.add_argument("--teacher-epochs", type=int, help="teacher epochs (default: the preset's)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--leak-shift", type=int, help="membrane decay 2^-k per step")
    p.add_argument("--reset", choices=RESETS)
    p.add_argument("--shortcuts", action=argparse.BooleanOptionalAction)
    p.add_argument("--kd", action=argparse.BooleanOptionalAction, help="distil from the teacher")
    p.add_argument("--kd-weight", type=float, help="weight of the KL term (CE gets 1 - this)")
    p.add_argument("--kd-temperature", type=float)
    p.add_argument("--teacher", help="load a teacher state_dict instead of training one")
    p.add_argument("--shift", type=int, help="augmentation: random image shift up to N pixels (default: preset's)")
    p.add_argument("--seed", type=int)
    p.add_argument("--val-size", type=int, help="training images held out (seeded by --seed) to select the "
                   "best epoch of the teacher and the student on; 0: no selection, the last epoch (default: preset's)")
    p.add_argument("--train-size", type=int, help="train on a seeded subset of this many images (0: all)")
    p.add_argument("--resume", action="store_true", help=f"continue the run killed in --out from its "
                   f"{checkpoint.STATE_FILE} (written after every epoch)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's; 1 is fastest on a loaded "
                   "2-core machine)")
    p.add_argument("--out", type=cli.output_dir, default=build_dir(),
                   help="output directory (default: $BWSNN_BUILD or build)")
    p.add_argument("--device", help="auto, cpu or cuda[:i]")
    p.add_argument("--no-export", dest="export", action="store_false", default=None, help="skip the QONNX export")
    a = p.parse_args(argv)
    overrides = {f.name: getattr(a, f.name) for f in fields(TrainConfig)
                 if f.name not in ("preset", "dataset") and getattr(a, f.name, None) is not None}
    if "hidden" in overrides:
        overrides["hidden"] = tuple(overrides["hidden"])
    try:
        cfg = replace(PRESETS[a.preset], **overrides).check()
    except ConfigError as e:
        p.error(f"--{str(e).replace('_', '-')}")
    if a.threads is not None and a.threads < 1:
        p.error(f"--threads: expected >= 1, got {a.threads}")
    return cfg, RunOptions(Path(a.out), a.resume, a.threads)


class Dist:
    """torchrun/DDP context; a no-op in a single process."""

    def __init__(self, device: str) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if device == "auto":
            device = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if self.world > 1:
            torch.distributed.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
            if self.device.type == "cuda":
                torch.cuda.set_device(self.device)

    @property
    def main(self) -> bool:
        return self.rank == 0

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        model = model.to(self.device)
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
        return model

    def loader(self, x: np.ndarray, y: np.ndarray, batch: int, seed: int):
        """Shuffled (images, labels) batches of uint8 / int64 tensors. One process: slices of one seeded
        permutation (the batches DataLoader(shuffle=True) with that generator gives, without its per-image
        indexing and collation); torchrun: DataLoader with a DistributedSampler."""
        if self.world > 1:
            ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
            sampler = DistributedSampler(ds, self.world, self.rank, shuffle=True, seed=seed)
            return DataLoader(ds, batch_size=batch, sampler=sampler)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        gen = torch.Generator().manual_seed(seed)
        torch.empty((), dtype=torch.int64).random_(generator=gen)  # DataLoader draws its base seed first
        perm = torch.randperm(len(x), generator=gen)
        return ((xt[idx], yt[idx]) for idx in perm.split(batch))


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def random_shift(pixels: torch.Tensor, shape: tuple[int, int], max_shift: int) -> torch.Tensor:
    """Translate each (flattened) image by up to max_shift pixels in x and y, zero-filled."""
    if max_shift <= 0:
        return pixels
    h, w = shape
    pad = torch.nn.functional.pad(pixels.view(-1, 1, h, w), [max_shift] * 4)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, len(pixels)))
    rows = (dy[:, None] + torch.arange(h)[None])[:, :, None].expand(-1, h, w)
    cols = (dx[:, None] + torch.arange(w)[None])[:, None, :].expand(-1, h, w)
    idx = torch.arange(len(pixels))[:, None, None].expand(-1, h, w)
    return pad[idx, 0, rows, cols].reshape(len(pixels), h * w)


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
    shape: tuple[int, int]


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


def _copy_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in unwrap(model).state_dict().items()}


def fit(model: torch.nn.Module, loss_fn, data: Split, epochs: int, cfg: TrainConfig, dist: Dist, name: str,
        evaluate, on_epoch: Callable[[dict], None], resume: dict | None = None) -> tuple[dict, dict]:
    """Adam + cosine schedule over ``epochs``. With a validation split, ``evaluate()`` (its accuracy) runs
    after every epoch and the model ends with the weights of its best epoch (the first of equals); without,
    with its last epoch's. ``on_epoch`` gets this phase's state after every epoch (:mod:`training.checkpoint`);
    ``resume``, such a state, continues the phase after its last finished epoch. Returns (this phase's history
    {f'{name} loss', f'{name} val acc'}, the selection {epoch, val_accuracy})."""
    if resume is not None:  # before the optimizer: loading may replace parameters (brevitas' learned scale)
        unwrap(model).load_state_dict(resume["model"])
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, epochs))
    hist: dict[str, list[float]] = {f"{name} loss": []}
    if data.x_val is not None:
        hist[f"{name} val acc"] = []
    best: tuple[float, int, dict] | None = None  # (validation accuracy, epoch, weights)
    first = 0
    if resume is not None:
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
            xb = model_input(random_shift(xb, data.shape, cfg.shift).to(dist.device), cfg.input_bits)
            yb = yb.to(dist.device)
            loss = loss_fn(model, xb, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, count = total + loss.item() * len(xb), count + len(xb)
        sched.step()
        model.eval()
        hist[f"{name} loss"].append(total / count)
        if data.x_val is not None:
            acc = evaluate()
            hist[f"{name} val acc"].append(acc)
            if best is None or acc > best[0]:
                best = (acc, epoch + 1, _copy_state(model))
            bar.set_postfix(loss=f"{total / count:.3f}", val=f"{acc:.2f}")
        on_epoch({"phase": name, "epoch": epoch + 1, "model": _copy_state(model), "opt": opt.state_dict(),
                  "sched": sched.state_dict(), "phase_history": hist, "best": best, "rng": checkpoint.rng_state()})
    if best is not None:
        unwrap(model).load_state_dict(best[2])
        return hist, {"epoch": best[1], "val_accuracy": best[0]}
    return hist, {"epoch": epochs, "val_accuracy": None}


def student_loss(teacher: torch.nn.Module | None, cfg: TrainConfig):
    if teacher is not None:
        teacher = frozen_teacher(unwrap(teacher))

    def loss(model, xb, yb):
        logits = model(xb).mean(0)
        ce = F.cross_entropy(logits, yb)
        if teacher is None:
            return ce
        with torch.no_grad():
            t_logits = teacher(xb)
        tau = cfg.kd_temperature
        kl = F.kl_div(F.log_softmax(logits / tau, -1), F.log_softmax(t_logits / tau, -1),
                      reduction="batchmean", log_target=True) * tau * tau
        return (1 - cfg.kd_weight) * ce + cfg.kd_weight * kl
    return loss


@dataclass
class Trained:
    """What :func:`train_models` hands to :func:`package`: the trained networks and their figures."""

    cfg: TrainConfig
    dataset: datasets.Dataset
    student: BWSNN | ConvBWSNN  # on the CPU, eval mode
    teacher: torch.nn.Module
    acc_teacher: float
    acc_bwsnn: float
    history: dict[str, list[float]]
    seconds: float
    selection: dict  # per phase: the epoch kept and its validation accuracy (None without a validation split)


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if hasattr(model, "module") else model


def train_models(cfg: TrainConfig, ds: datasets.Dataset | None = None, out: str | Path | None = None,
                 resume: bool = False) -> Trained | None:
    """Teacher (unless loaded or KD is off and it gets no epochs), then the BW-SNN student with shortcuts and
    KD as configured, both on the training set less ``cfg.val_size`` held-out images (the epoch selection's;
    the test set is only measured, at the end). With ``out``, the state is saved there after every epoch and
    ``resume`` continues from it. Returns None on the non-main ranks of a torchrun job."""
    cfg.check()
    key = asdict(cfg)
    state = checkpoint.load(out, key) if resume and out is not None else None
    t0 = time.time() - (state["seconds"] if state else 0.0)
    seed_all(cfg.seed)
    dist = Dist(cfg.device)
    ds = ds or datasets.load(cfg.dataset, cfg.data_dir, cfg.seed)
    data = holdout(ds, cfg.val_size, cfg.seed, cfg.train_size)
    if cfg.val_size:
        ds = replace(ds, split=f"{ds.split}; {cfg.val_size} training images held out for epoch selection "
                               f"(numpy default_rng({cfg.seed}).permutation, the first {cfg.val_size})")
    if cfg.train_size:
        ds = replace(ds, split=f"{ds.split}; trained on {cfg.train_size} of them (the permutation's next)")
    context: dict = {"config": key, "history": {}, "selection": {}, "teacher": None}

    def on_epoch(phase: dict) -> None:
        if out is not None and dist.main:
            checkpoint.save(out, {**context, **phase, "seconds": time.time() - t0})

    def validate(fn) -> Callable[[], float]:
        return lambda: accuracy(fn, data.x_val, data.y_val, dist.device, cfg.input_bits)

    teacher = cfg.teacher_model(ds)
    if cfg.teacher:
        teacher.load_state_dict(torch.load(cfg.teacher, map_location="cpu"))
    if state and state["phase"] == "bwsnn":
        teacher.load_state_dict(state["teacher"])
        context |= {"history": state["history"], "selection": state["selection"], "teacher": state["teacher"]}
    teacher = dist.wrap(teacher)
    if not cfg.teacher and (cfg.kd or cfg.teacher_epochs) and context["teacher"] is None:
        hist, context["selection"]["teacher"] = fit(
            teacher, lambda m, xb, yb: F.cross_entropy(m(xb), yb), data, cfg.teacher_epochs, cfg, dist, "teacher",
            validate(teacher), on_epoch, state if state and state["phase"] == "teacher" else None)
        context["history"] = dict(hist)
    teacher.eval()
    context["teacher"] = _copy_state(teacher)
    acc_teacher = accuracy(teacher, ds.x_test, ds.y_test, dist.device, cfg.input_bits)
    student = dist.wrap(cfg.student(ds))
    hist, selected = fit(student, student_loss(teacher if cfg.kd else None, cfg), data, cfg.epochs, cfg, dist,
                         "bwsnn", validate(lambda x: student(x).mean(0)), on_epoch,
                         state if state and state["phase"] == "bwsnn" else None)
    if not dist.main:
        return None
    model = unwrap(student).cpu().eval()
    acc_bwsnn = accuracy(lambda x: model(x).mean(0), ds.x_test, ds.y_test, torch.device("cpu"), cfg.input_bits)
    return Trained(cfg, ds, model, unwrap(teacher).cpu().eval(), acc_teacher, acc_bwsnn,
                   context["history"] | hist, time.time() - t0, context["selection"] | {"bwsnn": selected})


def package(trained: Trained, out: str | Path, command: str | None = None) -> dict:
    """Fold to integers, check deploy mode == golden model on the whole test set, save the artifact, the
    checkpoint, the QONNX export (if configured), the report and the curves into ``out``; returns the report."""
    t0 = time.time()
    cfg, ds, model = trained.cfg, trained.dataset, trained.student
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shape = model.cfg.input_shape if isinstance(model, ConvBWSNN) else ds.shape
    art = fold(model, ds.classes, shape,
               info={"dataset": ds.name, "split": ds.split, "config": model.cfg.to_dict()})
    steps = DeployModel(art)(torch.from_numpy(ds.x_test)).numpy()
    acc_steps = [float(100.0 * np.mean(steps[:, t].argmax(-1) == ds.y_test)) for t in range(art.T)]
    ref = golden.run(art, ds.x_test)
    if not np.array_equal(ref.step_scores, steps):  # the contract: never ship an artifact that disagrees
        raise SystemExit("internal error: integer deploy mode and golden model disagree")
    art.info["accuracy_deploy"] = acc_steps[-1]
    art.save(out / "model.bwsnn.npz")
    torch.save({"arch": type(model).__name__, "config": model.cfg.to_dict(), "student": model.state_dict(),
                "teacher": trained.teacher.state_dict()}, out / "checkpoint.pt")
    if cfg.export:
        export_qonnx(model, out / "model.qonnx.onnx")
    seconds = trained.seconds + time.time() - t0
    epochs = cfg.epochs + (cfg.teacher_epochs if not cfg.teacher else 0)
    report = {
        "command": command,
        "dataset": ds.name, "split": ds.split, "preset": cfg.preset, "T": cfg.T,
        "accuracy": {"teacher": trained.acc_teacher, "bwsnn": trained.acc_bwsnn, "deploy": acc_steps[-1],
                     "per_step": acc_steps},
        "weight_bits": art.weight_bits(), "seconds": seconds, "train_seconds": trained.seconds,
        "seconds_per_epoch": trained.seconds / max(1, epochs), "config": model.cfg.to_dict(), "kd": cfg.kd,
        "kd_weight": cfg.kd_weight, "epochs": cfg.epochs, "teacher_epochs": cfg.teacher_epochs, "seed": cfg.seed,
        "shift": cfg.shift, "input_bits": cfg.input_bits, "val_size": cfg.val_size, "train_size": cfg.train_size,
        "selection": trained.selection,
        "threads": torch.get_num_threads(), "history": trained.history, "train_config": asdict(cfg),
        "mem_bits": [l.mem_bits for l in art.synaptic], "frac_bits": [l.frac_bits for l in art.synaptic],
        # spike rates and synaptic operations per image, measured on (at most) the first 1000 test images
        **activity(art, ds.x_test[:ACTIVITY_IMAGES]), "activity_images": min(len(ds.x_test), ACTIVITY_IMAGES),
    }
    (out / "train_report.json").write_text(json.dumps(report, indent=2))
    plot_curves(trained.history, out / "train_curves.png",
                f"{ds.name}: T={cfg.T}, shortcuts={cfg.shortcuts}, KD={cfg.kd}")
    print(f"{ds.name} T={cfg.T}: teacher {trained.acc_teacher:.2f}%  bwsnn {trained.acc_bwsnn:.2f}%  deploy "
          f"{acc_steps[-1]:.2f}%  per-step {', '.join(f'{a:.2f}' for a in acc_steps)}  ({seconds:.0f} s) -> "
          f"{out / 'model.bwsnn.npz'}")
    return report


def run(cfg: TrainConfig, out: str | Path, resume: bool = False, command: str | None = None) -> dict:
    """train_models (state saved in ``out`` after every epoch; ``resume`` continues it) + package (the report
    records ``command``); {} on the non-main ranks of a torchrun job."""
    trained = train_models(cfg, out=out, resume=resume)
    return {} if trained is None else package(trained, out, command)


def main(argv: list[str] | None = None) -> None:
    cfg, opts = parse_cli(argv)
    if opts.threads is not None:
        torch.set_num_threads(opts.threads)
    try:
        argv = sys.argv[1:] if argv is None else argv
        run(cfg, opts.out, opts.resume, shlex.join(["python", "-m", "training.train", *argv]))
    except (datasets.DataError, ConfigError, checkpoint.ResumeError) as e:
        raise SystemExit(f"error: {e}") from None
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
