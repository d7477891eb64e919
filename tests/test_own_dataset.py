"""A user's own dataset (bwsnn.datasets' .npz format) end to end: training -> artifact -> golden -> host, and
one-line errors for every kind of bad file at training, host.data and the benches."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bwsnn import artifact, datasets, golden
from host import data, run
from training import train

CLASSES = ["horizontal", "vertical", "diagonal"]


def shapes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """12x12 grey images of a bar (3 classes) at a random place, over noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.integers(0, 60, (n, 12, 12)).astype(np.uint8)
    for img, c, k in zip(x, y, rng.integers(2, 10, n)):
        if c == 0:
            img[k, 1:11] = 230
        elif c == 1:
            img[1:11, k] = 230
        else:
            np.fill_diagonal(img, 230)
    return x, y


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("own")
    (xtr, ytr), (xte, yte) = shapes(600, 0), shapes(150, 1)
    datasets.save_npz(d / "bars.npz", xtr, ytr, xte, yte, CLASSES)
    return d / "bars.npz"


def test_own_dataset_trains_and_runs_on_the_host(own: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Scored against the labels this test drew (shapes(150, 1)), never the loader's own: a loader, trainer or
    host.data that loses or shuffles labels fails here."""
    (_, _), (_, truth) = shapes(600, 0), shapes(150, 1)
    assert len(set(truth.tolist())) == 3  # all three classes: a constant label would not pass
    out = tmp_path / "run"
    train.main(["--dataset", str(own), "--hidden", "32", "--epochs", "3", "--teacher-epochs", "1",
                "--no-export", "--threads", "1", "--out", str(out)])
    art = artifact.load(out / "model.bwsnn.npz")
    assert art.classes == CLASSES and art.input_shape == (12, 12)
    assert art.info["dataset"] == "bars.npz" and art.info["producer"]["bwsnn"]
    assert str(own.parent) not in json.dumps(art.info)  # the file by name, no developer path
    ds = datasets.load(art.info["dataset"], str(own.parent))
    np.testing.assert_array_equal(ds.y_test, truth)
    pred = golden.run(art, ds.x_test).classes
    assert 100 * np.mean(pred == truth) > 60  # learned something
    assert data.main([str(out / "model.bwsnn.npz"), str(tmp_path / "t.npz"), "--data-dir", str(own.parent)]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "t.npz")["labels"], truth)
    capsys.readouterr()
    assert run.main(["--backend", "golden", "--artifact", str(out / "model.bwsnn.npz"), "--data",
                     str(tmp_path / "t.npz"), "--quiet"]) == 0
    right = int((pred == truth).sum())
    assert capsys.readouterr().out.startswith(f"golden: 150 images, accuracy {100 * right / 150:.2f}% ({right}/150), ")


def bad_file(tmp_path: Path, **change: object) -> Path:
    (xtr, ytr), (xte, yte) = shapes(20, 0), shapes(10, 1)
    arrays = {"x_train": xtr, "y_train": ytr, "x_test": xte, "y_test": yte, "classes": np.array(CLASSES)}
    arrays.update(change)
    path = tmp_path / "bad.npz"
    with open(path, "wb") as f:
        np.savez(f, **{k: v for k, v in arrays.items() if v is not None})
    return path


@pytest.mark.parametrize("change,msg", [
    ({"x_train": np.zeros((20, 12, 12), np.float32)}, "'x_train': expected uint8 (N, H, W) or (N, H, W, C) images, "
                                                      "got float32[20, 12, 12]"),
    ({"x_test": np.zeros((10, 11, 12), np.uint8)}, "'x_test': expected uint8 (N, 12, 12) images, got "
                                                   "uint8[10, 11, 12]"),
    ({"x_train": np.zeros((20, 144), np.uint8)}, "'x_train': expected uint8 (N, H, W) or (N, H, W, C)"),
    ({"y_test": np.full(10, 3)}, "test labels: expected classes 0..2, got 3..3"),
    ({"y_train": np.zeros(19, np.int64)}, "train labels: expected 20 integers (one per image), got int64[19]"),
    ({"y_test": None}, "missing"),
    ({"classes": np.array(["a", "a", "b"])}, "'classes': expected (K,) distinct strings"),
])
def test_bad_own_dataset_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture, change: dict, msg: str) -> None:
    path = bad_file(tmp_path, **change)
    with pytest.raises(datasets.DataError) as e:
        datasets.load(path.name, str(tmp_path))
    assert msg in str(e.value) and str(path) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(SystemExit) as ex:  # training: before any work
        train.main(["--dataset", str(path), "--out", str(tmp_path / "o")])
    assert str(ex.value) == f"error: {e.value}"
