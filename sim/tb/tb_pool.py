"""cocotb bench of bwsnn_pool (window generator + OR + frame-buffer writer): sim/tb/tb_window.py's bench with
the pooled pixels as the reference."""
from __future__ import annotations

from typing import Any

import cocotb

from sim.tb.tb_window import run_stage


@cocotb.test()
async def test_pool(dut: Any) -> None:
    await run_stage(dut, pool=True)
