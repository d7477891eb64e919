"""cocotb bench of bwsnn_framebuf (the multi-bank frame buffer between pipeline stages): a writer and a reader
with random stalls pass random frames; the writer writes each frame's FILL bits in slice order (the buffer
shifts them in), the reader must see every frame once, in order, bit for bit on both read ports, with the
bits past FILL 0; the writer may reserve the next bank (w_start) while it still writes the current frame and
must be refused (w_ready low) when every bank is taken."""
from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, FallingEdge

from sim.tb.banked import Writer, slice_of, start


def params() -> tuple[int, int, int, int, int, int]:
    """The parameters the module was built with (sim.run_rtl.UNIT_BENCHES, passed as BWSNN_TB_PARAMS)."""
    p = json.loads(os.environ["BWSNN_TB_PARAMS"])
    return p["PLANES"], p["NB"], p["FILL"], p["WW"], p["RW"], p["RW2"]


@cocotb.test()
async def test_framebuf(dut: Any) -> None:
    planes, nb, fill, ww, rw, rw2 = params()
    n = int(os.environ.get("BWSNN_TB_VECTORS", "2000")) // 50
    rng = random.Random(9)
    frames = [[rng.getrandbits(fill) for _ in range(planes)] for _ in range(n)]
    await start(dut, dut.r2_idx)
    writer = Writer(dut, frames, ww, fill, rng)
    cocotb.start_soon(writer.run())
    for k, frame in enumerate(frames):
        if rng.random() < 0.3:  # a slow reader: the writer fills every bank and must wait
            await ClockCycles(dut.clk, 4 * (fill // ww))
        while True:
            await FallingEdge(dut.clk)
            if int(dut.r_avail.value):
                break
        for idx in range(nb // rw):
            dut.r_idx.value = idx
            dut.r2_idx.value = idx % (nb // rw2)
            await FallingEdge(dut.clk)  # the registered read: data one cycle after the index
            assert int(dut.r_data.value) == slice_of(frame, rw, idx), f"frame {k} slice {idx}"
            assert int(dut.r2_data.value) == slice_of(frame, rw2, idx % (nb // rw2)), f"frame {k} port 2 slice {idx}"
            while rng.random() < 0.2:
                await FallingEdge(dut.clk)
        dut.r_done.value = 1
        await FallingEdge(dut.clk)
        dut.r_done.value = 0
    assert writer.refused > 0, "the writer was never refused: the bench did not fill every bank"
