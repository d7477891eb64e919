"""The deploy artifact (``*.bwsnn.npz``): one file holding everything the hardware needs.

numpy only: this module runs on the PYNQ-Z2's ARM CPU.

Layout of the ``.npz`` (``allow_pickle=False``):

``meta``
    UTF-8 JSON (stored as a uint8 array) with ``format`` = "bwsnn", ``version``, ``T``, ``input``
    (``shape``; ``bits`` 1..8: layer 0 sees the top ``bits`` bits of each 8-bit pixel), ``classes`` and
    ``layers`` (in order; see below), plus free-form ``info`` (dataset, training figures) that no consumer
    depends on.
``L{i}_weights``
    uint8 ``(out, ceil(fan_in/8))``: the +/-1 weight matrix, one row per neuron (dense) or output channel
    (conv2d), bit-packed along the fan-in, little bit order (bit j of a row is column j; 1 means +1, 0 means
    -1; padding bits are 0).
``L{i}_bias``, ``L{i}_threshold``, ``L{i}_skip_gain``
    int32 ``(out,)``, one per row. ``threshold`` only for spiking layers, ``skip_gain`` only when
    ``skip_from`` is set.
``checksum``
    sha256 (hex, as uint8) over ``meta`` and every array: name, dtype, shape and bytes, in sorted order.

Layer kinds (``layers[i].kind``; version 1 files hold dense layers only, and still load):

``dense``  ``in``, ``out`` (ints). Its input is the previous output flattened in (H, W, C) order (C fastest):
    no separate flatten layer is needed.
``conv2d``  ``in`` = [H, W, C], ``out`` = [H', W', C'], ``kernel`` k, ``stride`` s, ``padding`` p (square,
    zero padding on all four sides): H' = (H + 2p - k) // s + 1, likewise W'. The weight matrix is
    (C', k*k*C), column j = (ky*k + kx)*C + c: the window in (ky, kx, c) order with channels fastest, which is
    what a FINN-style sliding-window generator streams into a matrix-vector unit. Bias, threshold and skip
    gain are per output channel, shared by the H'*W' neurons of that channel.
``pool``  ``in`` = [H, W, C], ``out`` = [H', W', C], ``kernel``, ``stride`` (no padding): spike max-pool, i.e.
    the OR of each k x k window, per channel. No weights, no neurons; never the first or the last layer.

Dense and conv2d layers share the neuron fields ``spiking``, ``leak_shift``, ``reset``, ``mem_bits``,
``frac_bits`` and ``skip_from``. Every tensor between layers is channels-last: (H, W, C) or (n,).

Any violation raises :class:`ArtifactError` with one line: file, field, expected, got.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bwsnn import npz
from bwsnn.limits import ACC_BITS, MAX_FRAC_BITS, MAX_MAP, MAX_MEM_BITS, MAX_T, MIN_MEM_BITS

FORMAT = "bwsnn"
VERSION = 2
READABLE_VERSIONS = (1, 2)
RESETS = ("hard", "soft")
KINDS = ("dense", "conv2d", "pool")
# the fields each object of the meta may have: anything else is refused (a misspelt or misplaced field would
# otherwise be silently ignored, e.g. a padding on a pool)
META_FIELDS = ("format", "version", "T", "input", "classes", "layers", "info")
INPUT_FIELDS = ("shape", "bits")
NEURON_FIELDS = ("spiking", "leak_shift", "reset", "mem_bits", "frac_bits", "skip_from")
LAYER_FIELDS = {"dense": ("name", "kind", "in", "out", *NEURON_FIELDS),
                "conv2d": ("name", "kind", "in", "out", "kernel", "stride", "padding", *NEURON_FIELDS),
                "pool": ("name", "kind", "in", "out", "kernel", "stride")}


class ArtifactError(ValueError):
    """A corrupt, truncated, wrong-version or inconsistent artifact."""


@dataclass(frozen=True)
class Window:
    """A square sliding window over a channels-last (H, W, C) input: the geometry of conv2d and pool."""

    in_shape: tuple[int, int, int]
    kernel: int
    stride: int = 1
    padding: int = 0

    @property
    def out_hw(self) -> tuple[int, int]:
        h, w, _ = self.in_shape
        k, s, p = self.kernel, self.stride, self.padding
        return (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1

    def meta(self) -> dict[str, Any]:
        return {"in": list(self.in_shape), "kernel": self.kernel, "stride": self.stride}


@dataclass
class Layer:
    """A synaptic layer: binary synapses feeding LIF neurons (or the output integrator); dense or conv2d.

    The synapses are one +/-1 matrix of ``n_out`` rows by ``n_in`` columns: ``n_in`` is the fan-in of one
    neuron (dense: the inputs; conv2d: k*k*C, the window) and ``n_out`` the rows (dense: the neurons;
    conv2d: the output channels). A conv2d layer has a ``window`` and applies its matrix at every position.

    ``spiking`` is False only for the last layer, whose membrane is summed over T and never fires.
    ``skip_from`` is the index of an earlier spike-producing layer whose spikes (same step, same output
    shape) are added to this layer's input current with per-row ``skip_gain``: the identity shortcut,
    scaled to membrane units.
    """

    n_in: int
    n_out: int
    weights: np.ndarray  # uint8 (n_out, ceil(n_in/8)), packed +/-1
    bias: np.ndarray  # int32 (n_out,)
    spiking: bool
    leak_shift: int
    reset: str
    mem_bits: int
    frac_bits: int
    threshold: np.ndarray | None = None  # int32 (n_out,), spiking layers
    skip_from: int | None = None
    skip_gain: np.ndarray | None = None  # int32 (n_out,)
    name: str = ""
    window: Window | None = None  # conv2d only

    @property
    def kind(self) -> str:
        return "dense" if self.window is None else "conv2d"

    @property
    def in_shape(self) -> tuple[int, ...]:
        return (self.n_in,) if self.window is None else self.window.in_shape

    @property
    def out_shape(self) -> tuple[int, ...]:
        return (self.n_out,) if self.window is None else (*self.window.out_hw, self.n_out)

    def weights_pm1(self) -> np.ndarray:
        """Unpacked weights as int8 (+1/-1), shape (n_out, n_in)."""
        bits = np.unpackbits(self.weights, axis=1, count=self.n_in, bitorder="little")
        return bits.astype(np.int8) * 2 - 1

    def meta(self) -> dict[str, Any]:
        shapes = ({"in": self.n_in, "out": self.n_out} if self.window is None else
                  {**self.window.meta(), "padding": self.window.padding, "out": list(self.out_shape)})
        return {"name": self.name, "kind": self.kind, **shapes,
                "spiking": self.spiking, "leak_shift": self.leak_shift, "reset": self.reset,
                "mem_bits": self.mem_bits, "frac_bits": self.frac_bits, "skip_from": self.skip_from}


@dataclass
class Pool:
    """Spike max-pool: the OR of every k x k window (stride s, no padding), channel by channel."""

    window: Window
    name: str = ""
    kind = "pool"
    spiking = True  # its output is a spike map
    skip_from = None

    @property
    def in_shape(self) -> tuple[int, int, int]:
        return self.window.in_shape

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return (*self.window.out_hw, self.window.in_shape[2])

    def meta(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, **self.window.meta(), "out": list(self.out_shape)}


AnyLayer = Layer | Pool


@dataclass
class Artifact:
    T: int
    input_shape: tuple[int, ...]
    classes: list[str]
    layers: list[AnyLayer]
    input_bits: int = 8
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_in(self) -> int:
        return int(np.prod(self.input_shape))

    @property
    def synaptic(self) -> list[Layer]:
        """The layers with weights and neurons (every layer but the pools)."""
        return [l for l in self.layers if isinstance(l, Layer)]

    def is_dense(self) -> bool:
        """True when every layer is dense (what version 1 could hold)."""
        return all(l.kind == "dense" for l in self.layers)

    def meta(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "T": self.T,
                "input": {"shape": list(self.input_shape), "bits": self.input_bits},
                "classes": list(self.classes), "layers": [l.meta() for l in self.layers],
                "info": self.info}

    def arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i, l in enumerate(self.layers):
            if not isinstance(l, Layer):
                continue
            out[f"L{i}_weights"] = l.weights
            out[f"L{i}_bias"] = l.bias
            if l.threshold is not None:
                out[f"L{i}_threshold"] = l.threshold
            if l.skip_gain is not None:
                out[f"L{i}_skip_gain"] = l.skip_gain
        return out

    def save(self, path: str | Path) -> None:
        validate(self, str(path))
        meta = np.frombuffer(json.dumps(self.meta(), sort_keys=True).encode(), np.uint8)
        arrays = self.arrays()
        digest = _checksum(meta, arrays)
        with open(path, "wb") as f:  # an open file keeps np.savez from appending ".npz"
            np.savez(f, meta=meta, checksum=np.frombuffer(digest.encode(), np.uint8), **arrays)

    def weight_bits(self) -> int:
        return sum(l.n_in * l.n_out for l in self.synaptic)


def _checksum(meta: np.ndarray, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(meta.tobytes())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _fail(src: str, fieldname: str, expected: Any, got: Any) -> None:
    raise ArtifactError(f"{src}: field '{fieldname}': expected {expected}, got {got}")


def _is_int(v: Any) -> bool:
    """An integer, not a bool (JSON true is a Python bool, which is an int)."""
    return isinstance(v, int) and not isinstance(v, bool)


def _get(d: dict, key: str, src: str, where: str, typ: type) -> Any:
    if key not in d:
        _fail(src, f"{where}{key}", "present", "missing")
    v = d[key]
    if not isinstance(v, typ) or (typ is not bool and isinstance(v, bool)):
        _fail(src, f"{where}{key}", typ.__name__, _shown(v))
    return v


def _shown(v: Any) -> str:
    """A JSON value for a one-line message: as JSON (true, not True; a bare float as Python writes it: nan),
    shortened."""
    text = repr(v) if isinstance(v, float) else json.dumps(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _only(d: dict, allowed: tuple[str, ...], src: str, where: str, what: str) -> None:
    """Refuse a field ``d`` may not have (``what`` names the object: "a pool layer")."""
    extra = [k for k in d if k not in allowed]
    if extra:
        _fail(src, f"{where}{extra[0]}", f"only the fields of {what} ({', '.join(allowed)})", "an unknown field")


def _array(arrays: dict, name: str, src: str, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    if name not in arrays:
        _fail(src, name, f"array {np.dtype(dtype).name}{list(shape)}", "missing")
    a = arrays[name]
    if a.dtype != dtype or a.shape != shape:
        _fail(src, name, f"{np.dtype(dtype).name}{list(shape)}", f"{a.dtype}{list(a.shape)}")
    return a


def load(path: str | Path) -> Artifact:
    """Load and fully validate an artifact; any problem is one :class:`ArtifactError` line."""
    src = str(path)
    try:
        arrays = npz.read(path)
    except npz.NpzError as e:
        raise ArtifactError(str(e)) from None
    for key in ("meta", "checksum"):
        if key not in arrays:
            _fail(src, key, "present", "missing")
    meta_arr = arrays.pop("meta")
    stored = arrays.pop("checksum").tobytes().decode(errors="replace")
    actual = _checksum(meta_arr, arrays)
    if stored != actual:
        _fail(src, "checksum", actual[:16] + "...", stored[:16] + "... (file altered or corrupt)")
    try:
        meta = json.loads(meta_arr.tobytes().decode())
    except (ValueError, RecursionError) as e:  # bad UTF-8 or JSON, a 5,000-digit number, nesting too deep
        raise ArtifactError(f"{src}: field 'meta': expected JSON, got undecodable bytes ({e})") from None
    if not isinstance(meta, dict):
        _fail(src, "meta", "a JSON object", type(meta).__name__)
    fmt = meta.get("format")
    if fmt != FORMAT:
        _fail(src, "format", repr(FORMAT), repr(fmt))
    version = meta.get("version")
    if not _is_int(version) or version not in READABLE_VERSIONS:
        _fail(src, "version", " or ".join(map(str, READABLE_VERSIONS)), _shown(version))
    _only(meta, META_FIELDS, src, "", "the meta")
    inp = _get(meta, "input", src, "", dict)
    _only(inp, INPUT_FIELDS, src, "input.", "the input")
    shape = _get(inp, "shape", src, "input.", list)
    if not shape or not all(_is_int(d) and d >= 1 for d in shape):
        _fail(src, "input.shape", "a list of positive integers", _shown(shape))
    classes = _get(meta, "classes", src, "", list)
    if not all(isinstance(c, str) for c in classes):
        _fail(src, "classes", "a list of names (strings)", _shown(classes))
    info = meta.get("info", {})
    if not isinstance(info, dict):
        _fail(src, "info", "an object", _shown(info))
    layers_meta = _get(meta, "layers", src, "", list)
    layers = []
    for i, lm in enumerate(layers_meta):
        if not isinstance(lm, dict):
            _fail(src, f"layers[{i}]", "an object", repr(lm))
        kinds = KINDS if version >= 2 else ("dense",)
        kind = lm.get("kind")
        if kind not in kinds:
            _fail(src, f"layers[{i}].kind", " or ".join(map(repr, kinds)), _shown(kind))
        _only(lm, LAYER_FIELDS[kind], src, f"layers[{i}].", f"a {kind} layer")
        layers.append(_parse_layer(lm, kind, i, arrays, src))
    art = Artifact(T=_get(meta, "T", src, "", int), input_shape=tuple(shape),
                   input_bits=_get(inp, "bits", src, "input.", int),
                   classes=classes, layers=layers, info=info)
    unknown = sorted(set(arrays) - set(art.arrays()))
    if unknown:  # data nobody reads: a sign of the wrong file
        _fail(src, unknown[0], "no array outside the format", "an unknown array")
    validate(art, src)
    return art


def _shape(d: dict, key: str, src: str, where: str, rank: int) -> tuple[int, ...]:
    v = _get(d, key, src, where, list)
    if len(v) != rank or not all(_is_int(x) and x >= 1 for x in v):
        _fail(src, f"{where}{key}", f"{rank} positive integers", _shown(v))
    return tuple(v)


def _parse_layer(lm: dict, kind: str, i: int, arrays: dict, src: str) -> AnyLayer:
    """One layer's meta (+ its arrays) -> Layer or Pool; the cross-field checks are :func:`validate`'s."""
    w = f"layers[{i}]."
    name = lm.get("name", f"L{i}")
    if not isinstance(name, str):
        _fail(src, f"{w}name", "a string", _shown(name))
    window = None
    if kind != "dense":
        in_shape = _shape(lm, "in", src, w, 3)
        window = Window(in_shape, _get(lm, "kernel", src, w, int), _get(lm, "stride", src, w, int),
                        _get(lm, "padding", src, w, int) if kind == "conv2d" else 0)
        _check_window(window, src, w)
        out = _shape(lm, "out", src, w, 3)
        if out[:2] != window.out_hw or (kind == "pool" and out[2] != in_shape[2]):
            want = [*window.out_hw, "C'" if kind == "conv2d" else in_shape[2]]
            _fail(src, f"{w}out", f"[{', '.join(map(str, want))}] (from in, kernel, stride, padding)", list(out))
        if kind == "pool":
            return Pool(window, name)
        n_in, n_out = window.kernel ** 2 * in_shape[2], out[2]
    else:
        n_in, n_out = _get(lm, "in", src, w, int), _get(lm, "out", src, w, int)
        if n_in < 1 or n_out < 1:
            _fail(src, f"{w}in/out", "positive sizes", (n_in, n_out))
    spiking = _get(lm, "spiking", src, w, bool)
    skip = lm.get("skip_from")
    if skip is not None and not _is_int(skip):
        _fail(src, f"{w}skip_from", "null or a layer index", _shown(skip))
    return Layer(
        n_in=n_in, n_out=n_out, spiking=spiking, name=name, window=window,
        leak_shift=_get(lm, "leak_shift", src, w, int), reset=_get(lm, "reset", src, w, str),
        mem_bits=_get(lm, "mem_bits", src, w, int), frac_bits=_get(lm, "frac_bits", src, w, int),
        skip_from=skip,
        weights=_array(arrays, f"L{i}_weights", src, np.uint8, (n_out, (n_in + 7) // 8)),
        bias=_array(arrays, f"L{i}_bias", src, np.int32, (n_out,)),
        threshold=_array(arrays, f"L{i}_threshold", src, np.int32, (n_out,)) if spiking else None,
        skip_gain=_array(arrays, f"L{i}_skip_gain", src, np.int32, (n_out,)) if skip is not None else None,
    )


def _check_window(win: Window, src: str, w: str) -> None:
    if int(np.prod(win.in_shape)) > MAX_MAP:
        _fail(src, f"{w}in", f"at most {MAX_MAP} values (H * W * C)", list(win.in_shape))
    if win.kernel < 1 or win.stride < 1:
        _fail(src, f"{w}kernel/stride", "positive", (win.kernel, win.stride))
    if not 0 <= win.padding < win.kernel:
        _fail(src, f"{w}padding", f"0..{win.kernel - 1} (less than the kernel)", win.padding)
    h, wd, _ = win.in_shape
    if min(h, wd) + 2 * win.padding < win.kernel:
        _fail(src, f"{w}kernel", f"<= {min(h, wd) + 2 * win.padding} (the padded input)", win.kernel)


def layer_current_bound(l: Layer, pixel_bits: int | None) -> int:
    """Largest |I| a layer's input current can reach (see bwsnn.golden for I).

    ``pixel_bits`` is the input width of the direct-encoded first layer; None for layers fed by spikes.
    """
    zmax = l.n_in * ((1 << pixel_bits) - 1) if pixel_bits else l.n_in
    gain = 0 if l.skip_gain is None else int(np.abs(l.skip_gain.astype(np.int64)).max(initial=0))
    return (zmax << l.frac_bits) + int(np.abs(l.bias.astype(np.int64)).max(initial=0)) + gain


def current_bound(art: Artifact, i: int) -> int:
    """Largest |I| the input current of layer i of ``art`` can reach."""
    return layer_current_bound(art.layers[i], art.input_bits if i == 0 else None)


def validate(art: Artifact, src: str = "<artifact>") -> None:
    """Check every cross-field invariant the golden model and the hardware rely on."""
    if not (_is_int(art.T) and 1 <= art.T <= MAX_T):
        _fail(src, "T", f"1..{MAX_T}", art.T)
    if not (_is_int(art.input_bits) and 1 <= art.input_bits <= 8):
        _fail(src, "input.bits", "1..8", art.input_bits)
    if not art.input_shape or any(not _is_int(d) or d < 1 for d in art.input_shape):
        _fail(src, "input.shape", "positive integers", list(art.input_shape))
    if not art.layers:
        _fail(src, "layers", "at least one layer", 0)
    prev: tuple[int, ...] = tuple(art.input_shape)
    for i, l in enumerate(art.layers):
        w = f"layers[{i}]."
        last = i == len(art.layers) - 1
        if l.kind == "dense":
            if l.n_in != int(np.prod(prev)):
                _fail(src, f"{w}in", f"{int(np.prod(prev))} (outputs of the layer before, flattened)", l.n_in)
        else:
            _check_window(l.window, src, w)
            if int(np.prod(l.out_shape)) > MAX_MAP:
                _fail(src, f"{w}out", f"at most {MAX_MAP} values (H' * W' * C')", list(l.out_shape))
            if l.in_shape != prev:
                _fail(src, f"{w}in", f"{list(prev)} (output shape of the layer before)", list(l.in_shape))
        if isinstance(l, Pool):
            if i == 0 or last:
                _fail(src, f"{w}kind", "dense or conv2d (the first and last layers have synapses)", "'pool'")
            prev = l.out_shape
            continue
        if l.kind == "conv2d" and l.n_in != l.window.kernel ** 2 * l.in_shape[2]:
            _fail(src, f"{w}in", f"fan-in {l.window.kernel ** 2 * l.in_shape[2]} (kernel^2 * channels)", l.n_in)
        if last and l.kind != "dense":
            _fail(src, f"{w}kind", "'dense' (the output layer: one neuron per class)", repr(l.kind))
        _validate_neurons(art, i, src)
        prev = l.out_shape
    if len(art.classes) != art.layers[-1].n_out:
        _fail(src, "classes", f"{art.layers[-1].n_out} names (outputs of the last layer)", len(art.classes))


def _validate_neurons(art: Artifact, i: int, src: str) -> None:
    """The synapse and neuron fields of synaptic layer i."""
    l, w = art.layers[i], f"layers[{i}]."
    last = i == len(art.layers) - 1
    if l.spiking == last:
        _fail(src, f"{w}spiking", not last, l.spiking)
    if l.reset not in RESETS:
        _fail(src, f"{w}reset", " or ".join(RESETS), repr(l.reset))
    if not MIN_MEM_BITS <= l.mem_bits <= MAX_MEM_BITS:
        _fail(src, f"{w}mem_bits", f"{MIN_MEM_BITS}..{MAX_MEM_BITS}", l.mem_bits)
    if not 0 <= l.leak_shift < l.mem_bits:
        _fail(src, f"{w}leak_shift", f"0..{l.mem_bits - 1}", l.leak_shift)
    if not 0 <= l.frac_bits <= MAX_FRAC_BITS:
        _fail(src, f"{w}frac_bits", f"0..{MAX_FRAC_BITS}", l.frac_bits)
    if l.weights.dtype != np.uint8 or l.weights.shape != (l.n_out, (l.n_in + 7) // 8):
        _fail(src, f"L{i}_weights", f"uint8[{l.n_out}, {(l.n_in + 7) // 8}]",
              f"{l.weights.dtype}{list(l.weights.shape)}")
    if l.n_in % 8 and np.any(l.weights[:, -1] >> (l.n_in % 8)):
        _fail(src, f"L{i}_weights", "zero padding bits", "non-zero padding")
    for name, arr, needed in (("bias", l.bias, True), ("threshold", l.threshold, l.spiking),
                              ("skip_gain", l.skip_gain, l.skip_from is not None)):
        if needed != (arr is not None):
            _fail(src, f"L{i}_{name}", "present" if needed else "absent", "absent" if needed else "present")
        if arr is not None and (arr.dtype != np.int32 or arr.shape != (l.n_out,)):
            _fail(src, f"L{i}_{name}", f"int32[{l.n_out}]", f"{arr.dtype}{list(arr.shape)}")
    if l.skip_from is not None:
        j = l.skip_from
        if not 0 <= j < i or not art.layers[j].spiking or art.layers[j].out_shape != l.out_shape:
            _fail(src, f"{w}skip_from", f"an earlier spike-producing layer with output shape {list(l.out_shape)}", j)
    bound = current_bound(art, i)
    if bound >= 1 << (ACC_BITS - 1):
        _fail(src, f"layers[{i}] current bound", f"< 2^{ACC_BITS - 1}", bound)
