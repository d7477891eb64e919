"""Synthesis gate: Yosys ``synth_xilinx`` (hw/synth.py, YoWASP) of the top built for the trained artifact must
give a design without latches whose weights sit in block RAM, and that fits the xc7z020 (~90 s)."""
from __future__ import annotations

from pathlib import Path

from bwsnn.artifact import load
from bwsnn.params import DEFAULT_LANES, layout
from bwsnn.paths import build_dir
from hw.synth import synth_estimate

BRAM36_BITS = 36 * 1024
LUTRAM_BITS_PER_LUT = 64


def test_synth_xilinx_no_latches_weights_in_block_ram(trained_artifact_path: Path) -> None:
    art = load(trained_artifact_path)
    lay = layout(art, DEFAULT_LANES)
    weight_bits = lay.w_rows * lay.lanes  # the weight memory as the engine holds it
    r = synth_estimate(art, build_dir("synth_gate"), DEFAULT_LANES)
    assert r["latches"] == 0
    # the weights are in block RAM: not in LUT-RAM, not in flip-flops, and the block RAMs can hold them
    assert r["lut_mem"] * LUTRAM_BITS_PER_LUT < weight_bits, r
    assert r["ff"] < weight_bits, r
    assert r["bram36"] * BRAM36_BITS >= weight_bits, r
    for k in ("lut", "ff", "bram36", "dsp"):
        assert r[f"{k}_pct"] < 100, (k, r)
