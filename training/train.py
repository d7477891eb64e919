"""`make train`: teacher -> binary-weight SNN with shortcuts + KD -> fold -> artifact, QONNX, report.

Single process on CPU or CUDA; multi-GPU with ``torchrun --nproc_per_node=N -m training.train ...``
(DistributedDataParallel, detected from the WORLD_SIZE variable torchrun sets).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

from bwsnn import datasets, golden
from training.deploy import DeployModel
from training.export import export_qonnx
from training.fold import fold
from training.model import BWSNN, SNNConfig, Teacher
from training.report import plot_curves

PRESETS = {
    # name: (dataset, hidden sizes, student epochs, teacher epochs, batch size, max random shift in pixels)
    "digits": ("digits", [256, 256, 256], 60, 30, 64, 0),
    "mnist-mlp": ("mnist", [1024, 1024, 1024], 40, 10, 256, 2),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="digits")
    p.add_argument("--data-dir", help="directory with mnist.npz or the MNIST IDX files (mnist presets)")
    p.add_argument("--hidden", help="hidden widths, e.g. 256,256,256 (default: the preset's)")
    p.add_argument("--T", type=int, default=2, help="time steps, 1..8")
    p.add_argument("--epochs", type=int, help="student epochs (default: the preset's)")
    p.add_argument("--teacher-epochs", type=int, help="teacher epochs (default: the preset's)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--leak-shift", type=int, default=1, help="membrane decay 2^-k per step")
    p.add_argument("--reset", choices=["hard", "soft"], default="hard")
    p.add_argument("--shortcuts", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--kd", action=argparse.BooleanOptionalAction, default=True, help="distil from the teacher")
    p.add_argument("--kd-weight", type=float, default=0.7, help="weight of the KL term (CE gets 1 - this)")
    p.add_argument("--kd-temperature", type=float, default=4.0)
    p.add_argument("--teacher", help="load a teacher state_dict instead of training one")
    p.add_argument("--shift", type=int, help="augmentation: random image shift up to N pixels (default: preset's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="build", help="output directory")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda[:i]")
    p.add_argument("--no-export", action="store_true", help="skip the QONNX export")
    args = p.parse_args(argv)
    ds, hidden, ep, tep, bs, shift = PRESETS[args.preset]
    args.shift = shift if args.shift is None else args.shift
    args.dataset = ds
    args.hidden = [int(h) for h in args.hidden.split(",")] if args.hidden else hidden
    args.epochs = ep if args.epochs is None else args.epochs
    args.teacher_epochs = tep if args.teacher_epochs is None else args.teacher_epochs
    args.batch_size = args.batch_size or bs
    if not 1 <= args.T <= 8:
        p.error(f"--T: expected 1..8, got {args.T}")
    return args


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

    def loader(self, x: np.ndarray, y: np.ndarray, batch: int, seed: int) -> DataLoader:
        ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        if self.world > 1:
            sampler = DistributedSampler(ds, self.world, self.rank, shuffle=True, seed=seed)
            return DataLoader(ds, batch_size=batch, sampler=sampler)
        return DataLoader(ds, batch_size=batch, shuffle=True, generator=torch.Generator().manual_seed(seed))


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def to_input(pixels: torch.Tensor) -> torch.Tensor:
    return pixels.float() / 255.0


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
def accuracy(fn, x: np.ndarray, y: np.ndarray, device: torch.device, batch: int = 1000) -> float:
    correct = 0
    for i in range(0, len(x), batch):
        out = fn(to_input(torch.from_numpy(x[i:i + batch]).to(device)))
        correct += (out.argmax(-1).cpu() == torch.from_numpy(y[i:i + batch])).sum().item()
    return 100.0 * correct / len(x)


def fit(model: torch.nn.Module, loss_fn, ds: datasets.Dataset, epochs: int, args, dist: Dist, name: str,
        evaluate) -> dict[str, list[float]]:
    """Adam + cosine schedule; returns the history {f'{name} loss', f'{name} acc'}."""
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(1, epochs))
    hist: dict[str, list[float]] = {f"{name} loss": [], f"{name} acc": []}
    bar = tqdm(range(epochs), desc=f"train {name}", disable=not dist.main, file=sys.stdout)
    for epoch in bar:
        model.train()
        loader = dist.loader(ds.x_train, ds.y_train, args.batch_size, args.seed + epoch)
        if isinstance(loader.sampler, DistributedSampler):
            loader.sampler.set_epoch(epoch)
        total, count = 0.0, 0
        for xb, yb in loader:
            xb = to_input(random_shift(xb, ds.shape, args.shift).to(dist.device))
            yb = yb.to(dist.device)
            loss = loss_fn(model, xb, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, count = total + loss.item() * len(xb), count + len(xb)
        sched.step()
        model.eval()
        acc = evaluate()
        hist[f"{name} loss"].append(total / count)
        hist[f"{name} acc"].append(acc)
        bar.set_postfix(loss=f"{total / count:.3f}", acc=f"{acc:.2f}")
    return hist


def student_loss(teacher: torch.nn.Module | None, args):
    def loss(model, xb, yb):
        logits = model(xb).mean(0)
        ce = F.cross_entropy(logits, yb)
        if teacher is None:
            return ce
        with torch.no_grad():
            t_logits = teacher(xb)
        tau = args.kd_temperature
        kl = F.kl_div(F.log_softmax(logits / tau, -1), F.log_softmax(t_logits / tau, -1),
                      reduction="batchmean", log_target=True) * tau * tau
        return (1 - args.kd_weight) * ce + args.kd_weight * kl
    return loss


def run(args: argparse.Namespace) -> dict:
    t0 = time.time()
    seed_all(args.seed)
    dist = Dist(args.device)
    ds = datasets.load(args.dataset, args.data_dir, args.seed)
    n_in = ds.x_train.shape[1]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    history: dict[str, list[float]] = {}

    teacher = Teacher(n_in, args.hidden, len(ds.classes))
    if args.teacher:
        teacher.load_state_dict(torch.load(args.teacher, map_location="cpu"))
    teacher = dist.wrap(teacher)
    if not args.teacher and (args.kd or args.teacher_epochs):
        history |= fit(teacher, lambda m, xb, yb: F.cross_entropy(m(xb), yb), ds, args.teacher_epochs, args,
                       dist, "teacher", lambda: accuracy(teacher, ds.x_test, ds.y_test, dist.device))
    teacher.eval()
    acc_teacher = accuracy(teacher, ds.x_test, ds.y_test, dist.device)

    cfg = SNNConfig(n_in=n_in, n_classes=len(ds.classes), hidden=args.hidden, T=args.T,
                    leak_shift=args.leak_shift, reset=args.reset, shortcuts=args.shortcuts)
    student = dist.wrap(BWSNN(cfg))
    history |= fit(student, student_loss(teacher if args.kd else None, args), ds, args.epochs, args, dist,
                   "bwsnn", lambda: accuracy(lambda x: student(x).mean(0), ds.x_test, ds.y_test, dist.device))
    train_seconds = time.time() - t0
    if not dist.main:
        return {}

    model = (student.module if hasattr(student, "module") else student).cpu().eval()
    acc_bwsnn = accuracy(lambda x: model(x).mean(0), ds.x_test, ds.y_test, torch.device("cpu"))
    art = fold(model, ds.classes, ds.shape, info={"dataset": ds.name, "split": ds.split, "config": cfg.to_dict()})
    steps = DeployModel(art)(torch.from_numpy(ds.x_test)).numpy()
    acc_steps = [float(100.0 * np.mean(steps[:, t].argmax(-1) == ds.y_test)) for t in range(art.T)]
    ref = golden.run(art, ds.x_test)
    if not np.array_equal(ref.step_scores, steps):  # the contract: never ship an artifact that disagrees
        raise SystemExit("internal error: integer deploy mode and golden model disagree")
    art.info["accuracy_deploy"] = acc_steps[-1]
    art.save(out / "model.bwsnn.npz")
    torch.save({"config": cfg.to_dict(), "student": model.state_dict(),
                "teacher": (teacher.module if hasattr(teacher, "module") else teacher).state_dict()},
               out / "checkpoint.pt")
    if not args.no_export:
        export_qonnx(model, out / "model.qonnx.onnx")
    report = {
        "dataset": ds.name, "split": ds.split, "preset": args.preset, "T": args.T,
        "accuracy": {"teacher": acc_teacher, "bwsnn": acc_bwsnn, "deploy": acc_steps[-1], "per_step": acc_steps},
        "weight_bits": art.weight_bits(), "seconds": time.time() - t0, "train_seconds": train_seconds,
        "seconds_per_epoch": train_seconds / max(1, args.epochs + (args.teacher_epochs if not args.teacher else 0)),
        "config": cfg.to_dict(), "kd": args.kd, "kd_weight": args.kd_weight, "epochs": args.epochs,
        "teacher_epochs": args.teacher_epochs, "seed": args.seed, "shift": args.shift, "history": history,
        "mem_bits": [l.mem_bits for l in art.layers], "frac_bits": [l.frac_bits for l in art.layers],
    }
    (out / "train_report.json").write_text(json.dumps(report, indent=2))
    plot_curves(history, out / "train_curves.png",
                f"{ds.name}: T={args.T}, shortcuts={args.shortcuts}, KD={args.kd}")
    print(f"{ds.name} T={args.T}: teacher {acc_teacher:.2f}%  bwsnn {acc_bwsnn:.2f}%  deploy {acc_steps[-1]:.2f}%"
          f"  per-step {['%.2f' % a for a in acc_steps]}  ({report['seconds']:.0f} s) -> {out}/model.bwsnn.npz")
    return report


def main(argv: list[str] | None = None) -> None:
    try:
        run(parse_args(argv))
    except datasets.DataError as e:
        raise SystemExit(f"error: {e}") from None
    finally:
        if torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
