"""Hardware figures of the default accelerator (the real artifact, P = hw.gen.DEFAULT_LANES), all measured:

* resources: Yosys ``synth_xilinx -family xc7 -top bwsnn_top -noiopad; stat`` (LUTs include LUT-RAM/SRL cells
  at their LUT count, as Vivado reports them; RAMB18 counts 0.5 RAMB36);
* logic depth: on a generic copy of the design, ``abc -lut 6; ltp -noff`` (LUT levels between registers /
  block RAMs); LUTs count Yosys' INV cells too (an upper estimate);
* cycles per image: Verilator run of sim/tb/tb_top.py with no stalls (steady state between results of
  back-to-back images; every result checked against the golden model);
* simulation speed of both simulators (simulated cycles per wall second, test_stream).

``python -m hw.bench [--images N] [--icarus-images N]`` writes build/bench/hw.json and build/bench/hw.md.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from hw.gen import DEFAULT_LANES, write_params
from sim import rtl_build
from sim.artifact import Artifact, load

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "bench"
HW_BUILD = ROOT / "build" / "hw"
XC7Z020 = {"lut": 53200, "ff": 106400, "bram36": 140, "dsp": 220}
LUTRAM_LUTS = {"RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1S": 4,
               "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "SRL16E": 1, "SRLC32E": 1}
FF_CELLS = ("FDRE", "FDSE", "FDCE", "FDPE", "LDCE", "LDPE")


def lower_bound_cycles(art: Artifact, lanes: int) -> float:
    """Weight bits read per image / P: layer 0's once (its sums are reused), the others every time step."""
    bits = sum(l.n_in * l.n_out * (1 if i == 0 else art.T) for i, l in enumerate(art.layers))
    return bits / lanes


def _yosys(script: str, log: Path) -> str:
    r = subprocess.run(["yosys", "-q", "-l", str(log), "-p", script], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"yosys failed ({log}): {r.stderr[-2000:]}")
    return log.read_text()


def _read(params: Path) -> str:
    files = " ".join(str(p) for p in rtl_build.rtl_sources())
    return f"read_verilog -sv -I{params} {files}; "


def synth(params: Path, work: Path) -> dict[str, float]:
    """Yosys synth_xilinx + stat: cell counts mapped to xc7z020 resources."""
    log = _yosys(_read(params) + "synth_xilinx -family xc7 -top bwsnn_top -noiopad; tee -o "
                 f"{work / 'stat.txt'} stat", work / "synth.log")
    text = (work / "stat.txt").read_text()
    text = text[text.find("=== design hierarchy ==="):]  # the totals (the sections before are per module)
    cells: Counter[str] = Counter()
    for m in re.finditer(r"^\s+(\S+)\s+(\d+)\s*$", text.split("Number of cells:")[-1], re.M):
        cells[m.group(1)] += int(m.group(2))
    if not cells:
        raise RuntimeError(f"no cell counts in {work / 'stat.txt'} (log {len(log)} chars)")
    # INV cells are LUT1s unless Vivado folds them into their neighbours: counted, to stay an upper estimate
    lut_logic = sum(n for c, n in cells.items() if re.fullmatch(r"LUT[1-6]", c)) + cells["INV"]
    lut_mem = sum(n * LUTRAM_LUTS[c] for c, n in cells.items() if c in LUTRAM_LUTS)
    return {"lut": lut_logic + lut_mem, "lut_logic": lut_logic, "lut_inv": cells["INV"], "lut_mem": lut_mem,
            "ff": sum(cells[c] for c in FF_CELLS),
            "bram36": cells["RAMB36E1"] + 0.5 * cells["RAMB18E1"], "dsp": cells["DSP48E1"],
            "carry4": cells["CARRY4"]}


def synth_estimate(art: Artifact, work: Path, lanes: int = DEFAULT_LANES) -> dict[str, float]:
    """Resource estimate of the accelerator built for ``art``, with percentages of the xc7z020."""
    work.mkdir(parents=True, exist_ok=True)
    r = synth(write_params(art, work / "params", lanes), work)
    return {**r, **{f"{k}_pct": 100.0 * r[k] / cap for k, cap in XC7Z020.items()}}


def logic_depth(params: Path, work: Path) -> int:
    """Longest path in LUT6 levels of a generic copy: FFs and block RAMs end paths (the RAM cells are deleted
    from the copy). Generic LUT mapping has no carry chains, so wide adders count one level per 1-2 bits:
    an upper bound on the CARRY4-based depth."""
    log = _yosys(_read(params) + "hierarchy -top bwsnn_top; proc; flatten; opt; wreduce; memory -nomap; opt; "
                 "techmap; opt; abc -lut 6; opt_clean; delete t:$mem_v2; ltp -noff", work / "depth.log")
    m = re.findall(r"Longest topological path in \S+ \(length=(\d+)\)", log)
    if not m:
        raise RuntimeError(f"no ltp result in {work / 'depth.log'}")
    return int(m[-1])


def simulate(art_path: Path, images: int, simulator: str) -> dict[str, float]:
    """Cycles per image (no stalls) and simulator speed from a checked run of the reference artifact."""
    from sim.run_rtl import SIM_BUILD, digits_images, run_top
    from sim.tb.tb_top import CLK_NS

    d = SIM_BUILD / f"bench_{simulator}"
    report = run_top(art_path, digits_images(images), d, simulator, pauses=False, testcase="test_stream")
    case = ET.parse(d / "results.xml").find(".//testcase[@name='test_stream']")
    sim_ns = float(case.find("properties/property[@name='sim_time_duration']").get("value"))
    wall = float(case.get("time"))
    return {**report, "sim_cycles_per_s": sim_ns / CLK_NS / wall}


def markdown(r: dict) -> str:
    rows = [("LUT", f"{r['lut']:,}", f"{r['lut_pct']:.1f}%"), ("FF", f"{r['ff']:,}", f"{r['ff_pct']:.1f}%"),
            ("BRAM36 (RAMB18 = 0.5)", f"{r['bram36']:g}", f"{r['bram36_pct']:.1f}%"),
            ("DSP48", f"{r['dsp']}", f"{r['dsp_pct']:.1f}%"), ("CARRY4", f"{r['carry4']:,}", ""),
            ("logic depth (LUT levels)", f"{r['logic_depth']}", ""),
            ("cycles / image (back to back)", f"{r['cycles_per_image']:.1f}", ""),
            ("CYCLES_LAST of the last image, back to back (includes queueing)", f"{r['latency_cycles']}", ""),
            ("images / s @ 100 MHz", f"{r['images_per_s_100mhz']:,.0f}", ""),
            ("lower bound: weight bits per image / P", f"{r['lower_bound_cycles']:.1f}",
             f"ratio {r['ratio_to_lower_bound']:.2f}")]
    rows += [(f"simulation speed, {s} (cycles/s)", f"{v:,.0f}", "") for s, v in r["sim_cycles_per_s_by"].items()]
    lines = [f"bwsnn_top on xc7z020 (Yosys synth_xilinx estimate), P = {r['lanes']}, artifact {r['artifact']}", "",
             "| figure | value | of xc7z020 / note |", "|---|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in rows]) + "\n"


def main(argv: list[str] | None = None) -> None:
    from sim.run_rtl import reference_artifact

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=32, help="images for the cycle count (Verilator)")
    ap.add_argument("--icarus-images", type=int, default=4, help="images for Icarus' speed figure")
    a = ap.parse_args(argv)
    art_path = reference_artifact()
    art = load(art_path)
    HW_BUILD.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    r: dict = {"artifact": str(art_path), "lanes": DEFAULT_LANES}
    r.update(synth_estimate(art, HW_BUILD))
    r["logic_depth"] = logic_depth(HW_BUILD / "params", HW_BUILD)
    sims = {"verilator": simulate(art_path, a.images, "verilator"),
            "icarus": simulate(art_path, a.icarus_images, "icarus")}
    r["cycles_per_image"] = sims["verilator"]["cycles_per_image"]
    r["latency_cycles"] = sims["verilator"]["cycles_last"]
    r["images_per_s_100mhz"] = 100e6 / r["cycles_per_image"]
    r["lower_bound_cycles"] = lower_bound_cycles(art, DEFAULT_LANES)
    r["ratio_to_lower_bound"] = r["cycles_per_image"] / r["lower_bound_cycles"]
    r["sim_cycles_per_s_by"] = {s: v["sim_cycles_per_s"] for s, v in sims.items()}
    r["sim_cycles_per_s"] = r["sim_cycles_per_s_by"]["verilator"]
    (OUT / "hw.json").write_text(json.dumps(r, indent=1) + "\n")
    (OUT / "hw.md").write_text(markdown(r))
    print(markdown(r))


if __name__ == "__main__":
    main()
