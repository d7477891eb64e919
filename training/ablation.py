"""Ablations over seeds, their runs kept as artifacts: the SEI-BWSNN one (shortcuts x KD, :data:`VARIANTS`) and
the recipe's ingredients (:data:`RECIPE`), each a table of variants = overrides of one preset.

    python -m training.ablation --preset fashion-ablation --seeds 0,1,2 --data-dir DIR --out models/ablation-fashion
    python -m training.ablation --study recipe --preset P --train-size N --seeds 0,1,2 --data-dir DIR --out DIR

Per seed, the first variant trains the teacher; every variant that changes the student only
(:data:`STUDENT_FIELDS`: the SEI switches, the KD weight and temperature, the dampening, the student's epochs)
loads that teacher, so those differ only in what they change; a variant that changes the data or the loss of
both (augmentation, label smoothing, the EMA) trains its own. Every run is kept in ``--out``
as ``<variant>-seed<k>.bwsnn.npz`` with its training report ``<variant>-seed<k>.json`` (the layout of
``models/``), so the table is re-measured from the artifacts by the golden model (:func:`summarize`, what
``make bench`` does) without retraining; a killed ablation continues where it stopped (finished runs are
kept, the run in progress resumes from its last epoch).
"""
from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from bwsnn import cli, datasets
from bwsnn.paths import build_dir
from training import checkpoint, shipped, torchfile, train
from training.threads import use_threads

#: variant -> the switches it turns off (the full recipe first: it trains the seed's teacher)
VARIANTS: dict[str, dict[str, object]] = {
    "shortcuts+kd": {}, "shortcuts": {"kd": False}, "kd": {"shortcuts": False},
    "plain": {"kd": False, "shortcuts": False},
}
#: the recipe's ingredients, each against the preset as it is (the CIFAR-10 / Fashion-MNIST presets crop + flip);
#: the EMA's decay sized to a proxy's few hundred steps (0.999 kept a proxy's EMA near its initial weights)
RECIPE: dict[str, dict[str, object]] = {
    "preset": {}, "no-flip": {"flip": False}, "no-crop": {"shift": 0}, "label-smoothing-0.1": {"label_smoothing": 0.1},
    "ema-0.99": {"ema": 0.99}, "kd-weight-0.5": {"kd_weight": 0.5}, "kd-temperature-2": {"kd_temperature": 2.0},
    # the oscillation remedy (1e-4 pinned the weights at +/-1: 26.1 % against the preset's 40.4 % on seed 0), and
    # the two-stage start at the preset's student budget (half the epochs real)
    "dampen-1e-5": {"dampen": 1e-5}, "two-stage": {"real_epochs": 3, "epochs": 3},
}
STUDIES = {"sei": VARIANTS, "recipe": RECIPE}
#: config fields that change the student's training only: variants of just these share the seed's teacher
STUDENT_FIELDS = frozenset({"kd", "shortcuts", "kd_weight", "kd_temperature", "dampen", "real_epochs", "epochs"})


def run_name(variant: str, seed: int) -> str:
    return f"{variant}-seed{seed}"


def run(base: train.TrainConfig, seeds: list[int], out: Path, command: str | None = None,
        work: Path | None = None, variants: dict[str, dict[str, object]] = VARIANTS) -> list[Path]:
    """Train ``variants`` x seeds into ``out`` (finished runs are skipped; the runs in progress in ``work``,
    default ``$BWSNN_BUILD/ablation/<out name>``; each seed's teacher kept in ``out`` beside the runs, so that a
    study continues in another clone); returns the artifacts."""
    out.mkdir(parents=True, exist_ok=True)
    work = work or build_dir("ablation", out.name)
    paths = []
    for seed in seeds:
        teacher = out / f"teacher-seed{seed}.pt"
        first = next(iter(variants))
        for variant, switches in variants.items():
            name = run_name(variant, seed)
            art = out / f"{name}.bwsnn.npz"
            paths.append(art)
            if art.is_file() and art.with_name(f"{name}.json").is_file():
                continue
            cfg = replace(base, seed=seed, export=False, **switches)
            if variant != first and set(switches) <= STUDENT_FIELDS:
                cfg = replace(cfg, teacher=str(teacher))
            run_dir = work / name
            resume = (run_dir / checkpoint.STATE_FILE).is_file()
            report = train.run(cfg, run_dir, resume=resume, command=command and f"{command}  # run {name}")
            if variant == first:
                torch.save(torchfile.read(run_dir / "checkpoint.pt", "checkpoint", ("teacher",))["teacher"], teacher)
            shutil.copy(run_dir / "model.bwsnn.npz", art)
            shutil.copy(run_dir / "train_report.json", art.with_name(f"{name}.json"))
            print(f"ablation {name}: deploy {report['accuracy']['deploy']:.2f}%", flush=True)
    return paths


def summarize(directory: Path, data_dir: str | None, variants: dict[str, dict[str, object]] = VARIANTS) -> dict:
    """Per variant of ``variants``: mean +/- std over seeds of the golden accuracy at every step, re-measured
    from the kept artifacts (:func:`training.shipped.evaluate`), and the runs themselves."""
    rows: dict[str, list[dict]] = {}
    for path in shipped.models(directory):
        variant = path.name.removesuffix(".bwsnn.npz").rsplit("-seed", 1)[0]
        rows.setdefault(variant, []).append(shipped.evaluate(path, data_dir))
    summary = {}
    for variant in [v for v in variants if v in rows]:
        runs = rows[variant]
        steps = np.array([r["per_step"] for r in runs])
        summary[variant] = {
            "seeds": len(runs), "per_step_mean": steps.mean(0).tolist(), "per_step_std": steps.std(0).tolist(),
            "deploy_mean": float(steps[:, -1].mean()), "deploy_std": float(steps[:, -1].std()),
            "teacher_mean": float(np.mean([r["teacher"] for r in runs])),
            "train_seconds_mean": float(np.mean([r["train_seconds"] for r in runs])), "runs": runs}
    return summary


def markdown(summary: dict) -> list[str]:
    """The ablation table: golden accuracy per time step, mean +/- std over the seeds."""
    T = max(len(s["per_step_mean"]) for s in summary.values())
    lines = ["| variant | seeds | " + " | ".join(f"deploy % t={t + 1}" for t in range(T))
             + " | teacher % | training wall time per run |", "|---|---|" + "---|" * (T + 2)]
    for variant, s in summary.items():
        steps = " | ".join(f"{m:.2f} +/- {d:.2f}" for m, d in zip(s["per_step_mean"], s["per_step_std"]))
        lines.append(f"| {variant} | {s['seeds']} | {steps} | {s['teacher_mean']:.2f} | "
                     f"{s['train_seconds_mean'] / 60:.1f} min |")
    return lines


def plot(summary: dict, path: Path, title: str) -> None:
    """The table as bars: golden accuracy per variant and time step, mean with the seeds' std as error bars."""
    from training.report import plt

    T = max(len(s["per_step_mean"]) for s in summary.values())
    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.8 / T
    for t in range(T):
        ax.bar([i + (t - (T - 1) / 2) * width for i in range(len(summary))],
               [s["per_step_mean"][t] for s in summary.values()], width,
               yerr=[s["per_step_std"][t] for s in summary.values()], capsize=3, label=f"t = {t + 1}")
    lows = [m - d for s in summary.values() for m, d in zip(s["per_step_mean"], s["per_step_std"])]
    ax.set_ylim(bottom=max(0.0, min(lows) - 2))
    ax.set_xticks(range(len(summary)), [f"{v}\n({s['seeds']} seeds)" for v, s in summary.items()])
    ax.set_ylabel("deploy accuracy % (golden)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    p = cli.Parser(prog="python -m training.ablation", description=__doc__.splitlines()[0])
    p.add_argument("--preset", choices=sorted(train.PRESETS), default="digits", help="the training preset to ablate")
    p.add_argument("--study", choices=sorted(STUDIES), default="sei", help="sei: shortcuts x KD (default); recipe: "
                   "the recipe's ingredients, one at a time")
    p.add_argument("--train-size", type=cli.positive_int, help="train on a seeded subset of this many images "
                   "(short proxies)")
    p.add_argument("--epochs", type=cli.positive_int, help="student epochs (default: the preset's)")
    p.add_argument("--teacher-epochs", type=cli.positive_int, help="teacher epochs (default: the preset's)")
    p.add_argument("--seeds", type=cli.seed_list, default=[0, 1, 2], help="comma-separated seeds (default 0,1,2)")
    p.add_argument("--data-dir", type=cli.existing_dir, help="dataset directory (MNIST / Fashion-MNIST presets)")
    p.add_argument("--threads", type=cli.positive_int,
                   help="CPU threads of torch and BLAS (1 is fastest on a loaded machine)")
    p.add_argument("--out", type=cli.output_dir, required=True, help="where the runs are kept (resumable)")
    a = p.parse_args(argv)
    if a.threads:
        use_threads(a.threads)
    base = replace(train.PRESETS[a.preset], data_dir=a.data_dir and str(a.data_dir),
                   **{k: v for k, v in (("train_size", a.train_size), ("epochs", a.epochs),
                                        ("teacher_epochs", a.teacher_epochs)) if v is not None})
    variants = STUDIES[a.study]
    command = shlex.join(["python", "-m", "training.ablation", *(sys.argv[1:] if argv is None else argv)])
    try:
        run(base, a.seeds, a.out, command, variants=variants)
        summary = summarize(a.out, base.data_dir, variants)
        plot(summary, a.out / "ablation.png", f"{a.preset} {a.study} ablation")
        print("\n".join(markdown(summary)))
    except (datasets.DataError, train.ConfigError, checkpoint.ResumeError, shipped.ShippedError,
            torchfile.TorchFileError) as e:
        raise SystemExit(f"error: {e}") from None


if __name__ == "__main__":
    main()
