"""Artifact -> RTL build inputs: the Verilog headers, the engine chain and the memory images.

The design is planned once (:func:`bwsnn.planner.design`: the board's budget, the target interval) and written
beside the RTL as its record, ``bwsnn.design.json`` (:mod:`bwsnn.design`): what the host packs the weights
from, and whose hash the DESIGN_ID register returns. The .mem files are slices of the parameter image
(:mod:`bwsnn.params`) of that design, the same words PARAM_DATA reloads at run time; the headers carry the
shape constants, the configuration word's field table, the register map and the dataflow chain (frame buffers
+ one engine per layer with its folding), all generated here so that nothing in the RTL is copied by hand.

``python -m hw.gen ARTIFACT OUT_DIR [--target BOARD] [--target-cycles N] [--lut-budget N] [--bram-budget N]``
writes bwsnn.design.json, bwsnn_params.vh, bwsnn_regmap.vh, bwsnn_chain.vh and the .mem files.
"""
from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bwsnn import cli, planner
from bwsnn.artifact import Artifact, ArtifactError, load
from bwsnn.boards import BOARDS, DEFAULT_BOARD, get_board
from bwsnn.cost import Budget, default_budget
from bwsnn.design import FILE_NAME, Design
from bwsnn.params import (
    Layout,
    LayoutError,
    check_buildable,
    descriptors,
    layout,
    lif_const_bits,
    memories,
    window_hold,
)
from bwsnn.planner import DEFAULT_TARGET_CYCLES
from bwsnn.regmap import REGMAP, Regmap

PIXEL_BEAT_BITS = 64
PIXELS_PER_BEAT = 8


def _mem_text(words: np.ndarray) -> str:
    """$readmemh text: one memory word per line, most significant 32-bit word first."""
    w = np.asarray(words, np.uint32)
    w = w.reshape(len(w), -1)
    return "".join("".join(f"{v:08x}" for v in row[::-1]) + "\n" for row in w)


def idx_bits(n: int) -> int:
    """Verilog ``n > 1 ? $clog2(n) : 1``: the width of an index into n things."""
    return max(1, (n - 1).bit_length())


@dataclass(frozen=True)
class Buffer:
    """A frame buffer of the chain: ``fill`` bits per plane written in order. With ``pixels`` a RAM read by
    pixel, ``rw`` bits of every plane (bwsnn_mapbuf): the input of a window generator (a pixel: the channels),
    or of a dense engine that reads whole chunks and no shortcut spikes (a pixel: a chunk); else a shift
    register read in slices, ``nb`` bits (the rest 0; bwsnn_framebuf)."""

    planes: int
    nb: int
    fill: int
    ww: int
    rw: int
    rw2: int
    banks: int = 2
    port2: bool = True  # the second read port (the reader's shortcut spikes)
    pixels: int = 0

    @property
    def pixels_per_word(self) -> int:
        """A map's RAM word: a whole number of writes and of pixels (bwsnn_mapbuf's PPW)."""
        return math.lcm(self.ww, self.rw) // self.rw

    @staticmethod
    def sized(planes: int, fill: int, need: int, ww: int, rw: int, rw2: int, banks: int = 2,
              port2: bool = True) -> Buffer:
        step = math.lcm(rw, rw2)  # whole slices of both ports
        return Buffer(planes, -(-max(fill, need) // step) * step, fill, ww, rw, rw2, banks, port2)

    @property
    def ri(self) -> int:
        return idx_bits(self.nb // self.rw)

    @property
    def r2i(self) -> int:
        return idx_bits(self.nb // self.rw2)


def written(art: Artifact, lay: Layout, i: int) -> tuple[int, int]:
    """(bits per write, bits per plane per frame) that layer ``i``'s engine writes into buffer i + 1 (i = -1:
    bwsnn_rx, a beat's 8 pixels). Engines write in order: neurons (dense), or position-major and the channels
    of each position (conv2d, pool: the channels-last raster a dense reader flattens and a window reads)."""
    if i < 0:
        return PIXELS_PER_BEAT, -(-art.n_in // PIXELS_PER_BEAT) * PIXELS_PER_BEAT
    ll = lay.layers[i]
    if ll.pool:
        return ll.n_in, ll.positions * ll.n_in
    return ll.fold.lif, ll.positions * ll.n_pad  # a conv2d has no padding neurons (PE divides C')


def buffers(art: Artifact, lay: Layout) -> list[Buffer]:
    """Buffer l feeds layer l (0: the pixels); buffer L holds the scores for the sender. The pixel buffer
    holds the input.bits bit-planes of x = pixel >> (8 - input.bits): bwsnn_rx writes a beat's 8 pixels of
    each. The buffers between engines have three banks: an engine holds its output bank from frame start to
    its LIF chains' last write (its pipeline latency), which with two banks would lengthen the interval by
    half that latency. The input of a conv2d or pool layer is a map read pixel by pixel (C bits of every
    plane at pixel y W + x) by its window generator."""
    out = []
    for i, (l, ll) in enumerate(zip(art.layers, lay.layers)):
        planes, banks = (art.input_bits, 2) if i == 0 else (art.T, 3)
        ww, fill = written(art, lay, i - 1)
        if l.window is not None:
            h, w, c = l.in_shape
            out.append(Buffer(planes, fill, fill, ww, c, c, banks, port2=False, pixels=h * w))
        else:
            f, port2 = ll.fold, i > 0 and l.skip_from is not None
            if not port2 and fill == ll.chunks * f.simd:  # a map of whole chunks: a RAM, not flip-flops
                out.append(Buffer(planes, fill, fill, ww, f.simd, f.pe, banks, port2=False, pixels=ll.chunks))
            else:
                out.append(Buffer.sized(planes, fill, max(ll.chunks * f.simd, ll.n_pad), ww, f.simd, f.pe, banks,
                                        port2))
    nb = lay.layers[-1].n_pad * 32
    out.append(Buffer(1, nb, nb, 32 * lay.layers[-1].fold.lif, nb, 32, port2=False))
    return out


def _port(name: str, bits: int, width: int) -> str:
    """``name`` (``bits`` wide) zero-extended or as is, for a port of ``width`` bits."""
    return name if bits == width else f"{{{width - bits}'d0, {name}}}"


def layer_parameters(art: Artifact, lay: Layout, i: int, mem_dir: Path) -> dict[str, str]:
    # mem_dir is written as given: absolute, or relative to the directory a tool runs in (see write_params)
    """bwsnn_layer's parameters for layer ``i`` as Verilog literals."""
    l, ll = art.layers[i], lay.layers[i]
    f = ll.fold
    files = {k: mem_dir / f"{k}{i}.mem" for k in ("w", "b", "th", "g")}
    return {"N_IN": str(l.n_in), "N_OUT": str(l.n_out), "PE": str(f.pe), "SIMD": str(f.simd),
            "LL": str(f.lif), "T": str(art.T), "FIRST": str(int(i == 0)), "IB": str(art.input_bits),
            "SPIKING": str(int(l.spiking)),
            "SKIP": str(int(l.skip_from is not None)), "POS": str(ll.positions),
            "WBASE": str(ll.wbase), "BBASE": str(ll.bbase),
            "THBASE": str(ll.thbase), "GBASE": str(ll.gbase), "WBRAM": str(int(f.bram)),
            "NBRAM": str(int(ll.neuron_bram)),
            "AB": str(idx_bits(lay.words)),
            "FRAC": str(l.frac_bits), "LEAK": str(l.leak_shift), "MB": str(l.mem_bits),
            "SOFT": str(int(l.reset == "soft")), "KW": str(lif_const_bits(art, i)),
            **{f"{k.upper()}_FILE": f'"{v}"' for k, v in files.items()}}


def layer_ports(art: Artifact, lay: Layout, i: int) -> dict[str, int]:
    """bwsnn_layer's data ports for layer ``i`` and their widths (the rest are 1 bit or the parameter port)."""
    ll, f = lay.layers[i], lay.layers[i].fold
    planes = art.input_bits if i == 0 else art.T  # x's bit-planes or the steps' spikes
    return {"in_idx": idx_bits(ll.chunks), "in_data": planes * f.simd,
            "skip_idx": idx_bits(ll.groups), "skip_data": planes * f.pe,
            "out_data": f.lif * (art.T if art.layers[i].spiking else 32)}


def layer_instance(art: Artifact, lay: Layout, i: int, mem_dir: Path, name: str, ports: dict[str, str]) -> str:
    params = ", ".join(f".{k}({v})" for k, v in layer_parameters(art, lay, i, mem_dir).items())
    conns = ", ".join(f".{k}({v})" for k, v in ports.items())
    return (f"bwsnn_layer #({params}) {name} (\n    .clk(clk), .rst(rst), .pw_valid(pw_valid), .pw_addr(pw_addr),"
            f" .pw_data(pw_data),\n    {conns});")


def layer_unit(art: Artifact, lay: Layout, i: int, mem_dir: Path) -> str:
    """A top for the engine of layer ``i`` alone (its unit bench, sim/tb/tb_layer.py): bwsnn_layer_unit."""
    widths = layer_ports(art, lay, i)
    outs = {"in_idx", "skip_idx", "in_done", "out_start", "out_en", "out_data", "out_commit"}
    names = ["in_avail", "in_idx", "in_data", "skip_idx", "skip_data", "in_done", "out_ready", "out_start",
             "out_en", "out_data", "out_commit"]
    decl = [f"    {'output' if n in outs else 'input '} wire [{widths.get(n, 1) - 1}:0] {n}" for n in names]
    return ("// Generated by hw/gen.py: one layer engine with its generated parameters, for its unit bench.\n"
            "`default_nettype none\nmodule bwsnn_layer_unit (\n    input  wire clk,\n    input  wire rst,\n"
            "    input  wire pw_valid,\n    input  wire [31:0] pw_addr,\n    input  wire [31:0] pw_data,\n"
            + ",\n".join(decl) + "\n);\n"
            + layer_instance(art, lay, i, mem_dir, "dut", {n: n for n in names})
            + "\nendmodule\n`default_nettype wire\n")


def _window_stage(art: Artifact, lay: Layout, i: int, src: str) -> tuple[list[str], dict[str, str]]:
    """A conv2d layer's window generator over the map ``src`` and its chunk / centre-tap read ports: the lines
    and the engine's input ports."""
    l, ll = art.layers[i], lay.layers[i]
    win, f = l.window, ll.fold
    h, w, c = win.in_shape
    planes, taps, skip = (art.input_bits if i == 0 else art.T), win.kernel ** 2, l.skip_from is not None
    r2i = idx_bits(max(1, c // f.pe))
    n = f"w{i}"
    lines = ["/* verilator lint_off UNUSEDSIGNAL */",
             f"wire {n}_valid, {n}_last, {n}_next;", f"wire [{planes * taps * c - 1}:0] {n}_data;",
             f"wire [{idx_bits(ll.chunks) - 1}:0] {n}_r_idx;", f"wire [{planes * f.simd - 1}:0] {n}_r_data;",
             f"wire [{idx_bits(ll.groups) - 1}:0] {n}_r2_idx;", f"wire [{planes * f.pe - 1}:0] {n}_r2_data;",
             "/* verilator lint_on UNUSEDSIGNAL */",
             f"bwsnn_window #(.H({h}), .W({w}), .C({c}), .P({planes}), .K({win.kernel}), .S({win.stride}), "
             f".PAD({win.padding}), .HOLD({window_hold(l, f)})) win{i} (\n    .clk(clk), .rst(rst), "
             f".m_avail({src}_r_avail), "
             f".m_addr({src}_r_idx), .m_data({src}_r_data), .m_done({src}_r_done),\n    .o_valid({n}_valid), "
             f".o_data({n}_data), .o_last({n}_last), .o_next({n}_next));",
             f"bwsnn_winread #(.P({planes}), .C({c}), .TAPS({taps}), .RW({f.simd}), .RW2({f.pe}), "
             f".PORT2({int(skip)})) rd{i} (\n    .clk(clk), .win({n}_data), .r_idx({n}_r_idx), "
             f".r2_idx({f'{n}_r2_idx' if skip else f'{r2i}{chr(39)}d0'}), .r_data({n}_r_data), "
             f".r2_data({n}_r2_data));"]
    ports = {"in_avail": f"{n}_valid", "in_idx": f"{n}_r_idx", "in_data": f"{n}_r_data", "skip_idx": f"{n}_r2_idx",
             "skip_data": f"{n}_r2_data", "in_done": f"{n}_next"}
    return lines, ports


#: the chain's instances that belong to layer i: the buffer it reads (buf<i>), its window generator and read
#: ports (win<i>, rd<i>), its engine or pool (layer<i>, pool<i>); buf<L> is the result buffer (the interface's)
LAYER_INSTANCE = re.compile(r"(?:buf|win|rd|layer|pool)(\d+)")


def instance_layer(name: str, n_layers: int) -> int | None:
    """The layer an instance of bwsnn_top belongs to (:data:`LAYER_INSTANCE`), None: the interface's."""
    m = LAYER_INSTANCE.fullmatch(name)
    return int(m.group(1)) if m and int(m.group(1)) < n_layers else None


def chain(art: Artifact, lay: Layout, mem_dir: Path) -> str:
    """bwsnn_chain.vh: the frame buffers and the engines, wired; rx writes ``pix_*``, tx reads ``res_*``.
    A dense layer's engine reads its buffer directly, a conv2d's through a window generator, a pool is a
    window generator with an OR (bwsnn_pool)."""
    bufs, L = buffers(art, lay), len(art.layers)
    names = ["pix", *[f"s{i}" for i in range(1, L)], "res"]
    lines = ["// Generated by hw/gen.py from the artifact: the dataflow chain. Do not edit.",
             "// " + ", ".join(f"layer {i}: pool ({ll.cycles} cycles)" if ll.pool else
                               f"layer {i}: {ll.n_in}x{ll.n_out} x {ll.positions} positions"
                               f" PE {ll.fold.pe} SIMD {ll.fold.simd} LIF {ll.fold.lif} "
                               f"({ll.cycles} cycles, weights in {'BRAM' if ll.fold.bram else 'LUTRAM'})"
                               for i, ll in enumerate(lay.layers))]
    for b, (n, buf) in enumerate(zip(names, bufs)):
        lines += [f"wire {n}_w_ready, {n}_w_start, {n}_w_en, {n}_w_commit, {n}_r_avail, {n}_r_done;",
                  f"wire [{buf.planes * buf.ww - 1}:0] {n}_w_data;"]
        if buf.pixels:  # read pixel by pixel by a window generator
            lines += [f"wire [{idx_bits(buf.pixels) - 1}:0] {n}_r_idx;",
                      f"wire [{buf.planes * buf.rw - 1}:0] {n}_r_data;",
                      f"bwsnn_mapbuf #(.PLANES({buf.planes}), .BANKS({buf.banks}), .PIX({buf.pixels}), .C({buf.rw}), "
                      f".FILL({buf.fill}), .WW({buf.ww}), .PPW({buf.pixels_per_word}))"
                      f" buf{b} (\n    .clk(clk), .rst(rst), .w_ready({n}_w_ready), .w_start({n}_w_start),"
                      f" .w_en({n}_w_en), .w_data({n}_w_data), .w_commit({n}_w_commit),\n"
                      f"    .r_avail({n}_r_avail), .r_idx({n}_r_idx), .r_data({n}_r_data), .r_done({n}_r_done));"]
            if art.layers[b].window is None:  # a dense reader's shortcut port: none
                lines += [f"/* verilator lint_off UNUSEDSIGNAL */\nwire [{idx_bits(lay.layers[b].groups) - 1}:0]"
                          f" {n}_r2_idx;\n/* verilator lint_on UNUSEDSIGNAL */",
                          f"wire [{buf.planes * buf.rw2 - 1}:0] {n}_r2_data = {buf.planes * buf.rw2}'d0;"]
            continue
        ri, r2i = (1, 1) if b == L else (idx_bits(lay.layers[b].chunks), idx_bits(lay.layers[b].groups))
        lines += [f"wire [{ri - 1}:0] {n}_r_idx;", f"wire [{buf.planes * buf.rw - 1}:0] {n}_r_data;",
                  f"wire [{r2i - 1}:0] {n}_r2_idx;", f"wire [{buf.planes * buf.rw2 - 1}:0] {n}_r2_data;"]
        if b == L:
            lines.append(f"assign {n}_r_idx = 1'b0;\nassign {n}_r2_idx = 1'b0;\n"
                         f"/* verilator lint_off UNUSEDSIGNAL */\nwire {n}_unused = |{n}_r2_data;\n"
                         "/* verilator lint_on UNUSEDSIGNAL */")
        lines.append(
            f"bwsnn_framebuf #(.PLANES({buf.planes}), .BANKS({buf.banks}), .NB({buf.nb}), .FILL({buf.fill}), "
            f".WW({buf.ww}), "
            f".RW({buf.rw}), .RW2({buf.rw2}), .PORT2({int(buf.port2)}))"
            f" buf{b} (\n    .clk(clk), .rst(rst), .w_ready({n}_w_ready), .w_start({n}_w_start), .w_en({n}_w_en),"
            f" .w_data({n}_w_data), .w_commit({n}_w_commit),\n"
            f"    .r_avail({n}_r_avail), .r_idx({_port(f'{n}_r_idx', ri, buf.ri)}), .r_data({n}_r_data),"
            f" .r2_idx({_port(f'{n}_r2_idx', r2i, buf.r2i)}), .r2_data({n}_r2_data), .r_done({n}_r_done));")
    for i, l in enumerate(art.layers):
        src, dst = names[i], names[i + 1]
        outs = {"out_ready": f"{dst}_w_ready", "out_start": f"{dst}_w_start", "out_en": f"{dst}_w_en",
                "out_data": f"{dst}_w_data", "out_commit": f"{dst}_w_commit"}
        if lay.layers[i].pool:
            h, w, c = l.window.in_shape
            conns = ", ".join(f".{k}({v})" for k, v in outs.items())
            lines.append(f"bwsnn_pool #(.H({h}), .W({w}), .C({c}), .P({art.T}), .K({l.window.kernel}), "
                         f".S({l.window.stride})) pool{i} (\n    .clk(clk), .rst(rst), .m_avail({src}_r_avail), "
                         f".m_addr({src}_r_idx), .m_data({src}_r_data), .m_done({src}_r_done),\n    {conns});")
            continue
        if l.window is not None:
            win_lines, ins = _window_stage(art, lay, i, src)
            lines += win_lines
        else:
            ins = {"in_avail": f"{src}_r_avail", "in_idx": f"{src}_r_idx", "in_data": f"{src}_r_data",
                   "skip_idx": f"{src}_r2_idx", "skip_data": f"{src}_r2_data", "in_done": f"{src}_r_done"}
        lines.append(layer_instance(art, lay, i, mem_dir, f"layer{i}", {**ins, **outs}))
    return "\n".join(lines) + "\n"


def params_header(art: Artifact, lay: Layout, design_id: int) -> str:
    bufs = buffers(art, lay)
    in_flight = 1 << sum(b.banks for b in bufs).bit_length()  # a frame per bank and one in the sender fit
    consts = {"N_IN": art.n_in, "IN_BITS": art.input_bits, "N_CLASSES": len(art.classes), "T_STEPS": art.T,
              "N_LAYERS": len(art.layers), "PARAM_WORDS": lay.words, "RES_NB": bufs[-1].nb, "IN_FLIGHT": in_flight}
    lines = ["// Generated by hw/gen.py from the artifact: the shape the bitstream is built for. Do not edit.",
             f"// {len(art.layers)} layers: {art.n_in}-" + "-".join(str(l.out_shape) for l in art.layers)]
    lines += [f"localparam integer {k} = {v};" for k, v in consts.items()]
    lines.append(f"localparam [31:0] DESIGN_ID = 32'h{design_id:08x};  // the hash of {FILE_NAME}")
    # the layers' configuration words (fixed at synthesis; the register block checks reloads against them)
    words = ", ".join(f"32'h{int(w):08x}" for w in descriptors(art)[::-1])
    lines.append(f"localparam [{32 * len(art.layers) - 1}:0] CFG_WORDS = {{{words}}};")
    return "\n".join(lines) + "\n"


def regmap_header(rm: Regmap = REGMAP) -> str:
    """The register map as Verilog localparams: REG_<name> byte offsets and <reg>_<field> bit indices."""
    geometry = (rm.in_bits, rm.pixels_per_beat, rm.out_bits)
    if geometry != (PIXEL_BEAT_BITS, PIXELS_PER_BEAT, 32):  # bwsnn_top's port widths and pixel packing
        raise ValueError(f"{rm.path}: bwsnn_top implements 64-bit/8-pixel input and 32-bit output beats, "
                         f"got {geometry}")
    lines = [f"// Generated by hw/gen.py from {rm.path.name}. Do not edit.",
             f"localparam [31:0] ID_MAGIC = 32'h{rm.id_magic:08x};",
             f"localparam integer PIXELS_PER_BEAT = {rm.pixels_per_beat};"]
    for name, r in rm.registers.items():
        lines.append(f"localparam [7:0] REG_{name} = 8'd{r.offset};")
        lines += [f"localparam integer {name}_{f} = {b};" for f, b in r.fields.items()]
    return "\n".join(lines) + "\n"


def _lint_wrapped(text: str) -> str:
    """A header of constants not every includer uses."""
    return f"/* verilator lint_off UNUSEDPARAM */\n{text}/* verilator lint_on UNUSEDPARAM */\n"


def _write(path: Path, text: str) -> None:
    """Write unless the file already holds ``text``: unchanged files keep their time, so tools that rebuild
    on newer inputs (Verilator, hw.synth's reuse of finished Yosys runs) see no change."""
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def write_params(art: Artifact, out_dir: str | Path, design: Design | None = None,
                 relative_to: Path | None = None) -> Path:
    """Write the design record, the headers, the chain and the .mem files of ``design`` (default: the default
    board's plan, :func:`bwsnn.planner.design`) into ``out_dir``.

    The chain names the .mem files by absolute path, or relative to ``relative_to``: the working directory of
    a tool that cannot see absolute paths (YoWASP Yosys has a private /tmp)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    design = planner.design(art) if design is None else design
    design.check(art)
    folding = design.folding
    lay = layout(art, folding)
    mems = memories(art, folding)
    for i, ll in enumerate(lay.layers):
        if ll.pool:
            continue
        _write(out / f"w{i}.mem", _mem_text(mems[f"w{i}"][:, :ll.row_words]))  # the row's words, not its padding
        for k in ("b", "th", "g"):  # neuron parameters: rows of LIF-lanes words
            _write(out / f"{k}{i}.mem", _mem_text(mems[f"{k}{i}"].reshape(-1, ll.fold.lif)))
    design.save(out / FILE_NAME)
    _write(out / "bwsnn_params.vh", _lint_wrapped(params_header(art, lay, design.id)))
    mem_dir = out.resolve() if relative_to is None else Path(os.path.relpath(out.resolve(), relative_to.resolve()))
    _write(out / "bwsnn_chain.vh", chain(art, lay, mem_dir))
    write_regmap(out)
    return out


def write_regmap(out_dir: str | Path) -> Path:
    """bwsnn_regmap.vh alone (what bwsnn_axil includes) into ``out_dir``; returns the directory."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "bwsnn_regmap.vh", _lint_wrapped(regmap_header()))
    return out


def write_layer_unit(art: Artifact, out_dir: str | Path, i: int, design: Design | None = None) -> Path:
    """:func:`write_params` plus bwsnn_layer_unit.v (layer ``i``'s engine alone); returns the .v file."""
    design = planner.design(art) if design is None else design
    out = write_params(art, out_dir, design)
    unit = out / "bwsnn_layer_unit.v"
    unit.write_text(layer_unit(art, layout(art, design.folding), i, out.resolve()))
    return unit


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m hw.gen", description=__doc__.splitlines()[0])
    ap.add_argument("artifact", type=cli.existing_file, help="deploy artifact (*.bwsnn.npz)")
    ap.add_argument("out_dir", type=cli.output_dir, help="folder for the design record, headers and memory images")
    ap.add_argument("--target", choices=list(BOARDS), default=DEFAULT_BOARD,
                    help="board of bwsnn/boards.json the design is planned for (default: %(default)s)")
    ap.add_argument("--target-cycles", type=cli.positive_int, default=DEFAULT_TARGET_CYCLES,
                    help="planned cycles per image")
    ap.add_argument("--lut-budget", type=cli.positive_int,
                    help="LUTs the planner may spend (default: the board's share, bwsnn.cost.default_budget)")
    ap.add_argument("--bram-budget", type=cli.positive_int,
                    help="RAMB36 tiles the planner may spend (default: the board's share)")
    a = ap.parse_args(argv)
    board = default_budget(a.target)
    budget = Budget(board.lut if a.lut_budget is None else a.lut_budget,
                    board.bram36 if a.bram_budget is None else a.bram_budget)
    try:
        art = load(a.artifact)
        check_buildable(art)  # before the planner: it assumes what the generator can build
        d = planner.design(art, get_board(a.target).name, a.target_cycles, budget)
        out = write_params(art, a.out_dir, d)
        print(f"{out}: design 0x{d.id:08x} for {d.board}, {d.interval} cycles per image")
    except ArtifactError as e:  # also the generator's limits (bwsnn.params.LayoutError)
        print(f"error: {a.artifact}: {e}" if isinstance(e, LayoutError) else f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
