"""The golden model's conv2d and pool layers: a hand-computed trace and an explicit-loop reference."""
from __future__ import annotations

import numpy as np
import pytest

from bwsnn import golden
from bwsnn.artifact import Artifact, Layer, Pool, Window
from bwsnn.random_artifact import random_conv_artifact, random_images, random_network


def pack(w: np.ndarray) -> np.ndarray:
    """+/-1 (rows, cols) -> the artifact's packed bits."""
    return np.packbits((w > 0).astype(np.uint8), axis=1, bitorder="little")


def hand_net() -> Artifact:
    """3x3x1 image -> conv (2 channels, k=3, stride 2, padding 1) -> OR-pool 2x2 -> dense 2 outputs.

    Channel 0 has every weight +1; channel 1 only the top-left tap (ky=0, kx=0) +1, the rest -1.
    """
    w = -np.ones((2, 9), np.int8)
    w[0] = 1
    w[1, 0] = 1
    conv = Layer(n_in=9, n_out=2, weights=pack(w), bias=np.zeros(2, np.int32), spiking=True, leak_shift=0,
                 reset="hard", mem_bits=16, frac_bits=0, threshold=np.array([13, 0], np.int32), name="conv",
                 window=Window((3, 3, 1), 3, 2, 1))
    pool = Pool(Window((2, 2, 2), 2, 2), name="pool")
    out = Layer(n_in=2, n_out=2, weights=pack(np.array([[1, -1], [-1, 1]])), bias=np.zeros(2, np.int32),
                spiking=False, leak_shift=0, reset="hard", mem_bits=16, frac_bits=0)
    return Artifact(T=2, input_shape=(3, 3, 1), classes=["a", "b"], layers=[conv, pool, out])


def test_hand_computed_conv_trace() -> None:
    x = np.arange(1, 10, dtype=np.uint8).reshape(1, 3, 3, 1)  # [[1,2,3],[4,5,6],[7,8,9]]
    r = golden.run(hand_net(), x, trace=True)
    pot = r.potentials[0][0, 0].reshape(2, 2, 2)  # step 0, (H', W', C)
    # channel 0: the windows centred on (0,0), (0,2), (2,0), (2,2), zero-padded: 1+2+4+5, 2+3+5+6, ...
    assert pot[..., 0].tolist() == [[12, 16], [24, 28]]
    # channel 1: 2 * (top-left tap) - window sum; the top-left tap is padding (0) except at (1,1) where it is 5
    assert pot[..., 1].tolist() == [[-12, -16], [-24, 10 - 28]]
    spikes = r.spikes[0][0, 0].reshape(2, 2, 2)
    assert spikes[..., 0].tolist() == [[False, True], [True, True]] and not spikes[..., 1].any()
    # hard reset; step 1 integrates the same z again (direct encoding) from 0 or from the kept membrane
    assert r.potentials[0][0, 1].reshape(2, 2, 2)[..., 0].tolist() == [[24, 16], [24, 28]]
    assert r.spikes[1][0].tolist() == [[True, False], [True, False]]  # OR-pool: one channel-0 spike suffices
    assert r.step_scores[0].tolist() == [[1, -1], [2, -2]] and r.classes.tolist() == [0]


def test_channels_are_last_and_flat_images_are_hwc() -> None:
    """1x1 conv with weight +1 on channel 1 and -1 on channel 0: z = x[..., 1] - x[..., 0]."""
    conv = Layer(n_in=2, n_out=1, weights=pack(np.array([[-1, 1]])), bias=np.zeros(1, np.int32), spiking=True,
                 leak_shift=0, reset="hard", mem_bits=16, frac_bits=0, threshold=np.array([1000], np.int32),
                 window=Window((2, 3, 2), 1))
    out = Layer(n_in=6, n_out=2, weights=pack(np.ones((2, 6))), bias=np.zeros(2, np.int32), spiking=False,
                leak_shift=0, reset="hard", mem_bits=16, frac_bits=0)
    art = Artifact(T=1, input_shape=(2, 3, 2), classes=["a", "b"], layers=[conv, out])
    x = np.random.default_rng(0).integers(0, 256, (4, 2, 3, 2), dtype=np.uint8)
    want = x[..., 1].astype(int) - x[..., 0]
    for images in (x, x.reshape(4, -1)):  # flat = (H, W, C) in C order
        np.testing.assert_array_equal(golden.run(art, images, trace=True).potentials[0][:, 0], want.reshape(4, -1))


def reference(art: Artifact, image: np.ndarray) -> np.ndarray:
    """The spec with explicit loops over positions, taps and channels: step scores (T, C) of one image."""
    def synapse(l: Layer, a: np.ndarray) -> np.ndarray:
        w = l.weights_pm1().astype(np.int64)
        if l.window is None:
            return w @ a.reshape(-1)
        (h, wd, c), k, s, p = l.in_shape, l.window.kernel, l.window.stride, l.window.padding
        w = w.reshape(l.n_out, k, k, c)
        ho, wo, _ = l.out_shape
        z = np.zeros((ho, wo, l.n_out), np.int64)
        for y in range(ho):
            for x in range(wo):
                for ky in range(k):
                    for kx in range(k):
                        iy, ix = y * s + ky - p, x * s + kx - p
                        if 0 <= iy < h and 0 <= ix < wd:
                            z[y, x] += w[:, ky, kx, :] @ a[iy, ix]
        return z

    def pool(l: Pool, a: np.ndarray) -> np.ndarray:
        k, s = l.window.kernel, l.window.stride
        ho, wo, c = l.out_shape
        return np.array([[[a[y * s:y * s + k, x * s:x * s + k, ch].max() for ch in range(c)]
                          for x in range(wo)] for y in range(ho)])

    mem = [None if isinstance(l, Pool) else np.zeros(l.out_shape, np.int64) for l in art.layers]
    x = image.reshape(art.input_shape).astype(np.int64)
    scores = []
    for _ in range(art.T):
        outs = []
        for i, l in enumerate(art.layers):
            a = x if i == 0 else outs[-1]
            if isinstance(l, Pool):
                outs.append(pool(l, a))
                continue
            cur = synapse(l, a) * 2 ** l.frac_bits + l.bias
            if l.skip_from is not None:
                cur = cur + np.where(outs[l.skip_from], l.skip_gain, 0)
            lo, hi = -2 ** (l.mem_bits - 1), 2 ** (l.mem_bits - 1) - 1
            u = np.clip(mem[i] // 2 ** l.leak_shift + cur, lo, hi)
            if l.spiking:
                s = u >= l.threshold
                u = np.where(s, 0 if l.reset == "hard" else np.clip(u - l.threshold, lo, hi), u)
                outs.append(s.astype(np.int64))
            else:
                outs.append(u)
            mem[i] = u
        scores.append(mem[-1])
    return np.array(scores)


CASES = {
    "default": lambda: random_conv_artifact(seed=1),
    "saturating_soft": lambda: random_conv_artifact(seed=2, mem_bits=8, reset="soft", T=3),
    "hard_no_leak": lambda: random_conv_artifact(seed=3, reset="hard", leak_shift=0, T=4),
    "no_shortcuts": lambda: random_conv_artifact(seed=4, skips=False),
    # even sizes, a 1x1 first layer, stride 2 without padding, an overlapping 3x3 pool, an even kernel with
    # padding on a 2x1 map
    "strided": lambda: random_network((10, 8, 3), (("conv", 7, 1, 1, 0), ("conv", 9, 3, 2, 0), ("conv", 9, 3, 1, 1),
                                                   ("pool", 3, 1), ("conv", 3, 2, 1, 1), ("dense", 4)), seed=5),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_equals_explicit_loop_reference(case: str) -> None:
    art = CASES[case]()
    images = random_images(art, 12, seed=7)
    r = golden.run(art, images, trace=True)
    for n, img in enumerate(images):
        np.testing.assert_array_equal(r.step_scores[n], reference(art, img), err_msg=f"image {n}")
    rates = [s.mean() for s in r.spikes]
    assert all(0 < f < 1 for f in rates), rates  # the case exercises spikes, not silence or saturation
    if case == "saturating_soft":
        lo, hi = -128, 127
        assert any(((p == lo) | (p == hi)).any() for p in r.potentials if p is not None)


def test_batches_are_independent_of_the_internal_chunking(monkeypatch) -> None:
    art = random_conv_artifact(seed=6)
    images = random_images(art, 30, seed=1)
    whole = golden.run(art, images, trace=True)
    monkeypatch.setattr(golden, "_BATCH_ELEMENTS", 1)  # one image per internal batch
    chunked = golden.run(art, images, trace=True)
    np.testing.assert_array_equal(whole.step_scores, chunked.step_scores)
    for a, b in zip(whole.spikes, chunked.spikes):
        np.testing.assert_array_equal(a, b)


def test_conv_images_accept_hw_for_one_channel() -> None:
    art = random_network((5, 4, 1), (("conv", 3, 3, 1, 1), ("dense", 2)), seed=0)
    x = random_images(art, 3)
    want = golden.run(art, x).scores
    np.testing.assert_array_equal(golden.run(art, x.reshape(3, 5, 4)).scores, want)
    np.testing.assert_array_equal(golden.run(art, x.reshape(3, 5, 4, 1)).scores, want)
    with pytest.raises(golden.InputError, match=r"expected shape \(N, 20\) or \(N, 5, 4, 1\)"):
        golden.run(art, x.reshape(3, 4, 5))
