"""Synthesis gate: Yosys ``synth_xilinx`` (hw/synth.py, YoWASP) of the top built for the trained artifact must
give a design without latches whose weights sit in block RAM, and that fits the xc7z020; its LUTs split over the
layers and the interface add up to the design's. Planned at :data:`GATE_CYCLES` per image: the same memories
and a few lanes per layer in half the LUTs of the default plan, so half the synthesis time (the default plan
itself is synthesised by ``make bench``)."""
from __future__ import annotations

from pathlib import Path

from bwsnn import planner
from bwsnn.artifact import load
from bwsnn.params import layout
from bwsnn.paths import build_dir
from hw.synth import synth_estimate
from sim.hw_bench import layer_luts

BRAM36_BITS = 36 * 1024
GATE_CYCLES = 512


def test_synth_xilinx_no_latches_weights_in_block_ram(trained_artifact_path: Path) -> None:
    art = load(trained_artifact_path)
    design = planner.design(art, target_cycles=GATE_CYCLES)  # the planner puts the large weight memories in BRAM
    fold = design.folding
    assert any(f.pe > 1 for f in fold) and any(f.simd > 1 for f in fold)
    rows = [(ll.w_rows * ll.fold.pe * ll.fold.simd, ll.fold.bram) for ll in layout(art, fold).layers]
    weight_bits = sum(bits for bits, _ in rows)  # the weight memories as the engines hold them
    bram_bits = sum(bits for bits, bram in rows if bram)
    assert bram_bits > weight_bits // 2
    r = synth_estimate(art, build_dir("synth_gate"), design)
    assert r["latches"] == 0
    # the planned weights are in block RAM: the block RAMs can hold them and no memory became flip-flops (LUT
    # RAM holds the small weight memories and the neuron parameters by design, so its count says nothing here)
    assert r["ff"] < weight_bits, r
    assert r["bram36"] * BRAM36_BITS >= bram_bits, r
    for k in ("lut", "ff", "bram36", "dsp"):
        assert r[f"{k}_pct"] < 100, (k, r)
    per_layer, interface = layer_luts(len(art.layers), r["lut_by_instance"])
    assert sum(per_layer) + interface == r["lut"], (per_layer, interface, r["lut"])
    assert min(per_layer) > 0 and interface > 0, (per_layer, interface)
