"""The ``python -m training.train`` command line: a preset plus overrides -> (TrainConfig, RunOptions)."""
from __future__ import annotations

import argparse
from dataclasses import dataclass, fields, replace
from pathlib import Path

from bwsnn import cli, datasets
from bwsnn.artifact import RESETS
from bwsnn.limits import MAX_T
from bwsnn.paths import build_dir
from training import checkpoint
from training.config import PRESETS, ConfigError, TrainConfig
from training.model import STACK_GRAMMAR, stack_ok
from training.precision import PRECISIONS

DESCRIPTION = "teacher -> binary-weight SNN with shortcuts + KD -> fold -> artifact, QONNX, report"


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
    p = cli.Parser(prog="python -m training.train", description=DESCRIPTION)
    p.add_argument("--preset", choices=sorted(PRESETS), default="digits")
    p.add_argument("--data-dir", help="directory with mnist.npz or the MNIST IDX files (mnist presets), "
                   "fashion_mnist.npz (fashion presets), cifar10.npz (cifar10 presets) or the --dataset file")
    p.add_argument("--dataset", help="train on another dataset than the preset's: digits, mnist, fashion, or an "
                   "own FILE.npz (x_train, y_train, x_test, y_test, optional classes: see bwsnn.datasets)")
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
    p.add_argument("--flip", action=argparse.BooleanOptionalAction, help="augmentation: random horizontal flip "
                   "(default: preset's; natural images and clothes, never digits)")
    p.add_argument("--label-smoothing", type=float, help="of the cross-entropy terms, 0..1 (default: preset's)")
    p.add_argument("--ema", type=float, help="decay of an exponential moving average of the weights and BN "
                   "statistics that evaluation, selection and the artifact use, e.g. 0.999 (0: off, the default)")
    p.add_argument("--dampen", type=float, help="weight of the oscillation dampening term that pulls the latent "
                   "weights towards their +/-1 (Nagel et al. 2022), e.g. 1e-5 (0: off, the default)")
    p.add_argument("--real-epochs", type=int, help="a two-stage start: student epochs with real weights before "
                   "the --epochs with 1-bit weights (0: none, the default)")
    p.add_argument("--seed", type=int)
    p.add_argument("--val-size", type=int, help="training images held out (seeded by --seed) to select the "
                   "best epoch of the teacher and the student on; 0: no selection, the last epoch (default: preset's)")
    p.add_argument("--train-size", type=int, help="train on a seeded subset of this many images (0: all)")
    p.add_argument("--resume", action="store_true", help=f"continue the run killed in --out from its "
                   f"{checkpoint.STATE_FILE} (written after every epoch)")
    p.add_argument("--threads", type=int, help="CPU threads of torch and BLAS (default: theirs; 1 is fastest on a "
                   "loaded 2-core machine)")
    p.add_argument("--out", type=cli.output_dir, default=build_dir(),
                   help="output directory (default: $BWSNN_BUILD or build)")
    p.add_argument("--device", help="auto, cpu or cuda[:i]")
    p.add_argument("--precision", choices=PRECISIONS, help="the training step's arithmetic: bf16 mixed precision "
                   "or fp32; auto (default): bf16 where the device has native bf16 (training.precision)")
    p.add_argument("--no-export", dest="export", action="store_false", default=None, help="skip the QONNX export")
    a = p.parse_args(argv)
    overrides = {f.name: getattr(a, f.name) for f in fields(TrainConfig)
                 if f.name not in ("preset", "dataset") and getattr(a, f.name, None) is not None}
    if "hidden" in overrides:
        overrides["hidden"] = tuple(overrides["hidden"])
    if a.dataset is not None:  # an own file is recorded by name (no developer paths), found again in its folder
        own = datasets.is_own(a.dataset)
        overrides["dataset"] = Path(a.dataset).name if own else a.dataset
        if own and a.data_dir is None:
            overrides["data_dir"] = str(Path(a.dataset).parent)
    try:
        cfg = replace(PRESETS[a.preset], **overrides).check()
    except ConfigError as e:
        p.error(f"--{str(e).replace('_', '-')}")
    if a.threads is not None and a.threads < 1:
        p.error(f"--threads: expected >= 1, got {a.threads}")
    return cfg, RunOptions(Path(a.out), a.resume, a.threads)
