"""Per-unit Yosys figures: one RTL module built alone (or one layer engine of an artifact), synthesized as
:mod:`hw.synth` synthesizes the accelerator, with its LUTs, flip-flops, carry cells and logic depth
(:mod:`hw.timing`); the per-instance LUTs of its submodules show where they go.

``python -m hw.units WORK MODULE [NAME=VALUE ...]``, e.g. ``python -m hw.units build/units bwsnn_lif_chain T=2
ZW=9 FRAC=10 LEAK=1 MB=19 SOFT=0 SPIKING=1 TAGW=7 CW=22`` (mnist-conv conv1's LIF chain), or
``python -m hw.units WORK --layer ARTIFACT I [--folding PExSIMD ...]`` for layer I's engine (bwsnn_layer_unit).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from bwsnn import cli, planner
from bwsnn.artifact import ArtifactError, load
from bwsnn.design import Design
from bwsnn.params import folding
from hw import RTL_DIR, yosys
from hw.gen import write_layer_unit
from hw.synth import FF_CELLS, instance_luts, luts, parse_stat
from hw.timing import critical_path


def sources(module: str) -> list[Path]:
    """The module's file and those of the modules it instantiates (bwsnn_* instances), recursively."""
    out, todo = [], [module]
    while todo:
        path = RTL_DIR / f"{todo.pop()}.v"
        if path in out:
            continue
        if not path.is_file():
            raise yosys.YosysError(f"{path}: no such RTL module")
        out.append(path)
        todo += re.findall(r"^\s*(bwsnn_\w+)\s*#?\s*\(", path.read_text(), re.M)
    return out


def measure(work: Path, top: str, files: list[Path], params: dict[str, str], includes: list[Path] = ()) -> dict:
    """synth_xilinx of ``top`` alone: LUTs (:func:`hw.synth.luts`), FFs, CARRY4, levels, the critical path."""
    work.mkdir(parents=True, exist_ok=True)
    inc = " ".join(f"-I{yosys.rel(i, work)}" for i in includes)
    # the module built with the parameters gets a derived name: back to its own, as the top
    chparam = (f"chparam {' '.join(f'-set {k} {v}' for k, v in params.items())} {top}; hierarchy -auto-top; "
               f"rename -top {top}; ") if params else ""
    yosys.run(f"read_verilog -sv {inc} {' '.join(yosys.rel(f, work) for f in files)}; {chparam}"
              f"hierarchy -top {top}; tee -q -o cells.txt dump {top}/c:*; "
              f"synth_xilinx -family xc7 -top {top} -noiopad; tee -q -o stat.txt stat; flatten; "
              "write_json netlist.json", work, "synth.log")
    stat = (work / "stat.txt").read_text()
    cells = parse_stat(stat)
    path = critical_path(work / "netlist.json", top)
    by_instance = {k: v for k, v in instance_luts(stat, (work / "cells.txt").read_text(), top).items() if k}
    return {"module": top, "params": params, "lut": luts(cells), "srl": cells["SRL16E"] + cells["SRLC32E"],
            "ff": sum(cells[c] for c in FF_CELLS), "carry4": cells["CARRY4"], "levels": path.levels,
            "path_ns": round(path.ps / 1000, 2), "path": " ".join(path.cells), "lut_by_instance": by_instance}


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m hw.units", description=__doc__.splitlines()[0])
    ap.add_argument("work", type=cli.output_dir, help="work folder (Yosys logs, netlist)")
    ap.add_argument("module", nargs="?", help="an RTL module of hw/rtl (its parameters as NAME=VALUE after it)")
    ap.add_argument("params", nargs="*", help="NAME=VALUE parameters of the module")
    ap.add_argument("--layer", nargs=2, metavar=("ARTIFACT", "I"), help="layer I's engine of an artifact instead")
    ap.add_argument("--folding", nargs="+", metavar="PExSIMD", help="the artifact's folding (default: its plan)")
    a = ap.parse_args(argv)
    try:
        if a.layer:
            art, i = load(a.layer[0]), int(a.layer[1])
            design = planner.design(art) if not a.folding else Design.of(
                art, folding(art, [tuple(map(int, f.split("x")[:2])) for f in a.folding]))
            unit = write_layer_unit(art, a.work / "params", i, design)
            r = measure(a.work, "bwsnn_layer_unit", [unit, *sources("bwsnn_layer")], {}, [unit.parent])
        elif a.module:
            params = dict(p.split("=", 1) for p in a.params)
            r = measure(a.work, a.module, sources(a.module), params)
        else:
            ap.error("expected a MODULE or --layer ARTIFACT I")
    except (ArtifactError, ValueError, yosys.YosysError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
