"""The deploy artifact (``*.bwsnn.npz``): one file holding everything the hardware needs.

numpy only: this module runs on the PYNQ-Z2's ARM CPU.

Layout of the ``.npz`` (``allow_pickle=False``):

``meta``
    UTF-8 JSON (stored as a uint8 array) with ``format`` = "bwsnn", ``version``, ``T``, ``input``
    (``shape``, ``bits``), ``classes`` and ``layers`` (in order; see :class:`Layer`), plus free-form
    ``info`` (dataset, training figures) that no consumer depends on.
``L{i}_weights``
    uint8 ``(out, ceil(in/8))``: the +/-1 weights bit-packed along the fan-in, little bit order
    (bit j of a row is input j; 1 means +1, 0 means -1; padding bits are 0).
``L{i}_bias``, ``L{i}_threshold``, ``L{i}_skip_gain``
    int32 ``(out,)``. ``threshold`` only for spiking layers, ``skip_gain`` only when ``skip_from`` is set.
``checksum``
    sha256 (hex, as uint8) over ``meta`` and every array: name, dtype, shape and bytes, in sorted order.

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
from bwsnn.limits import ACC_BITS, MAX_T

FORMAT = "bwsnn"
VERSION = 1
RESETS = ("hard", "soft")


class ArtifactError(ValueError):
    """A corrupt, truncated, wrong-version or inconsistent artifact."""


@dataclass
class Layer:
    """One dense layer: binary synapses feeding LIF neurons (or the output integrator).

    ``spiking`` is False only for the last layer, whose membrane is summed over T and never fires.
    ``skip_from`` is the index of an earlier spiking layer whose spikes (same step) are added to this
    layer's input current with per-neuron ``skip_gain``: the identity shortcut, scaled to membrane units.
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

    def weights_pm1(self) -> np.ndarray:
        """Unpacked weights as int8 (+1/-1), shape (n_out, n_in)."""
        bits = np.unpackbits(self.weights, axis=1, count=self.n_in, bitorder="little")
        return bits.astype(np.int8) * 2 - 1

    def meta(self) -> dict[str, Any]:
        return {"name": self.name, "kind": "dense", "in": self.n_in, "out": self.n_out,
                "spiking": self.spiking, "leak_shift": self.leak_shift, "reset": self.reset,
                "mem_bits": self.mem_bits, "frac_bits": self.frac_bits, "skip_from": self.skip_from}


@dataclass
class Artifact:
    T: int
    input_shape: tuple[int, ...]
    classes: list[str]
    layers: list[Layer]
    input_bits: int = 8
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_in(self) -> int:
        return int(np.prod(self.input_shape))

    def meta(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, "T": self.T,
                "input": {"shape": list(self.input_shape), "bits": self.input_bits},
                "classes": list(self.classes), "layers": [l.meta() for l in self.layers],
                "info": self.info}

    def arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i, l in enumerate(self.layers):
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
        return sum(l.n_in * l.n_out for l in self.layers)


def _checksum(meta: np.ndarray, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(meta.tobytes())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _fail(src: str, fieldname: str, expected: Any, got: Any) -> None:
    raise ArtifactError(f"{src}: field '{fieldname}': expected {expected}, got {got}")


def _get(d: dict, key: str, src: str, where: str, typ: type) -> Any:
    if key not in d:
        _fail(src, f"{where}{key}", "present", "missing")
    v = d[key]
    if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
        _fail(src, f"{where}{key}", typ.__name__, repr(v))
    return v


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
    if meta.get("version") != VERSION:
        _fail(src, "version", VERSION, meta.get("version"))
    inp = _get(meta, "input", src, "", dict)
    shape = _get(inp, "shape", src, "input.", list)
    layers_meta = _get(meta, "layers", src, "", list)
    layers = []
    for i, lm in enumerate(layers_meta):
        w = f"layers[{i}]."
        if not isinstance(lm, dict):
            _fail(src, f"layers[{i}]", "an object", repr(lm))
        n_in, n_out = _get(lm, "in", src, w, int), _get(lm, "out", src, w, int)
        if n_in < 1 or n_out < 1:
            _fail(src, f"{w}in/out", "positive sizes", (n_in, n_out))
        spiking = _get(lm, "spiking", src, w, bool)
        kind = lm.get("kind")
        if kind != "dense":
            _fail(src, f"{w}kind", "'dense'", repr(kind))
        skip = lm.get("skip_from")
        if skip is not None and (not isinstance(skip, int) or isinstance(skip, bool)):
            _fail(src, f"{w}skip_from", "null or a layer index", repr(skip))
        layers.append(Layer(
            n_in=n_in, n_out=n_out, spiking=spiking, name=str(lm.get("name", f"L{i}")),
            leak_shift=_get(lm, "leak_shift", src, w, int), reset=_get(lm, "reset", src, w, str),
            mem_bits=_get(lm, "mem_bits", src, w, int), frac_bits=_get(lm, "frac_bits", src, w, int),
            skip_from=skip,
            weights=_array(arrays, f"L{i}_weights", src, np.uint8, (n_out, (n_in + 7) // 8)),
            bias=_array(arrays, f"L{i}_bias", src, np.int32, (n_out,)),
            threshold=_array(arrays, f"L{i}_threshold", src, np.int32, (n_out,)) if spiking else None,
            skip_gain=_array(arrays, f"L{i}_skip_gain", src, np.int32, (n_out,)) if skip is not None else None,
        ))
    art = Artifact(T=_get(meta, "T", src, "", int), input_shape=tuple(shape),
                   input_bits=_get(inp, "bits", src, "input.", int),
                   classes=[str(c) for c in _get(meta, "classes", src, "", list)], layers=layers,
                   info=meta.get("info", {}))
    unknown = sorted(set(arrays) - set(art.arrays()))
    if unknown:  # data nobody reads: a sign of the wrong file
        _fail(src, unknown[0], "no array outside the format", "an unknown array")
    validate(art, src)
    return art


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
    if not 1 <= art.T <= MAX_T:
        _fail(src, "T", f"1..{MAX_T}", art.T)
    if art.input_bits != 8:
        _fail(src, "input.bits", 8, art.input_bits)
    if not art.input_shape or any((not isinstance(d, int)) or d < 1 for d in art.input_shape):
        _fail(src, "input.shape", "positive integers", list(art.input_shape))
    if not art.layers:
        _fail(src, "layers", "at least one layer", 0)
    prev = art.n_in
    for i, l in enumerate(art.layers):
        w = f"layers[{i}]."
        if l.n_in != prev:
            _fail(src, f"{w}in", f"{prev} (outputs of the layer before)", l.n_in)
        last = i == len(art.layers) - 1
        if l.spiking == last:
            _fail(src, f"{w}spiking", not last, l.spiking)
        if l.reset not in RESETS:
            _fail(src, f"{w}reset", " or ".join(RESETS), repr(l.reset))
        if not 2 <= l.mem_bits <= 32:
            _fail(src, f"{w}mem_bits", "2..32", l.mem_bits)
        if not 0 <= l.leak_shift < l.mem_bits:
            _fail(src, f"{w}leak_shift", f"0..{l.mem_bits - 1}", l.leak_shift)
        if not 0 <= l.frac_bits <= 24:
            _fail(src, f"{w}frac_bits", "0..24", l.frac_bits)
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
            if not 0 <= j < i or not art.layers[j].spiking or art.layers[j].n_out != l.n_out:
                _fail(src, f"{w}skip_from", f"an earlier spiking layer with {l.n_out} outputs", j)
        bound = current_bound(art, i)
        if bound >= 1 << (ACC_BITS - 1):
            _fail(src, f"layers[{i}] current bound", f"< 2^{ACC_BITS - 1}", bound)
        prev = l.n_out
    if len(art.classes) != art.layers[-1].n_out:
        _fail(src, "classes", f"{art.layers[-1].n_out} names (outputs of the last layer)", len(art.classes))
