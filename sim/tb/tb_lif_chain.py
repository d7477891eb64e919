"""cocotb bench of bwsnn_lif_chain: a neuron's T membrane updates in step order, one neuron per cycle,
against the golden model's steps 2-6 (bwsnn/golden.py) run T times from a zero membrane, on raw int32 constants
clamped as the parameter image holds them (bwsnn.params.neuron_words's clamps: the golden model runs on the raw
ones), and each neuron's tag back with its result.

The layer configuration (FRAC, LEAK, MB, SOFT, SPIKING) and z's width are the chain's build parameters
(sim.run_rtl.UNIT_BENCHES, passed as BWSNN_TB_PARAMS); blocks of random neurons of growing current scale,
so that saturation, spikes and resets all happen.
"""
from __future__ import annotations

import json
import os
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge

from bwsnn.golden import saturate
from bwsnn.params import clamp_word
from sim.tb.reset import reset_clears_valids


def reference(z: list[int], skip: list[int], bias: int, thr: int, gain: int, cfg: dict[str, int]
              ) -> tuple[list[int], int]:
    """Spikes at every step and the membrane after the last: golden.run's inner loop for one neuron."""
    u, spikes = 0, []
    for zt, st in zip(z, skip):
        cur = (zt << cfg["frac_bits"]) + bias + (gain if st else 0)
        u = int(saturate(np.int64((u >> cfg["leak_shift"]) + cur), cfg["mem_bits"]))
        s = int(bool(cfg["spiking"]) and u >= thr)
        if s:
            u = int(saturate(np.int64(u - thr), cfg["mem_bits"])) if cfg["soft_reset"] else 0
        spikes.append(s)
    return spikes, u


def config() -> dict[str, int]:
    """The build parameters as the reference's field names."""
    p = json.loads(os.environ["BWSNN_TB_PARAMS"])
    return {"frac_bits": p["FRAC"], "leak_shift": p["LEAK"], "mem_bits": p["MB"], "soft_reset": p["SOFT"],
            "spiking": p["SPIKING"], "zw": p["ZW"]}


def random_neuron(rng: np.random.Generator, t_steps: int, cfg: dict[str, int], block: int) -> dict[str, Any]:
    hi = (1 << (cfg["mem_bits"] - 1)) - 1
    scale = min(max(4, hi >> 1) << (2 * block), (1 << 31) // 4)  # |I| < 2^31, as validation guarantees
    z_max = min(max(1, scale >> cfg["frac_bits"]), (1 << (cfg["zw"] - 1)) - 1)
    return {"z": [int(v) for v in rng.integers(-z_max, z_max + 1, t_steps)],
            "skip": [int(v) for v in rng.integers(0, 2, t_steps)],
            "bias": int(rng.integers(-scale, scale + 1)), "threshold": int(rng.integers(-scale // 4, scale + 1)),
            "skip_gain": int(rng.integers(-scale, scale + 1))}


@cocotb.test()
async def test_lif_chain(dut: Any) -> None:
    t_steps = len(dut.skip)
    lat = 2 * t_steps  # bwsnn_lif_chain's LAT T
    tag_mask = (1 << len(dut.tag)) - 1
    rng = np.random.default_rng(3)
    n = int(os.environ.get("BWSNN_TB_VECTORS", "2000"))
    Clock(dut.clk, 10, unit="ns").start()
    await reset_clears_valids(dut, lat)
    spikes_seen = sats = 0
    cfg = config()
    zw = cfg["zw"]
    for block in range(8):
        neurons = [random_neuron(rng, t_steps, cfg, block) for _ in range(n // 8)]
        want = [reference(v["z"], v["skip"], v["bias"], v["threshold"], v["skip_gain"], cfg) for v in neurons]
        got = []
        for i in range(len(neurons) + lat + 1):
            if i < len(neurons):
                v = neurons[i]
                dut.z.value = sum((zt & ((1 << zw) - 1)) << (zw * t) for t, zt in enumerate(v["z"]))
                dut.skip.value = sum(s << t for t, s in enumerate(v["skip"]))
                cw, mb = len(dut.c0), cfg["mem_bits"]
                dut.c0.value = int(clamp_word(v["bias"], cw)) & ((1 << cw) - 1)
                dut.c1.value = int(clamp_word(v["bias"] + v["skip_gain"], cw)) & ((1 << cw) - 1)
                dut.threshold.value = int(clamp_word(v["threshold"], mb + 1)) & ((1 << (mb + 2)) - 1)
                dut.tag.value = i & tag_mask
                dut.in_valid.value = 1
            else:
                dut.in_valid.value = 0
            await RisingEdge(dut.clk)
            if dut.out_valid.value == 1:
                bits = int(dut.spikes.value)
                assert int(dut.tag_out.value) == len(got) & tag_mask, f"block {block}: neuron {len(got)}'s tag"
                got.append(([bits >> t & 1 for t in range(t_steps)], dut.u.value.to_signed()))
        assert len(got) == len(neurons), f"block {block}: {len(got)} outputs for {len(neurons)} neurons"
        for j, (g, w) in enumerate(zip(got, want)):
            assert g == (w[0], w[1]), f"block {block} ({cfg}) neuron {j} {neurons[j]}: got {g}, golden {w}"
        spikes_seen += sum(sum(w[0]) for w in want)
        hi = (1 << (cfg["mem_bits"] - 1)) - 1
        sats += sum(abs(w[1]) >= hi for w in want)
    assert spikes_seen > n // 10 and sats > 0, f"weak stimulus: {spikes_seen} spikes, {sats} saturated"
