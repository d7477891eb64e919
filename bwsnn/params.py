"""The parameter image: an artifact as the flat list of 32-bit words the RTL accelerator holds.

numpy only (the host driver loads it over AXI-Lite on the board). PARAM_DATA writes it word by word (reload
without resynthesis) and the .mem files that initialise the block RAMs (hw.gen) are slices of the very same
list. Layout (``lanes`` = P, the synapse lanes, a power of two >= 64):

``[0, 8 L)``  layer descriptors, ``DESC_STRIDE`` = 8 words per layer; their fields are :data:`DESC_FIELDS`
    (the RTL gets the same table as generated localparams): n_out, chunks = ceil(n_in / P), wbase (first
    weight row), nbase (first neuron slot of the bias/threshold/gain/membrane memories), in_sbase (spike
    word holding the layer's input spikes), out_sbase (spike word the layer's own spikes go to), skip_sbase
    (spike word of skip_from), and the cfg word: frac_bits, leak_shift, mem_bits, soft reset, spiking, has skip.
``[W_BASE, B_BASE)``  weight rows, P/32 words each: layer by layer, neuron-major, chunk-minor; bit j of
    row (n, c) is the weight of input c*P + j (1 = +1, 0 = -1 or padding); word k holds row bits 32k..32k+31.
``[B_BASE, +NN)``, ``[TH_BASE, +NN)``, ``[G_BASE, +NN)``  bias, threshold (0 for the output layer) and
    skip gain (0 without shortcut) of every neuron, int32 two's complement; NN = total neurons.

Spike words are P bits; spiking layer l's spikes occupy ceil(n_out / P) words from its out_sbase.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bwsnn.artifact import Artifact, ArtifactError
from bwsnn.limits import DESC_FIELD_BITS

DEFAULT_LANES = 256  # P of the default bitstream (hw/vivado builds with it; the host driver relies on it)
DESC_STRIDE = 8


class LayoutError(ArtifactError):
    """An artifact that does not fit the RTL generator's parameter image (one line naming the field, its limit
    and the value): an :class:`ArtifactError`, so every command that reports bad artifacts reports it."""


@dataclass(frozen=True)
class DescField:
    name: str
    word: int  # which of the layer's DESC_STRIDE words
    lsb: int
    bits: int


#: The layer descriptor, field by field: hw.gen emits it as localparams D_<NAME>_W/_LSB/_BITS for the RTL.
DESC_FIELDS = (
    DescField("N_OUT", 0, 0, DESC_FIELD_BITS), DescField("CHUNKS", 1, 0, DESC_FIELD_BITS),
    DescField("WBASE", 2, 0, DESC_FIELD_BITS), DescField("NBASE", 3, 0, DESC_FIELD_BITS),
    DescField("IN_SBASE", 4, 0, DESC_FIELD_BITS), DescField("OUT_SBASE", 5, 0, DESC_FIELD_BITS),
    DescField("SKIP_SBASE", 6, 0, DESC_FIELD_BITS), DescField("FRAC_BITS", 7, 0, 5),
    DescField("LEAK_SHIFT", 7, 8, 5), DescField("MEM_BITS", 7, 16, 6), DescField("SOFT_RESET", 7, 24, 1),
    DescField("SPIKING", 7, 25, 1), DescField("HAS_SKIP", 7, 26, 1),
)


@dataclass(frozen=True)
class Layout:
    """Where everything of one artifact lives for a P-lane engine (all derived from the shape)."""

    lanes: int
    chunks: tuple[int, ...]
    wbase: tuple[int, ...]
    nbase: tuple[int, ...]
    sbase: tuple[int, ...]  # out_sbase per layer (0 for the output layer, which never writes spikes)
    w_rows: int
    neurons: int
    spk_words: int

    @property
    def row_words(self) -> int:
        return self.lanes // 32

    @property
    def w_base(self) -> int:
        return DESC_STRIDE * len(self.chunks)

    @property
    def b_base(self) -> int:
        return self.w_base + self.w_rows * self.row_words

    @property
    def th_base(self) -> int:
        return self.b_base + self.neurons

    @property
    def g_base(self) -> int:
        return self.th_base + self.neurons

    @property
    def words(self) -> int:
        return self.g_base + self.neurons


def layout(art: Artifact, lanes: int = DEFAULT_LANES) -> Layout:
    if lanes < 64 or lanes & (lanes - 1):
        raise LayoutError(f"lanes: expected a power of two >= 64, got {lanes}")
    for i, l in enumerate(art.layers):
        if l.kind != "dense":
            raise LayoutError(f"layers[{i}]: the RTL parameter image holds dense layers only, got kind '{l.kind}'")
    chunks, wbase, nbase, sbase = [], [], [], []
    rows = neurons = words = 0
    for l in art.layers:
        c = -(-l.n_in // lanes)
        chunks.append(c)
        wbase.append(rows)
        nbase.append(neurons)
        sbase.append(words if l.spiking else 0)
        rows += c * l.n_out
        neurons += l.n_out
        words += -(-l.n_out // lanes) if l.spiking else 0
    return Layout(lanes, tuple(chunks), tuple(wbase), tuple(nbase), tuple(sbase), rows, neurons, max(words, 1))


def descriptor_values(art: Artifact, lay: Layout) -> list[dict[str, int]]:
    """Each layer's descriptor as {field name: value}."""
    out = []
    for i, l in enumerate(art.layers):
        skip = l.skip_from is not None
        out.append({"N_OUT": l.n_out, "CHUNKS": lay.chunks[i], "WBASE": lay.wbase[i], "NBASE": lay.nbase[i],
                    "IN_SBASE": lay.sbase[i - 1] if i else 0, "OUT_SBASE": lay.sbase[i],
                    "SKIP_SBASE": lay.sbase[l.skip_from] if skip else 0, "FRAC_BITS": l.frac_bits,
                    "LEAK_SHIFT": l.leak_shift, "MEM_BITS": l.mem_bits, "SOFT_RESET": int(l.reset == "soft"),
                    "SPIKING": int(l.spiking), "HAS_SKIP": int(skip)})
    return out


def descriptors(art: Artifact, lay: Layout) -> np.ndarray:
    """uint32 (L * DESC_STRIDE,): the descriptors packed by :data:`DESC_FIELDS`; a value that does not fit its
    field is a :class:`LayoutError` naming the layer, the field, its limit and the value."""
    d = np.zeros((len(art.layers), DESC_STRIDE), np.uint32)
    for i, values in enumerate(descriptor_values(art, lay)):
        for f in DESC_FIELDS:
            v = values[f.name]
            if not 0 <= v < 1 << f.bits:
                raise LayoutError(f"layers[{i}]: descriptor field {f.name} holds 0..{(1 << f.bits) - 1} "
                                  f"(the RTL generator's limit), got {v}")
            d[i, f.word] |= np.uint32(v << f.lsb)
    return d.reshape(-1)


def _weight_rows(art: Artifact, lay: Layout) -> np.ndarray:
    """uint32 (w_rows, P/32): the weight memory's rows as 32-bit words."""
    rows = []
    for c, l in zip(lay.chunks, art.layers):
        bits = np.zeros((l.n_out, c * lay.lanes), np.uint8)
        bits[:, :l.n_in] = np.unpackbits(l.weights, axis=1, count=l.n_in, bitorder="little")
        rows.append(np.packbits(bits, axis=1, bitorder="little").view("<u4").reshape(l.n_out * c, lay.row_words))
    return np.concatenate(rows)


def _neuron_params(art: Artifact) -> tuple[np.ndarray, ...]:
    zero = [np.zeros(l.n_out, np.int32) for l in art.layers]
    bias = np.concatenate([l.bias for l in art.layers])
    thr = np.concatenate([l.threshold if l.spiking else z for l, z in zip(art.layers, zero)])
    gain = np.concatenate([l.skip_gain if l.skip_gain is not None else z for l, z in zip(art.layers, zero)])
    return tuple(a.astype(np.int32).view(np.uint32) for a in (bias, thr, gain))


def param_image(art: Artifact, lanes: int = DEFAULT_LANES) -> np.ndarray:
    """The flat uint32 parameter image (PARAM_WORDS long) for a ``lanes``-lane engine."""
    lay = layout(art, lanes)
    img = np.concatenate([descriptors(art, lay), _weight_rows(art, lay).reshape(-1), *_neuron_params(art)])
    assert len(img) == lay.words
    return img.astype(np.uint32)


def split_image(image: np.ndarray, art: Artifact, lanes: int = DEFAULT_LANES) -> dict[str, np.ndarray]:
    """The parameter image cut into the memories' contents (what the .mem files hold)."""
    lay = layout(art, lanes)
    img = np.asarray(image, np.uint32)
    return {"desc": img[:lay.w_base],
            "weights": img[lay.w_base:lay.b_base].reshape(lay.w_rows, lay.row_words),
            "bias": img[lay.b_base:lay.th_base], "threshold": img[lay.th_base:lay.g_base],
            "skip_gain": img[lay.g_base:lay.words]}
