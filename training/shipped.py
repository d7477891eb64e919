"""The shipped models (``models/<name>.bwsnn.npz`` + its training report ``<name>.json``), re-measured.

Nothing is retrained and nothing is read from the report but what only training knows (its command, wall
time, epochs, selection): every accuracy is recomputed by the golden model on the artifact's full test set,
at every time step; weight bits, synaptic operations per image and spike rate per layer are measured as
training measures them (:func:`training.report.activity` on the first ``ACTIVITY_IMAGES`` test images). A
recomputed accuracy that differs from the report's is an error: the artifact or the arithmetic changed.
"""
from __future__ import annotations

from pathlib import Path

from bwsnn import artifact, datasets, golden, jsonfile
from bwsnn.paths import MODELS_DIR
from training.package import ACTIVITY_IMAGES
from training.report import accuracy_per_step, activity


class ShippedError(ValueError):
    """A shipped model whose figures do not hold (one line)."""


#: what :func:`evaluate` reads from a training report (train.package writes them), by type
REPORT_FIELDS = {"accuracy.per_step": list, "accuracy.teacher": jsonfile.NUMBER, "seconds": jsonfile.NUMBER,
                 "epochs": int, "teacher_epochs": int, "command": str}


def models(directory: Path = MODELS_DIR) -> list[Path]:
    return sorted(directory.glob("*.bwsnn.npz"))


def read(path: Path) -> tuple[artifact.Artifact, dict]:
    """A shipped model and its training report, both checked (one line naming the file otherwise): what a
    bench calls on every model before any long work."""
    report_path = path.with_name(f"{path.name.removesuffix('.bwsnn.npz')}.json")
    if not report_path.is_file():
        raise ShippedError(f"{report_path}: missing (every shipped artifact comes with its training report)")
    try:
        report = jsonfile.read(report_path, "training report", REPORT_FIELDS)
    except jsonfile.JsonFileError as e:
        raise ShippedError(str(e)) from None
    art = artifact.load(path)
    if not isinstance(art.info.get("dataset"), str):
        raise ShippedError(f"{path}: field 'info.dataset': expected the name of its dataset, got "
                           f"{art.info.get('dataset')!r}")
    return art, report


def evaluate(path: Path, data_dir: str | None) -> dict:
    """One shipped model's row: recomputed figures + its training report's command, epochs and wall time."""
    name = path.name.removesuffix(".bwsnn.npz")
    art, report = read(path)
    ds = datasets.load(art.info["dataset"], data_dir, report.get("seed", 0))  # a seeded split (digits) is its run's
    steps = golden.run(art, ds.x_test).step_scores
    per_step = accuracy_per_step(steps, ds.y_test)
    if per_step != report["accuracy"]["per_step"]:
        raise ShippedError(f"{path}: golden accuracy per step {per_step}, its report says "
                           f"{report['accuracy']['per_step']}")
    return {"model": name, "dataset": ds.name, "test_images": len(ds.x_test), "T": art.T,
            "accuracy": per_step[-1], "per_step": per_step, "teacher": report["accuracy"]["teacher"],
            "weight_bits": art.weight_bits(), **activity(art, ds.x_test[:ACTIVITY_IMAGES]),
            "activity_images": min(len(ds.x_test), ACTIVITY_IMAGES), "train_seconds": report["seconds"],
            "epochs": report["epochs"], "teacher_epochs": report["teacher_epochs"],
            "val_size": report.get("val_size", 0), "selection": report.get("selection"),
            "command": report["command"], "file_bytes": path.stat().st_size}


def markdown(rows: list[dict]) -> list[str]:
    """The rows of the shipped-models table (golden model, full test sets)."""
    lines = ["| model | dataset (test images) | deploy % t=1 / t=2 | teacher % | weight bits | SynOps/image | "
             "spike rate per layer | epochs (teacher + student) | training wall time |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        rates = ", ".join(f"{v:.3f}" for v in r["spike_rate"].values())
        steps = " / ".join(f"{a:.2f}" for a in r["per_step"])
        lines.append(f"| {r['model']} | {r['dataset']} ({r['test_images']}) | {steps} | {r['teacher']:.2f} | "
                     f"{r['weight_bits']:,} | {r['synaptic_ops_per_image']:,.0f} | {rates} | "
                     f"{r['teacher_epochs']} + {r['epochs']} | {r['train_seconds'] / 60:.0f} min |")
    lines += ["", "Commands:", ""] + [f"- {r['model']}: `{r['command']}`" for r in rows]
    return lines
