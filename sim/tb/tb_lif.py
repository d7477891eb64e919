"""cocotb bench of the LIF unit bwsnn_lif against the golden model's per-neuron arithmetic.

The layer configuration (FRAC, LEAK, MB, SOFT, SPIKING) and z's width are the unit's build parameters
(sim.run_rtl.UNIT_BENCHES, passed as BWSNN_TB_PARAMS); FIRST builds the first step's unit (membrane 0). The
unit takes the constants as the parameter image holds them (c0 = bias, c1 = bias + gain, both in its CW bits;
thr in the signed MB+1-bit range): the golden model runs with bias = c0 and gain = c1 - c0. Random vectors
every cycle (pipelined): currents anywhere in the unit's range, saturation both ways, negative thresholds and
skip spikes. The chain's bench covers the clamps of raw int32 constants (bwsnn.params.neuron_words).
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
from sim.tb.reset import reset_clears_valids

LATENCY = 2


def reference(v: dict[str, int]) -> tuple[int, int]:
    """The golden model's steps 2-6 for one neuron (bwsnn/golden.py)."""
    cur = (v["z"] << v["frac_bits"]) + v["bias"] + (v["skip_gain"] if v["skip_spike"] else 0)
    u = 0 if v["first_step"] else v["u_old"]
    u = int(saturate(np.int64((u >> v["leak_shift"]) + cur), v["mem_bits"]))
    if not v["spiking"] or u < v["threshold"]:
        return u, 0
    return (int(saturate(np.int64(u - v["threshold"]), v["mem_bits"])) if v["soft_reset"] else 0), 1


def config() -> dict[str, int]:
    """The build parameters as the reference's field names."""
    p = json.loads(os.environ["BWSNN_TB_PARAMS"])
    return {"frac_bits": p["FRAC"], "leak_shift": p["LEAK"], "mem_bits": p["MB"], "soft_reset": p["SOFT"],
            "spiking": p["SPIKING"], "zw": p["ZW"], "first_step": p["FIRST"]}


def random_vector(rng: np.random.Generator, cfg: dict[str, int], cw: int) -> dict[str, int]:
    bits, frac = cfg["mem_bits"], cfg["frac_bits"]
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    zmax = (1 << (cfg["zw"] - 1)) - 1
    z = int(rng.integers(-zmax - 1, zmax + 1))
    big = lambda: int(rng.integers(-(1 << (cw - 1)), 1 << (cw - 1)))  # noqa: E731  # anywhere in CW bits
    small = lambda: int(rng.integers(lo, hi + 1))  # noqa: E731
    edges = [e + d for e in (1 << bits, 1 << (bits - 1), -(1 << (bits - 1)), -(1 << bits)) for d in (-2, -1, 0, 1, 2)]
    edge = lambda: int(rng.choice(edges))  # noqa: E731  # around the clamps' and the saturation's bounds
    v = {
        "z": z, "c0": big() if rng.random() < 0.5 else small(), "c1": big() if rng.random() < 0.3 else small(),
        "skip_spike": int(rng.random() < 0.5), "u_old": int(rng.integers(lo, hi + 1)),
        "threshold": int(rng.integers(lo, hi + 1) if rng.random() < 0.8 else rng.integers(-(1 << bits), 1 << bits)),
    }
    if rng.random() < 0.2:  # the current I at a bound: the constant makes up the rest
        v["c1" if v["skip_spike"] else "c0"] = edge() - (v["z"] << frac)
    if rng.random() < 0.2:
        v["threshold"] = edge()
    return v


def golden_fields(v: dict[str, int]) -> dict[str, int]:
    """The unit's inputs as the golden model's: bias = c0, gain = c1 - c0."""
    return {"z": v["z"], "bias": v["c0"], "skip_gain": v["c1"] - v["c0"], "skip_spike": v["skip_spike"],
            "u_old": v["u_old"], "threshold": v["threshold"]}


def as_bits(value: int, width: int) -> int:
    return value & ((1 << width) - 1)


@cocotb.test()
async def test_lif(dut: Any) -> None:
    rng = np.random.default_rng(7)
    n = int(os.environ.get("BWSNN_TB_VECTORS", "2000"))
    cfg = config()
    cw = len(dut.c0)
    widths = {"z": cfg["zw"], "c0": cw, "c1": cw, "u_old": cfg["mem_bits"], "threshold": cfg["mem_bits"] + 2}
    Clock(dut.clk, 10, unit="ns").start()
    vectors = [random_vector(rng, cfg, cw) for _ in range(n)]
    # small z so that spikes and resets happen often
    for v in vectors[: n // 2]:
        v.update(z=int(rng.integers(-40, 41)))
    expected: list[tuple[int, int]] = []
    spikes = sats = 0
    await reset_clears_valids(dut, LATENCY)
    for i in range(n + LATENCY + 1):
        if i < n:
            v = vectors[i]
            for k, val in v.items():
                getattr(dut, k).value = as_bits(val, widths[k]) if k in widths else val
            dut.in_valid.value = 1
            expected.append(reference({**cfg, **golden_fields(v)}))
        else:
            dut.in_valid.value = 0
        await RisingEdge(dut.clk)
        j = i - LATENCY
        if 0 <= j < n:
            assert dut.out_valid.value == 1, f"vector {j}: out_valid low"
            got = (dut.u_new.value.to_signed(), int(dut.spike.value))
            assert got == expected[j], f"vector {j} {vectors[j]}: got {got}, expected {expected[j]}"
            spikes += got[1]
            b = cfg["mem_bits"]
            sats += got[0] in (-(1 << (b - 1)), (1 << (b - 1)) - 1)
    assert spikes > n // 10 and sats > n // 20, f"weak stimulus: {spikes} spikes, {sats} saturated"
