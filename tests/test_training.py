"""Training side: quantizers, LIF dynamics, folding, integer deploy mode == golden on the real model."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bwsnn import artifact, datasets, golden
from training import augment, speed, train
from training.deploy import DeployModel
from training.fold import fold
from training.lif import LIF, ATan, SpikeFn
from training.model import BWSNN, SNNConfig, Teacher, frozen_teacher, model_input


def test_binary_weights_are_plus_minus_one_and_learned_scale() -> None:
    m = BWSNN(SNNConfig((10,), 3, hidden=[8, 8]))
    assert set(m.syn[1].quant_weight().value.unique().tolist()) <= {-1.0, 1.0}
    out = m.out.quant_weight()
    assert torch.allclose(out.value.abs(), out.scale.expand_as(out.value))
    assert any("scaling_impl" in n for n, _ in m.out.named_parameters())  # the output scale is learned


@pytest.mark.parametrize("bits", range(1, 9))
def test_input_quant_is_exact_at_every_input_precision(bits: int) -> None:
    # the b-bit input quantizer returns model_input's x = pixel >> (8 - b) exactly (in units of 1/(2^b - 1))
    m = BWSNN(SNNConfig((256,), 2, hidden=[4], input_bits=bits))
    pixels = torch.arange(256)[None]
    x = m.inp(model_input(pixels, bits)) * ((1 << bits) - 1)
    torch.testing.assert_close(x, (pixels >> (8 - bits)).float(), rtol=0, atol=1e-4)


@pytest.mark.parametrize("reset,expect_u", [("hard", [0.0, 0.6, 0.0]), ("soft", [0.2, 0.7, 0.35])])
def test_lif_dynamics(reset: str, expect_u: list[float]) -> None:
    lif = LIF(leak_shift=1, reset=reset)
    cur = torch.tensor([1.2, 0.6, 1.0]).view(3, 1)
    s, u = lif(cur, return_mem=True)
    # step 0: 1.2 fires; step 1: u/2 + 0.6 < 1; step 2: u/2 + 1.0 fires
    assert s.view(-1).tolist() == [1.0, 0.0, 1.0]
    torch.testing.assert_close(u.view(-1), torch.tensor(expect_u))


def test_surrogate_gradient_peaks_at_threshold() -> None:
    x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    SpikeFn.apply(x, ATan(alpha=2.0)).sum().backward()
    g = x.grad.tolist()
    assert g[1] == pytest.approx(1.0) and 0 < g[0] < g[1] and g[0] == pytest.approx(g[2])


@pytest.mark.parametrize("reset", ["hard", "soft"])
@pytest.mark.parametrize("leak_shift", [0, 1, 3])
def test_lif_scan_equals_step_graph(reset: str, leak_shift: int) -> None:
    """The one-node scan of training gives the per-step autograd graph's spikes and gradients."""
    torch.manual_seed(leak_shift)
    cur = (torch.rand(4, 64, 8) * 1.6 - 0.2).requires_grad_()
    weights = torch.randn(4, 64, 8)
    lif = LIF(leak_shift, reset, ATan(alpha=3.0))
    (lif(cur) * weights).sum().backward()
    scan_grad, cur.grad = cur.grad, None
    ref = lif.reference(cur)
    (ref * weights).sum().backward()
    assert torch.equal(lif(cur), ref) and 0 < ref.mean() < 1
    torch.testing.assert_close(scan_grad, cur.grad, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("teacher", [Teacher(SNNConfig((64,), 10, hidden=[32, 32])),
                                     Teacher(SNNConfig((8, 8, 1), 10, ["c8", "c8", "p", "c16"], [12]))])
def test_frozen_teacher_gives_the_teachers_logits(teacher: torch.nn.Module) -> None:
    """The KD targets: BatchNorm folded into the layer before it, the eval-mode teacher's logits."""
    torch.manual_seed(0)
    for _ in range(3):  # running statistics that are not the identity
        teacher.train()(torch.rand(32, 64) * 2)
    x = torch.rand(16, 64)
    frozen = frozen_teacher(teacher)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in frozen.modules())
    torch.testing.assert_close(frozen(x), teacher.eval()(x), rtol=1e-5, atol=1e-5)


def test_shortcut_wiring() -> None:
    cfg = SNNConfig((4,), 2, hidden=[8, 8, 16, 16])
    assert [k for k, _, _ in cfg.layers()] == ["dense"] * 4 and cfg.n_in == 4
    assert [cfg.skip_from(i) for i in range(4)] == [None, 0, None, 2]
    cfg.shortcuts = False
    assert [cfg.skip_from(i) for i in range(4)] == [None] * 4
    with pytest.raises(ValueError, match="neither"):
        SNNConfig((4,), 2)
    with pytest.raises(ValueError, match=r"input_shape: a conv stack takes \(H, W, C\)"):
        SNNConfig((64,), 2, ["c8"])


def test_old_dense_checkpoints_load() -> None:
    """The dense student named its synapses fc.{i} before there was one model path (now syn.{i})."""
    torch.manual_seed(0)
    m = BWSNN(SNNConfig((16,), 3, hidden=[8, 8])).eval()
    old = {k.replace("syn.", "fc.", 1) if k.startswith("syn.") else k: v for k, v in m.state_dict().items()}
    assert "fc.1.weight" in old
    loaded = BWSNN(SNNConfig((16,), 3, hidden=[8, 8])).eval()
    loaded.load_state_dict(old)
    x = torch.rand(4, 16)
    assert torch.equal(loaded(x), m(x))


def _trained(trained_dir: Path) -> BWSNN:
    ck = torch.load(trained_dir / "checkpoint.pt", map_location="cpu")
    m = BWSNN(SNNConfig(**ck["config"]))
    m.load_state_dict(ck["student"])
    return m.eval()


def test_deploy_mode_equals_golden_on_every_test_image(trained_dir: Path, digits) -> None:
    """The contract on the real trained weights: torch integer deploy mode == numpy golden model."""
    art = artifact.load(trained_dir / "model.bwsnn.npz")
    deploy = DeployModel(art)(torch.from_numpy(digits.x_test)).numpy()
    ref = golden.run(art, digits.x_test)
    np.testing.assert_array_equal(deploy, ref.step_scores)
    assert len(digits.x_test) == 360


def test_fold_matches_the_stored_artifact_and_keeps_accuracy(trained_dir: Path, digits) -> None:
    model = _trained(trained_dir)
    art = artifact.load(trained_dir / "model.bwsnn.npz")
    refolded = fold(model, digits.classes, digits.shape)
    for a, b in zip(refolded.layers, art.layers):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.bias, b.bias)
    with torch.no_grad():
        float_pred = model(torch.from_numpy(digits.x_test).float() / 255).mean(0).argmax(-1).numpy()
    int_pred = golden.run(art, digits.x_test).classes
    acc_float = 100 * np.mean(float_pred == digits.y_test)
    acc_int = 100 * np.mean(int_pred == digits.y_test)
    assert abs(acc_float - acc_int) <= 0.3, (acc_float, acc_int)
    report = json.loads((trained_dir / "train_report.json").read_text())
    assert report["accuracy"]["deploy"] == pytest.approx(acc_int)


def test_train_cli_writes_every_output(tmp_path: Path) -> None:
    rep = train.run(*train.parse_args(["--out", str(tmp_path), "--hidden", "32,32", "--epochs", "1",
                                      "--teacher-epochs", "0", "--no-kd", "--no-shortcuts", "--T", "3"]))
    for name in ("model.bwsnn.npz", "model.qonnx.onnx", "checkpoint.pt", "train_report.json", "train_curves.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    saved = json.loads((tmp_path / "train_report.json").read_text())
    assert saved["T"] == 3 and len(saved["accuracy"]["per_step"]) == 3 and saved["dataset"] == "digits"
    assert saved["weight_bits"] == 64 * 32 + 32 * 32 + 32 * 10 == rep["weight_bits"]
    art = artifact.load(tmp_path / "model.bwsnn.npz")
    assert art.T == 3 and all(l.skip_from is None for l in art.layers)


def test_digits_split_is_seeded_and_stratified() -> None:
    a, b = datasets.load_digits(), datasets.load_digits()
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert a.x_train.dtype == np.uint8 and a.x_train.max() == 255 and len(a.x_test) == 360
    assert np.bincount(a.y_test).min() >= 35


def test_mnist_without_data_dir_is_one_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("BWSNN_DATA_DIR", raising=False)
    with pytest.raises(datasets.DataError, match="--data-dir"):
        datasets.load("mnist")
    with pytest.raises(datasets.DataError, match="train-images-idx3-ubyte"):
        datasets.load("mnist", str(tmp_path))
    with pytest.raises(SystemExit, match="error: .*--data-dir"):
        train.main(["--preset", "mnist-mlp"])


def test_mnist_idx_reader(tmp_path: Path) -> None:
    import gzip
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    y = np.arange(5, dtype=np.uint8)
    for name, arr in (("train-images-idx3-ubyte", x), ("t10k-images-idx3-ubyte", x)):
        hdr = bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
        with gzip.open(tmp_path / f"{name}.gz", "wb") as f:
            f.write(hdr + arr.tobytes())
    for name in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(bytes([0, 0, 8, 1]) + (5).to_bytes(4, "big") + y.tobytes())
    ds = datasets.load("mnist", str(tmp_path))
    np.testing.assert_array_equal(ds.x_train, x.reshape(5, -1))
    assert ds.y_test.tolist() == [0, 1, 2, 3, 4]
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(bytes([0, 0, 8, 1]) + (9).to_bytes(4, "big") + y.tobytes())
    with pytest.raises(datasets.DataError, match="truncated"):
        datasets.load("mnist", str(tmp_path))


def test_torchrun_ddp_trains_on_two_cpu_processes(tmp_path: Path, digits) -> None:
    """The multi-GPU path (DistributedDataParallel under torchrun), exercised with gloo on CPU: the two processes
    train one model that learns, and only rank 0 reports and writes."""
    import subprocess
    import sys
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "-m", "training.train",
           "--hidden", "32,32", "--epochs", "10", "--teacher-epochs", "3", "--out", str(tmp_path), "--no-export"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("/model.bwsnn.npz") == 1, proc.stdout[-2000:]
    art = artifact.load(tmp_path / "model.bwsnn.npz")
    assert [l.n_out for l in art.layers] == [32, 32, 10]
    # recomputed here, on the integer model: far above chance (10%), and what the report claims
    acc = 100.0 * np.mean(golden.run(art, digits.x_test).classes == digits.y_test)
    assert acc >= 70.0
    report = json.loads((tmp_path / "train_report.json").read_text())
    assert report["accuracy"]["deploy"] == pytest.approx(acc)


def test_random_shift_translates_whole_images() -> None:
    torch.manual_seed(0)
    x = torch.randint(1, 256, (200, 25), dtype=torch.uint8)  # no zero pixel: the zero border shows the offset
    y = augment.random_shift(x, (5, 5), 1)
    padded = torch.nn.functional.pad(x.view(-1, 5, 5), [1, 1, 1, 1])
    offsets = []
    for a, b in zip(padded, y.view(-1, 5, 5)):
        match = [(dy, dx) for dy in range(3) for dx in range(3) if torch.equal(a[dy:dy + 5, dx:dx + 5], b)]
        assert len(match) == 1
        offsets += match
    # every one of the 9 offsets is drawn, the identity (1, 1) about 1/9 of the time
    assert set(offsets) == {(dy, dx) for dy in range(3) for dx in range(3)}
    assert offsets.count((1, 1)) < len(offsets) // 4
    assert augment.random_shift(x, (5, 5), 0) is x


def test_training_is_reproducible_with_a_seed(tmp_path: Path) -> None:
    arts = []
    for run_dir in ("a", "b"):
        train.run(*train.parse_args(["--out", str(tmp_path / run_dir), "--hidden", "32,32", "--epochs", "2",
                                    "--teacher-epochs", "1", "--no-export", "--seed", "7"]))
        arts.append(artifact.load(tmp_path / run_dir / "model.bwsnn.npz").arrays())
    for k in arts[0]:
        np.testing.assert_array_equal(arts[0][k], arts[1][k], err_msg=k)


@pytest.mark.parametrize("argv, fragment", [
    (["--hidden", "abc"], "--hidden"), (["--hidden", "0"], "--hidden"), (["--hidden", "32,-5"], "--hidden"),
    (["--epochs", "-1"], "--epochs: expected >= 1"), (["--epochs", "0"], "--epochs"),
    (["--batch-size", "-4"], "--batch-size"), (["--leak-shift", "99"], "--leak-shift: expected 0..16"),
    (["--T", "9"], "--T: expected 1..8"), (["--T", "0"], "--T"), (["--lr", "0"], "--lr"),
    (["--input-bits", "9"], "--input-bits: expected 1..8"), (["--input-bits", "0"], "--input-bits"),
    (["--kd-weight", "1.5"], "--kd-weight"), (["--kd-temperature", "-1"], "--kd-temperature"),
    (["--shift", "-1"], "--shift"), (["--teacher", "/nonexistent/t.pt"], "no such file"),
    (["--teacher-epochs", "-2"], "--teacher-epochs"), (["--preset", "nope"], "--preset"),
    (["--dampen", "-0.001"], "--dampen: expected >= 0"), (["--real-epochs", "-1"], "--real-epochs: expected >= 0"),
])
def test_train_cli_rejects_bad_options_in_one_line(argv: list[str], fragment: str, capsys) -> None:
    with pytest.raises(SystemExit) as e:
        train.parse_args(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert fragment in err[-1] and "Traceback" not in "\n".join(err)


def test_out_that_is_a_file_is_rejected_before_training(tmp_path: Path, capsys) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(SystemExit):
        train.parse_args(["--out", str(tmp_path / "f")])
    assert "--out" in capsys.readouterr().err


def test_presets_are_valid_named_configs() -> None:
    for name, cfg in train.PRESETS.items():
        assert cfg.check() is cfg and cfg.preset == name
    cfg, out = train.parse_args(["--preset", "mnist-mlp", "--epochs", "3", "--no-kd", "--out", "x"])
    assert cfg.dataset == "mnist" and cfg.epochs == 3 and not cfg.kd and cfg.hidden == (1024, 1024, 1024)
    assert out == Path("x")


def test_speed_refuses_a_ref_that_is_no_commit(capsys) -> None:
    with pytest.raises(SystemExit):
        speed.main(["--ref", "no-such-commit-xyz"])
    err = capsys.readouterr().err
    assert "--ref: expected a commit of this repository, got 'no-such-commit-xyz'" in err and "Traceback" not in err
