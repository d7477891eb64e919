"""What a folding costs on the chip: the planner's LUT and block-RAM model (numpy only, like the planner).

LUTs: each layer's LUTs are a sum of per-unit costs over the quantities that grow with its folding and size
(:func:`layer_features`), plus the interface's (rx, tx, registers, FIFOs): the per-unit costs are not typed in
but fitted to the hardware bench's own Yosys runs (``python -m sim.fit_costs``, which writes :data:`COSTS_PATH`
with the runs it used and the fit's error). Block RAM: the RAMB36 tiles of the memories in block RAM (weights,
neuron parameters, the frame buffers' RAMs of :mod:`bwsnn.buffers`), each the cheapest RAMB36 / RAMB18 aspect
ratio of its width and depth (UG473), as Yosys maps them (:func:`ram_tiles`, :func:`map_tiles`).
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bwsnn import jsonfile
from bwsnn.artifact import Artifact, Pool
from bwsnn.boards import get_board
from bwsnn.buffers import buffers
from bwsnn.limits import BRAM_MIN_BITS
from bwsnn.params import layout, window_hold


class Fold(Protocol):
    """What the model reads of a layer's folding (:class:`bwsnn.params.Fold`)."""

    pe: int
    simd: int
    lif: int


COSTS_PATH = Path(__file__).with_name("lut_costs.json")

#: what a layer's LUTs scale with (:func:`layer_features`), in the order of the fit
FEATURES = ("engine", "popcount", "lif", "acc", "frame", "frame_read", "window", "line", "read", "pool")

#: data widths of a RAMB36E1 and of a RAMB18E1 (half a tile) in simple dual port (UG473 tables 1-3, 1-4) and
#: their depths: the parity bits only for widths of whole 9-bit bytes, as Yosys maps them (a 512-bit word takes
#: 8 tiles at 64 / 32 bits, not 7.5 in RAMB18s at 36), and in true dual port (two ports that each read: half the width)
_DEPTHS = {1: 32768, 2: 16384, 4: 8192, 8: 4096, 16: 2048, 32: 1024, 64: 512}
RAMB36 = tuple(_DEPTHS.items())
RAMB36_PARITY = tuple((w // 8 * 9 if w >= 8 else w, d) for w, d in RAMB36)
RAMB36_TDP, RAMB18_TDP = RAMB36[:-1], tuple((w, d // 2) for w, d in RAMB36[:-2])
LUTRAM_DEPTH = 64  # a RAM64M's words

#: the shares of the board the planner may fill: the rest is headroom for the overlay's PS interconnect and
#: DMA, and for placement and routing (the xc7z020 designs of BNN-PYNQ use about half of its LUTs)
LUT_SHARE, BRAM_SHARE = 0.5, 0.6


@dataclass(frozen=True)
class Budget:
    """What the planner may spend: LUTs (logic and LUT RAM) and RAMB36 tiles."""

    lut: float
    bram36: float


def default_budget(board: str | None = None) -> Budget:
    """:data:`LUT_SHARE` of the LUTs and :data:`BRAM_SHARE` of the RAMB36 of ``board`` (default: the record's
    default, the PYNQ-Z2)."""
    cap = get_board(board).capacity
    return Budget(LUT_SHARE * cap["lut"], BRAM_SHARE * cap["bram36"])


def _mux_luts(ways: int) -> int:
    """LUT6s per output bit of a ``ways``:1 multiplexer tree (each LUT6 takes 4 of the inputs to 1)."""
    return -(-(ways - 1) // 3)


def layer_features(art: Artifact, i: int, fold: Fold) -> dict[str, int]:
    """What layer ``i``'s LUTs (engine or pool, window generator, input buffer) scale with at ``fold``:
    ``engine`` 1 per synaptic layer (its counters, memories' ports, control); ``popcount`` the popcount
    inputs ((PE + 1) x SIMD x planes, planes: input.bits at layer 0, else T; the input's own popcount is a lane
    too); ``lif`` the LIF units (LIF lanes x T); ``acc`` the chunk accumulators (PE x planes); ``frame`` a
    dense layer's input shift register (banks x planes x n_in bits) and, for one read by a shortcut too
    (flip-flops, two read ports), ``frame_read``: the multiplexers of its chunk and shortcut reads (LUTs per
    bit x bits; their bank selects ride on the price). A conv2d's window generator: ``window`` the K x K x C
    window bits of all planes its FIFO holds (none without one, :func:`bwsnn.params.window_hold`: LUT RAM,
    most of a wide window's LUTs), ``line`` its line buffer's K - 1 rows of C bits per plane (LUT RAM, twice
    the LUTs per bit past 32 columns), ``read`` the multiplexer that hands the engine a chunk of the window
    (LUTs per bit x SIMD x planes); ``pool`` a pool's window, the same count (its generator, map buffer and
    OR cost another price per bit)."""
    l = art.layers[i]
    planes, banks = (art.input_bits, 2) if i == 0 else (art.T, 3)
    if isinstance(l, Pool):
        return {"pool": planes * l.window.kernel ** 2 * l.in_shape[2]}
    out = {"engine": 1, "popcount": (fold.pe + 1) * min(fold.simd, l.n_in) * planes, "lif": fold.lif * art.T,
           "acc": fold.pe * planes}
    if l.window is None:
        out["frame"] = banks * planes * l.n_in
        if i > 0 and l.skip_from is not None:  # a shortcut's second read port: the buffer is flip-flops
            out["frame_read"] = planes * (fold.simd * _mux_luts(-(-l.n_in // fold.simd))
                                    + fold.pe * _mux_luts(-(-l.n_in // fold.pe)))
        return out
    k, c = l.window.kernel, l.in_shape[2]
    columns = (l.out_shape[1] - 1) * l.window.stride + k
    out["window"] = planes * l.n_in if window_hold(l, fold) else 0
    out["line"] = planes * (k - 1) * c * -(-columns // 32)
    out["read"] = planes * min(fold.simd, l.n_in) * _mux_luts(-(-l.n_in // fold.simd))
    return out


@functools.cache
def load_costs(path: Path = COSTS_PATH) -> dict[str, float]:
    """The fitted per-unit LUT costs ({feature: LUTs per unit, "interface": LUTs}), read once: every plan
    uses them (a missing or broken file is a :class:`bwsnn.jsonfile.JsonFileError` line, not a silent 0)."""
    return {k: float(v) for k, v in jsonfile.read(path, "LUT cost fit", {"lut": dict})["lut"].items()}


def cost_model_version(path: Path = COSTS_PATH) -> str:
    """The version a design record names its cost model by: the fit's date and the first 8 hex digits of the
    SHA-256 of its per-unit costs (a refit with other costs is another version)."""
    costs = load_costs(path)
    fitted = jsonfile.read(path, "LUT cost fit", {"fitted": str})["fitted"]
    digest = hashlib.sha256(json.dumps(costs, sort_keys=True).encode()).hexdigest()[:8]
    return f"{fitted} {digest}"


def layer_estimates(art: Artifact, folding: tuple[Fold, ...], costs: dict[str, float] | None = None) -> list[float]:
    """Each layer's estimated LUTs at ``folding`` (``costs`` default: :func:`load_costs`)."""
    costs = load_costs() if costs is None else costs
    return [sum(costs.get(k, 0.0) * v for k, v in layer_features(art, i, f).items())
            for i, f in enumerate(folding)]


def estimate_luts(art: Artifact, folding: tuple[Fold, ...], costs: dict[str, float] | None = None) -> float:
    """The design's estimated LUTs: its layers' and the interface's."""
    costs = load_costs() if costs is None else costs
    return sum(layer_estimates(art, folding, costs)) + costs.get("interface", 0.0)


def ram_tiles(width: int, depth: int, true_dual_port: bool = False) -> float:
    """RAMB36 tiles of a ``width`` x ``depth`` memory that the generator puts in block RAM (from
    :data:`BRAM_MIN_BITS` on; LUT RAM below: 0), each the cheapest RAMB36 / RAMB18 aspect ratio (a RAMB18 is
    half a tile; :data:`RAMB36`)."""
    return 0.0 if width * depth < BRAM_MIN_BITS else _tiles(width, depth, true_dual_port)


def map_tiles(width: int, depth: int) -> float:
    """RAMB36 tiles of a frame buffer's RAM, which Yosys places itself (no ram_style): block RAM when deeper than
    a LUT RAM primitive (RAM64M; the benches' 96- to 3,072-word maps were block RAM, 2- to 48-word ones LUT RAM,
    whatever their width)."""
    return 0.0 if depth <= LUTRAM_DEPTH else _tiles(width, depth)


def _tiles(width: int, depth: int, true_dual_port: bool = False) -> float:
    if true_dual_port:
        full, half = RAMB36_TDP, RAMB18_TDP
    else:
        full = RAMB36_PARITY if width % 9 == 0 else RAMB36
        half = tuple((w, d // 2) for w, d in full[:-1])
    return min([math.ceil(width / w) * math.ceil(depth / d) for w, d in full]
               + [0.5 * math.ceil(width / w) * math.ceil(depth / d) for w, d in half])


def estimate_bram36(art: Artifact, folding: tuple[Fold, ...]) -> float:
    """RAMB36 tiles of the design: per layer its weight memory (groups x chunks rows of PE x SIMD bits), its
    bias and threshold memories and, with a shortcut, its skip-gain memory (one 32-bit word per neuron each;
    bwsnn_pmem's reload port makes them true dual port), and the RAMs of the frame buffers
    (:func:`bwsnn.buffers.buffers`: a window generator's map, a dense engine's whole chunks)."""
    total = sum(map_tiles(*b.ram) for b in buffers(art, layout(art, folding)) if b.ram is not None)
    for l, f in zip(art.layers, folding):
        if isinstance(l, Pool):
            continue
        groups, chunks = -(-l.n_out // f.pe), -(-l.n_in // f.simd)
        params = 2 + (l.skip_from is not None)
        total += ram_tiles(f.pe * f.simd, groups * chunks) + params * ram_tiles(32, groups * f.pe, True)
    return total
