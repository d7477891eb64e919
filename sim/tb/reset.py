"""Reset check shared by the benches of pipelined units (bwsnn_lif, bwsnn_lif_chain)."""
from __future__ import annotations

from typing import Any

from cocotb.triggers import RisingEdge


async def reset_clears_valids(dut: Any, latency: int) -> None:
    """Fill the pipeline with valid inputs, reset it for one cycle while they keep coming, and check that no
    valid (and no X: Icarus starts registers at X, Verilator at 0) comes out of it afterwards: a reset must
    clear every valid in flight, however short it is. Leaves ``rst`` and ``in_valid`` low."""
    dut.rst.value = 0
    dut.in_valid.value = 1
    for _ in range(latency):
        await RisingEdge(dut.clk)
    dut.rst.value = 1
    await RisingEdge(dut.clk)
    dut.rst.value = 0
    dut.in_valid.value = 0
    for cycle in range(latency + 1):
        await RisingEdge(dut.clk)
        assert str(dut.out_valid.value) == "0", f"out_valid {dut.out_valid.value} {cycle} cycles after the reset"
