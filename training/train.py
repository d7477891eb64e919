"""`make train`: teacher -> binary-weight SNN with shortcuts + KD -> fold -> artifact, QONNX, report.

Single process on CPU or CUDA; multi-GPU with ``torchrun --nproc_per_node=N -m training.train ...``
(DistributedDataParallel, detected from the WORLD_SIZE variable torchrun sets). The run is put together from
:mod:`training.config` (what it computes), :mod:`training.options` (the CLI), :mod:`training.dist`,
:mod:`training.loop` and :mod:`training.package`; the names below are the entry points scripts use.
"""
from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

import torch

from bwsnn import datasets
from training import checkpoint, precision, torchfile
from training.config import PRESETS, ConfigError, TrainConfig
from training.dist import Dist, unwrap
from training.loop import accuracy, copy_state, fit, holdout, seed_all, student_loss, teacher_loss
from training.options import parse_args, parse_cli
from training.package import Trained, package
from training.threads import use_threads

__all__ = ["PRESETS", "ConfigError", "TrainConfig", "main", "package", "parse_args", "parse_cli", "run",
           "train_models"]


#: the phases of the student, in order: its real-weight start (``real_epochs``), then 1-bit weights
STUDENT_PHASES = ("real", "bwsnn")


def train_models(cfg: TrainConfig, ds: datasets.Dataset | None = None, out: str | Path | None = None,
                 resume: bool = False) -> Trained | None:
    """Teacher (unless loaded or KD is off and it gets no epochs), then the BW-SNN student with shortcuts and
    KD as configured (after ``cfg.real_epochs`` with real weights, if any), all on the training set less
    ``cfg.val_size`` held-out images (the epoch selection's; the test set is only measured, at the end). With
    ``out``, the state is saved there after every epoch and ``resume`` continues from it. Returns None on the
    non-main ranks of a torchrun job."""
    cfg.check()
    dist = Dist(cfg.device)
    cfg = replace(cfg, precision=precision.resolve(cfg.precision, dist.device))  # recorded as run: bf16 / fp32
    key = asdict(cfg)
    state = checkpoint.load(out, key) if resume and out is not None else None
    t0 = time.time() - (state["seconds"] if state else 0.0)
    seed_all(cfg.seed)
    ds = ds or datasets.load(cfg.dataset, cfg.data_dir, cfg.seed)
    cfg.check_shape(ds.shape)
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
        torchfile.load_state(teacher, torchfile.read(cfg.teacher, "teacher state_dict"), cfg.teacher,
                             "teacher state_dict")
    phase = state["phase"] if state else None
    if phase in STUDENT_PHASES:
        torchfile.load_state(teacher, state["teacher"], Path(out) / checkpoint.STATE_FILE, "teacher state_dict")
        context |= {"history": state["history"], "selection": state["selection"], "teacher": state["teacher"]}
    teacher = dist.wrap(precision.layout(teacher, cfg.precision))
    if not cfg.teacher and (cfg.kd or cfg.teacher_epochs) and context["teacher"] is None:
        hist, context["selection"]["teacher"] = fit(
            teacher, teacher_loss(cfg), data, cfg.teacher_epochs, cfg, dist, "teacher",
            validate(teacher), on_epoch, state if phase == "teacher" else None)
        context["history"] = dict(hist)
    teacher.eval()
    context["teacher"] = copy_state(teacher)
    acc_teacher = accuracy(teacher, ds.x_test, ds.y_test, dist.device, cfg.input_bits)
    student = dist.wrap(precision.layout(cfg.student(ds), cfg.precision))
    kd_teacher = teacher if cfg.kd else None
    if cfg.real_epochs and phase != "bwsnn":  # the two-stage start: its selected epoch is where 1-bit training starts
        unwrap(student).real_weights(True)
        hist, context["selection"]["real"] = fit(
            student, student_loss(kd_teacher, cfg, binary=False), data, cfg.real_epochs, cfg, dist, "real",
            validate(lambda x: student(x).mean(0)), on_epoch, state if phase == "real" else None)
        context["history"] |= hist
        unwrap(student).real_weights(False)
    hist, selected = fit(student, student_loss(kd_teacher, cfg), data, cfg.epochs, cfg, dist, "bwsnn",
                         validate(lambda x: student(x).mean(0)), on_epoch, state if phase == "bwsnn" else None)
    if not dist.main:
        return None
    model = unwrap(student).cpu().eval()
    acc_bwsnn = accuracy(lambda x: model(x).mean(0), ds.x_test, ds.y_test, torch.device("cpu"), cfg.input_bits)
    return Trained(cfg, ds, model, unwrap(teacher).cpu().eval(), acc_teacher, acc_bwsnn,
                   context["history"] | hist, time.time() - t0, context["selection"] | {"bwsnn": selected})


def run(cfg: TrainConfig, out: str | Path, resume: bool = False, command: str | None = None) -> dict:
    """train_models (state saved in ``out`` after every epoch; ``resume`` continues it) + package (the report
    records ``command``); {} on the non-main ranks of a torchrun job."""
    trained = train_models(cfg, out=out, resume=resume)
    return {} if trained is None else package(trained, out, command)


def report_command(argv: list[str], resumed: bool) -> str:
    """The command a report records: the run's own, so that it reruns the run from the start; a resumed run's
    without --resume, and saying that it was continued."""
    command = shlex.join(["python", "-m", "training.train", *(a for a in argv if a != "--resume")])
    return f"{command} (interrupted, continued with the same command + --resume)" if resumed else command


def main(argv: list[str] | None = None) -> None:
    cfg, opts = parse_cli(argv)
    if opts.threads is not None:
        use_threads(opts.threads)
    try:
        argv = sys.argv[1:] if argv is None else argv
        run(cfg, opts.out, opts.resume, report_command(argv, opts.resume))
    except (datasets.DataError, ConfigError, checkpoint.ResumeError, torchfile.TorchFileError) as e:
        raise SystemExit(f"error: {e}") from None
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
