"""Hardware benchmark of the RTL accelerator on the reference artifact (P = bwsnn.params.DEFAULT_LANES),
all measured -> ``$BUILD/bench/hw.json`` and ``hw.md``:

* resources and logic depth: Yosys estimates (:mod:`hw.synth`);
* cycles per image: Verilator run of sim/tb/tb_top.py with no stalls (steady state between results of
  back-to-back images; every result checked against the golden model);
* simulation speed of each simulator that is installed (simulated cycles per wall second, test_stream).

``python -m sim.hw_bench [--images N] [--icarus-images N]``
"""
from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from bwsnn import cli
from bwsnn.artifact import Artifact, ArtifactError, load
from bwsnn.limits import CLOCK_HZ, CLOCK_PERIOD_NS
from bwsnn.params import DEFAULT_LANES
from bwsnn.paths import build_dir
from hw.synth import logic_depth, synth_estimate
from sim.run_rtl import digits_images, reference_artifact, run_top, sim_build


def lower_bound_cycles(art: Artifact, lanes: int) -> float:
    """Weight bits read per image / P: layer 0's once (its sums are reused), the others every time step."""
    bits = sum(l.n_in * l.n_out * (1 if i == 0 else art.T) for i, l in enumerate(art.layers))
    return bits / lanes


def simulate(art_path: Path, images: int, simulator: str) -> dict[str, float]:
    """Cycles per image (no stalls) and simulator speed from a checked run of the reference artifact."""
    d = sim_build(f"bench_{simulator}")
    report = run_top(art_path, digits_images(images), d, simulator, pauses=False, testcase="test_stream")
    case = ET.parse(d / "results.xml").find(".//testcase[@name='test_stream']")
    sim_ns = float(case.find("properties/property[@name='sim_time_duration']").get("value"))
    wall = float(case.get("time"))
    return {**report, "sim_cycles_per_s": sim_ns / CLOCK_PERIOD_NS / wall}


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


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m sim.hw_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=cli.positive_int, default=32, help="images for the cycle count (Verilator)")
    ap.add_argument("--icarus-images", type=cli.positive_int, default=4, help="images for Icarus' speed figure")
    a = ap.parse_args(argv)
    art_path = reference_artifact()
    try:
        art = load(art_path)
    except ArtifactError as e:
        print(f"error: reference artifact (make train, or $BWSNN_ARTIFACT): {e}", file=sys.stderr)
        return 1
    hw_build, out = build_dir("hw"), build_dir("bench")
    out.mkdir(parents=True, exist_ok=True)
    r: dict = {"artifact": str(art_path), "lanes": DEFAULT_LANES}
    r.update(synth_estimate(art, hw_build))
    r["logic_depth"] = logic_depth(hw_build / "params", hw_build)
    sims = {"verilator": simulate(art_path, a.images, "verilator")}
    if shutil.which("iverilog"):
        sims["icarus"] = simulate(art_path, a.icarus_images, "icarus")
    else:
        print("icarus speed: skipped (iverilog is not on PATH; it is optional)")
    r["cycles_per_image"] = sims["verilator"]["cycles_per_image"]
    r["latency_cycles"] = sims["verilator"]["cycles_last"]
    r["images_per_s_100mhz"] = CLOCK_HZ / r["cycles_per_image"]
    r["lower_bound_cycles"] = lower_bound_cycles(art, DEFAULT_LANES)
    r["ratio_to_lower_bound"] = r["cycles_per_image"] / r["lower_bound_cycles"]
    r["sim_cycles_per_s_by"] = {s: v["sim_cycles_per_s"] for s, v in sims.items()}
    r["sim_cycles_per_s"] = r["sim_cycles_per_s_by"]["verilator"]
    (out / "hw.json").write_text(json.dumps(r, indent=1) + "\n")
    (out / "hw.md").write_text(markdown(r))
    print(markdown(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
