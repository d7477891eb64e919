"""The sim backend: the board's driver runs against the REAL RTL (bwsnn_top) under Verilator, on the real
trained artifact, and must agree with the golden model on every image, classes and scores."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bwsnn import artifact, golden, planner
from bwsnn.paths import build_dir
from bwsnn.random_artifact import EDGE_CASES, random_artifact, random_images
from host.accelerator import Accelerator
from host.driver import BATCH
from host.errors import DmaTimeout, HostError, MismatchError
from sim import board as sim_backend

N_IMAGES = 36


@pytest.fixture(scope="module")
def real(trained_artifact_path: Path) -> artifact.Artifact:
    return artifact.load(trained_artifact_path)


def check_bit_exact(art: artifact.Artifact, x: np.ndarray, **kw: object) -> None:
    done: list[int] = []
    pred = Accelerator(art, backend="sim", **kw).predict(x, progress=done.append)
    want = golden.run(art, x)
    assert np.array_equal(pred.classes, want.classes), np.flatnonzero(pred.classes != want.classes)
    assert np.array_equal(pred.scores, want.scores), np.flatnonzero((pred.scores != want.scores).any(axis=1))
    assert sum(done) == len(x)
    assert (pred.cycles > 0).all() and pred.latency_s > 0 and pred.images_per_s > 0
    ops = pred.stats["infer"]["ops"]
    # one transfer each way for the first image (latency on an idle engine), then one per BATCH images
    assert ops["dma_send"] == ops["dma_recv"] == len(pred.cycles) == 1 + -(-(len(x) - 1) // BATCH)


def test_sim_backend_agrees_with_golden_on_every_image(real: artifact.Artifact, digits) -> None:
    check_bit_exact(real, digits.x_test[:N_IMAGES])


def test_sim_backend_runs_two_classes_without_hidden_layer() -> None:
    """A shape the RTL could not build before (a 1-bit class index, one layer): from the edge-case table."""
    art = EDGE_CASES["linear_2class"].make()
    check_bit_exact(art, random_images(art, 12, seed=5), sim_build=str(build_dir("sim_host_linear_2class")))


def test_relative_build_dir(real: artifact.Artifact, digits, monkeypatch) -> None:
    """A relative sim_build (as `make demo` passes) still reaches the simulator, which runs elsewhere."""
    shared = build_dir("sim_host").resolve()  # the other tests' build: no second compile
    monkeypatch.chdir(shared.parent)
    check_bit_exact(real, digits.x_test[:3], sim_build=shared.name)


def test_parameters_reload_into_a_bitstream_built_for_other_weights(real: artifact.Artifact, digits) -> None:
    # Same shapes, different weights, biases and thresholds: the simulated bitstream holds `real`, the
    # driver writes `other` through PARAM_ADDR/PARAM_DATA and the results must be `other`'s.
    rng = np.random.default_rng(0)
    layers = [dataclasses.replace(l, weights=l.weights ^ rng.integers(0, 256, l.weights.shape, np.uint8) & 0x11,
                                  bias=(l.bias + rng.integers(-64, 65, l.n_out)).astype(np.int32))
              for l in real.layers]
    other = dataclasses.replace(real, layers=layers)
    artifact.validate(other)
    x = digits.x_test[:12]
    assert (golden.run(other, x).scores != golden.run(real, x).scores).any()
    check_bit_exact(other, x, sim_hw=real)


def test_sim_rejects_an_artifact_the_bitstream_was_not_built_for(real: artifact.Artifact) -> None:
    small = random_artifact((64, 32, 10), T=3, seed=1)
    with pytest.raises(MismatchError, match=r"does not fit the design record \(record vs artifact\): "
                                            r"(input_bits \d|T 2) vs (\d|3)$"):
        Accelerator(small, backend="sim", sim_hw=real).predict(np.zeros((1, 64), np.uint8))


def test_sim_dma_time_out_is_one_line(real: artifact.Artifact, digits) -> None:
    # 10 ns of simulated time is one clock (per transfer, and per image of the first transfer's one image): no
    # image can come back that fast; the transport's reset then drops the armed receive
    with pytest.raises(DmaTimeout, match=r"^image 0: DMA (send|receive).* within 2e-08 s of simulated time") as e:
        Accelerator(real, backend="sim", timeout_s=1e-8).predict(digits.x_test[:2])
    assert "\n" not in str(e.value)


def test_a_stalled_simulation_is_cut_off_in_wall_time(real: artifact.Artifact, digits,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The parameter load alone takes seconds of wall time: a 0.5 s limit must end the run with one line.
    monkeypatch.setattr(sim_backend, "WALL_TIMEOUT_S", 0.5)
    monkeypatch.setattr(sim_backend, "WALL_S_PER_IMAGE", 0.0)
    monkeypatch.setattr(sim_backend, "WALL_S_PER_CYCLE", 0.0)
    monkeypatch.setattr(sim_backend, "WALL_S_PER_WORD", 0.0)
    with pytest.raises(HostError, match="^simulation exceeded its wall-time limit of 0.5 s$"):
        Accelerator(real, backend="sim").predict(digits.x_test[:2])


def test_the_wall_time_limit_grows_with_the_images_and_the_interval() -> None:
    # a CIFAR-sized design (24,576 cycles per image) gets more than the 10 s per image of a digits one
    small, large = sim_backend.wall_timeout_s(64, 128), sim_backend.wall_timeout_s(64, 24576)
    assert small == sim_backend.WALL_TIMEOUT_S + 64 * sim_backend.WALL_S_PER_IMAGE
    assert large > small and sim_backend.wall_timeout_s(128, 24576) - large == large - sim_backend.WALL_TIMEOUT_S
    # and with the parameter image it loads first (the CIFAR-10 design's ~10k words took ~7 minutes)
    assert sim_backend.wall_timeout_s(64, 24576, 10_000) - large == 10_000 * sim_backend.WALL_S_PER_WORD >= 600


def test_a_bitstream_built_as_another_design_is_refused_in_one_line() -> None:
    """The issue's demonstration on the simulated board: one random 64-128-128-10 artifact built twice, at
    plan(art, 64) and at the default plan (both 1,609 parameter words: PARAM_WORDS cannot tell them apart).
    Each build driven with the other's record is refused in one line naming both ids, before any weight is
    written; driven with its own record (the one beside its 'bitstream'), the non-default design packs the image
    from it and every result is the golden model's."""
    art = random_artifact((64, 128, 128, 10), seed=1)
    fast, default = planner.design(art, target_cycles=64), planner.design(art)
    assert fast.param_words == default.param_words == 1609 and fast.id != default.id
    x = random_images(art, 16, seed=3)
    where = build_dir("sim_host_designs")
    for built, given in ((fast, default), (default, fast)):
        with pytest.raises(MismatchError) as e:
            Accelerator(art, backend="sim", sim_build=where, sim_design=built, design=given).predict(x)
        msg = str(e.value)
        assert "\n" not in msg and msg.startswith(f"the bitstream's DESIGN_ID 0x{built.id:08x} is not the design "
                                                  f"record's 0x{given.id:08x}")
    check_bit_exact(art, x, sim_build=where, sim_design=fast)
