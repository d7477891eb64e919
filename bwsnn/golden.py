"""Golden model: the integer, bit-exact definition of what the accelerator computes.

numpy only (it runs on the PYNQ-Z2's ARM too). The RTL (hw/), the HLS design (hls/) and the training
code's integer deploy mode implement exactly this; tests compare them output by output.

Arithmetic, per image, for an artifact with layers l = 0..L-1 (the last is the dense output integrator):

* Input: unsigned 8-bit pixels x, channels-last: shape ``input.shape`` = (H, W, C) for a conv network,
  (n,) for a dense one; a flat image is the (H, W, C) array in C order (C fastest, then W, then H).
  Input precision ``input.bits`` b (1..8): layer 0 sees x = pixel >> (8 - b), the top b bits of each
  pixel (b = 8: the pixel itself). The images stay 8-bit everywhere (streams, files, this function's
  argument); only layer 0's arithmetic narrows. Direct encoding: the same x at every time step.
* Every tensor between layers is channels-last, (H, W, C) or (n,). A dense layer reads its input flattened
  in that same order (no separate flatten layer).
* State: one signed membrane U_l per neuron, ``mem_bits`` (B) wide, 0 at the start of every image; a
  conv2d layer has one per output position and channel, (H', W', C'). ``sat(v)`` clamps v to
  [-2^(B-1), 2^(B-1) - 1].
* For t = 0..T-1, for l = 0..L-1 in order (layer l sees the output of layer l-1 from the same step):

  pool layer:     s[y, x, c] = OR over ky, kx in 0..k-1 of a[y*s + ky, x*s + kx, c]   (a = spikes of l-1;
                  no padding, windows that do not fit are dropped: H' = (H - k) // s + 1). Nothing else.

  dense / conv2d layer (a = the pixels x for l = 0, else the output spikes of layer l-1):

  1. synapses:    z[p, n] = sum_j w[n, j] * col_p[j]                   (w in {+1,-1}, n = row / channel)
                  dense: one position p whose column is the whole flattened input.
                  conv2d (kernel k, stride s, padding P): position p = (y, x), y < H', x < W', and
                  col_(y,x)[(ky*k + kx)*C + c] = a[y*s + ky - P, x*s + kx - P, c], taken as 0 outside the
                  input: padding is pixel value 0 on layer 0 and "no spike" elsewhere. Window order (ky,
                  kx, c), channels fastest, the order of the weight matrix's columns.
                  With spikes, z = 2*popcount(col & w_pos) - popcount(col): the form hardware computes.
                  Layer 0's z does not depend on t: hardware computes it once per image.
  2. current:     I[p, n] = (z[p, n] << frac_bits) + bias[n] + (skip_gain[n] if s_skip[p, n] else 0)
                  s_skip = output spikes of layer ``skip_from`` at step t: the identity shortcut. Its source
                  is a spiking layer or a pool (the downsampling path) with this layer's output shape; it
                  joins the current position by position and channel by channel, before leak and fire.
                  |I| < 2^31 is guaranteed by artifact validation, so I is exact in 32 bits.
  3. leak:        U = U >> leak_shift                                  (arithmetic shift: floor)
  4. integrate:   U = sat(U + I)
  5. fire:        s = U >= threshold[n]                                (spiking layers only)
  6. reset:       hard: U = 0 where s;  soft: U = sat(U - threshold) where s

* The output layer never fires: its U after step t is the score after t steps (``step_scores``); after
  step T-1 it is the final score. The class is the argmax of the final scores, lowest index on ties.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from bwsnn.artifact import Artifact, Layer, Window

# images per internal batch: bounds the memory of the im2col views of conv layers
_BATCH_ELEMENTS = 1 << 23


class InputError(ValueError):
    """Images of the wrong shape, type or range for an artifact."""


@dataclass
class GoldenResult:
    classes: np.ndarray  # int64 (N,)
    scores: np.ndarray  # int64 (N, C): output membranes after the last step
    step_scores: np.ndarray  # int64 (N, T, C): output membranes after each step
    # traces, flattened channels-last per layer: (N, T, prod(out_shape))
    spikes: list[np.ndarray] | None = None  # per spike-producing layer (spiking and pool), bool
    membranes: list[np.ndarray | None] | None = None  # per layer (None for pools), int64, after reset
    potentials: list[np.ndarray | None] | None = None  # per layer (None for pools), after integrate


def check_images(art: Artifact, images: np.ndarray, src: str = "images") -> np.ndarray:
    """Return images as uint8 (N, n_in) or raise one clear :class:`InputError` line.

    Accepted: (N, n_in), (N, *input_shape), one image of input_shape, and (N, H, W) when input_shape is
    (H, W, 1).
    """
    a = np.asarray(images)
    shape = tuple(art.input_shape)
    if a.shape == shape or (len(shape) == 3 and shape[2] == 1 and a.shape == shape[:2]):
        a = a[None]
    allowed = [shape, (art.n_in,)] + ([shape[:2]] if len(shape) == 3 and shape[2] == 1 else [])
    if a.ndim < 2 or a.shape[1:] not in allowed:
        raise InputError(f"{src}: expected shape (N, {art.n_in}) or (N, {', '.join(map(str, shape))}),"
                         f" got {a.shape}")
    if a.dtype.kind not in "ui":
        raise InputError(f"{src}: expected integer pixels 0..255, got dtype {a.dtype}")
    if a.size and (a.min() < 0 or a.max() > 255):
        raise InputError(f"{src}: expected pixels in 0..255, got range {a.min()}..{a.max()}")
    return a.reshape(len(a), art.n_in).astype(np.uint8)


def saturate(v: np.ndarray, bits: int) -> np.ndarray:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(v, lo, hi)


def windows(a: np.ndarray, win: Window) -> np.ndarray:
    """The sliding windows of a batch a (N, H, W, C): (N, H', W', k, k, C), outside the input = 0."""
    p, k, s = win.padding, win.kernel, win.stride
    padded = np.pad(a, ((0, 0), (p, p), (p, p), (0, 0)))
    v = sliding_window_view(padded, (k, k), axis=(1, 2))[:, ::s, ::s]  # (N, H', W', C, k, k)
    return v.transpose(0, 1, 2, 4, 5, 3)


def columns(l: Layer, a: np.ndarray) -> np.ndarray:
    """The matrix-vector unit's input columns of layer l: (N, positions, n_in), window order (ky, kx, c)."""
    if l.window is None:
        return a.reshape(len(a), 1, l.n_in)
    v = windows(a, l.window)
    return v.reshape(len(a), v.shape[1] * v.shape[2], l.n_in)


def exact_product(a: np.ndarray, w_pm1: np.ndarray, bound: int) -> np.ndarray:
    """a @ w_pm1.T as int64, for integer a and +/-1 weights whose partial sums stay within +/-bound: one BLAS
    matrix product in float32 where its 24-bit significand holds every partial sum exactly (bound < 2^24),
    else in float64 (exact below 2^53)."""
    dtype = np.float32 if bound < 1 << 24 else np.float64
    return (a.astype(dtype, copy=False) @ w_pm1.T.astype(dtype)).astype(np.int64)


def popcount_current(spikes: np.ndarray, w_pos: np.ndarray) -> np.ndarray:
    """z = 2*popcount(s & w_pos) - popcount(s) over the last axis: the binary synapse as hardware does it.

    That is s . w with w = +1 where w_pos, else -1: an integer matrix product (|z| <= n_in)."""
    return exact_product(spikes, np.where(w_pos, 1, -1), spikes.shape[-1])


def synapses(l: Layer, a: np.ndarray, spikes: bool) -> np.ndarray:
    """z of layer l, shape (N, *out_shape), for its input a (N, *in_shape): pixels or spikes."""
    bound = l.n_in * (1 if spikes else 255)
    # the columns gathered once, already in the product's type (spikes as 0.0 / 1.0, pixels as their values)
    cols = columns(l, a.astype(np.float32 if bound < 1 << 24 else np.float64))
    z = popcount_current(cols, l.weights_pm1() > 0) if spikes else exact_product(cols, l.weights_pm1(), bound)
    return z.reshape(len(a), *l.out_shape)


def spike_pool(a: np.ndarray, win: Window) -> np.ndarray:
    """Spike max-pool: the OR of each window, per channel. (N, H, W, C) -> (N, H', W', C)."""
    return windows(a, win).any(axis=(3, 4))


def run(art: Artifact, images: np.ndarray, trace: bool = False) -> GoldenResult:
    """Integer inference of a batch of images (uint8, (N, n_in) or (N, *input_shape))."""
    x = check_images(art, images)
    per_image = max(l.n_in * int(np.prod(l.out_shape[:-1])) for l in art.synaptic)
    batch = max(1, _BATCH_ELEMENTS // per_image)
    parts = [_run_batch(art, x[i:i + batch], trace) for i in range(0, max(len(x), 1), batch)]
    if len(parts) == 1:
        return parts[0]

    def cat(traces: list) -> list | None:
        return None if not trace else [None if t[0] is None else np.concatenate(t) for t in zip(*traces)]

    step_scores = np.concatenate([p.step_scores for p in parts])
    return GoldenResult(classes=np.concatenate([p.classes for p in parts]), scores=step_scores[:, -1],
                        step_scores=step_scores, spikes=cat([p.spikes for p in parts]),
                        membranes=cat([p.membranes for p in parts]),
                        potentials=cat([p.potentials for p in parts]))


def _run_batch(art: Artifact, pixels: np.ndarray, trace: bool) -> GoldenResult:
    n = len(pixels)
    x = pixels.reshape(n, *art.input_shape).astype(np.int64) >> (8 - art.input_bits)
    z0 = synapses(art.layers[0], x, spikes=False)  # the direct-encoded layer's synapses: once per image
    mem = [np.zeros((n, *l.out_shape), np.int64) if isinstance(l, Layer) else None for l in art.layers]
    steps = []
    spk_trace, mem_trace, pot_trace = ([[] for _ in art.layers] for _ in range(3))
    for _t in range(art.T):
        out: list[np.ndarray] = []  # this step's output of each layer (spikes, or the output membrane)
        for i, l in enumerate(art.layers):
            if not isinstance(l, Layer):
                s = spike_pool(out[i - 1], l.window)
                out.append(s)
                if trace:
                    spk_trace[i].append(s.reshape(n, -1))
                continue
            z = z0 if i == 0 else synapses(l, out[i - 1], spikes=True)
            cur = (z << l.frac_bits) + l.bias.astype(np.int64)
            if l.skip_from is not None:
                cur = cur + out[l.skip_from] * l.skip_gain.astype(np.int64)
            u = saturate((mem[i] >> l.leak_shift) + cur, l.mem_bits)
            if trace:
                pot_trace[i].append(u.reshape(n, -1))
            if l.spiking:
                thr = l.threshold.astype(np.int64)
                s = u >= thr
                u = np.where(s, 0 if l.reset == "hard" else saturate(u - thr, l.mem_bits), u)
                out.append(s)
                if trace:
                    spk_trace[i].append(s.reshape(n, -1))
            else:
                out.append(u)
            mem[i] = u
            if trace:
                mem_trace[i].append(u.reshape(n, -1))
        steps.append(mem[-1].copy())
    step_scores = np.stack(steps, axis=1)
    scores = step_scores[:, -1]
    result = GoldenResult(classes=np.argmax(scores, axis=1), scores=scores, step_scores=step_scores)
    if trace:
        result.spikes = [np.stack(s, axis=1) for s in spk_trace if s]
        result.membranes = [np.stack(m, axis=1) if m else None for m in mem_trace]
        result.potentials = [np.stack(p, axis=1) if p else None for p in pot_trace]
    return result
