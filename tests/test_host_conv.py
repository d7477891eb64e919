"""Conv artifacts on the host: (H, W, C) images through Accelerator and host.run on the golden backend and on
the simulated board (the conv RTL)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bwsnn import golden
from bwsnn.golden import InputError
from bwsnn.random_artifact import random_artifact, random_conv_artifact, random_images
from bwsnn.regmap import REGMAP, pack_images
from host import data, run
from host.accelerator import Accelerator
from host.errors import MismatchError


@pytest.fixture
def conv(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A random conv artifact on 11x9x2 images, saved, with 20 images as (N, H, W, C) and their classes."""
    art = random_conv_artifact(seed=3)
    art.save(tmp_path / "conv.bwsnn.npz")
    images = random_images(art, 20, seed=1).reshape(20, *art.input_shape)
    return tmp_path / "conv.bwsnn.npz", images, golden.run(art, images).classes


def test_hwc_images_through_the_golden_backend(conv) -> None:
    path, images, classes = conv
    acc = Accelerator(path, backend="golden")
    assert acc.art.input_shape == (11, 9, 2)
    pred = acc.predict(images)
    np.testing.assert_array_equal(pred.classes, classes)
    np.testing.assert_array_equal(acc.predict(images.reshape(20, -1)).scores, pred.scores)  # flat = (H, W, C)
    with pytest.raises(InputError, match=r"expected shape \(N, 198\) or \(N, 11, 9, 2\), got \(20, 9, 11, 2\)"):
        acc.predict(images.transpose(0, 2, 1, 3))


def test_stream_bytes_of_a_known_image(conv) -> None:
    """The bytes on the wire for an 11x9x2 image whose pixel (y, x, c) is 16y + 2x + c (bwsnn/regmap.json):
    channels-last, 8 pixels per little-endian 64-bit beat, the last beat zero-padded; written out by hand."""
    path, _, _ = conv
    art = Accelerator(path, backend="golden").art
    y, x, c = np.meshgrid(*map(np.arange, art.input_shape), indexing="ij")
    image = (16 * y + 2 * x + c).astype(np.uint8)[None]
    wire = pack_images(golden.check_images(art, image)).tobytes()
    assert len(wire) == 25 * 8  # ceil(198 / 8) beats
    assert wire[:8] == bytes.fromhex("0001020304050607")  # (0,0,0) (0,0,1) (0,1,0) ... (0,3,1)
    assert wire[16:24] == bytes.fromhex("1011101112131415")  # (0,8,0) (0,8,1), then row 1: (1,0,0) ...
    assert wire[-8:] == bytes.fromhex("acadaeafb0b10000")  # (10,6,0) ... (10,8,1), two padding bytes
    assert "(y*W + x)*C + c" in json.loads(REGMAP.path.read_text())["stream_in"]["doc"]


def test_cli_runs_hwc_data_files(conv, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path, images, classes = conv
    data.save(tmp_path / "t.npz", images, classes)
    assert run.main(["--backend", "golden", "--artifact", str(path), "--data", str(tmp_path / "t.npz"),
                     "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("golden: 20 images, accuracy 100.00% (20/20), ")


def test_sim_backend_runs_conv_artifacts_bit_exact(conv) -> None:
    """The board's driver on the conv RTL (bwsnn_top under Verilator): every class and score as golden."""
    path, images, _ = conv
    pred = Accelerator(path, backend="sim").predict(images)
    want = golden.run(Accelerator(path, backend="golden").art, images)
    np.testing.assert_array_equal(pred.classes, want.classes)
    np.testing.assert_array_equal(pred.scores, want.scores)
    assert (pred.cycles > 0).all()


def test_board_backends_refuse_what_the_rtl_cannot_build_in_one_line(tmp_path: Path, capsys) -> None:
    art = random_artifact(sizes=(20, 8, 8, 8, 5), seed=2)
    art.layers[2].skip_from = 0  # a shortcut from two layers back: the RTL's come from the previous layer
    art.save(tmp_path / "skip.bwsnn.npz")
    images = random_images(art, 4, seed=1)
    with pytest.raises(MismatchError, match=r"sim backend's accelerator cannot run this artifact: layers\[2\]"
                                            r".skip_from: the RTL takes shortcuts from the previous layer \(1\)"):
        Accelerator(tmp_path / "skip.bwsnn.npz", backend="sim")
    data.save(tmp_path / "t.npz", images, golden.run(art, images).classes)
    assert run.main(["--backend", "pynq", "--accel", "rtl", "--bitfile", "x.bit", "--artifact",
                     str(tmp_path / "skip.bwsnn.npz"),
                     "--data", str(tmp_path / "t.npz"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the pynq backend's accelerator cannot run") and err.count("\n") == 1


def test_cli_check_compares_every_image_with_the_golden_model(conv, tmp_path: Path, capsys, monkeypatch) -> None:
    path, images, classes = conv
    data.save(tmp_path / "t.npz", images, classes)
    argv = ["--backend", "golden", "--artifact", str(path), "--data", str(tmp_path / "t.npz"), "--quiet", "--check"]
    assert run.main(argv) == 0
    assert "check: every class and score of the 20 images equals the golden model's" in capsys.readouterr().out
    real = Accelerator.predict

    def one_score_off(self, x, progress=False):
        pred = real(self, x, progress)
        pred.scores[7, 0] += 1
        return pred

    monkeypatch.setattr(Accelerator, "predict", one_score_off)
    assert run.main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: 1 of 20 images differ from the golden model; image 7: class ")
