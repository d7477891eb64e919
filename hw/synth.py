"""Resource and logic-depth estimates of the RTL accelerator built for an artifact, by Yosys (:mod:`hw.yosys`).

* resources: ``synth_xilinx -family F -top bwsnn_top -noiopad; stat`` with the board record's Yosys family
  (:mod:`bwsnn.boards`: xc7 for Zynq-7000, xcup for Zynq UltraScale+; LUTs include LUT-RAM/SRL cells at their
  LUT count, as Vivado reports them; RAMB18 counts 0.5 RAMB36; INV cells count as LUTs: an upper estimate),
  with percentages of the board's capacities;
* logic depth: the longest register-to-register path of the same xc7 netlist, flattened, timed with the
  7-series cell delays and the carry chains as the fabric runs them, in LUT levels (:mod:`hw.timing`).

No Vivado here: these are estimates, not implementation results.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from bwsnn import planner
from bwsnn.artifact import Artifact
from bwsnn.boards import BOARDS, DEFAULT_BOARD, Board, BoardError, get_board
from bwsnn.design import Design
from hw import TOPLEVEL, rtl_sources, yosys
from hw.gen import write_params
from hw.timing import critical_path

# LUT-RAM / SRL cells of both families (RAM32M16 / RAM64M8: UltraScale+'s 8-LUT multi-port RAMs)
LUTRAM_LUTS = {"RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM32X1D": 2, "RAM64X1D": 2,
               "RAM128X1D": 4, "RAM256X1S": 4, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "SRL16E": 1,
               "SRLC32E": 1}
FF_CELLS = ("FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE")
LATCH_CELLS = ("LDCE", "LDPE")


def _read(params: Path, work: Path) -> str:
    files = " ".join(yosys.rel(p, work) for p in rtl_sources())
    return f"read_verilog -sv -I{yosys.rel(params, work)} {files}; "


def parse_stat(text: str) -> Counter[str]:
    """Cell counts of the top's hierarchy totals from ``stat`` output: both the old layout (``NAME  COUNT``)
    and Yosys >= 0.50's (``COUNT  NAME``, cells first)."""
    at = text.find("=== design hierarchy ===")
    text = text[at:] if at >= 0 else text
    text = text.split("Number of cells", 1)[-1] if "Number of cells" in text else text
    cells: Counter[str] = Counter()
    for m in re.finditer(r"^\s+(?:(\d+)\s+([A-Za-z_$][\w$]*)|([A-Za-z_$][\w$]*)\s+(\d+))\s*$", text, re.M):
        name, count = (m.group(2), m.group(1)) if m.group(1) else (m.group(3), m.group(4))
        cells[name] += int(count)
    return cells


def luts(cells: Counter[str]) -> int:
    """LUTs of a cell count: logic LUTs and INVs, and LUT-RAM / SRL cells at their LUT count."""
    return (sum(n for c, n in cells.items() if re.fullmatch(r"LUT[1-6]", c)) + cells["INV"]
            + sum(n * LUTRAM_LUTS[c] for c, n in cells.items() if c in LUTRAM_LUTS))


def module_cells(stat_text: str) -> dict[str, Counter[str]]:
    """Each module's own cells from ``stat`` output (Yosys >= 0.50's ``COUNT  NAME`` lines), its submodules
    among them by module name."""
    mods: dict[str, Counter[str]] = {}
    for m in re.finditer(r"^=== (\S+) ===\n(.*?)(?=^=== |\Z)", stat_text, re.M | re.S):
        if m.group(1) != "design":
            mods[m.group(1)] = Counter({c: int(n) for n, c in re.findall(r"^\s+(\d+)\s+(\S+)\s*$", m.group(2), re.M)})
    return mods


def instance_luts(stat_text: str, cells_text: str, top: str = TOPLEVEL) -> dict[str, int]:
    """LUTs of each cell of the top (its submodules' included), by instance name: the top's cells as
    ``dump`` lists them after ``hierarchy`` (``cell TYPE NAME``: the parameterised module names are those
    ``stat`` reports) and the per-module counts of ``stat``. Top-level logic outside any instance: ``""``."""
    mods = module_cells(stat_text)
    memo: dict[str, int] = {}

    def total(name: str) -> int:
        if name not in memo:
            memo[name] = luts(mods[name]) + sum(n * total(c) for c, n in mods[name].items() if c in mods)
        return memo[name]

    out = {}
    for kind, name in re.findall(r"^\s*cell (\S+) \\(\S+)$", cells_text, re.M):
        if kind in mods:
            out[name] = total(kind)
    # a top built with parameters (chparam) carries its derived name
    out[""] = luts(mods[top] if top in mods else next(c for n, c in mods.items() if n.endswith(f"\\{top}")))
    return out


def _up_to_date(result: Path, params: Path) -> bool:
    """True when ``result`` is newer than every RTL source and generated parameter file (make's rule): a long
    bench that was stopped reuses the Yosys runs it finished."""
    inputs = [*rtl_sources(), *params.iterdir()]
    return result.is_file() and result.stat().st_mtime > max(p.stat().st_mtime for p in inputs)


def netlist_path(work: Path, family: str = "xc7") -> Path:
    """The flattened netlist (Yosys JSON) a :func:`synth` run leaves in ``work``."""
    return work / f"netlist-{family}.json"


def synth(params: Path, work: Path, family: str = "xc7") -> dict[str, float]:
    """Yosys synth_xilinx -family ``family`` + stat: cell counts mapped to the family's resources (RAMB*E1 /
    DSP48E1 on 7-series, *E2 on UltraScale+; Yosys maps carries to CARRY4 on both); the netlist, flattened,
    stays in ``work`` (:func:`netlist_path`) for the depth estimate."""
    stat, top_cells, netlist = work / f"stat-{family}.txt", work / f"cells-{family}.txt", netlist_path(work, family)
    if not (_up_to_date(stat, params) and top_cells.is_file() and netlist.is_file()):
        yosys.run(_read(params, work) + f"hierarchy -top {TOPLEVEL}; tee -q -o {top_cells.name} dump {TOPLEVEL}/c:*; "
                  f"synth_xilinx -family {family} -top {TOPLEVEL} -noiopad; tee -o {stat.name} stat; "
                  f"flatten; write_json {netlist.name}", work, f"synth-{family}.log")
    cells = parse_stat(stat.read_text())
    if not cells:
        raise yosys.YosysError(f"no cell counts in {stat}")
    lut = luts(cells)
    lut_mem = sum(n * LUTRAM_LUTS[c] for c, n in cells.items() if c in LUTRAM_LUTS)
    return {"lut": lut, "lut_logic": lut - lut_mem, "lut_inv": cells["INV"], "lut_mem": lut_mem,
            "lut_by_instance": instance_luts(stat.read_text(), top_cells.read_text()),
            "ff": sum(cells[c] for c in FF_CELLS), "latches": sum(cells[c] for c in LATCH_CELLS),
            "bram36": sum(cells[f"RAMB36E{v}"] + 0.5 * cells[f"RAMB18E{v}"] for v in (1, 2)),
            "dsp": cells["DSP48E1"] + cells["DSP48E2"], "carry4": cells["CARRY4"]}


def synth_estimate(art: Artifact, work: Path, design: Design | None = None,
                   board: Board | None = None) -> dict[str, float | str]:
    """Resource estimate of the accelerator of ``design`` (default: ``art`` planned for ``board``'s budget,
    :func:`bwsnn.planner.design`) in ``board``'s family (default: the record's default board), with
    percentages of its capacities and its name and part."""
    board = board or get_board()
    design = planner.design(art, board.name) if design is None else design
    work.mkdir(parents=True, exist_ok=True)
    r = synth(write_params(art, work / "params", design, relative_to=work), work, board.yosys_family)
    return {**r, **board.percent(r), "board": board.name, "part": board.part, "family": board.yosys_family}


def logic_depth(params: Path, work: Path) -> int:
    """The longest register-to-register path in LUT levels (:mod:`hw.timing`: 7-series cell delays, carry chains
    as the fabric runs them, a net per general-routing hop) of the xc7 netlist of :func:`synth` (run here if
    ``work`` has none that is up to date: the depth of a board of another family is the 7-series estimate)."""
    synth(params, work, "xc7")
    return critical_path(netlist_path(work, "xc7"), TOPLEVEL).levels


def main(argv: list[str] | None = None) -> int:
    """``python -m hw.synth ARTIFACT WORK_DIR [--target BOARD] [--target-cycles N]``: Resources and logic depth
    of the accelerator for an artifact, planned for the board (its share of the board's capacities)."""
    import json
    import sys
    import time

    from bwsnn import cli
    from bwsnn.artifact import ArtifactError, load
    from bwsnn.params import check_buildable

    p = cli.Parser(prog="python -m hw.synth", description=main.__doc__.split(": ", 1)[1])
    p.add_argument("artifact", type=cli.existing_file, help="deploy artifact (*.bwsnn.npz)")
    p.add_argument("work", type=cli.output_dir, help="work folder for the generated RTL inputs and Yosys logs")
    p.add_argument("--target", choices=list(BOARDS), default=DEFAULT_BOARD,
                   help="board of bwsnn/boards.json: its budget plans the design, its family maps it (default: "
                   "%(default)s)")
    p.add_argument("--target-cycles", type=cli.positive_int, default=planner.DEFAULT_TARGET_CYCLES,
                   help="planned cycles per image (default: %(default)s)")
    a = p.parse_args(argv)
    try:
        art = load(a.artifact)
        check_buildable(art, str(a.artifact))  # before Yosys starts
        t0 = time.perf_counter()
        board = get_board(a.target)
        design = planner.design(art, board.name, a.target_cycles)  # as the bitstream for that board is planned
        r = synth_estimate(art, a.work, design, board)
        r.update(design_id=f"0x{design.id:08x}", interval=design.interval)
        t1 = time.perf_counter()
        r["logic_depth"] = logic_depth(a.work / "params", a.work)
        r.update(yosys=yosys.version(), synth_s=round(t1 - t0, 1), depth_s=round(time.perf_counter() - t1, 1))
    except (ArtifactError, BoardError, yosys.YosysError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
