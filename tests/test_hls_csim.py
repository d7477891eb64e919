"""HLS C-simulation (hls4ml compile()/predict() + the project's testbench, g++) equals the golden model."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("hls4ml")

from bwsnn import golden
from bwsnn.artifact import Artifact, current_bound, validate
from bwsnn.random_artifact import random_artifact, random_images
from hls.convert import convert
from hls.flow import csim, expected_words, run_flow, run_testbench
from hls.targets import get_target


def _output_skip_artifact() -> Artifact:
    """Hidden width == classes, so the output integrator takes a shortcut (bwsnn_integrator_skip)."""
    art = random_artifact(sizes=(40, 10, 10), T=3, seed=7, reset="soft", leak_shift=1)
    out = art.layers[-1]
    out.skip_from = 0
    out.skip_gain = np.random.default_rng(7).integers(-300, 300, out.n_out).astype(np.int32)
    validate(art, "output-skip artifact")
    return art


def _int32_extremes_artifact() -> Artifact:
    """32-bit membranes with currents at the validation limit: sums need 33+ bits, scores hit +/-2^31."""
    art = random_artifact(sizes=(4, 64, 64, 10), mem_bits=32, frac_bits=20, seed=30, T=8, leak_shift=0)
    rng = np.random.default_rng(1)
    for i, l in enumerate(art.layers):
        l.bias = np.zeros_like(l.bias)  # so current_bound is the bias-free part
        l.bias = (rng.choice([-1, 1], l.n_out) * ((1 << 31) - 1 - current_bound(art, i))).astype(np.int32)
        if l.threshold is not None:
            l.threshold = rng.choice([2**31 - 1, -2**31, 2**30, -2**30], l.n_out).astype(np.int32)
    validate(art, "int32-extremes artifact")
    return art


CASES = {
    # 8-bit membranes: the sums clip; soft reset; fan-ins not multiples of 8 (packing padding); T = 3
    "saturation_soft": lambda: random_artifact(sizes=(50, 13, 13, 7), T=3, seed=3, mem_bits=8, reset="soft",
                                               leak_shift=2),
    # mixed hard/soft resets and leaks per layer, two chained shortcuts, T = max
    "mixed_shortcuts": lambda: random_artifact(sizes=(64, 24, 24, 24, 10), T=8, seed=11),
    "output_shortcut": _output_skip_artifact,
    "int32_extremes": _int32_extremes_artifact,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_csim_bit_exact(case: str, tmp_path) -> None:
    art = CASES[case]()
    x = random_images(art, 48, seed=5)
    g = golden.run(art, x, trace=True)
    # the edge cases are really exercised, not just allowed
    bits = art.layers[0].mem_bits
    if case in ("saturation_soft", "int32_extremes"):
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        assert any(((p == lo) | (p == hi)).any() for p in g.potentials)
    spikes = np.concatenate([s.reshape(-1) for s in g.spikes])
    assert 0 < spikes.mean() < 1

    model = convert(art, get_target("pynq-z2"), tmp_path / "prj")
    res = csim(model, art, x, "random")
    got = np.asarray(model.predict(x.astype(np.float64))).reshape(len(x), -1).astype(np.int64)
    np.testing.assert_array_equal(got, expected_words(art, x))
    assert (res.images, res.mismatches, res.testbench_mismatches) == (len(x), 0, 0)


def test_flow_writes_csim_json(tmp_path, monkeypatch, capsys) -> None:
    """The CLI path end to end on a saved artifact; vendor steps are reported as skipped without tools."""
    monkeypatch.setattr("hls.flow.shutil.which", lambda _name: None)
    art = random_artifact(seed=2)
    path = tmp_path / "a.bwsnn.npz"
    art.save(path)
    summary, _ = run_flow("pynq-z2", path, tmp_path / "hls", images=20, bitstream=True)
    on_disk = json.loads((tmp_path / "hls" / "pynq-z2" / "csim.json").read_text())
    assert on_disk == summary
    assert on_disk["images"] == 20 and on_disk["mismatches"] == 0 and on_disk["testbench_mismatches"] == 0
    assert on_disk["seconds"] > 0 and on_disk["part"] == "xc7z020clg400-1"
    out = capsys.readouterr().out
    assert "skipped C-synthesis, co-simulation and IP export: neither vivado_hls nor vitis_hls is on PATH" in out
    assert "skipped bitstream: vivado is not on PATH" in out
    # the testbench really compares: one wrong expected score is one mismatching image
    x = random_images(art, 20)
    want = expected_words(art, x)
    want[3, 2] += 1
    assert run_testbench(tmp_path / "hls" / "pynq-z2", x, want) == 1
