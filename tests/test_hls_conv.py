"""HLS C-simulation of conv artifacts (conv2d and spike OR-pool kernels) equals the golden model, word for word."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("hls4ml")

from bwsnn import artifact, golden
from bwsnn.boards import get_board
from bwsnn.random_artifact import random_conv_artifact, random_images, random_network
from hls.convert import convert
from hls.flow import csim, expected_words
from training import train

CASES = {
    # 3x3 and 1x1 convs, padding, stride 2, OR-pools that drop a row/column and that overlap, shortcuts around a
    # conv and from a pool, channel counts not multiples of 8, a dense layer on the flattened map
    "conv_stack": lambda: random_conv_artifact(seed=1),
    # 8-bit membranes that clip, soft reset, T = 3
    "saturation_soft": lambda: random_conv_artifact(seed=2, mem_bits=8, reset="soft", T=3),
    # a 1x1 first layer, stride 2 without padding, an even kernel with padding, an overlapping 3x3 pool
    "strided": lambda: random_network((10, 8, 3), (("conv", 7, 1, 1, 0), ("conv", 9, 3, 2, 0), ("conv", 9, 3, 1, 1),
                                                   ("pool", 3, 1), ("conv", 3, 2, 1, 1), ("dense", 4)), seed=5),
}


def _check(art: artifact.Artifact, x: np.ndarray, tmp_path) -> None:
    model = convert(art, get_board("pynq-z2"), tmp_path / "prj")
    res = csim(model, art, x, "test")
    got = np.asarray(model.predict(x.astype(np.float64))).reshape(len(x), -1).astype(np.int64)
    np.testing.assert_array_equal(got, expected_words(art, x))
    assert (res.images, res.mismatches, res.testbench_mismatches) == (len(x), 0, 0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_conv_csim_bit_exact(case: str, tmp_path) -> None:
    art = CASES[case]()
    x = random_images(art, 100, seed=5)
    g = golden.run(art, x, trace=True)
    assert all(0 < s.mean() < 1 for s in g.spikes)  # every layer really spikes, and not always
    if case == "saturation_soft":
        assert any(((p == -128) | (p == 127)).any() for p in g.potentials if p is not None)
    _check(art, x, tmp_path)


def test_trained_conv_model_csim_bit_exact(tmp_path, digits) -> None:
    """Real trained weights (a briefly trained digits conv model) on the first 120 test images."""
    cfg, out = train.parse_args(["--preset", "digits-conv", "--conv", "c8,c8,p,c8", "--epochs", "2",
                                 "--teacher-epochs", "1", "--no-export", "--out", str(tmp_path / "train")])
    train.run(cfg, out)
    art = artifact.load(out / "model.bwsnn.npz")
    assert [l.kind for l in art.layers] == ["conv2d", "conv2d", "pool", "conv2d", "dense"]
    _check(art, digits.x_test[:120], tmp_path)
