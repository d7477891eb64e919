"""cocotb bench of bwsnn_mapbuf (the block-RAM feature-map buffer in front of a window generator): a writer
and a reader with random stalls pass random frames; the writer writes each frame's FILL bits per plane in
WW-bit slices in raster order (the bits past PIX C are padding and must not matter), the reader asks for
every pixel in a random order (some twice, the last one with r_done, as the window generator frees a frame
with its last tap) and must get its C bits of every plane one cycle after the index, every frame once and in
order; the writer may reserve the next bank while it writes and must be refused when every bank is taken."""
from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
from cocotb.triggers import ClockCycles, FallingEdge

from sim.tb.banked import Writer, slice_of, start


@cocotb.test(timeout_time=20, timeout_unit="ms")
async def test_mapbuf(dut: Any) -> None:
    p = json.loads(os.environ["BWSNN_TB_PARAMS"])
    planes, pix, c, fill, ww = p["PLANES"], p["PIX"], p["C"], p["FILL"], p["WW"]
    n = max(4, int(os.environ.get("BWSNN_TB_VECTORS", "2000")) // 100)
    rng = random.Random(5)
    frames = [[rng.getrandbits(fill) for _ in range(planes)] for _ in range(n)]
    await start(dut)
    writer = Writer(dut, frames, ww, fill, rng)
    cocotb.start_soon(writer.run())
    for k, frame in enumerate(frames):
        if rng.random() < 0.3:  # a slow reader: the writer fills every bank and must wait
            await ClockCycles(dut.clk, 4 * (fill // ww))
        while True:
            await FallingEdge(dut.clk)
            if int(dut.r_avail.value):
                break
        order = list(range(pix)) + rng.sample(range(pix), min(pix, 5))
        rng.shuffle(order)
        for m, idx in enumerate(order):
            dut.r_idx.value = idx
            dut.r_done.value = int(m == len(order) - 1)
            await FallingEdge(dut.clk)  # the registered read: data one cycle after the index
            dut.r_done.value = 0
            assert int(dut.r_data.value) == slice_of(frame, c, idx), f"frame {k} pixel {idx}"
            while rng.random() < 0.2:
                await FallingEdge(dut.clk)
    assert writer.refused > 0, "the writer was never refused: the bench did not fill every bank"
