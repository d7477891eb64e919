"""bwsnn_top against the golden model (sim/tb/tb_top.py): real artifact and random ones, both simulators.

``BWSNN_SIM_IMAGES`` (default 24) digits test images on Verilator; Icarus (about 30x slower here) runs a
quarter of them. The cases also run the START, error and (random artifacts) parameter-reload tests; Icarus
runs START and errors on the smallest case only (:data:`ICARUS_CONTROL_CASE`: they do not depend on the artifact,
and the reference's 256-neuron layers made them 2 of its 3.4 minutes there).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from bwsnn import artifact, golden
from bwsnn.params import folding, layout, window_hold
from bwsnn.planner import _folds, plan
from bwsnn.random_artifact import random_conv_artifact, random_images
from sim.run_rtl import RANDOM_CASES, TOP_TESTS, check_results, digits_images, random_case, run_top, sim_build
from training import train

ICARUS_RELOAD_WORDS = 4096  # fanin_hard's 2,633 words are reloaded on Icarus, wide_simd's 5,892 on Verilator only
ICARUS_CONTROL_CASE = "sat_soft"  # the random case on which Icarus runs START and the error handling


def n_images(simulator: str) -> int:
    n = int(os.environ.get("BWSNN_SIM_IMAGES", 24))
    return n if simulator == "verilator" else max(3, n // 4)


def test_reference_artifact(simulator: str, trained_artifact_path) -> None:
    report = run_top(trained_artifact_path, digits_images(n_images(simulator)), sim_build(f"test_ref_{simulator}"),
                     simulator, testcase=None if simulator == "verilator" else ["test_stream"])
    assert report is not None and report["images"] == n_images(simulator)


@pytest.mark.parametrize("case", sorted(RANDOM_CASES))
def test_random_artifact(simulator: str, case: str) -> None:
    art, pe_simd = random_case(case)
    x = random_images(art, n_images(simulator) // 2 + 2, seed=3)
    # the case must exercise what it is named for: saturated membranes, spikes, several chunks
    tr = golden.run(art, x, trace=True)
    assert all(s.any() for s in tr.spikes)
    if case == "sat_soft":
        hi = [(1 << (l.mem_bits - 1)) - 1 for l in art.layers]
        assert sum((np.abs(p) >= h).sum() for p, h in zip(tr.potentials, hi)) > x.size // 4
    if case == "fanin_hard":
        lay = layout(art, folding(art, pe_simd))
        assert all(ll.chunks > 1 and ll.n_pad > ll.n_out and ll.fold.lif < ll.fold.pe for ll in lay.layers[:2])
        assert art.layers[0].n_in % pe_simd[0][1] and art.n_in % 8 and art.input_bits < 8
        assert art.layers[1].skip_from == 0
    if case == "conv_stack":  # strides 1 and 2, 1x1 and 3x3, padding 0 and 1, shortcuts from a conv and a pool
        convs = [l.window for l in art.layers if l.kind == "conv2d"]
        assert {w.stride for w in convs} == {1, 2} and {w.kernel for w in convs} == {1, 3}
        assert {w.padding for w in convs} == {0, 1} and any(w.in_shape[0] % 2 for w in convs)
        assert {art.layers[l.skip_from].kind for l in art.layers if l.skip_from is not None} == {"conv2d", "pool"}
    if case == "conv_chunks":
        ll = layout(art, folding(art, pe_simd)).layers[1]
        assert ll.chunks > 1 and ll.groups > 1 and ll.fold.lif < ll.fold.pe and art.layers[1].skip_from == 0
    # START / error handling do not depend on the artifact: Icarus runs them on ICARUS_CONTROL_CASE only, and
    # reloads images of up to ICARUS_RELOAD_WORDS (an AXI-lite write per word: minutes there for more)
    lay = layout(art, folding(art, pe_simd) if pe_simd else plan(art))
    tests = None if simulator == "verilator" else (TOP_TESTS if case == ICARUS_CONTROL_CASE else ["test_stream"]) + (
        ["test_reload"] if lay.words <= ICARUS_RELOAD_WORDS else [])
    run_top(art, x, sim_build(f"test_{case}_{simulator}"), simulator, pe_simd, reload=random_case(case, reload=True)[0],
            testcase=tests)


def test_trained_digits_conv_model(tmp_path) -> None:
    """Real trained conv weights: the digits-conv preset (four 3x3 convs around a pool, shortcuts after the pool
    too, the binary classifier on the flattened map), briefly trained, under random backpressure: every
    result as the golden model's (tb_top checks each one)."""
    cfg, out = train.parse_args(["--preset", "digits-conv", "--epochs", "1", "--teacher-epochs", "1", "--no-export",
                                 "--out", str(tmp_path / "train")])
    train.run(cfg, out)
    art = artifact.load(out / "model.bwsnn.npz")
    assert [l.kind for l in art.layers] == ["conv2d", "conv2d", "pool", "conv2d", "conv2d", "dense"]
    assert [l.skip_from for l in art.layers] == [None, 0, None, 2, 3, None]
    n = n_images("verilator")
    report = run_top(out / "model.bwsnn.npz", digits_images(n), sim_build("test_digits_conv"), "verilator")
    assert report is not None and report["images"] == n


def test_conv_window_per_cycle_back_to_back() -> None:
    """Fed back to back, a conv net planned for as many lanes as help runs at the interval the planner
    predicts: its 3x3 padded convs get a window per cycle along a row from the line-buffer generator, so the
    generator's walk ((H + 2) (W + 2) + 1 cycles) bounds the layer, not the engine (one row per position)."""
    art = random_conv_artifact(input_shape=(8, 6, 1), stack=(("conv", 4, 3, 1, 1), ("conv", 4, 3, 1, 1),
                                                             ("pool", 2, 2), ("dense", 6)), seed=4)
    fold = plan(art, target_cycles=1)
    lay = layout(art, fold)
    walk = (8 + 2) * (6 + 2) + 1
    assert [ll.cycles for ll in lay.layers[:2]] == [walk, walk]
    assert all(ll.groups * ll.chunks == 1 for ll in lay.layers[:2])
    report = run_top(art, random_images(art, 10, seed=2), sim_build("test_conv_window_per_cycle"), "verilator",
                     [(f.pe, f.simd) for f in fold], pauses=False, testcase="test_stream")
    assert walk <= report["cycles_per_image"] <= walk + 2, report


def test_window_without_fifo_under_backpressure_and_back_to_back() -> None:
    """A conv engine of many cycles per window gets a window generator without a FIFO (bwsnn.params.window_hold:
    the head alone, its LUT RAM saved): every result the golden model's under random backpressure, and fed back
    to back it runs at the planned interval, 2 cycles of hand-over per window included."""
    art = random_conv_artifact(input_shape=(5, 5, 64), stack=(("conv", 16, 3, 1, 1), ("pool", 2, 2), ("dense", 10)),
                               seed=7, input_bits=1)
    pe_simd = ((1, 64), (1, 32), (2, 32))
    fold = folding(art, pe_simd)
    lay = layout(art, fold)
    assert lay.layers[0].groups * lay.layers[0].chunks == 16 * 9 and window_hold(art.layers[0], fold[0]) == 0
    assert lay.layers[0].cycles == 25 * (16 * 9 + 2) == max(ll.cycles for ll in lay.layers)
    x = random_images(art, 8, seed=5)
    run_top(art, x, sim_build("test_head_window"), "verilator", pe_simd, testcase="test_stream")
    report = run_top(art, x, sim_build("test_head_window"), "verilator", pe_simd, pauses=False,
                     testcase="test_stream")
    assert lay.layers[0].cycles <= report["cycles_per_image"] <= lay.layers[0].cycles + 2, report


def test_folds_that_are_not_powers_of_two_under_backpressure() -> None:
    """SIMD that divides the fan-in without being a power of two (bwsnn.params.SIMD_STEP): a pixel conv of 144
    inputs in 3 chunks of 48 (weight rows of 3 words, padded to 4 in the image), a dense classifier reading its
    48 inputs as one chunk of 48; every result the golden model's under random backpressure (tb_top), and the
    planner offers such a fold where it gives an interval the doublings do not."""
    art = random_conv_artifact(input_shape=(6, 5, 16), stack=(("conv", 8, 3, 1, 1), ("conv", 8, 3, 1, 1),
                                                              ("pool", 2, 2), ("dense", 10)), seed=6, input_bits=3)
    pe_simd = ((2, 48), (4, 64), (1, 32), (2, 48))
    lay = layout(art, folding(art, pe_simd))
    assert [ll.chunks for ll in lay.layers] == [3, 2, 1, 1] and lay.layers[0].row_stride == 4
    # 4 groups x 3 chunks a position: between the doublings' 4 x 4 (SIMD 64) and 4 x 2 (SIMD 128 with PE 1)
    assert (2, 48) in [(f.pe, f.simd) for f in _folds(art.layers[0])]
    run_top(art, random_images(art, 10, seed=4), sim_build("test_fold48"), "verilator", pe_simd,
            testcase="test_stream")


@pytest.mark.parametrize("outcome, message", [
    ("<skipped />", "test_reload skipped"), ("<failure />", "test_reload failure"), (None, "no test ran")])
def test_a_skipped_or_missing_cocotb_test_fails_the_bench(tmp_path, outcome: str | None, message: str) -> None:
    cases = "" if outcome is None else f'<testcase name="test_stream"/><testcase name="test_reload">{outcome}' \
                                       '</testcase>'
    xml = tmp_path / "results.xml"
    xml.write_text(f'<testsuites><testsuite name="sim.tb.tb_top">{cases}</testsuite></testsuites>')
    with pytest.raises(AssertionError, match=message):
        check_results(xml)
