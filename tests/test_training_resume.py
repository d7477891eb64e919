"""Honest, resumable training: a killed run resumed from its per-epoch state ends bit for bit where an
uninterrupted run does; the epoch is selected on held-out training images, never on the test set."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from bwsnn import artifact, datasets
from training import checkpoint, loop, precision, train

# shift=1: augmentation draws random numbers every batch, so a resume that does not restore the RNG differs
TINY = replace(train.PRESETS["digits"], hidden=(16, 16), epochs=3, teacher_epochs=2, val_size=200, export=False,
               shift=1)


class Killed(Exception):
    """Stands for the process being killed right after an epoch's state was written."""


def _run_killed_after(saves: int, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_save, count = checkpoint.save, [0]

    def save_then_die(where, state) -> None:
        real_save(where, state)
        count[0] += 1
        if count[0] == saves:
            raise Killed

    with monkeypatch.context() as m:
        m.setattr(checkpoint, "save", save_then_die)
        with pytest.raises(Killed):
            train.run(TINY, out)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("whole")
    return train.run(TINY, out), out


@pytest.mark.parametrize("saves", [1, 2, 3], ids=["in-teacher", "after-teacher", "in-student"])
def test_resumed_run_equals_uninterrupted_run(saves: int, uninterrupted, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    report, whole = uninterrupted
    _run_killed_after(saves, tmp_path, monkeypatch)
    ran = replace(TINY, precision=precision.resolve(TINY.precision, torch.device("cpu")))  # as train_models does
    state = checkpoint.load(tmp_path, train.asdict(ran))
    assert (state["phase"], state["epoch"]) == (("teacher", saves) if saves <= 2 else ("bwsnn", saves - 2))
    resumed = train.run(TINY, tmp_path, resume=True)
    a, b = artifact.load(whole / "model.bwsnn.npz"), artifact.load(tmp_path / "model.bwsnn.npz")
    for la, lb in zip(a.layers, b.layers, strict=True):
        np.testing.assert_array_equal(la.weights, lb.weights)
        np.testing.assert_array_equal(la.bias, lb.bias)
    assert resumed["history"] == report["history"] and resumed["accuracy"] == report["accuracy"]
    assert resumed["selection"] == report["selection"]


def test_epoch_selection_uses_held_out_training_images_only(uninterrupted, monkeypatch) -> None:
    report, _ = uninterrupted
    for phase, epochs in (("teacher", TINY.teacher_epochs), ("bwsnn", TINY.epochs)):
        val = report["history"][f"{phase} val acc"]
        assert len(val) == epochs and f"{phase} acc" not in report["history"]  # no per-epoch test accuracy
        assert report["selection"][phase] == {"epoch": int(np.argmax(val)) + 1, "val_accuracy": max(val)}
    assert "200 training images held out" in report["split"] and report["val_size"] == 200

    ds = datasets.load_digits(TINY.seed)
    split = loop.holdout(ds, 200, TINY.seed)
    assert len(split.x_val) == 200 and len(split.x_train) == len(ds.x_train) - 200
    parts = sorted(r.tobytes() for r in np.concatenate([split.x_train, split.x_val]))
    assert parts == sorted(r.tobytes() for r in ds.x_train)  # a partition of the training set
    np.testing.assert_array_equal(loop.holdout(ds, 200, TINY.seed).x_val, split.x_val)  # seeded
    # what the run evaluates: validation images every epoch, the test set only twice, once per network
    seen: list[int] = []
    real = train.accuracy
    monkeypatch.setattr(train, "accuracy", lambda fn, x, *a, **k: seen.append(len(x)) or real(fn, x, *a, **k))
    train.train_models(replace(TINY, epochs=2, teacher_epochs=1), ds)
    assert sorted(seen) == [200, 200, 200, len(ds.x_test), len(ds.x_test)]


@pytest.mark.parametrize("argv,expected", [
    (["--resume"], "train_state.pt: no such file"),
    (["--val-size", "5000"], "val_size + train_size: expected <= 1437 (the digits training set), with at least "
                             "one training image, got 5000 + 0"),
    (["--val-size", "1000", "--train-size", "438"], "got 1000 + 438"),
    (["--threads", "0"], "--threads: expected >= 1, got 0"),
])
def test_bad_run_options_fail_in_one_line(argv: list[str], expected: str, tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as e:
        train.main([*argv, "--hidden", "8", "--epochs", "1", "--teacher-epochs", "0", "--no-kd",
                    "--out", str(tmp_path)])
    assert e.value.code != 0
    msg = str(e.value.code) if isinstance(e.value.code, str) else capsys.readouterr().err
    assert expected in msg and len(msg.strip().splitlines()) == 1


def test_resume_refuses_another_configuration(uninterrupted) -> None:
    _, whole = uninterrupted
    with pytest.raises(checkpoint.ResumeError, match="lr expected 0.002, got 0.5"):
        train.run(replace(TINY, lr=0.5), whole, resume=True)


def test_a_state_from_before_bf16_resumes_as_fp32(uninterrupted, tmp_path: Path) -> None:
    """States written before the precision field were computed in fp32: they continue in fp32 only."""
    _, whole = uninterrupted
    state = torch.load(whole / checkpoint.STATE_FILE, map_location="cpu", weights_only=False)
    del state["config"]["precision"]
    checkpoint.save(tmp_path, state)
    for spec, expected in (("fp32", None), ("bf16", "precision expected 'fp32', got 'bf16'")):
        key = train.asdict(replace(TINY, precision=spec))
        if expected is None:
            assert checkpoint.load(tmp_path, key)["epoch"] == state["epoch"]
        else:
            with pytest.raises(checkpoint.ResumeError, match=expected):
                checkpoint.load(tmp_path, key)


def test_a_resumed_run_records_the_command_that_reruns_it() -> None:
    argv = ["--preset", "fashion-conv", "--data-dir", "d", "--out", "runs/x", "--resume"]
    assert train.report_command(argv, True) == ("python -m training.train --preset fashion-conv --data-dir d "
                                                "--out runs/x (interrupted, continued with the same command + "
                                                "--resume)")
    assert train.report_command(argv[:-1], False) == "python -m training.train --preset fashion-conv --data-dir d "\
                                                     "--out runs/x"
