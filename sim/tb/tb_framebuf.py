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
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge


def params() -> tuple[int, int, int, int, int, int]:
    """The parameters the module was built with (sim.run_rtl.UNIT_BENCHES, passed as BWSNN_TB_PARAMS)."""
    p = json.loads(os.environ["BWSNN_TB_PARAMS"])
    return p["PLANES"], p["NB"], p["FILL"], p["WW"], p["RW"], p["RW2"]


def slice_of(frame: list[int], width: int, idx: int) -> int:
    """Slice idx of every plane, plane p at bits p*width."""
    mask = (1 << width) - 1
    return sum(((plane >> (idx * width)) & mask) << (p * width) for p, plane in enumerate(frame))


@cocotb.test()
async def test_framebuf(dut: Any) -> None:
    planes, nb, fill, ww, rw, rw2 = params()
    n = int(os.environ.get("BWSNN_TB_VECTORS", "2000")) // 50
    rng = random.Random(9)
    frames = [[rng.getrandbits(fill) for _ in range(planes)] for _ in range(n)]
    Clock(dut.clk, 10, unit="ns").start()
    for s in (dut.w_start, dut.w_en, dut.w_data, dut.w_commit, dut.r_idx, dut.r2_idx, dut.r_done):
        s.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 2)
    dut.rst.value = 0
    refused = 0

    async def reserve() -> None:
        nonlocal refused
        while True:
            await FallingEdge(dut.clk)
            if int(dut.w_ready.value):
                break
            refused += 1
        dut.w_start.value = 1
        await FallingEdge(dut.clk)
        dut.w_start.value = 0

    async def writer() -> None:
        reserved = 0
        for k, frame in enumerate(frames):
            if reserved == k:
                await reserve()
                reserved += 1
            early = k + 1 < n and rng.random() < 0.5  # reserve the next bank while this frame is written
            order = range(fill // ww)
            for j, idx in enumerate(order):
                if early and j == len(order) // 2:
                    await reserve()
                    reserved += 1
                while rng.random() < 0.3:
                    await FallingEdge(dut.clk)
                dut.w_en.value = 1
                dut.w_data.value = slice_of(frame, ww, idx)
                dut.w_commit.value = int(j == len(order) - 1)
                await FallingEdge(dut.clk)
                dut.w_en.value = dut.w_commit.value = 0

    cocotb.start_soon(writer())
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
    assert refused > 0, "the writer was never refused: the bench did not fill every bank"
