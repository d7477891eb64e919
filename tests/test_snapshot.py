"""training.snapshot: the student of a run in progress folded into an artifact the backends take."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bwsnn import artifact, datasets, golden
from training import checkpoint, shipped, snapshot, train

TINY = replace(train.PRESETS["digits"], hidden=(16,), epochs=1, teacher_epochs=1, val_size=200, export=False)


class Killed(Exception):
    pass


def test_a_finished_student_epoch_folds_into_a_valid_artifact(tmp_path: Path) -> None:
    train.run(TINY, tmp_path / "run")
    out = tmp_path / "snap.bwsnn.npz"
    assert snapshot.main([str(tmp_path / "run"), str(out)]) == 0
    snap, shipped = artifact.load(out), artifact.load(tmp_path / "run" / "model.bwsnn.npz")
    assert snap.info["snapshot_epoch"] == 1 and [l.n_out for l in snap.layers] == [l.n_out for l in shipped.layers]
    # one student epoch: the snapshot is the epoch the run selected, so the same network
    x = datasets.load("digits").x_test[:50]
    assert np.array_equal(golden.run(snap, x).step_scores, golden.run(shipped, x).step_scores)


def test_a_snapshot_with_its_report_is_a_model_the_shipped_bench_takes(tmp_path: Path) -> None:
    train.run(TINY, tmp_path / "run")
    out = tmp_path / "models" / "snap.bwsnn.npz"
    assert snapshot.main([str(tmp_path / "run"), str(out), "--report"]) == 0
    report = json.loads(out.with_name("snap.json").read_text())
    assert report["snapshot"]["epoch"] == 1 and report["command"].startswith("python -m training.snapshot ")
    row = shipped.evaluate(out, None)  # recomputes the accuracy per step and compares it with the report's
    assert row["per_step"] == report["accuracy"]["per_step"] and row["epochs"] == 1 and row["test_images"] == 360
    assert artifact.load(out).info["accuracy_deploy"] == row["accuracy"]


def test_a_run_still_in_its_teacher_or_without_a_state_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture) -> None:
    real = checkpoint.save

    def save_then_die(where, state) -> None:
        real(where, state)
        raise Killed

    monkeypatch.setattr(checkpoint, "save", save_then_die)
    with pytest.raises(Killed):
        train.run(replace(TINY, teacher_epochs=2), tmp_path / "run")
    for run, fragment in ((tmp_path / "run", "still training its teacher"), (tmp_path, "train_state.pt")):
        assert snapshot.main([str(run), str(tmp_path / "x.bwsnn.npz")]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and fragment in err and "Traceback" not in err, err
