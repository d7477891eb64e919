"""Hardware benchmark of the RTL accelerator on the reference artifact (its planned folding, the one the
default bitstream and the host driver use), all measured -> ``$BUILD/bench/hw.json`` and ``hw.md``:

* resources and logic depth: Yosys estimates (:mod:`hw.synth`);
* cycles per image: Verilator run of sim/tb/tb_top.py with no stalls (steady state between results of
  back-to-back images; every result checked against the golden model), latency: CYCLES_LAST of the last;
* bound_ratio: cycles per image over the model's bound, the slowest layer's weight bits over the PE x SIMD
  bits its engine reads per cycle (every weight is read once per image);
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
from bwsnn.params import Fold, layout, plan
from bwsnn.paths import build_dir
from hw.synth import logic_depth, synth_estimate
from sim.run_rtl import digits_images, reference_artifact, run_top, sim_build


def bound_cycles(art: Artifact, folding: tuple[Fold, ...]) -> float:
    """Cycles per image if every engine streamed its weights at PE x SIMD bits per cycle, no padding or stall:
    the slowest layer's weight bits over its read width."""
    return max(l.n_in * l.n_out / (f.pe * f.simd) for l, f in zip(art.layers, folding))


def simulate(art_path: Path, images: int, simulator: str) -> dict[str, float]:
    """Cycles per image (no stalls) and simulator speed from a checked run of the reference artifact."""
    d = sim_build(f"bench_{simulator}")
    report = run_top(art_path, digits_images(images), d, simulator, pauses=False, testcase="test_stream")
    case = ET.parse(d / "results.xml").find(".//testcase[@name='test_stream']")
    sim_ns = float(case.find("properties/property[@name='sim_time_duration']").get("value"))
    wall = float(case.get("time"))
    return {**report, "sim_cycles_per_s": sim_ns / CLOCK_PERIOD_NS / wall}


def markdown(rows: list[dict]) -> str:
    cols = [("model", "{}"), ("dataset", "{}"), ("accuracy", "{:.2f}"), ("T", "{}"), ("input_bits", "{}"),
            ("folding", "{}"), ("cycles_per_image", "{:.1f}"), ("latency_cycles", "{}"),
            ("images_per_s_100mhz", "{:,.0f}"), ("lut", "{:,}"), ("ff", "{:,}"), ("bram36", "{:g}"),
            ("dsp", "{}"), ("logic_depth", "{}"), ("bound_ratio", "{:.2f}")]
    lines = ["bwsnn_top on xc7z020 (Yosys synth_xilinx estimates; cycles from Verilator, back to back)", "",
             "| " + " | ".join(c for c, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(fmt.format(r[c]) if r[c] is not None else "-" for c, fmt in cols) + " |")
    for r in rows:
        lines.append(f"\n{r['model']}: LUT {r['lut_pct']:.1f}%, FF {r['ff_pct']:.1f}%, BRAM36 {r['bram36_pct']:.1f}%,"
                     f" DSP {r['dsp_pct']:.1f}% of the xc7z020; simulation speed "
                     + ", ".join(f"{s} {v:,.0f} cycles/s" for s, v in r["sim_cycles_per_s_by"].items()))
    return "\n".join(lines) + "\n"


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
    fold = plan(art)
    hw_build, out = build_dir("hw"), build_dir("bench")
    out.mkdir(parents=True, exist_ok=True)
    est = synth_estimate(art, hw_build, fold)
    sims = {"verilator": simulate(art_path, a.images, "verilator")}
    if shutil.which("iverilog"):
        sims["icarus"] = simulate(art_path, a.icarus_images, "icarus")
    else:
        print("icarus speed: skipped (iverilog is not on PATH; it is optional)")
    cycles = sims["verilator"]["cycles_per_image"]
    row = {"model": art_path.name, "dataset": art.info.get("dataset"), "accuracy": art.info.get("accuracy_deploy"),
           "T": art.T, "input_bits": art.input_bits,
           "folding": " ".join(f"{f.pe}x{f.simd}" for f in fold),
           "layer_cycles": [ll.cycles for ll in layout(art, fold).layers],
           "cycles_per_image": cycles, "latency_cycles": sims["verilator"]["cycles_last"],
           "images_per_s_100mhz": CLOCK_HZ / cycles, **est,
           "logic_depth": logic_depth(hw_build / "params", hw_build),
           "bound_cycles": bound_cycles(art, fold), "bound_ratio": cycles / bound_cycles(art, fold),
           "sim_cycles_per_s_by": {s: v["sim_cycles_per_s"] for s, v in sims.items()}}
    (out / "hw.json").write_text(json.dumps({"rows": [row]}, indent=1) + "\n")
    (out / "hw.md").write_text(markdown([row]))
    print(markdown([row]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
