"""The parameter image: an artifact as the flat list of 32-bit words the RTL accelerator holds, and the
folding (PE x SIMD per layer) that shapes it.

numpy only (the host driver loads it over AXI-Lite on the board). PARAM_DATA writes it word by word (reload
without resynthesis, in any order) and the .mem files that initialise the accelerator's memories (hw.gen) are
slices of the very same list. What a reload may change: the weights and the neuron parameters. The shape
(PARAM_WORDS) and the layers' configuration words are fixed at synthesis (the RTL builds its LIF datapaths
from them: constant shifts, mem_bits-wide membranes); a configuration word other than the synthesized one
sets ERROR.PARAM_VALUE.

Each layer l has its own engine (hw/rtl/bwsnn_layer.v) that reads one weight row of PE x SIMD bits per cycle:
PE neurons (a *group*) times SIMD inputs (a *chunk*), groups = ceil(n_out / PE), chunks = ceil(n_in / SIMD),
so one image takes groups * chunks cycles in that layer, every weight read once for all T steps. A conv2d
layer's engine does the same at each of its H' * W' output positions (its matrix is (C', k*k*C), the window),
a pool layer has no parameters; :func:`layer_cycles` adds the window generator's walk. PE is a power of two;
SIMD >= 32 a power of two or a multiple of :data:`SIMD_STEP` dividing the fan-in (PE x SIMD whole 32-bit
words). ``lif`` (LIF lanes, a power of two dividing PE) neurons per cycle go through the engine's LIF chains;
PE / lif <= chunks keeps them from stalling the engine. :func:`bwsnn.planner.plan` picks the folding.

Layout (L layers):

``[0, L)``  one configuration word per layer, fields :data:`DESC_FIELDS` (the RTL gets the same table as
    generated localparams): frac_bits, leak_shift, mem_bits, soft reset.
then, per layer l in order (bases in :class:`LayerLayout`):
``weights``  groups * chunks rows of PE * SIMD / 32 words, group-major, chunk-minor; in row (g, c) bit
    p * SIMD + j (bit k of a row is bit k % 32 of its word k // 32) is the weight of neuron g * PE + p, input
    c * SIMD + j (1 = +1, 0 = -1 or padding).
``bias``, ``threshold``, ``skip_gain``  groups * PE words each, one per neuron (padding neurons 0), int32 two's
    complement, as the LIF units take them (:func:`neuron_words`): the bias and, in the skip-gain words, bias +
    skip gain, both clamped to :func:`lif_const_bits`; the threshold clamped to mem_bits + 1 bits (0 for the
    output layer); skip-gain words 0 without shortcut. Clamped so, every result is the golden model's
    (hw/rtl/bwsnn_lif.v says why), and the RTL holds only the bits that carry.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bwsnn.artifact import AnyLayer, Artifact, ArtifactError, Layer, Pool
from bwsnn.limits import BRAM_MIN_BITS

MIN_SIMD = 32
DESC_STRIDE = 1


class LayoutError(ArtifactError):
    """An artifact or folding that does not fit the RTL generator's parameter image (one line naming the field,
    its limit and the value): an :class:`ArtifactError`, so every command that reports bad artifacts reports it."""


@dataclass(frozen=True)
class DescField:
    name: str
    word: int  # which of the layer's DESC_STRIDE words
    lsb: int
    bits: int


#: The layer configuration word, field by field: hw.gen emits it as localparams D_<NAME>_W/_LSB/_BITS.
DESC_FIELDS = (
    DescField("FRAC_BITS", 0, 0, 5), DescField("LEAK_SHIFT", 0, 8, 5), DescField("MEM_BITS", 0, 16, 6),
    DescField("SOFT_RESET", 0, 24, 1),
)


@dataclass(frozen=True)
class Fold:
    """One layer's folding."""

    pe: int  # neurons per cycle
    simd: int  # synapses (inputs) per neuron per cycle
    lif: int  # neurons per cycle through the LIF chains
    bram: bool  # weights in block RAM (else LUT RAM)


#: a SIMD that is not a power of two divides the fan-in in a multiple of this (whole 16-bit halves of words)
SIMD_STEP = 16


def _pow2(n: int) -> bool:
    return n > 0 and not n & (n - 1)


def _ceil_pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


def lif_lanes(pe: int, chunks: int) -> int:
    """The fewest LIF lanes (a power of two dividing PE) that serialize a group in <= chunks cycles."""
    return pe >> (min(pe, chunks).bit_length() - 1)


def _fold(pe: int, simd: int, n_in: int, n_out: int) -> Fold:
    chunks = _cdiv(n_in, simd)
    return Fold(pe, simd, lif_lanes(pe, chunks), _cdiv(n_out, pe) * chunks * pe * simd >= BRAM_MIN_BITS)


def positions(l: AnyLayer) -> int:
    """Output positions per image: H' * W' for conv2d and pool layers (the engine's outer loop), 1 for dense."""
    return 1 if l.window is None else l.out_shape[0] * l.out_shape[1]


def fan(l: AnyLayer) -> tuple[int, int]:
    """(n_in, n_out) of the layer's matrix; a pool has none: (C, C), its Fold is not used."""
    return (l.n_in, l.n_out) if isinstance(l, Layer) else (l.in_shape[2], l.in_shape[2])


def check_wiring(art: Artifact) -> None:
    """The layer kinds and wiring the RTL generator has engines for (:func:`check_buildable`, the one capability
    check, adds the limits of the layout): a :class:`LayoutError` line otherwise.

    Dense, conv2d and pool layers; the last layer dense (the classifier reads the flattened map); shortcuts
    from the previous layer only (its spikes are the frame buffer / window the engine reads: for a conv the
    window's centre tap, since a shortcut keeps the shape, stride 1 and padding (k - 1) / 2)."""
    for i, l in enumerate(art.layers):
        if l.skip_from is not None and l.skip_from != i - 1:
            raise LayoutError(f"layers[{i}].skip_from: the RTL takes shortcuts from the previous layer "
                              f"({i - 1}) only, got {l.skip_from}")
    if art.layers[-1].kind != "dense":
        raise LayoutError(f"layers[{len(art.layers) - 1}].kind: the RTL's output layer is dense, "
                          f"got '{art.layers[-1].kind}'")


def folding(art: Artifact, pe_simd: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> tuple[Fold, ...]:
    """A folding from (PE, SIMD) per layer (LIF lanes and memory kind as the planner derives them; a pool
    layer's entry is not used)."""
    if len(pe_simd) != len(art.layers):
        raise LayoutError(f"folding: expected (PE, SIMD) for {len(art.layers)} layers, got {len(pe_simd)}")
    return tuple(_fold(int(pe), int(simd), *fan(l)) for (pe, simd), l in zip(pe_simd, art.layers))


#: the deepest window FIFO (bwsnn_window's HOLD): a RAM32M's 32 entries, 4 LUTs per 6 bits of window
MAX_WINDOW_HOLD = 32
#: a conv2d whose engine works this many cycles or more on each window gets no window FIFO (HOLD 0): the head's
#: 2-cycle hand-over costs it <= 3 % of its interval, and the FIFO's LUT RAM is most of a wide window's LUTs
#: (a 3 x 3 x 128 window of 2 steps, python -m hw.units: 2,180 LUT with a FIFO, of which ~1,540 LUT RAM)
HEAD_ONLY_ROWS = 64


def _window_start(l: AnyLayer) -> int:
    """Cycles of a frame's walk before its first window: its first K - 1 rows and K pixels, a few more in the
    pipeline."""
    k = l.window.kernel
    return (k - 1) * ((l.out_shape[1] - 1) * l.window.stride + k) + k + 4


def _window_rows(l: AnyLayer, f: Fold) -> int:
    """The engine's cycles per window (groups x chunks); a pool's, as the FIFO is sized, from its (C, C) fan."""
    n_in, n_out = fan(l)
    return _cdiv(n_out, f.pe) * _cdiv(n_in, f.simd)


def window_hold(l: AnyLayer, f: Fold) -> int:
    """bwsnn_window's HOLD for a conv2d or pool layer at ``f``: 0 (the head alone) for a conv2d engine of
    :data:`HEAD_ONLY_ROWS` or more cycles per window whose work on one window hides a frame's start; else
    windows enough that the start fits in the engine's work on the windows held, so that frames follow each
    other without a bubble: a power of two, 4 .. :data:`MAX_WINDOW_HOLD`."""
    rows, start = _window_rows(l, f), _window_start(l)
    if isinstance(l, Layer) and rows >= max(HEAD_ONLY_ROWS, start):
        return 0
    need = -(-start // rows) + 2
    return min(MAX_WINDOW_HOLD, max(4, 1 << (need - 1).bit_length()))


def layer_cycles(l: AnyLayer, f: Fold) -> int:
    """Cycles per image: the engine's groups x chunks rows per output position (2 more where the window
    generator has no FIFO, :func:`window_hold`: the walk hands the next window over 2 cycles after the take),
    or for a conv2d / pool the window generator's walk where that is longer (bwsnn_window: one padded input
    pixel per cycle over the (H' - 1) S + K rows and (W' - 1) S + K columns a window uses, and one cycle
    between frames; its FIFO holds windows, so the engine works on while it fills a row's first window)."""
    n_in, n_out = fan(l)
    rows = 0 if isinstance(l, Pool) else _cdiv(n_out, f.pe) * _cdiv(n_in, f.simd)
    if l.window is None:
        return rows
    if window_hold(l, f) == 0:
        rows += 2
    k, s = l.window.kernel, l.window.stride
    oh, ow = l.out_shape[:2]
    return max(oh * ow * rows, ((oh - 1) * s + k) * ((ow - 1) * s + k) + 1)


@dataclass(frozen=True)
class LayerLayout:
    """Where one layer's parameters live in the image and how its engine walks them."""

    n_in: int
    n_out: int
    fold: Fold
    wbase: int
    bbase: int
    thbase: int
    gbase: int
    cycles: int  # per image (layer_cycles)
    positions: int = 1  # output positions per image (conv2d: H' * W'; the weights are read at each)
    pool: bool = False  # a pool layer: no parameters, no engine

    @property
    def groups(self) -> int:
        return _cdiv(self.n_out, self.fold.pe)

    @property
    def chunks(self) -> int:
        return _cdiv(self.n_in, self.fold.simd)

    @property
    def n_pad(self) -> int:
        return self.groups * self.fold.pe

    @property
    def w_rows(self) -> int:
        return self.groups * self.chunks

    @property
    def row_words(self) -> int:
        return self.fold.pe * self.fold.simd // 32

    @property
    def row_stride(self) -> int:
        """Image words per weight row: :attr:`row_words` up to a power of two (the rest padding, 0), so that
        bwsnn_pmem finds a word's row and slice by a shift."""
        return _ceil_pow2(self.row_words)

    @property
    def neuron_bram(self) -> bool:
        """Bias, threshold and skip gain (one 32-bit word per neuron each) in block RAM."""
        return self.n_pad * 32 >= BRAM_MIN_BITS


@dataclass(frozen=True)
class Layout:
    layers: tuple[LayerLayout, ...]
    words: int


def check_folding(art: Artifact, folding: tuple[Fold, ...]) -> None:
    if len(folding) != len(art.layers):
        raise LayoutError(f"folding: expected {len(art.layers)} layers, got {len(folding)}")
    for i, (l, f) in enumerate(zip(art.layers, folding)):
        if isinstance(l, Pool):
            continue
        chunks = _cdiv(l.n_in, f.simd)
        if not (_pow2(f.pe) and f.simd >= MIN_SIMD and f.pe * f.simd % 32 == 0
                and (_pow2(f.simd) or f.simd % SIMD_STEP == 0) and _pow2(f.lif) and f.pe % f.lif == 0
                and f.pe // f.lif <= chunks):
            raise LayoutError(f"folding[{i}]: expected PE and LIF lanes powers of two, SIMD >= {MIN_SIMD} a power of "
                              f"two or a multiple of {SIMD_STEP}, PE x SIMD whole 32-bit words, LIF lanes dividing PE "
                              f"with PE / lif <= chunks ({chunks}), got {f}")
        if l.window is not None and isinstance(l, Layer) and l.n_out % f.pe:
            raise LayoutError(f"folding[{i}]: a conv2d layer writes whole positions, so PE divides its "
                              f"{l.n_out} channels, got PE {f.pe}")


def layout(art: Artifact, folding: tuple[Fold, ...]) -> Layout:
    check_wiring(art)
    check_folding(art, folding)
    base = DESC_STRIDE * len(art.layers)
    out = []
    for l, f in zip(art.layers, folding):
        (n_in, n_out), pool = fan(l), isinstance(l, Pool)
        groups, chunks = _cdiv(n_out, f.pe), _cdiv(n_in, f.simd)
        w = 0 if pool else groups * chunks * _ceil_pow2(f.pe * f.simd // 32)
        n = 0 if pool else groups * f.pe
        out.append(LayerLayout(n_in, n_out, f, base, base + w, base + w + n, base + w + 2 * n, layer_cycles(l, f),
                               positions(l), pool))
        base += w + 3 * n
    return Layout(tuple(out), base)


def check_buildable(art: Artifact, src: str | None = None) -> None:
    """The one capability check of the RTL generator (hw.gen, hw.synth, sim.run_rtl, the hardware bench, the host's
    RTL backends). Raise :class:`LayoutError` (one line, starting with ``src``, the file, if given) unless it
    can build ``art``: the wiring (:func:`check_wiring`) and the limits :func:`layout` and :func:`descriptors`
    accept (at the smallest folding, PE 1 x SIMD 32: :func:`check_folding` takes every folding the planner
    picks, so the folding does not decide it). The tools that build or bench the RTL call it first, before
    planning a folding or starting minutes of other work."""
    try:
        layout(art, folding(art, [(1, MIN_SIMD)] * len(art.layers)))
        descriptors(art)
    except LayoutError as e:
        if src is None:
            raise
        raise LayoutError(f"{src}: {e}") from None


def buildable(art: Artifact) -> bool:
    """Whether :func:`check_buildable` accepts ``art``."""
    try:
        check_buildable(art)
    except LayoutError:
        return False
    return True


def descriptor_values(art: Artifact) -> list[dict[str, int]]:
    """Each layer's configuration word as {field name: value}."""
    return [{"FRAC_BITS": l.frac_bits, "LEAK_SHIFT": l.leak_shift, "MEM_BITS": l.mem_bits,
             "SOFT_RESET": int(l.reset == "soft")} if isinstance(l, Layer) else
            {"FRAC_BITS": 0, "LEAK_SHIFT": 0, "MEM_BITS": 0, "SOFT_RESET": 0} for l in art.layers]


def descriptors(art: Artifact) -> np.ndarray:
    """uint32 (L * DESC_STRIDE,): the configuration words packed by :data:`DESC_FIELDS`; a value that does not
    fit its field is a :class:`LayoutError` naming the layer, the field, its limit and the value."""
    d = np.zeros((len(art.layers), DESC_STRIDE), np.uint32)
    for i, values in enumerate(descriptor_values(art)):
        for f in DESC_FIELDS:
            v = values[f.name]
            if not 0 <= v < 1 << f.bits:
                raise LayoutError(f"layers[{i}]: descriptor field {f.name} holds 0..{(1 << f.bits) - 1} "
                                  f"(the RTL generator's limit), got {v}")
            d[i, f.word] |= np.uint32(v << f.lsb)
    return d.reshape(-1)


def weight_rows(l: Layer, ll: LayerLayout) -> np.ndarray:
    """uint32 (w_rows, row_stride): one layer's weight memory, each row's words past row_words 0 (padding)."""
    f = ll.fold
    bits = np.zeros((ll.n_pad, ll.chunks * f.simd), np.uint8)
    bits[:l.n_out, :l.n_in] = np.unpackbits(l.weights, axis=1, count=l.n_in, bitorder="little")
    # (group, p, chunk, j) -> (group, chunk, p, j): row (g, c) holds PE runs of SIMD bits
    rows = bits.reshape(ll.groups, f.pe, ll.chunks, f.simd).transpose(0, 2, 1, 3)
    words = np.packbits(rows.reshape(ll.w_rows, -1), axis=1, bitorder="little").view("<u4")
    return np.pad(words, ((0, 0), (0, ll.row_stride - ll.row_words)))


def const_bits(zw: int, frac_bits: int, mem_bits: int) -> int:
    """bwsnn_lif's CW: the bits a LIF unit's constants (bias, bias + skip gain) may be clamped to, for signed
    sums of ``zw`` bits: max(mem_bits, zw - 1 + frac_bits) + 3 (why: hw/rtl/bwsnn_lif.v)."""
    return max(mem_bits, zw - 1 + frac_bits) + 3


def lif_const_bits(art: Artifact, i: int) -> int:
    """:func:`const_bits` of layer ``i``, whose sums are ZW bits: |z| <= n_in, or (2^b - 1) n_in for b-bit
    pixels (bwsnn_layer's ZW)."""
    l = art.layers[i]
    zmax = l.n_in * ((1 << art.input_bits) - 1) if i == 0 else l.n_in
    return const_bits(zmax.bit_length() + 1, l.frac_bits, l.mem_bits)


def clamp_word(v: np.ndarray | int, bits: int) -> np.ndarray:
    """``v`` clamped to the signed ``bits``-bit range, as int32 (a 32-bit word holds at most 32)."""
    lim = 1 << (min(bits, 32) - 1)
    return np.clip(np.asarray(v, np.int64), -lim, lim - 1).astype(np.int32)


def neuron_words(art: Artifact, i: int, ll: LayerLayout) -> dict[str, np.ndarray]:
    """uint32 (n_pad,) each: the bias, threshold and skip-gain words of layer ``i``, padding neurons 0, as the
    LIF units take them: c0 = bias, c1 = bias + skip gain (in the skip-gain words; exact in int32: validation
    bounds |bias| + |gain| below 2^31) clamped to :func:`lif_const_bits`, the threshold to mem_bits + 1 bits."""
    l = art.layers[i]
    cw = lif_const_bits(art, i)
    gain = None if l.skip_gain is None else clamp_word(l.bias.astype(np.int64) + l.skip_gain, cw)
    thr = None if l.threshold is None else clamp_word(l.threshold, l.mem_bits + 1)
    out = {}
    for name, v in (("bias", clamp_word(l.bias, cw)), ("threshold", thr), ("skip_gain", gain)):
        a = np.zeros(ll.n_pad, np.int32)
        if v is not None:
            a[:l.n_out] = v
        out[name] = a.view(np.uint32)
    return out


def memories(art: Artifact, folding: tuple[Fold, ...]) -> dict[str, np.ndarray]:
    """The memories' contents by name: ``desc`` and per layer ``w<l>`` (rows), ``b<l>``, ``th<l>``, ``g<l>``."""
    lay = layout(art, folding)
    mems = {"desc": descriptors(art)}
    for i, (l, ll) in enumerate(zip(art.layers, lay.layers)):
        if ll.pool:
            continue
        mems[f"w{i}"] = weight_rows(l, ll)
        nw = neuron_words(art, i, ll)
        mems[f"b{i}"], mems[f"th{i}"], mems[f"g{i}"] = nw["bias"], nw["threshold"], nw["skip_gain"]
    return mems


def param_image(art: Artifact, folding: tuple[Fold, ...]) -> np.ndarray:
    """The flat uint32 parameter image (PARAM_WORDS long) for the engines of ``folding``."""
    lay = layout(art, folding)
    img = np.concatenate([m.reshape(-1) for m in memories(art, folding).values()])
    assert len(img) == lay.words
    return img.astype(np.uint32)
