"""Golden model: the integer, bit-exact definition of what the accelerator computes.

numpy only (it runs on the PYNQ-Z2's ARM too). The RTL (hw/), the HLS design (hls/) and the training
code's integer deploy mode implement exactly this; tests compare them output by output.

Arithmetic, per image, for an artifact with layers l = 0..L-1 (the last is the output integrator):

* Input: n_in unsigned 8-bit pixels x_j (direct encoding: the same x at every time step).
* State: one signed membrane U_l[n] per neuron, ``mem_bits`` (B) wide, 0 at the start of every image.
  ``sat(v)`` clamps v to [-2^(B-1), 2^(B-1) - 1].
* For t = 0..T-1, for l = 0..L-1 in order (layer l sees the spikes of layer l-1 from the same step):

  1. synapses:    z[n] = sum_j w[n,j] * x_j                            (l = 0; w in {+1,-1})
                  z[n] = 2*popcount(s & w_pos[n]) - popcount(s)        (l > 0; s = spikes of layer l-1)
                  Layer 0's z does not depend on t: hardware computes it once per image.
  2. current:     I[n] = (z[n] << frac_bits) + bias[n] + (skip_gain[n] if s_skip[n] else 0)
                  s_skip = spikes of layer ``skip_from`` at step t (identity shortcut). |I| < 2^31 is
                  guaranteed by artifact validation, so I is exact in 32 bits.
  3. leak:        U = U >> leak_shift                                  (arithmetic shift: floor)
  4. integrate:   U = sat(U + I)
  5. fire:        s[n] = U >= threshold[n]                             (spiking layers only)
  6. reset:       hard: U = 0 where s;  soft: U = sat(U - threshold) where s

* The output layer never fires: its U after step t is the score after t steps (``step_scores``); after
  step T-1 it is the final score. The class is the argmax of the final scores, lowest index on ties.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bwsnn.artifact import Artifact


class InputError(ValueError):
    """Images of the wrong shape, type or range for an artifact."""


@dataclass
class GoldenResult:
    classes: np.ndarray  # int64 (N,)
    scores: np.ndarray  # int64 (N, C): output membranes after the last step
    step_scores: np.ndarray  # int64 (N, T, C): output membranes after each step
    spikes: list[np.ndarray] | None = None  # per spiking layer, bool (N, T, n)
    membranes: list[np.ndarray] | None = None  # per layer, int64 (N, T, n), after reset (the state)
    potentials: list[np.ndarray] | None = None  # per layer, int64 (N, T, n), after integrate, before reset


def check_images(art: Artifact, images: np.ndarray, src: str = "images") -> np.ndarray:
    """Return images as uint8 (N, n_in) or raise one clear :class:`InputError` line."""
    a = np.asarray(images)
    if a.ndim == len(art.input_shape) and a.shape == tuple(art.input_shape):
        a = a[None]
    if a.ndim < 1 or int(np.prod(a.shape[1:])) != art.n_in or a.shape[1:] not in (
            tuple(art.input_shape), (art.n_in,)):
        raise InputError(f"{src}: expected shape (N, {art.n_in}) or (N, {', '.join(map(str, art.input_shape))}),"
                         f" got {a.shape}")
    if a.dtype.kind not in "ui":
        raise InputError(f"{src}: expected integer pixels 0..255, got dtype {a.dtype}")
    if a.size and (a.min() < 0 or a.max() > 255):
        raise InputError(f"{src}: expected pixels in 0..255, got range {a.min()}..{a.max()}")
    return a.reshape(len(a), art.n_in).astype(np.uint8)


def saturate(v: np.ndarray, bits: int) -> np.ndarray:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(v, lo, hi)


def popcount_current(spikes: np.ndarray, w_pos: np.ndarray) -> np.ndarray:
    """z = 2*popcount(s & w_pos) - popcount(s), the binary synapse written the way hardware does it."""
    s = spikes.astype(np.int64)
    return 2 * (s @ w_pos.T.astype(np.int64)) - s.sum(axis=1, keepdims=True)


def run(art: Artifact, images: np.ndarray, trace: bool = False) -> GoldenResult:
    """Integer inference of a batch of images (uint8, (N, n_in) or (N, *input_shape))."""
    x = check_images(art, images).astype(np.int64)
    n = len(x)
    weights = [l.weights_pm1().astype(np.int64) for l in art.layers]
    z0 = x @ weights[0].T  # the direct-encoded layer's synapses: once per image
    mem = [np.zeros((n, l.n_out), np.int64) for l in art.layers]
    steps = []
    spk_trace, mem_trace, pot_trace = ([[] for _ in art.layers] for _ in range(3))
    for _t in range(art.T):
        spikes: list[np.ndarray] = []
        for i, l in enumerate(art.layers):
            z = z0 if i == 0 else popcount_current(spikes[i - 1], weights[i] > 0)
            cur = (z << l.frac_bits) + l.bias.astype(np.int64)
            if l.skip_from is not None:
                cur = cur + spikes[l.skip_from] * l.skip_gain.astype(np.int64)
            u = saturate((mem[i] >> l.leak_shift) + cur, l.mem_bits)
            if trace:
                pot_trace[i].append(u)
            if l.spiking:
                thr = l.threshold.astype(np.int64)
                s = u >= thr
                u = np.where(s, 0 if l.reset == "hard" else saturate(u - thr, l.mem_bits), u)
                spikes.append(s)
                if trace:
                    spk_trace[i].append(s)
            mem[i] = u
            if trace:
                mem_trace[i].append(u)
        steps.append(mem[-1].copy())
    step_scores = np.stack(steps, axis=1)
    scores = step_scores[:, -1]
    result = GoldenResult(classes=np.argmax(scores, axis=1), scores=scores, step_scores=step_scores)
    if trace:
        result.spikes = [np.stack(s, axis=1) for s in spk_trace if s]
        result.membranes = [np.stack(m, axis=1) for m in mem_trace]
        result.potentials = [np.stack(p, axis=1) for p in pot_trace]
    return result
