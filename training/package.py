"""Trained networks -> the shipped files: folded artifact (deploy mode == golden model checked on the whole
test set), checkpoint, QONNX export, training report and curves."""
from __future__ import annotations

import importlib.metadata
import json
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from bwsnn import datasets, golden
from training.config import TrainConfig
from training.deploy import DeployModel
from training.export import export_qonnx
from training.fold import fold
from training.model import BWSNN
from training.report import accuracy_per_step, activity, plot_curves

ACTIVITY_IMAGES = 1000


@dataclass
class Trained:
    """What :func:`train_models` hands to :func:`package`: the trained networks and their figures."""

    cfg: TrainConfig
    dataset: datasets.Dataset
    student: BWSNN  # on the CPU, eval mode
    teacher: torch.nn.Module
    acc_teacher: float
    acc_bwsnn: float
    history: dict[str, list[float]]
    seconds: float
    selection: dict  # per phase: the epoch kept and its validation accuracy (None without a validation split)


def producer() -> dict[str, str | None]:
    """The code that made an artifact: the bwsnn package version and, in a git checkout, `git describe`."""
    try:
        version = importlib.metadata.version("bwsnn")
    except importlib.metadata.PackageNotFoundError:
        version = None
    try:
        git = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=10)
        commit = git.stdout.strip() if git.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        commit = None
    return {"bwsnn": version, "git": commit}


def package(trained: Trained, out: str | Path, command: str | None = None) -> dict:
    """Fold to integers, check deploy mode == golden model on the whole test set, save the artifact, the
    checkpoint, the QONNX export (if configured), the report and the curves into ``out``; returns the report."""
    t0 = time.time()
    cfg, ds, model = trained.cfg, trained.dataset, trained.student
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    shape = model.cfg.input_shape if model.cfg.stack else ds.shape  # a dense artifact keeps the image's
    art = fold(model, ds.classes, shape,
               info={"dataset": ds.name, "split": ds.split, "config": model.cfg.to_dict(), "producer": producer()})
    steps = DeployModel(art)(torch.from_numpy(ds.x_test)).numpy()
    acc_steps = accuracy_per_step(steps, ds.y_test)
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
    epochs = cfg.real_epochs + cfg.epochs + (cfg.teacher_epochs if not cfg.teacher else 0)
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
