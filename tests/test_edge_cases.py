"""The edge-case table (:data:`bwsnn.random_artifact.EDGE_CASES`) through every backend, output by output:
golden model, torch integer deploy mode, HLS C-simulation, and the RTL top under Verilator (cases marked rtl).

Each case is first checked to exercise what it is there for (spikes, saturation, varying classes or ties), so
that a generator change cannot quietly turn an edge case into an easy one.
"""
from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import torch

from bwsnn import golden
from bwsnn.artifact import Artifact
from bwsnn.boards import get_board
from bwsnn.random_artifact import EDGE_CASES, random_artifact, random_images
from hls.convert import convert
from hls.flow import csim, expected_words
from sim.run_rtl import run_top, sim_build
from training.deploy import DeployModel

CASES = sorted(EDGE_CASES)
RTL_CASES = sorted(name for name, case in EDGE_CASES.items() if case.rtl)
IMAGES = 48
RTL_IMAGES = 16  # Verilator runs the stream, START and error benches on these


@cache
def case_data(name: str) -> tuple[Artifact, np.ndarray, golden.GoldenResult]:
    art = EDGE_CASES[name].make()
    x = random_images(art, IMAGES, seed=5)
    return art, x, golden.run(art, x, trace=True)


@pytest.mark.parametrize("name", CASES)
def test_case_exercises_what_it_is_named_for(name: str) -> None:
    case = EDGE_CASES[name]
    art, x, g = case_data(name)
    for i, s in enumerate(g.spikes):
        assert 0 < s.mean() < 1, f"spiking layer {i} fires never or always"
    at_bound = [((p == -(1 << (l.mem_bits - 1))) | (p == (1 << (l.mem_bits - 1)) - 1)).any()
                for p, l in zip(g.potentials, art.layers) if p is not None]  # pools have no membranes
    if case.saturates:
        assert any(at_bound), "no membrane reaches its saturation bound"
    if len(art.classes) > 1:
        top = g.scores == g.scores.max(axis=1, keepdims=True)
        if case.ties:
            assert (top.sum(axis=1) > 1).any(), "no image's top score is a tie"
        else:
            assert len(set(g.classes.tolist())) > 1, "every image gets the same class: argmax is not exercised"
    if case.rtl:  # the RTL table covers the shapes the engine special-cases
        assert art.T > 1


@pytest.mark.parametrize("name", CASES)
def test_torch_deploy_mode_equals_golden(name: str) -> None:
    art, x, g = case_data(name)
    np.testing.assert_array_equal(DeployModel(art)(torch.from_numpy(x)).numpy(), g.step_scores)


@pytest.mark.parametrize("name", CASES)
def test_hls_csim_equals_golden(name: str, tmp_path) -> None:
    art, x, _ = case_data(name)
    model = convert(art, get_board("pynq-z2"), tmp_path / "prj")
    res = csim(model, art, x, "edge case")
    got = np.asarray(model.predict(x.astype(np.float64))).reshape(len(x), -1).astype(np.int64)
    np.testing.assert_array_equal(got, expected_words(art, x))
    assert (res.images, res.mismatches, res.testbench_mismatches) == (len(x), 0, 0)


@pytest.mark.parametrize("name", RTL_CASES)
def test_rtl_top_equals_golden(name: str) -> None:
    art, x, _ = case_data(name)
    report = run_top(art, x[:RTL_IMAGES], sim_build(f"edge_{name}"), "verilator")
    assert report is not None and report["images"] == RTL_IMAGES


def random_shape(seed: int) -> tuple[tuple[int, ...], int]:
    """Shapes beyond the table: 0..3 hidden layers of 1..130 neurons, 1..16 classes, T = 1..8."""
    rng = np.random.default_rng(seed)
    hidden = rng.integers(1, 131, rng.integers(0, 4)).tolist()
    classes = int(rng.choice([1, 2, 3, 4, 8, 10, 16]))
    return (int(rng.integers(1, 300)), *hidden, classes), int(rng.integers(1, 9))


@pytest.mark.parametrize("seed", range(40))
def test_torch_deploy_mode_equals_golden_on_random_shapes(seed: int) -> None:
    sizes, T = random_shape(seed)
    art = random_artifact(sizes, T=T, seed=seed, mem_bits=None if seed % 3 else 10, frac_bits=seed % 5)
    x = random_images(art, 16, seed=seed)
    np.testing.assert_array_equal(DeployModel(art)(torch.from_numpy(x)).numpy(), golden.run(art, x).step_scores)
