"""cocotb bench of bwsnn_popcount: random words (and all-ones / all-zeros ones) against Python's bit count,
of x & m or of x alone as built (N and MASKED from sim.run_rtl.UNIT_BENCHES, passed as BWSNN_TB_PARAMS)."""
from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
from cocotb.triggers import Timer


@cocotb.test()
async def test_popcount(dut: Any) -> None:
    p = json.loads(os.environ["BWSNN_TB_PARAMS"])
    n, masked = p["N"], p["MASKED"]
    rng = random.Random(5)
    full = (1 << n) - 1
    vectors = [(full, full), (0, full), (full, 0)]
    count = int(os.environ.get("BWSNN_TB_VECTORS", "2000"))
    vectors += [(rng.getrandbits(n), rng.getrandbits(n)) for _ in range(count)]
    for x, m in vectors:
        dut.x.value, dut.m.value = x, m
        await Timer(1, unit="ns")
        want = bin(x & m if masked else x).count("1")
        assert int(dut.count.value) == want, f"x={x:#x} m={m:#x}: {int(dut.count.value)}, expected {want}"
