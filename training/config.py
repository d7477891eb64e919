"""What a training run computes: :class:`TrainConfig` (validated by :meth:`TrainConfig.check`) and the
named presets (:data:`PRESETS`)."""
from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

from bwsnn import cli, datasets
from bwsnn.artifact import RESETS
from bwsnn.limits import MAX_T
from training import device, geometry, precision
from training.model import BWSNN, STACK_GRAMMAR, SNNConfig, Teacher, stack_ok


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
    shift: int = 0  # augmentation: random image shift up to N pixels (a random crop with that padding)
    flip: bool = False  # augmentation: random horizontal flip (natural images, clothes; never digits)
    label_smoothing: float = 0.0  # of the cross-entropy terms (teacher and student)
    ema: float = 0.0  # decay of an exponential moving average of the weights and BN statistics (0: off)
    # against latent weights oscillating around 0: the weight of the dampening term (BWSNN.dampening; 0: off)
    dampen: float = 0.0
    # a two-stage start (as ReActNet trains): this many student epochs with real weights (spikes, BN, LIF as the
    # student), then the `epochs` with 1-bit weights from there; 0: 1-bit weights from the start
    real_epochs: int = 0
    seed: int = 0
    val_size: int = 0  # training images held out (seeded) to select the epoch; 0: no selection, the last epoch
    train_size: int = 0  # train on this many of the rest (a seeded subset: budget ablations); 0: all of them
    data_dir: str | None = None
    teacher: str | None = None  # a teacher state_dict to load instead of training one
    device: str = "auto"
    # the training step's arithmetic (training.precision; train_models resolves auto): the MNIST / Fashion presets
    # take auto (bf16 where native: 1.2-1.3x on their 28x28 nets), the digits ones fp32 (bf16's casts cost more
    # than they save on 8x8 images: measured slower)
    precision: str = "fp32"
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
                 ("kd_temperature", self.kd_temperature > 0, "> 0"),
                 ("precision", self.precision in precision.PRECISIONS, " or ".join(precision.PRECISIONS)),
                 ("shift", self.shift >= 0, ">= 0"),
                 ("label_smoothing", 0 <= self.label_smoothing < 1, "0..1 (1 excluded)"),
                 ("ema", 0 <= self.ema < 1, "0 (off) or a decay in 0..1 (1 excluded)"),
                 ("dampen", self.dampen >= 0, ">= 0 (0: off)"), ("real_epochs", self.real_epochs >= 0, ">= 0"),
                 ("val_size", self.val_size >= 0, ">= 0"), ("train_size", self.train_size >= 0, ">= 0"),
                 ("dataset", self.dataset in datasets.DATASETS or datasets.is_own(self.dataset),
                  " or ".join(sorted(datasets.DATASETS)) + " or an own FILE.npz")]
        for name, ok, expected in rules:
            if not ok:
                raise ConfigError(f"{name}: expected {expected}, got {getattr(self, name)!r}")
        if self.teacher is not None:  # the command line's own file check: missing, a directory, unreadable
            try:
                cli.existing_file(str(self.teacher))
            except argparse.ArgumentTypeError as e:
                raise ConfigError(f"teacher: {e}") from None
        if (why := device.problem(self.device)) is not None:
            raise ConfigError(f"device: {why}")
        return self

    def check_shape(self, image: tuple[int, ...]) -> None:
        """Raise :class:`ConfigError` when the conv stack cannot run on images of this shape."""
        if self.conv and (why := geometry.stack_problem(self.conv, image)) is not None:
            raise ConfigError(f"conv: {why}")

    def snn(self, ds: datasets.Dataset) -> SNNConfig:
        """The model's config for ``ds``: a conv stack takes its (H, W, C) images ((H, W) greyscale is
        (H, W, 1)), a dense network their flattened pixels."""
        if self.conv:
            shape = tuple(ds.shape) if len(ds.shape) == 3 else (*ds.shape, 1)
        else:
            shape = (ds.x_train.shape[1],)
        return SNNConfig(input_shape=shape, n_classes=len(ds.classes), stack=list(self.conv), hidden=list(self.hidden),
                         T=self.T, leak_shift=self.leak_shift, reset=self.reset, shortcuts=self.shortcuts,
                         input_bits=self.input_bits)

    def student(self, ds: datasets.Dataset) -> BWSNN:
        return BWSNN(self.snn(ds))

    def teacher_model(self, ds: datasets.Dataset) -> Teacher:
        """The full-precision teacher of the student's shape. It always has the shortcuts: the ``shortcuts``
        switch is the student's structure, and the ablation's variants share one teacher."""
        return Teacher(replace(self.snn(ds), shortcuts=True))


MAX_LEAK_SHIFT = 16

PRESETS: dict[str, TrainConfig] = {
    "digits": TrainConfig(),
    "mnist-mlp": TrainConfig(dataset="mnist", hidden=(1024, 1024, 1024), epochs=40, teacher_epochs=10,
                             batch_size=256, shift=2, preset="mnist-mlp", precision="auto"),
    # the fast dense MNIST model of the RTL benchmark (models/mnist-fast): 256-wide, 2-bit input (layer 0 reads
    # 2 bit-planes of 784 x 256 weights instead of 8 of 784 x 1024)
    "mnist-fast": TrainConfig(dataset="mnist", hidden=(256, 256, 256), input_bits=2, epochs=40, teacher_epochs=10,
                              batch_size=256, shift=2, preset="mnist-fast", precision="auto"),
    # conv BW-SNNs: binary 3x3 convs with a shortcut wherever the shape is kept (the downsampling path is the
    # OR-pool: the conv after a pool takes its spikes as its shortcut), then the binary dense classifier
    "digits-conv": TrainConfig(conv=("c16", "c16", "p", "c16", "c16"), hidden=(), epochs=30, teacher_epochs=10,
                               preset="digits-conv"),
    # the shipped models (models/): sized to train in under an hour on a shared 2-core CPU (1 thread each);
    # 5000 training images held out to select the epoch on
    "mnist-conv": TrainConfig(dataset="mnist", conv=("c16", "c16", "p", "c32", "c32", "p"), hidden=(), epochs=7,
                              teacher_epochs=2, batch_size=128, shift=1, val_size=5000, preset="mnist-conv",
                              precision="auto"),
    "fashion-conv": TrainConfig(dataset="fashion", conv=("c16", "c16", "p", "c32", "c32", "p"), hidden=(),
                                epochs=7, teacher_epochs=2, batch_size=128, shift=1, val_size=5000,
                                preset="fashion-conv", precision="auto"),
    # CIFAR-10 (32x32 RGB; the first conv reads the 8-bit pixels): a VGG-small stack at a quarter of CNV-W1A1's
    # channels, the widest the planner fits into half the PYNQ-Z2's LUTs and 60 % of its block RAM at 32,768
    # cycles per image (3,052 images/s at 100 MHz, CNV-W1A1's throughput); crop (2-pixel shifts) + flips
    "cifar10-conv": TrainConfig(dataset="cifar10", conv=("c32", "c32", "p", "c64", "c64", "p", "c128", "c128", "p"),
                                hidden=(), epochs=30, teacher_epochs=10, batch_size=128, shift=2, flip=True,
                                val_size=5000, preset="cifar10-conv", precision="auto"),
    # the recipe's proxy on CIFAR-10 (training.ablation --study recipe): cifar10-conv at a quarter of its channels
    # (1/16 of its multiply-accumulates) on 10,000 training images, 4 teacher + 6 student epochs
    "cifar10-proxy": TrainConfig(dataset="cifar10", conv=("c8", "c8", "p", "c16", "c16", "p", "c32", "c32", "p"),
                                 hidden=(), epochs=6, teacher_epochs=4, batch_size=128, shift=2, flip=True,
                                 val_size=5000, train_size=10000, preset="cifar10-proxy", precision="auto"),
    # the shortcuts x KD ablation on Fashion-MNIST (training.ablation, 3 seeds x 4 variants kept in
    # models/ablation-fashion): half the shipped model's channels, 6,000 training images, 2 student epochs, so
    # that 12 runs fit in under an hour on one (shared) CPU core: a small-budget ablation
    "fashion-ablation": TrainConfig(dataset="fashion", conv=("c8", "c8", "p", "c16", "c16", "p"), hidden=(),
                                    epochs=2, teacher_epochs=2, batch_size=128, shift=1, val_size=5000,
                                    train_size=6000, preset="fashion-ablation", precision="auto"),
    # the same ablation at a budget where the teacher passes 90 %: the ablation network on the whole training set
    # less the 5,000 held out, 15 teacher + 8 student epochs (12 runs in about an hour on two CPU cores, bf16)
    "fashion-ablation-full": TrainConfig(dataset="fashion", conv=("c8", "c8", "p", "c16", "c16", "p"), hidden=(),
                                         epochs=8, teacher_epochs=15, batch_size=128, shift=1, val_size=5000,
                                         preset="fashion-ablation-full", precision="auto"),
}
