"""``python -m training.snapshot RUN_DIR OUT.bwsnn.npz [--data-dir DIR]``: the student of a run in progress, as
``RUN_DIR/train_state.pt`` holds it, folded into a deploy artifact (the golden model's and the hardware's input),
so the RTL, HLS and host can be built and measured for a long run's network before it ends: its best epoch so
far on the held-out images (the one the run would keep if it ended now; its last epoch without a held-out
split). Not the run's result: that is the epoch chosen at the end, packaged with the run.

``--report`` also writes the artifact's report beside it (``NAME.json``, the fields a shipped model's training
report has: the golden model's accuracy per step on the whole test set, the epochs and wall time so far, the
held-out accuracy per epoch), marked ``snapshot``: a model shipped while its run goes on says so."""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import fields, replace
from pathlib import Path

from bwsnn import cli, datasets, golden
from bwsnn.artifact import Artifact
from training import checkpoint, torchfile
from training.config import TrainConfig
from training.fold import fold
from training.report import accuracy_per_step


def snapshot(run_dir: Path, out: Path, data_dir: str | None = None, command: str | None = None) -> dict:
    """Fold the student of ``run_dir``'s state into ``out``; with ``command`` (the command line that made it)
    also write its report (:func:`report`). Returns the artifact's info."""
    state = torchfile.read(run_dir / checkpoint.STATE_FILE, "training state", ("config", "phase", "epoch", "model"))
    if state["phase"] != "bwsnn":
        raise torchfile.TorchFileError(f"{run_dir / checkpoint.STATE_FILE}: the run is still training its teacher "
                                       "(phase 'teacher'), expected a student epoch to fold")
    known = {f.name for f in fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in state["config"].items() if k in known})
    if data_dir is not None:
        cfg = replace(cfg, data_dir=data_dir)
    ds = datasets.load(cfg.dataset, cfg.data_dir, cfg.seed)
    model = cfg.student(ds)
    best = state.get("best")  # (held-out accuracy, epoch, weights) of this phase's best epoch so far
    epoch, weights = (best[1], best[2]) if best else (state["epoch"], state["model"])
    torchfile.load_state(model, weights, run_dir / checkpoint.STATE_FILE, "student state_dict")
    model.eval()
    art = fold(model, ds.classes, model.cfg.input_shape if model.cfg.stack else ds.shape,
               info={"dataset": ds.name, "snapshot_of": str(run_dir), "snapshot_epoch": epoch,
                     "preset": cfg.preset})
    out.parent.mkdir(parents=True, exist_ok=True)
    rep = None if command is None else report(art, state, cfg, ds, epoch, command)
    if rep is not None:
        art.info["accuracy_deploy"] = rep["accuracy"]["deploy"]  # what the benches show, as a trained model's
    art.save(out)
    if rep is not None:
        out.with_name(f"{out.name.removesuffix('.bwsnn.npz')}.json").write_text(json.dumps(rep, indent=2))
    return art.info


def report(art: Artifact, state: dict, cfg: TrainConfig, ds: datasets.Dataset, epoch: int, command: str) -> dict:
    """A snapshot's report: the golden model's accuracy per step on the whole test set and what the run's state
    says so far (epochs finished, wall time, held-out accuracy per epoch), marked ``snapshot`` with the epoch
    folded."""
    per_step = accuracy_per_step(golden.run(art, ds.x_test).step_scores, ds.y_test)
    teacher = state.get("history", {}).get("teacher val acc") or [None]
    return {"command": command, "snapshot": {"epoch": epoch, "epochs_finished": state["epoch"], "of_epochs": cfg.epochs,
                                             "note": "the student of a run in progress, not its result"},
            "dataset": ds.name, "split": ds.split, "preset": cfg.preset, "T": cfg.T,
            "accuracy": {"teacher": teacher[-1], "bwsnn": per_step[-1], "deploy": per_step[-1], "per_step": per_step},
            "teacher_accuracy_on": "held-out training images (the teacher's last epoch)",
            "weight_bits": art.weight_bits(), "seconds": float(state.get("seconds", 0.0)),
            "epochs": int(state["epoch"]), "teacher_epochs": cfg.teacher_epochs, "val_size": cfg.val_size,
            "seed": cfg.seed, "history": {**state.get("history", {}), **state.get("phase_history", {})},
            "train_config": {f.name: getattr(cfg, f.name) for f in fields(TrainConfig)}}


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m training.snapshot", description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    ap.add_argument("run_dir", type=cli.existing_dir, help="the run's --out folder (its train_state.pt)")
    ap.add_argument("out", type=cli.output_file, help="the artifact to write (*.bwsnn.npz)")
    ap.add_argument("--data-dir", type=cli.existing_dir, help="the dataset's folder (default: the run's)")
    ap.add_argument("--report", action="store_true",
                    help="also write its report (NAME.json: golden accuracy on the test set, the run so far)")
    a: argparse.Namespace = ap.parse_args(argv)
    command = shlex.join(["python", "-m", "training.snapshot", *(sys.argv[1:] if argv is None else argv)])
    try:
        info = snapshot(Path(a.run_dir), a.out, a.data_dir and str(a.data_dir), command if a.report else None)
    except (torchfile.TorchFileError, datasets.DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{a.out}: the student of {a.run_dir} at epoch {info['snapshot_epoch']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
