"""Conv BW-SNN training side: wiring, folding to artifact v2, integer deploy mode == golden, Fashion-MNIST."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from bwsnn import artifact, datasets, golden
from bwsnn.random_artifact import random_conv_artifact, random_images, random_network
from training import train
from training.deploy import DeployModel
from training.fold import fold
from training.model import BWSNN, SNNConfig, Teacher


def small_cfg(**kw) -> SNNConfig:
    return SNNConfig(input_shape=(8, 8, 1), n_classes=10, stack=["c8", "c8", "p", "c8", "c12", "p"], hidden=[12],
                      **kw)


def test_shortcut_wiring_and_shapes() -> None:
    cfg = small_cfg()
    assert [k for k, _, _ in cfg.layers()] == ["conv", "conv", "pool", "conv", "conv", "pool", "dense"]
    assert cfg.layers()[-1][1] == (2, 2, 12)
    # around the second conv; from the pool into the conv after it (the downsampling path); none where the
    # channel count changes, into a pool or into the first dense layer
    assert [cfg.skip_from(i) for i in range(7)] == [None, 0, None, 2, None, None, None]
    cfg.shortcuts = False
    assert all(cfg.skip_from(i) is None for i in range(7))
    with pytest.raises(ValueError, match="stack"):
        SNNConfig(input_shape=(8, 8, 1), n_classes=2, stack=["p", "c8"])


def test_binary_conv_weights_and_teacher_shape() -> None:
    m = BWSNN(small_cfg())
    assert set(m.syn[1].quant_weight().value.unique().tolist()) <= {-1.0, 1.0}
    x = torch.rand(5, 64)
    assert m(x).shape == (2, 5, 10) and Teacher(small_cfg()).eval()(x).shape == (5, 10)


def _randomized(cfg: SNNConfig, seed: int) -> BWSNN:
    """An untrained model with BatchNorm statistics that make neurons fire (and some gains negative)."""
    torch.manual_seed(seed)
    m = BWSNN(cfg)
    for bn in m.bn:
        if isinstance(bn, torch.nn.Identity):
            continue
        n = bn.num_features
        bn.weight.data = torch.randn(n)
        bn.bias.data = torch.randn(n) * 0.5 + 0.5
        bn.running_mean = torch.randn(n) * 2
        bn.running_var = torch.rand(n) * 20 + 1
    return m.eval()


@pytest.mark.parametrize("reset,leak,T", [("hard", 1, 2), ("soft", 0, 3)])
def test_fold_deploy_equals_golden_and_tracks_the_float_model(reset: str, leak: int, T: int) -> None:
    model = _randomized(small_cfg(reset=reset, leak_shift=leak, T=T), seed=T)
    art = fold(model, [str(i) for i in range(10)], model.cfg.input_shape)
    assert [l.kind for l in art.layers] == ["conv2d", "conv2d", "pool", "conv2d", "conv2d", "pool", "dense", "dense"]
    assert [l.skip_from for l in art.layers] == [None, 0, None, 2, None, None, None, None]
    x = np.random.default_rng(0).integers(0, 256, (200, 64), dtype=np.uint8)
    r = golden.run(art, x, trace=True)
    np.testing.assert_array_equal(DeployModel(art)(torch.from_numpy(x)).numpy(), r.step_scores)
    assert all(0 < s.mean() < 1 for s in r.spikes)
    with torch.no_grad():
        float_pred = model(torch.from_numpy(x).float() / 255).mean(0).argmax(-1).numpy()
    assert np.mean(float_pred == r.classes) >= 0.95  # folding rounds thresholds: a few borderline flips


@pytest.mark.parametrize("seed", range(4))
def test_deploy_equals_golden_on_random_conv_artifacts(seed: int) -> None:
    art = random_conv_artifact(seed=seed, T=1 + seed, mem_bits=8 if seed % 2 else None)
    x = random_images(art, 40, seed=seed)
    np.testing.assert_array_equal(DeployModel(art)(torch.from_numpy(x), batch=7).numpy(),
                                  golden.run(art, x).step_scores)
    strided = random_network((10, 8, 3), (("conv", 7, 1, 1, 0), ("conv", 9, 3, 2, 0), ("conv", 9, 3, 1, 1),
                                          ("pool", 3, 1), ("conv", 3, 2, 1, 1), ("dense", 4)), seed=seed)
    x = random_images(strided, 40, seed=seed)
    np.testing.assert_array_equal(DeployModel(strided)(torch.from_numpy(x)).numpy(), golden.run(strided, x).step_scores)


@pytest.fixture(scope="module", params=["bf16", "fp32"])
def tiny_conv_run(tmp_path_factory, request) -> tuple[dict, Path]:
    """A trained conv model in either training precision (bf16 is emulated, slower, on CPUs without it)."""
    out = tmp_path_factory.mktemp("digits-conv")
    cfg, _ = train.parse_args(["--preset", "digits-conv", "--conv", "c8,c8,p", "--epochs", "2", "--teacher-epochs",
                               "1", "--precision", request.param, "--out", str(out)])
    return train.run(cfg, out), out


def test_trained_conv_model_deploy_equals_golden_on_every_test_image(tiny_conv_run, digits) -> None:
    report, out = tiny_conv_run
    art = artifact.load(out / "model.bwsnn.npz")
    assert art.input_shape == (8, 8, 1) and [l.kind for l in art.layers] == ["conv2d", "conv2d", "pool", "dense"]
    steps = DeployModel(art)(torch.from_numpy(digits.x_test)).numpy()
    np.testing.assert_array_equal(steps, golden.run(art, digits.x_test).step_scores)
    acc = [100 * np.mean(steps[:, t].argmax(-1) == digits.y_test) for t in range(art.T)]
    assert report["accuracy"]["per_step"] == pytest.approx(acc) and acc[-1] > 50
    assert list(report["train_config"]["conv"]) == ["c8", "c8", "p"] and report["weight_bits"] == art.weight_bits()
    assert report["train_config"]["precision"] in ("bf16", "fp32")
    assert (out / "model.qonnx.onnx").stat().st_size > 0
    assert torch.load(out / "checkpoint.pt", map_location="cpu")["arch"] == "BWSNN"


def test_conv_cli_options_fail_in_one_line(capsys) -> None:
    cfg, _ = train.parse_args(["--preset", "digits-conv"])
    assert cfg.conv and cfg.hidden == () and cfg.dataset == "digits"
    for bad in (["--conv", "p,c8"], ["--conv", "c0"], ["--preset", "digits-conv", "--hidden", "3,x"]):
        with pytest.raises(SystemExit):
            train.parse_args(bad)
        assert "expected" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.parse_args(["--conv", "", "--hidden", ""])  # neither conv nor dense layers
    assert "--hidden" in capsys.readouterr().err


def test_fashion_mnist_loader(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("BWSNN_DATA_DIR", raising=False)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    y = np.arange(6) % 10
    np.savez(tmp_path / "fashion_mnist.npz", x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
    ds = datasets.load("fashion", str(tmp_path))
    np.testing.assert_array_equal(ds.x_train, x.reshape(6, -1))
    assert ds.shape == (28, 28) and ds.classes[9] == "Ankle boot" and len(ds.x_test) == 2
    with pytest.raises(datasets.DataError, match="--data-dir"):
        datasets.load("fashion")
    (tmp_path / "empty").mkdir()
    with pytest.raises(datasets.DataError, match="missing 'fashion_mnist.npz'"):
        datasets.load("fashion", str(tmp_path / "empty"))
    np.savez(tmp_path / "fashion_mnist.npz", x_train=x, y_train=y + 5, x_test=x[:2], y_test=y[:2])
    with pytest.raises(datasets.DataError, match=r"labels: expected classes 0\.\.9, got 5\.\.10"):
        datasets.load("fashion", str(tmp_path))
    with pytest.raises(SystemExit, match="error: .*fashion_mnist.npz"):
        train.main(["--preset", "fashion-conv", "--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path)])


def test_activity_figures_on_the_hand_computed_network() -> None:
    """tests/test_golden_conv.hand_net on pixels 1..9: conv spikes 3/8 then 4/8, the pool [1, 0] twice."""
    from tests.test_golden_conv import hand_net
    from training.report import activity

    a = activity(hand_net(), np.arange(1, 10, dtype=np.uint8)[None])
    assert a["spike_rate"] == {"conv": 7 / 16, "pool": 0.5}
    assert a["synaptic_ops_per_image"] == 2 * 1 * 2  # T * one active pool output * 2 output rows
    assert a["pixel_macs_per_image"] == 4 * 9 * 2


def test_activity_counts_every_window_of_a_conv() -> None:
    from training.report import activity

    art = random_conv_artifact(seed=1)
    x = random_images(art, 9, seed=2)
    r = golden.run(art, x, trace=True)
    spiking = [i for i, l in enumerate(art.layers) if l.spiking]
    out = dict(zip(spiking, r.spikes))
    want = sum(int(golden.columns(l, out[i - 1].reshape(-1, *art.layers[i - 1].out_shape)).sum()) * l.n_out
               for i, l in enumerate(art.layers) if i > 0 and l.kind != "pool")
    got = activity(art, x, batch=4)
    assert got["synaptic_ops_per_image"] == pytest.approx(want / 9)
    assert list(got["spike_rate"].values()) == pytest.approx([s.mean() for s in r.spikes])


def test_demo_picture_of_a_conv_model(tiny_conv_run, digits, tmp_path: Path) -> None:
    from flow.plots import plot_image_dynamics

    _, out = tiny_conv_run
    art = artifact.load(out / "model.bwsnn.npz")
    r = plot_image_dynamics(art, digits.x_test[0], tmp_path / "dyn.png", label=str(digits.y_test[0]))
    assert (tmp_path / "dyn.png").stat().st_size > 0 and r.potentials[0].shape == (1, art.T, 8 * 8 * 8)
