"""The writer side shared by the benches of the banked buffers (bwsnn_framebuf, bwsnn_mapbuf): reset, and a
writer that reserves a bank per frame (w_start, refused while w_ready is low), half the time the next one
while it still writes, and writes each frame WW bits at a time with random stalls."""
from __future__ import annotations

import random
from typing import Any

from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge


def slice_of(frame: list[int], width: int, idx: int) -> int:
    """Slice idx of every plane, plane p at bits p*width."""
    mask = (1 << width) - 1
    return sum(((plane >> (idx * width)) & mask) << (p * width) for p, plane in enumerate(frame))


async def start(dut: Any, *more_inputs: Any) -> None:
    """Clock on, every input low (the common ones and ``more_inputs``), two cycles of reset."""
    Clock(dut.clk, 10, unit="ns").start()
    for s in (dut.w_start, dut.w_en, dut.w_data, dut.w_commit, dut.r_idx, dut.r_done, *more_inputs):
        s.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 2)
    dut.rst.value = 0


class Writer:
    """Writes ``frames`` (lists of plane bit vectors) ``ww`` bits per write; :attr:`refused` counts the cycles
    a reservation waited for a free bank (a bench that never fills every bank has not tested it)."""

    def __init__(self, dut: Any, frames: list[list[int]], ww: int, fill: int, rng: random.Random) -> None:
        self.dut, self.frames, self.ww, self.writes, self.rng = dut, frames, ww, fill // ww, rng
        self.refused = 0

    async def reserve(self) -> None:
        dut = self.dut
        while True:
            await FallingEdge(dut.clk)
            if int(dut.w_ready.value):
                break
            self.refused += 1
        dut.w_start.value = 1
        await FallingEdge(dut.clk)
        dut.w_start.value = 0

    async def run(self) -> None:
        dut, rng, n = self.dut, self.rng, len(self.frames)
        reserved = 0
        for k, frame in enumerate(self.frames):
            if reserved == k:
                await self.reserve()
                reserved += 1
            early = k + 1 < n and rng.random() < 0.5  # reserve the next bank while this frame is written
            for j in range(self.writes):
                if early and j == self.writes // 2:
                    await self.reserve()
                    reserved += 1
                while rng.random() < 0.3:
                    await FallingEdge(dut.clk)
                dut.w_en.value = 1
                dut.w_data.value = slice_of(frame, self.ww, j)
                dut.w_commit.value = int(j == self.writes - 1)
                await FallingEdge(dut.clk)
                dut.w_en.value = dut.w_commit.value = 0
