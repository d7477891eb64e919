"""``python -m training.snapshot RUN_DIR OUT.bwsnn.npz [--data-dir DIR]``: the student of a run in progress, as
its last finished epoch left it in ``RUN_DIR/train_state.pt``, folded into a deploy artifact (the golden model's
and the hardware's input), so the RTL, HLS and host can be built and measured for a long run's network before
it ends. Not the run's result: that is the epoch chosen on the held-out images, packaged at the end."""
from __future__ import annotations

import argparse
import sys
from dataclasses import fields, replace
from pathlib import Path

from bwsnn import cli, datasets
from training import checkpoint, torchfile
from training.config import TrainConfig
from training.fold import fold


def snapshot(run_dir: Path, out: Path, data_dir: str | None = None) -> dict:
    """Fold the student of ``run_dir``'s state into ``out``; returns the artifact's info."""
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
    torchfile.load_state(model, state["model"], run_dir / checkpoint.STATE_FILE, "student state_dict")
    model.eval()
    art = fold(model, ds.classes, model.cfg.input_shape if model.cfg.stack else ds.shape,
               info={"dataset": ds.name, "snapshot_of": str(run_dir), "snapshot_epoch": state["epoch"],
                     "preset": cfg.preset})
    out.parent.mkdir(parents=True, exist_ok=True)
    art.save(out)
    return art.info


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m training.snapshot", description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    ap.add_argument("run_dir", type=cli.existing_dir, help="the run's --out folder (its train_state.pt)")
    ap.add_argument("out", type=cli.output_file, help="the artifact to write (*.bwsnn.npz)")
    ap.add_argument("--data-dir", type=cli.existing_dir, help="the dataset's folder (default: the run's)")
    a: argparse.Namespace = ap.parse_args(argv)
    try:
        info = snapshot(Path(a.run_dir), a.out, a.data_dir and str(a.data_dir))
    except (torchfile.TorchFileError, datasets.DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{a.out}: the student of {a.run_dir} after epoch {info['snapshot_epoch']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
