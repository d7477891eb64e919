"""The golden model against hand-computed LIF traces and a literal popcount."""
from __future__ import annotations

import numpy as np
import pytest

from bwsnn import golden
from bwsnn.artifact import Artifact, Layer
from bwsnn.random_artifact import random_artifact, random_images


def one_neuron(bias: int, thr: int, leak: int, reset: str, bits: int, T: int = 3, frac: int = 0) -> Artifact:
    """1 pixel -> 1 LIF neuron (weight +1) -> 2 output neurons (+1, -1)."""
    pack = lambda bits_: np.packbits(np.array(bits_, np.uint8), axis=1, bitorder="little")
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
    pop = lambda a: np.unpackbits(a, axis=-1).sum(-1).astype(np.int64)
    return 2 * pop(both) - pop(s_packed)[:, None]


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


def test_max_fan_in_first_layer_is_exact() -> None:
    # all pixels 255 on a wide first layer: z = 255 * (sum of weights), no overflow at the 32-bit bound
    art = random_artifact((4096, 8, 3), seed=5, frac_bits=4)
    r = golden.run(art, np.full((1, 4096), 255, np.uint8), trace=True)
    z = 255 * art.layers[0].weights_pm1().astype(np.int64).sum(1)
    l0 = art.layers[0]
    expect_u = np.clip((z << 4) + l0.bias, -(1 << (l0.mem_bits - 1)), (1 << (l0.mem_bits - 1)) - 1)
    s0 = expect_u >= l0.threshold
    np.testing.assert_array_equal(r.spikes[0][0, 0], s0)


def test_step_scores_end_in_scores_and_classes_are_argmax() -> None:
    art = random_artifact((30, 24, 24, 6), T=4, seed=2)
    r = golden.run(art, random_images(art, 64))
    np.testing.assert_array_equal(r.step_scores[:, -1], r.scores)
    np.testing.assert_array_equal(r.classes, r.scores.argmax(1))
    assert r.step_scores.shape == (64, 4, 6)


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
