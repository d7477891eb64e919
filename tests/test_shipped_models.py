"""The shipped-model benchmark (training.shipped via training.bench): figures recomputed by the golden model,
checked against the training report, never retrained; no dataset files needed (a digits model here)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bwsnn import artifact, datasets, golden
from training import bench, train


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("train")
    train.main(["--preset", "digits-conv", "--conv", "c8,p", "--epochs", "1", "--teacher-epochs", "1",
                "--val-size", "100", "--no-export", "--out", str(out)])
    models = tmp_path_factory.mktemp("models")
    shutil.copy(out / "model.bwsnn.npz", models / "tiny.bwsnn.npz")
    shutil.copy(out / "train_report.json", models / "tiny.json")
    return models


def _bench(models: Path, out: Path, *extra: str) -> dict:
    bench.main(["--models-dir", str(models), "--skip-ablation", "--skip-speed", "--skip-golden-speed",
                "--out", str(out), *extra])
    return json.loads((out / "train.json").read_text())


def test_rows_are_recomputed_by_the_golden_model(models_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(train, "run", lambda *a, **k: pytest.fail("the shipped-model bench must not train"))
    (row,) = _bench(models_dir, tmp_path, "--data-dir", str(tmp_path))["models"]
    art, ds = artifact.load(models_dir / "tiny.bwsnn.npz"), datasets.load_digits()
    steps = golden.run(art, ds.x_test).step_scores
    assert row["per_step"] == [100.0 * np.mean(steps[:, t].argmax(-1) == ds.y_test) for t in range(art.T)]
    assert row["accuracy"] == row["per_step"][-1] and row["test_images"] == len(ds.x_test) == 360
    assert row["weight_bits"] == art.weight_bits() and row["synaptic_ops_per_image"] > 0
    assert set(row["spike_rate"]) == {l.name for l in art.layers if l.spiking}
    report = json.loads((models_dir / "tiny.json").read_text())
    assert row["command"] == report["command"] and "--val-size 100" in row["command"]
    assert row["train_seconds"] == report["seconds"] and row["selection"]["bwsnn"]["epoch"] == 1
    md = (tmp_path / "train.md").read_text()
    assert f"| tiny | digits (360) | {row['per_step'][0]:.2f} / {row['per_step'][1]:.2f} |" in md


def test_without_a_data_dir_the_models_are_skipped_in_one_line(models_dir: Path, tmp_path: Path,
                                                               monkeypatch) -> None:
    monkeypatch.delenv("BWSNN_DATA_DIR", raising=False)
    result = _bench(models_dir, tmp_path)
    assert "models" not in result and "no --data-dir" in result["models_skipped"]
    assert "Skipped: no --data-dir" in (tmp_path / "train.md").read_text()


def test_a_report_that_disagrees_fails_in_one_line(models_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "models"
    shutil.copytree(models_dir, bad)
    report = json.loads((bad / "tiny.json").read_text())
    report["accuracy"]["per_step"][-1] += 1.0
    (bad / "tiny.json").write_text(json.dumps(report))
    with pytest.raises(SystemExit, match=r"^error: .*tiny.bwsnn.npz: golden accuracy per step .* its report says"):
        _bench(bad, tmp_path / "out", "--data-dir", str(tmp_path))
    (bad / "tiny.json").unlink()
    with pytest.raises(SystemExit, match=r"tiny.json: missing"):
        _bench(bad, tmp_path / "out", "--data-dir", str(tmp_path))


def test_golden_speed_is_timed_per_model(models_dir: Path, tmp_path: Path) -> None:
    """The bench times golden.run on every shipped model in a fresh one-thread process (no reference here)."""
    bench.main(["--models-dir", str(models_dir), "--skip-ablation", "--skip-speed", "--golden-ref", "",
                "--out", str(tmp_path)])
    speed = json.loads((tmp_path / "train.json").read_text())["golden_speed"]
    assert list(speed["models"]) == ["tiny"] and speed["models"]["tiny"]["this tree"]["images_per_cpu_s"] > 0
    assert "| tiny | " in (tmp_path / "train.md").read_text().split("## Golden model speed")[1]
