"""Training benchmark -> build/bench/train.json (+ .md): the shipped models, the SEI-BWSNN ablation.

* The shipped models (models/*.bwsnn.npz, :mod:`training.shipped`): re-measured on their full test sets by
  the golden model, never retrained; they need --data-dir (or BWSNN_DATA_DIR), without it they are skipped.
* The default preset's ablation: shortcuts x KD, over several seeds (one shared teacher per seed).
* --mnist-mlp: retrain the mnist-mlp preset too (hours on a 2-core CPU; MNIST from --data-dir, BWSNN_DATA_DIR
  or ../shared/data beside the repo).
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from bwsnn import artifact, datasets
from bwsnn.paths import build_dir
from training import shipped, train

ROOT = Path(__file__).resolve().parents[1]


def _mnist_dir(arg: str | None) -> str | None:
    for cand in (arg, os.environ.get("BWSNN_DATA_DIR"), str(ROOT.parent / "shared" / "data")):
        if cand and (Path(cand) / "mnist.npz").exists():
            return cand
    return None


def _run(cfg: train.TrainConfig, out: Path) -> dict:
    rep = train.run(cfg, out)
    return {"teacher": rep["accuracy"]["teacher"], "bwsnn": rep["accuracy"]["bwsnn"],
            "deploy": rep["accuracy"]["deploy"], "per_step": rep["accuracy"]["per_step"],
            "seconds": rep["seconds"], "seconds_per_epoch": rep["seconds_per_epoch"]}


def ablation(seeds: list[int], work: Path) -> dict:
    rows: dict[str, list[dict]] = {}
    for seed in seeds:
        teacher_dir = work / f"teacher{seed}"
        base_cfg = replace(train.PRESETS["digits"], seed=seed, export=False)
        base = _run(base_cfg, teacher_dir)  # shortcuts + KD
        ck = torch.load(teacher_dir / "checkpoint.pt", map_location="cpu")
        teacher_path = teacher_dir / "teacher.pt"
        torch.save(ck["teacher"], teacher_path)
        rows.setdefault("shortcuts+kd", []).append(base)
        for name, switches in (("shortcuts", {"kd": False}), ("kd", {"shortcuts": False}),
                               ("plain", {"kd": False, "shortcuts": False})):
            cfg = replace(base_cfg, teacher=str(teacher_path), **switches)
            rows.setdefault(name, []).append(_run(cfg, work / f"{name}{seed}"))
    summary = {}
    for name, runs in rows.items():
        dep = np.array([r["deploy"] for r in runs])
        summary[name] = {"deploy_mean": float(dep.mean()), "deploy_std": float(dep.std()),
                         "bwsnn_mean": float(np.mean([r["bwsnn"] for r in runs])),
                         "teacher_mean": float(np.mean([r["teacher"] for r in runs])), "runs": runs}
    return summary


def shipped_models(data_dir: str | None, directory: Path) -> dict:
    """{"models": rows} or {"models_skipped": why}."""
    if not data_dir:
        return {"models_skipped": "no --data-dir (or BWSNN_DATA_DIR) with the MNIST / Fashion-MNIST files"}
    paths = shipped.models(directory)
    if not paths:
        return {"models_skipped": f"no *.bwsnn.npz in {directory}"}
    return {"models": [shipped.evaluate(p, data_dir) for p in paths]}


def markdown(result: dict) -> str:
    lines = ["# Training benchmark", "", "## Shipped models (golden model, full test sets, T=2)", ""]
    if "models" in result:
        lines += shipped.markdown(result["models"])
    else:
        lines.append(f"Skipped: {result['models_skipped']}.")
    lines += ["", "## Ablation", ""]
    if not result["ablation"]:
        lines.append("Skipped (--skip-ablation).")
    else:
        lines += [f"Dataset {result['dataset']}, T={result['T']}, seeds {result['seeds']}.", "",
                  "| variant | teacher % | BW-SNN % | deploy % (mean +/- std) | s/epoch |", "|---|---|---|---|---|"]
    for name, r in result["ablation"].items():
        spe = np.mean([x["seconds_per_epoch"] for x in r["runs"]])
        lines.append(f"| {name} | {r['teacher_mean']:.2f} | {r['bwsnn_mean']:.2f} | "
                     f"{r['deploy_mean']:.2f} +/- {r['deploy_std']:.2f} | {spe:.3f} |")
    if "mnist" in result:
        m = result["mnist"]
        lines += ["", f"MNIST preset (mnist-mlp): teacher {m['teacher']:.2f}%, BW-SNN {m['bwsnn']:.2f}%, "
                      f"deploy {m['deploy']:.2f}%, {m['seconds_per_epoch']:.1f} s/epoch, {m['seconds']:.0f} s total."]
    elif "mnist_skipped" in result:
        lines += ["", f"MNIST preset: skipped ({result['mnist_skipped']})."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--data-dir")
    p.add_argument("--models-dir", default=str(shipped.MODELS_DIR), help="the shipped models (default: models/)")
    p.add_argument("--skip-ablation", action="store_true")
    p.add_argument("--mnist-mlp", action="store_true", help="retrain the mnist-mlp preset (hours on a CPU)")
    p.add_argument("--mnist-epochs", type=int, help="override the mnist-mlp preset's epochs")
    p.add_argument("--out", default=str(build_dir("bench")))
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in a.seeds.split(",")]
    try:
        result = shipped_models(a.data_dir or os.environ.get("BWSNN_DATA_DIR"), Path(a.models_dir))
    except (shipped.ShippedError, datasets.DataError, artifact.ArtifactError) as e:
        raise SystemExit(f"error: {e}") from None
    with tempfile.TemporaryDirectory() as tmp:
        result |= {"dataset": "digits", "T": 2, "seeds": seeds,
                   "ablation": {} if a.skip_ablation else ablation(seeds, Path(tmp))}
        mnist = _mnist_dir(a.data_dir)
        if a.mnist_mlp and not mnist:
            result["mnist_skipped"] = "no mnist.npz found (pass --data-dir)"
        elif a.mnist_mlp:
            cfg = replace(train.PRESETS["mnist-mlp"], data_dir=mnist, export=False)
            if a.mnist_epochs:
                cfg = replace(cfg, epochs=a.mnist_epochs)
            result["mnist"] = _run(cfg, Path(tmp) / "mnist")
    (out / "train.json").write_text(json.dumps(result, indent=2))
    (out / "train.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
