"""RGB (H, W, 3) images through every stage: the augmentation on channels, a tiny colour dataset trained end to
end (crop + flip), its artifact equal to the golden model in torch deploy, QONNX, HLS C-sim and the RTL under
the host, and bad RGB files as one line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from bwsnn import artifact, datasets, golden
from host import data, run
from training import augment, train
from training.model import model_input

COLOURS = ["red", "green", "blue"]


def colour_squares(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """10x10 RGB images over colour noise: a bright square (class = the channel it is bright in) placed at
    random, so a flip or a shift keeps the class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.integers(0, 90, (n, 10, 10, 3)).astype(np.uint8)
    for img, c, (r, k) in zip(x, y, rng.integers(0, 6, (n, 2))):
        img[r:r + 4, k:k + 4, c] = 240
    return x, y


@pytest.fixture(scope="module")
def rgb(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the dataset file, the run directory of a conv BW-SNN trained on it with crop + flip + label smoothing)."""
    d = tmp_path_factory.mktemp("rgb")
    (xtr, ytr), (xte, yte) = colour_squares(600, 0), colour_squares(120, 1)
    datasets.save_npz(d / "squares.npz", xtr, ytr, xte, yte, COLOURS)
    out = d / "run"
    train.main(["--dataset", str(d / "squares.npz"), "--conv", "c8,p", "--hidden", "", "--shift", "1", "--flip",
                "--label-smoothing", "0.1", "--epochs", "12", "--teacher-epochs", "3", "--threads", "1",
                "--out", str(out)])
    return d / "squares.npz", out


def test_shift_moves_every_channel_of_a_pixel_together() -> None:
    torch.manual_seed(0)
    x = torch.randint(1, 256, (100, 5 * 4 * 3), dtype=torch.uint8)  # no zero pixel: the zero border shows
    y = augment.random_shift(x, (5, 4, 3), 1).view(-1, 5, 4, 3)
    padded = torch.nn.functional.pad(x.view(-1, 5, 4, 3), [0, 0, 1, 1, 1, 1])
    offsets = set()
    for a, b in zip(padded, y):
        match = [(dy, dx) for dy in range(3) for dx in range(3) if torch.equal(a[dy:dy + 5, dx:dx + 4], b)]
        assert len(match) == 1  # one offset for the whole image, every channel in its place
        offsets |= set(match)
    assert len(offsets) == 9


def test_flip_mirrors_columns_and_keeps_channel_order() -> None:
    torch.manual_seed(1)
    x = torch.randint(0, 256, (200, 3 * 4 * 3), dtype=torch.uint8)
    y = augment.random_flip(x, (3, 4, 3), True).view(-1, 3, 4, 3)
    images = x.view(-1, 3, 4, 3)
    flipped = torch.tensor([torch.equal(b, a.flip(1)) for a, b in zip(images, y)])
    kept = torch.tensor([torch.equal(b, a) for a, b in zip(images, y)])
    assert bool((flipped | kept).all()) and 60 < int(flipped.sum()) < 140  # about half, each one or the other
    assert augment.random_flip(x, (3, 4, 3), False) is x
    grey = torch.arange(6, dtype=torch.uint8).repeat(50, 1)  # (H, W) greyscale images flip too
    assert {tuple(r.tolist()) for r in augment.random_flip(grey, (2, 3), True)} == {(0, 1, 2, 3, 4, 5),
                                                                                    (2, 1, 0, 5, 4, 3)}


def test_rgb_dataset_trains_to_an_rgb_artifact(rgb: tuple[Path, Path]) -> None:
    path, out = rgb
    art = artifact.load(out / "model.bwsnn.npz")
    assert art.input_shape == (10, 10, 3) and art.classes == COLOURS and art.layers[0].n_in == 27
    ds = datasets.load(path.name, str(path.parent))
    # packaging already checked torch deploy == golden on every test image; here: it learned the colours
    assert 100 * np.mean(golden.run(art, ds.x_test).classes == ds.y_test) > 80


def test_qonnx_export_of_the_rgb_model_agrees_with_golden(rgb: tuple[Path, Path]) -> None:
    pytest.importorskip("qonnx")
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx

    path, out = rgb
    art = artifact.load(out / "model.bwsnn.npz")
    m = ModelWrapper(str(out / "model.qonnx.onnx"))
    name_in, name_out = m.graph.input[0].name, m.graph.output[0].name
    x = datasets.load(path.name, str(path.parent)).x_test[:30]
    inputs = model_input(torch.from_numpy(x), art.input_bits).numpy()
    got = np.array([execute_onnx(m, {name_in: v[None]})[name_out].argmax() for v in inputs])
    np.testing.assert_array_equal(got, golden.run(art, x).classes)


def test_hls_csim_of_the_rgb_model_is_bit_exact(rgb: tuple[Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("hls4ml")
    from bwsnn.boards import get_board
    from hls.convert import convert
    from hls.flow import csim

    path, out = rgb
    art = artifact.load(out / "model.bwsnn.npz")
    x = datasets.load(path.name, str(path.parent)).x_test[:100]
    res = csim(convert(art, get_board("pynq-z2"), tmp_path / "prj"), art, x, "rgb")
    assert (res.images, res.mismatches, res.testbench_mismatches) == (100, 0, 0)


def test_rgb_model_on_the_rtl_equals_golden(rgb: tuple[Path, Path], tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    """The host's sim backend (the board's driver on bwsnn_top under Verilator), image by image, via --check."""
    path, out = rgb
    assert data.main([str(out / "model.bwsnn.npz"), str(tmp_path / "t.npz"), "--data-dir", str(path.parent)]) == 0
    capsys.readouterr()
    assert run.main(["--backend", "sim", "--artifact", str(out / "model.bwsnn.npz"), "--data",
                     str(tmp_path / "t.npz"), "--limit", "16", "--quiet", "--check"]) == 0
    assert "check: every class and score of the 16 images equals the golden model's" in capsys.readouterr().out


@pytest.mark.parametrize("x_train,msg", [
    (np.zeros((4, 32, 32), np.uint8), "train images: expected uint8 (N, 32, 32, 3), got uint8[4, 32, 32]"),
    (np.zeros((4, 32, 32, 4), np.uint8), "train images: expected uint8 (N, 32, 32, 3), got uint8[4, 32, 32, 4]"),
    (np.zeros((4, 3, 32, 32), np.uint8), "train images: expected uint8 (N, 32, 32, 3), got uint8[4, 3, 32, 32]"),
])
def test_bad_cifar10_file_is_one_line(tmp_path: Path, x_train: np.ndarray, msg: str) -> None:
    """cifar10.npz must hold channels-last RGB; channels-first (PyTorch's layout) or greyscale is named."""
    with open(tmp_path / "cifar10.npz", "wb") as f:
        np.savez(f, x_train=x_train, y_train=np.zeros(4, np.uint8), x_test=np.zeros((2, 32, 32, 3), np.uint8),
                 y_test=np.zeros(2, np.uint8))
    with pytest.raises(SystemExit) as e:
        train.main(["--preset", "cifar10-conv", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o")])
    assert str(e.value) == f"error: {tmp_path / 'cifar10.npz'}: {msg}"
    (tmp_path / "empty").mkdir()
    with pytest.raises(datasets.DataError, match="missing 'cifar10.npz'"):
        datasets.load("cifar10", str(tmp_path / "empty"))
