"""The golden model against hand-computed LIF traces and a literal popcount."""
from __future__ import annotations

import numpy as np
import pytest

from bwsnn import golden
from bwsnn.artifact import Artifact, Layer
from bwsnn.random_artifact import EDGE_CASES, random_artifact, random_images


def pack(rows: list[list[int]]) -> np.ndarray:
    """+/-1 weights given as bits (1 = +1, 0 = -1), packed the artifact's way."""
    return np.packbits(np.array(rows, np.uint8), axis=1, bitorder="little")


def one_neuron(bias: int, thr: int, leak: int, reset: str, bits: int, T: int = 3, frac: int = 0) -> Artifact:
    """1 pixel -> 1 LIF neuron (weight +1) -> 2 output neurons (+1, -1)."""
    return Artifact(T=T, input_shape=(1,), classes=["a", "b"], layers=[
        Layer(n_in=1, n_out=1, weights=pack([[1]]), bias=np.array([bias], np.int32), spiking=True,
              leak_shift=leak, reset=reset, mem_bits=bits, frac_bits=frac, threshold=np.array([thr], np.int32)),
        Layer(n_in=1, n_out=2, weights=pack([[1], [0]]), bias=np.zeros(2, np.int32), spiking=False,
              leak_shift=0, reset="hard", mem_bits=8, frac_bits=0),
    ])


def trace(art: Artifact, pixel: int) -> tuple[list[int], list[int]]:
    r = golden.run(art, np.array([[pixel]], np.uint8), trace=True)
    return r.membranes[0][0, :, 0].tolist(), r.spikes[0][0, :, 0].astype(int).tolist()


def test_hard_reset_integrate_and_fire() -> None:
    # U: 0>>1 + 10 - 3 = 7 >= 5 -> spike, reset to 0; same every step
    assert trace(one_neuron(bias=-3, thr=5, leak=1, reset="hard", bits=8), 10) == ([0, 0, 0], [1, 1, 1])


def test_leak_is_an_arithmetic_shift_and_saturates() -> None:
    # x=0, bias=-7: U0 = -7; U1 = floor(-7/2) - 7 = -11 -> 4-bit saturation at -8; U2 = -4 - 7 -> -8
    assert trace(one_neuron(bias=-7, thr=100, leak=1, reset="hard", bits=4), 0) == ([-8 + 1, -8, -8], [0, 0, 0])
    assert trace(one_neuron(bias=-7, thr=100, leak=1, reset="hard", bits=8), 0) == ([-7, -11, -13], [0, 0, 0])


def test_soft_reset_subtracts_threshold() -> None:
    # IF (no leak): 10 -> 6 ; 16 -> 12 ; 22 -> 18
    assert trace(one_neuron(bias=0, thr=4, leak=0, reset="soft", bits=8), 10) == ([6, 12, 18], [1, 1, 1])


def test_soft_reset_with_negative_threshold_saturates() -> None:
    # U = 5 >= -100 fires; U - (-100) = 105; next 105 + 5 = 110 -> 210 saturates at 127
    assert trace(one_neuron(bias=5, thr=-100, leak=0, reset="soft", bits=8), 0) == ([105, 127, 127], [1, 1, 1])


def test_frac_bits_scale_the_synapse_not_the_bias() -> None:
    # z = 3 pixels -> I = (3 << 2) + 1 = 13 < 14 ; next step 6 + 13 = 19 >= 14 fires
    assert trace(one_neuron(bias=1, thr=14, leak=1, reset="hard", bits=8, T=2, frac=2), 3) == ([13, 0], [0, 1])


def test_output_is_integrator_and_ties_take_lowest_index() -> None:
    art = one_neuron(bias=-3, thr=5, leak=1, reset="hard", bits=8)
    r = golden.run(art, np.array([[10], [0]], np.uint8))
    # image 0 spikes every step: +1 / -1 per step, summed over T=3
    np.testing.assert_array_equal(r.step_scores[0], [[1, -1], [2, -2], [3, -3]])
    # image 1 never spikes: z = 2*0 - 0 = 0 for both classes: a tie, class 0
    np.testing.assert_array_equal(r.scores[1], [0, 0])
    assert r.classes.tolist() == [0, 0]


def literal_popcount_current(spikes: np.ndarray, packed_weights: np.ndarray) -> np.ndarray:
    """z = 2*popcount(s & w_pos) - popcount(s) on packed bit vectors, bit by bit as hardware does."""
    s_packed = np.packbits(spikes.astype(np.uint8), axis=-1, bitorder="little")
    both = np.bitwise_and(s_packed[:, None, :], packed_weights[None])
    def pop(a: np.ndarray) -> np.ndarray:
        return np.unpackbits(a, axis=-1).sum(-1).astype(np.int64)

    return 2 * pop(both) - pop(s_packed)[:, None]


@pytest.mark.parametrize("bound", [(1 << 24) - 1, 1 << 24, 1 << 40])
def test_exact_product_is_the_integer_product_at_its_type_limits(bound: int) -> None:
    """float32 while every partial sum is below 2^24, float64 beyond: an adversarial row (all weights +1, the
    largest values) sums exactly to the bound, where a float32 product would already round."""
    rng = np.random.default_rng(bound % 97)
    n = 64
    a = rng.integers(0, bound // n + 1, (5, n), dtype=np.int64)
    a[0] = bound // n
    w = rng.choice([-1, 1], (3, n)).astype(np.int8)
    w[0] = 1
    want = a @ w.T.astype(np.int64)
    np.testing.assert_array_equal(golden.exact_product(a, w, bound), want)
    if bound > 1 << 30:  # the reason for the switch: float32 loses these
        assert not np.array_equal((a.astype(np.float32) @ w.T.astype(np.float32)).astype(np.int64), want)


@pytest.mark.parametrize("n_in", [1, 7, 64, 257])
def test_popcount_synapse_matches_literal_popcount(n_in: int) -> None:
    rng = np.random.default_rng(n_in)
    art = random_artifact((8, n_in, 5), seed=n_in)
    layer = art.layers[1]
    spikes = rng.integers(0, 2, (40, n_in)).astype(bool)
    spikes[0], spikes[1] = False, True  # all-zero and all-one spike vectors
    expect = literal_popcount_current(spikes, layer.weights)
    np.testing.assert_array_equal(golden.popcount_current(spikes, layer.weights_pm1() > 0), expect)
    np.testing.assert_array_equal(expect[0], 0)
    np.testing.assert_array_equal(expect[1], layer.weights_pm1().sum(1))  # all-one: sum of weights


def test_one_pixel_at_each_input_precision() -> None:
    # layer 0 sees the top b bits: pixel 0b1011_0110 = 182 -> 1 (b=1), 5 (b=3), 182 (b=8); weight +1, thr huge
    for bits, x in ((1, 1), (3, 5), (8, 182)):
        art = one_neuron(bias=0, thr=10**6, leak=0, reset="hard", bits=24, T=1)
        art.input_bits = bits
        assert trace(art, 182)[0] == [x]


@pytest.mark.parametrize("bits", [1, 2, 5, 7])
def test_input_bits_is_a_shift_of_the_pixels(bits: int) -> None:
    # the same network at b bits on pixels == at 8 bits on pixels >> (8 - b), every step score, dense and conv
    for case in ("input_1bit", "input_3bit_conv"):
        art = EDGE_CASES[case].make()
        x = random_images(art, 40, seed=bits)
        art.input_bits = bits
        narrow = golden.run(art, x).step_scores
        art.input_bits = 8
        np.testing.assert_array_equal(narrow, golden.run(art, x >> (8 - bits)).step_scores)


def test_max_fan_in_first_layer_is_exact() -> None:
    # all pixels 255 on a wide first layer: z = 255 * (sum of weights), no overflow at the 32-bit bound
    art = random_artifact((4096, 8, 3), seed=5, frac_bits=4)
    r = golden.run(art, np.full((1, 4096), 255, np.uint8), trace=True)
    z = 255 * art.layers[0].weights_pm1().astype(np.int64).sum(1)
    l0 = art.layers[0]
    expect_u = np.clip((z << 4) + l0.bias, -(1 << (l0.mem_bits - 1)), (1 << (l0.mem_bits - 1)) - 1)
    s0 = expect_u >= l0.threshold
    np.testing.assert_array_equal(r.spikes[0][0, 0], s0)


def test_step_scores_are_the_scores_of_shorter_runs() -> None:
    art = random_artifact((30, 24, 24, 6), T=4, seed=2)
    x = random_images(art, 64)
    steps = golden.run(art, x).step_scores
    assert steps.shape == (64, 4, 6)
    for t in range(1, 4):  # the state after step t does not depend on how many steps follow
        art.T = t
        np.testing.assert_array_equal(golden.run(art, x).scores, steps[:, t - 1])


def test_class_is_the_first_of_the_top_scores() -> None:
    art = EDGE_CASES["int32_extremes"].make()  # scores tie at the saturation bound
    r = golden.run(art, random_images(art, 48, seed=5))
    rows = r.scores.tolist()
    assert any(row.count(max(row)) > 1 for row in rows), "the case must contain ties"
    assert r.classes.tolist() == [row.index(max(row)) for row in rows]


def test_firing_is_at_or_above_the_threshold() -> None:
    # IF neuron, threshold 10, hard reset. Pixel 10: U = 10 lands exactly on it and fires every step.
    assert trace(one_neuron(bias=0, thr=10, leak=0, reset="hard", bits=8), 10) == ([0, 0, 0], [1, 1, 1])
    # pixel 9: 9 < 10; 18 fires; 9
    assert trace(one_neuron(bias=0, thr=10, leak=0, reset="hard", bits=8), 9) == ([9, 0, 9], [0, 1, 0])
    # soft reset exactly at the threshold leaves 0: 10 - 10
    assert trace(one_neuron(bias=0, thr=10, leak=0, reset="soft", bits=8), 10) == ([0, 0, 0], [1, 1, 1])
    # negative threshold reached exactly from below: bias -6, thr -6 fires at once
    assert trace(one_neuron(bias=-6, thr=-6, leak=0, reset="hard", bits=8), 0) == ([0, 0, 0], [1, 1, 1])


def shortcut_net(gain: int, out_gain: int) -> Artifact:
    """1 pixel -> L0 (IF, soft, thr 15) -> L1 (leak 1, frac 2, bias 3, thr 10, shortcut from L0 with ``gain``)
    -> 1-class output integrator (shortcut from L1 with ``out_gain``); every weight +1."""
    one = np.ones(1, np.int32)
    return Artifact(T=4, input_shape=(1,), classes=["only"], layers=[
        Layer(n_in=1, n_out=1, weights=pack([[1]]), bias=0 * one, spiking=True, leak_shift=0, reset="soft",
              mem_bits=8, frac_bits=0, threshold=15 * one),
        Layer(n_in=1, n_out=1, weights=pack([[1]]), bias=3 * one, spiking=True, leak_shift=1, reset="hard",
              mem_bits=8, frac_bits=2, threshold=10 * one, skip_from=0, skip_gain=gain * one),
        Layer(n_in=1, n_out=1, weights=pack([[1]]), bias=0 * one, spiking=False, leak_shift=0, reset="hard",
              mem_bits=12, frac_bits=0, skip_from=1, skip_gain=out_gain * one),
    ])


def test_shortcut_adds_its_gain_where_the_source_layer_spiked() -> None:
    r = golden.run(shortcut_net(gain=20, out_gain=100), np.array([[10]], np.uint8), trace=True)
    # L0: U = 10; 20 fires -> 5; 15 fires exactly at the threshold -> 0; 10
    assert r.membranes[0][0, :, 0].tolist() == [10, 5, 0, 10]
    assert r.spikes[0][0, :, 0].tolist() == [0, 1, 1, 0]
    # L1: I = (s0 << 2) + 3 + 20 * s0 = 3 or 27; U = (U >> 1) + I = 3; 1 + 27 = 28 fires; 0 + 27 fires; 3
    assert r.potentials[1][0, :, 0].tolist() == [3, 28, 27, 3]
    assert r.spikes[1][0, :, 0].tolist() == [0, 1, 1, 0]
    # output: I = s1 + 100 * s1, summed over the steps
    assert r.step_scores[0, :, 0].tolist() == [0, 101, 202, 202]
    # without the gains L1 sees I = 3 or 7: 3; 1 + 7 = 8; 4 + 7 = 11 fires; 3, and the output only counts it
    r = golden.run(shortcut_net(gain=0, out_gain=0), np.array([[10]], np.uint8), trace=True)
    assert r.potentials[1][0, :, 0].tolist() == [3, 8, 11, 3]
    assert r.step_scores[0, :, 0].tolist() == [0, 0, 1, 1]


def test_images_accept_flat_or_shaped_input() -> None:
    art = random_artifact((16, 8, 3), seed=0)
    art.input_shape = (4, 4)
    imgs = random_images(art, 5)
    a = golden.run(art, imgs).scores
    np.testing.assert_array_equal(golden.run(art, imgs.reshape(5, 4, 4)).scores, a)
    np.testing.assert_array_equal(golden.run(art, imgs[0].reshape(4, 4)).scores, a[:1])


@pytest.mark.parametrize("bad,match", [
    (np.zeros((2, 15), np.uint8), r"expected shape \(N, 16\)"),
    (np.zeros((2, 16), np.float32), "dtype float32"),
    (np.full((2, 16), 256, np.int32), "range 256..256"),
    (np.full((2, 16), -1, np.int32), "range -1..-1"),
])
def test_bad_images_get_one_clear_line(bad: np.ndarray, match: str) -> None:
    art = random_artifact((16, 8, 3), seed=0)
    with pytest.raises(golden.InputError, match=match) as e:
        golden.run(art, bad)
    assert "\n" not in str(e.value)
