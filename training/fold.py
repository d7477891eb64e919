"""Fold a trained BWSNN into the integer deploy artifact (the contract of bwsnn/golden.py).

Per hidden neuron the float model computes u = u * 2^-k + a*z + c (+ s_skip) and fires at u >= 1, where
z is the integer synapse sum, a = BN gain * weight scale (/ (2^b - 1) on the pixel layer, whose input
x = pixel >> (8 - b) the model sees as x / (2^b - 1)) and c the BN offset.
Dividing by |a| and scaling by 2^F gives integer units: the weights of a neuron with a < 0 are negated,
bias = round(2^F c/|a|), threshold = skip_gain = round(2^F / |a|). F is chosen per layer for at least
THRESH_RESOLUTION_BITS of threshold resolution while the current stays inside 32 bits. A conv layer folds
the same way per output channel (its BatchNorm is per channel); pools carry no parameters.
"""
from __future__ import annotations

import numpy as np
import torch

from bwsnn.artifact import ACC_BITS, AnyLayer, Artifact, Layer, Pool, Window, current_bound, layer_current_bound
from training.model import BWSNN

THRESH_RESOLUTION_BITS = 12
OUT_FRAC_BITS = 8
MAX_INV_GAIN = float(1 << 20)  # 1/|a| above this is a dead neuron; clamp keeps it inside 32 bits


def _bits_for(v: float) -> int:
    """Signed width holding -v..v."""
    return int(np.ceil(np.log2(v + 1))) + 1


def _mem_bits(bound_i: int, threshold: np.ndarray | None, leak_shift: int, T: int) -> int:
    """Enough membrane bits that a trained model never saturates (saturation stays defined regardless)."""
    reach = bound_i * sum(2.0 ** (-leak_shift * t) for t in range(T))
    if threshold is not None:
        reach += float(np.abs(threshold.astype(np.int64)).max(initial=0))
    return min(32, max(8, _bits_for(reach)))


def _fit_frac(build, pixel_bits: int | None, f0: int, index: int) -> Layer:
    """Largest F <= f0 whose layer keeps |I| < 2^(ACC_BITS-2) (one bit of headroom)."""
    for f in range(f0, -1, -1):
        layer = build(f)
        if layer_current_bound(layer, pixel_bits) < 1 << (ACC_BITS - 2):
            return layer
    raise ValueError(f"layer {index}: no fractional width keeps the current inside {ACC_BITS} bits")


def _synapses(model: BWSNN) -> list[tuple]:
    """Per layer before the classifier: ("pool", window) or ("syn", weight matrix, its scale, bn, window, skip).

    The weight matrix is (rows, fan-in) with the columns in the artifact's order: a conv's (C', C, k, k)
    kernel becomes (C', k*k*C), window order (ky, kx, c).
    """
    out = []
    for i, (kind, shape, _) in enumerate(model.cfg.layers()):
        if kind == "pool":
            out.append(("pool", Window(shape, 2, 2)))
            continue
        window = Window(shape, 3, 1, 1) if kind == "conv" else None
        out.append(("syn", model.syn[i].quant_weight(), model.bn[i], window, model.cfg.skip_from(i)))
    return out


def _spiking_layer(i: int, qw, bn: torch.nn.Module, window: Window | None, skip: int | None, leak_shift: int,
                   reset: str, input_bits: int) -> Layer:
    """Fold one binary layer + BatchNorm + LIF (see the module docstring)."""
    value = qw.value
    if value.dim() == 4:
        value = value.permute(0, 2, 3, 1).reshape(len(value), -1)
    w_pos = (value > 0).cpu().numpy()
    a = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).double() * float(qw.scale)
    c = (bn.bias.double() - a * bn.running_mean.double()).cpu().numpy()
    # layer 0's z is in units of x = pixel >> (8 - b), the model's input x / (2^b - 1)
    a = a.cpu().numpy() / (float((1 << input_bits) - 1) if i == 0 else 1.0)
    w_pos = np.where((a < 0)[:, None], ~w_pos, w_pos)
    inv = np.minimum(1.0 / np.maximum(np.abs(a), 1e-30), MAX_INV_GAIN)
    f0 = int(np.clip(np.ceil(THRESH_RESOLUTION_BITS - np.log2(inv.min())), 0, 24))

    def build(f: int) -> Layer:
        thr = np.round(inv * 2.0 ** f).astype(np.int64)
        bias = np.clip(np.round(c * inv * 2.0 ** f), -(1 << 29), 1 << 29).astype(np.int32)
        return Layer(n_in=w_pos.shape[1], n_out=w_pos.shape[0], name=f"{'fc' if window is None else 'conv'}{i}",
                     spiking=True, weights=np.packbits(w_pos.astype(np.uint8), axis=1, bitorder="little"),
                     bias=bias, threshold=thr.astype(np.int32), leak_shift=leak_shift, reset=reset,
                     mem_bits=32, frac_bits=f, skip_from=skip, window=window,
                     skip_gain=thr.astype(np.int32) if skip is not None else None)

    return _fit_frac(build, input_bits if i == 0 else None, f0, i)


@torch.no_grad()
def fold(model: BWSNN, classes: list[str], input_shape: tuple[int, ...],
         info: dict | None = None) -> Artifact:
    """The artifact of a trained model; ``input_shape`` is the image shape (a conv stack's is (H, W, C))."""
    model = model.eval()
    cfg = model.cfg
    layers: list[AnyLayer] = []
    for i, src in enumerate(_synapses(model)):
        if src[0] == "pool":
            layers.append(Pool(src[1], name=f"pool{i}"))
        else:
            layers.append(_spiking_layer(i, *src[1:], cfg.leak_shift, cfg.reset, cfg.input_bits))
    qw = model.out.quant_weight()
    alpha = float(qw.scale)
    w_pos = (qw.value > 0).cpu().numpy()
    if alpha < 0:
        alpha, w_pos = -alpha, ~w_pos
    b = model.out.bias.double().cpu().numpy()

    def build_out(f: int) -> Layer:
        return Layer(n_in=w_pos.shape[1], n_out=w_pos.shape[0], name="out", spiking=False,
                     weights=np.packbits(w_pos.astype(np.uint8), axis=1, bitorder="little"),
                     bias=np.round(b / alpha * 2.0 ** f).astype(np.int32), leak_shift=0, reset="hard",
                     mem_bits=32, frac_bits=f)

    layers.append(_fit_frac(build_out, None, OUT_FRAC_BITS, len(layers)))
    art = Artifact(T=cfg.T, input_shape=tuple(input_shape), classes=list(classes), layers=layers,
                   input_bits=cfg.input_bits, info=info or {})
    for i, l in enumerate(layers):
        if isinstance(l, Layer):
            l.mem_bits = _mem_bits(current_bound(art, i), l.threshold, l.leak_shift, cfg.T)
    return art
