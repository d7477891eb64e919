"""Artifact -> RTL parameters: the parameter image, the Verilog headers and the block-RAM .mem files.

numpy only (the host driver imports :func:`param_image` on the board).

The **parameter image** is a flat list of 32-bit words; PARAM_DATA writes it word by word (reload without
resynthesis) and the .mem files that initialise the block RAMs are slices of the very same list. Layout
(``lanes`` = P, the synapse lanes, a power of two >= 64):

``[0, 8 L)``  layer descriptors, 8 words per layer l (``DESC_STRIDE``):
    0 n_out, 1 chunks = ceil(n_in / P), 2 wbase (first weight row), 3 nbase (first neuron slot of the
    bias/threshold/gain/membrane memories), 4 in_sbase (spike word holding the layer's input spikes),
    5 out_sbase (spike word the layer's own spikes go to), 6 skip_sbase (spike word of skip_from), 7 cfg:
    frac_bits [4:0], leak_shift [12:8], mem_bits [21:16], soft reset [24], spiking [25], has skip [26].
``[W_BASE, B_BASE)``  weight rows, P/32 words each: layer by layer, neuron-major, chunk-minor; bit j of
    row (n, c) is the weight of input c*P + j (1 = +1, 0 = -1 or padding); word k holds row bits 32k..32k+31.
``[B_BASE, +NN)``, ``[TH_BASE, +NN)``, ``[G_BASE, +NN)``  bias, threshold (0 for the output layer) and
    skip gain (0 without shortcut) of every neuron, int32 two's complement; NN = total neurons.

Spike words are P bits; spiking layer l's spikes occupy ceil(n_out / P) words from its out_sbase.

``python -m hw.gen ARTIFACT OUT_DIR [--lanes P]`` writes bwsnn_params.vh, bwsnn_regmap.vh and the .mem files.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.artifact import Artifact, load

DEFAULT_LANES = 256  # P of the default bitstream (hw/vivado builds with it; host.protocol relies on it)
DESC_STRIDE = 8
REGMAP_PATH = Path(__file__).resolve().parent / "regmap.json"
MEM_FILES = ("desc", "weights", "bias", "threshold", "skip_gain")  # one block RAM (or register file) each


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
        raise ValueError(f"lanes must be a power of two >= 64, got {lanes}")
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
    if max(rows, neurons, words, max(l.n_out for l in art.layers)) >= 1 << 16:
        raise ValueError("network too large for the 16-bit descriptor fields")
    return Layout(lanes, tuple(chunks), tuple(wbase), tuple(nbase), tuple(sbase), rows, neurons, max(words, 1))


def _descriptors(art: Artifact, lay: Layout) -> np.ndarray:
    d = np.zeros((len(art.layers), DESC_STRIDE), np.uint32)
    for i, l in enumerate(art.layers):
        skip = l.skip_from is not None
        cfg = (l.frac_bits | l.leak_shift << 8 | l.mem_bits << 16 | (l.reset == "soft") << 24
               | l.spiking << 25 | skip << 26)
        d[i] = (l.n_out, lay.chunks[i], lay.wbase[i], lay.nbase[i], lay.sbase[i - 1] if i else 0,
                lay.sbase[i], lay.sbase[l.skip_from] if skip else 0, cfg)
    return d.reshape(-1)


def _weight_rows(art: Artifact, lay: Layout) -> np.ndarray:
    """uint32 (w_rows, P/32): the weight memory's rows as 32-bit words."""
    rows = []
    for c, l in zip(lay.chunks, art.layers):
        bits = np.zeros((l.n_out, c * lay.lanes), np.uint8)
        bits[:, :l.n_in] = np.unpackbits(l.weights, axis=1, count=l.n_in, bitorder="little")
        rows.append(np.packbits(bits, axis=1, bitorder="little").view("<u4").reshape(l.n_out * c, lay.row_words))
    return np.concatenate(rows)


def _neuron_params(art: Artifact) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    zero = [np.zeros(l.n_out, np.int32) for l in art.layers]
    bias = np.concatenate([l.bias for l in art.layers])
    thr = np.concatenate([l.threshold if l.spiking else z for l, z in zip(art.layers, zero)])
    gain = np.concatenate([l.skip_gain if l.skip_gain is not None else z for l, z in zip(art.layers, zero)])
    return tuple(a.astype(np.int32).view(np.uint32) for a in (bias, thr, gain))


def param_image(art: Artifact, lanes: int = DEFAULT_LANES) -> np.ndarray:
    """The flat uint32 parameter image (PARAM_WORDS long) for a ``lanes``-lane engine."""
    lay = layout(art, lanes)
    img = np.concatenate([_descriptors(art, lay), _weight_rows(art, lay).reshape(-1), *_neuron_params(art)])
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


def _mem_text(words: np.ndarray) -> str:
    """$readmemh text: one memory word per line, most significant 32-bit word first."""
    w = np.asarray(words, np.uint32)
    w = w.reshape(len(w), -1)
    return "".join("".join(f"{v:08x}" for v in row[::-1]) + "\n" for row in w)


def params_header(art: Artifact, lay: Layout, mem_dir: Path) -> str:
    consts = {
        "P": lay.lanes, "N_IN": art.n_in, "N_CLASSES": len(art.classes), "T_STEPS": art.T,
        "N_LAYERS": len(art.layers), "NEURONS": lay.neurons, "W_ROWS": lay.w_rows, "SPK_WORDS": lay.spk_words,
        "Z0_DEPTH": art.layers[0].n_out, "IN_CHUNKS": lay.chunks[0], "DESC_STRIDE": DESC_STRIDE,
        "W_BASE": lay.w_base, "B_BASE": lay.b_base, "TH_BASE": lay.th_base, "G_BASE": lay.g_base,
        "PARAM_WORDS": lay.words,
    }
    lines = ["// Generated by hw/gen.py from the artifact: the shape the bitstream is built for. Do not edit.",
             f"// {len(art.layers)} layers: {art.n_in}-" + "-".join(str(l.n_out) for l in art.layers)]
    lines += [f"localparam integer {k} = {v};" for k, v in consts.items()]
    lines += [f'localparam MEM_{n.upper()} = "{(mem_dir / f"{n}.mem").resolve()}";' for n in MEM_FILES]
    return "\n".join(lines) + "\n"


def regmap_header(path: Path = REGMAP_PATH) -> str:
    """hw/regmap.json as Verilog localparams: REG_<name> byte offsets and <reg>_<field> bit indices."""
    spec = json.loads(Path(path).read_text())
    geometry = (spec["stream_in"]["tdata_bits"], spec["stream_in"]["pixels_per_beat"], spec["stream_out"]["tdata_bits"])
    if geometry != (64, 8, 32):  # bwsnn_top's port widths and pixel packing
        raise ValueError(f"{path}: bwsnn_top implements 64-bit/8-pixel input and 32-bit output beats, got {geometry}")
    lines = ["// Generated by hw/gen.py from hw/regmap.json. Do not edit.",
             f"localparam [31:0] ID_MAGIC = 32'h{spec['id_magic']:08x};",
             f"localparam integer PIXELS_PER_BEAT = {spec['stream_in']['pixels_per_beat']};"]
    for name, r in spec["registers"].items():
        lines.append(f"localparam [7:0] REG_{name} = 8'd{r['offset']};")
        lines += [f"localparam integer {name}_{f} = {b};" for f, b in r.get("fields", {}).items()]
    return "\n".join(lines) + "\n"


def write_params(art: Artifact, out_dir: str | Path, lanes: int = DEFAULT_LANES) -> Path:
    """Write bwsnn_params.vh, bwsnn_regmap.vh and the .mem files into ``out_dir``; returns it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lay = layout(art, lanes)
    for name, words in split_image(param_image(art, lanes), art, lanes).items():
        (out / f"{name}.mem").write_text(_mem_text(words))
    (out / "bwsnn_params.vh").write_text(params_header(art, lay, out))
    (out / "bwsnn_regmap.vh").write_text(regmap_header())
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("artifact")
    ap.add_argument("out_dir")
    ap.add_argument("--lanes", type=int, default=DEFAULT_LANES, help="synapse lanes P (power of two >= 64)")
    a = ap.parse_args(argv)
    art = load(a.artifact)
    print(write_params(art, a.out_dir, a.lanes))


if __name__ == "__main__":
    main()
