"""cocotb bench of bwsnn_lif_chain: a neuron's T membrane updates in step order, one neuron per cycle,
against the golden model's steps 2-6 (bwsnn/golden.py) run T times from a zero membrane.

Blocks of random neurons per layer configuration (the configuration is static while neurons flow, as in
the engine): 8- to 32-bit membranes (saturation), both resets, spiking and output (non-spiking) layers.
"""
from __future__ import annotations

import os
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import RisingEdge

from bwsnn.golden import saturate
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


def random_config(rng: np.random.Generator) -> dict[str, int]:
    bits = int(rng.choice([8, 12, 20, 32]))
    return {"frac_bits": int(rng.integers(0, 6)), "leak_shift": int(rng.integers(0, 4)), "mem_bits": bits,
            "soft_reset": int(rng.integers(0, 2)), "spiking": int(rng.random() < 0.8)}


def random_neuron(rng: np.random.Generator, t_steps: int, cfg: dict[str, int]) -> dict[str, Any]:
    hi = (1 << (cfg["mem_bits"] - 1)) - 1
    scale = min(max(4, hi >> 1), (1 << 31) // 4)  # |I| < 2^31, as artifact validation guarantees
    z_max = max(1, scale >> cfg["frac_bits"])
    return {"z": [int(v) for v in rng.integers(-z_max, z_max + 1, t_steps)],
            "skip": [int(v) for v in rng.integers(0, 2, t_steps)],
            "bias": int(rng.integers(-scale, scale + 1)), "threshold": int(rng.integers(-scale // 4, scale + 1)),
            "skip_gain": int(rng.integers(-scale, scale + 1))}


@cocotb.test()
async def test_lif_chain(dut: Any) -> None:
    t_steps = len(dut.skip)
    lat = 3 * t_steps
    rng = np.random.default_rng(3)
    n = int(os.environ.get("BWSNN_TB_VECTORS", "2000"))
    Clock(dut.clk, 10, unit="ns").start()
    await reset_clears_valids(dut, lat)
    spikes_seen = sats = 0
    for block in range(8):
        cfg = random_config(rng)
        for k, v in cfg.items():
            getattr(dut, k).value = v
        neurons = [random_neuron(rng, t_steps, cfg) for _ in range(n // 8)]
        want = [reference(v["z"], v["skip"], v["bias"], v["threshold"], v["skip_gain"], cfg) for v in neurons]
        got = []
        for i in range(len(neurons) + lat + 1):
            if i < len(neurons):
                v = neurons[i]
                dut.z.value = sum((zt & 0xFFFFFFFF) << (32 * t) for t, zt in enumerate(v["z"]))
                dut.skip.value = sum(s << t for t, s in enumerate(v["skip"]))
                for k in ("bias", "threshold", "skip_gain"):
                    getattr(dut, k).value = v[k] & 0xFFFFFFFF
                dut.in_valid.value = 1
            else:
                dut.in_valid.value = 0
            await RisingEdge(dut.clk)
            if dut.out_valid.value == 1:
                bits = int(dut.spikes.value)
                got.append(([bits >> t & 1 for t in range(t_steps)], dut.u.value.to_signed()))
        assert len(got) == len(neurons), f"block {block}: {len(got)} outputs for {len(neurons)} neurons"
        for j, (g, w) in enumerate(zip(got, want)):
            assert g == (w[0], w[1]), f"block {block} ({cfg}) neuron {j} {neurons[j]}: got {g}, golden {w}"
        spikes_seen += sum(sum(w[0]) for w in want)
        hi = (1 << (cfg["mem_bits"] - 1)) - 1
        sats += sum(abs(w[1]) >= hi for w in want)
    assert spikes_seen > n // 10 and sats > 0, f"weak stimulus: {spikes_seen} spikes, {sats} saturated"
