"""cocotb bench of the popcount synapse lane bwsnn_synapse.

term = 2*popcount(s & w) - popcount(s), pos = popcount(s & w).
"""
from __future__ import annotations

import os
from typing import Any

import cocotb
import numpy as np
from cocotb.triggers import Timer

from bwsnn.golden import popcount_current


@cocotb.test()
async def test_synapse(dut: Any) -> None:
    p = int(os.environ["BWSNN_TB_LANES"])
    rng = np.random.default_rng(5)
    n = int(os.environ.get("BWSNN_TB_VECTORS", "2000"))
    s = rng.random((n, p)) < rng.random((n, 1))  # spike densities from 0 to 1
    w = rng.integers(0, 2, (n, p)).astype(bool)
    edges = [np.zeros(p, bool), np.ones(p, bool)]  # all-zero / all-one spikes and weights
    s = np.concatenate([s, [a for a in edges for _ in edges]])
    w = np.concatenate([w, [b for _ in edges for b in edges]])
    as_int = lambda bits: int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")  # noqa: E731
    for i in range(len(s)):
        dut.s.value = as_int(s[i])
        dut.w.value = as_int(w[i])
        await Timer(1, "ns")
        want = int(popcount_current(s[i][None], w[i][None])[0, 0])
        got = dut.term.value.to_signed()
        assert got == want, f"vector {i}: term {got}, expected {want}"
        assert int(dut.pos.value) == int((s[i] & w[i]).sum()), f"vector {i}: pos"
