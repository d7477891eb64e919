"""cocotb bench of bwsnn_rx (the stream receiver): an AxiStreamSource sends random packets with random pauses
(whole images, short ones that end early, long ones with beats past the last pixel) while the pixel buffer's
writer side (w_ready) is randomly busy. Every image must reach the buffer once, in order, as its IB bit-planes
(beat by beat, zero past the packet's end and past N_IN), one w_start and one w_commit per image, the errors
flagged per packet (SHORT_IMAGE / LONG_IMAGE), nothing of a long packet's tail written; then, with CONTINUOUS
low, one image per START credit and none without. N_IN and IB from sim.run_rtl.UNIT_BENCHES (BWSNN_TB_PARAMS)."""
from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource

from sim.tb.tb_top import pauses

PIX_PER_BEAT = 8


class TB:
    def __init__(self, dut: Any) -> None:
        p = json.loads(os.environ["BWSNN_TB_PARAMS"])
        self.dut, self.n_in, self.ib = dut, p["N_IN"], p["IB"]
        self.beats = -(-self.n_in // PIX_PER_BEAT)
        self.rng = random.Random(3)
        self.src = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
        self.src.set_pause_generator(pauses(self.rng, 0.3))
        self.writes: list[int] = []   # w_data of every write
        self.commits: list[int] = []  # index into writes after each w_commit
        self.starts = self.shorts = self.longs = 0
        Clock(dut.clk, 10, unit="ns").start()

    async def reset(self) -> None:
        for s in (self.dut.continuous, self.dut.start, self.dut.w_ready):
            s.value = 0
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 3)
        self.dut.rst.value = 0

    def packet(self, kind: str) -> list[int]:
        n = {"whole": self.n_in, "short": self.rng.randint(1, (self.beats - 1) * PIX_PER_BEAT),  # TLAST a beat early
             "long": self.beats * PIX_PER_BEAT + self.rng.randint(1, 20)}[kind]
        return [self.rng.randrange(256) for _ in range(n)]

    def planes(self, pixels: list[int]) -> list[int]:
        """The writes one packet must give: BEATS words of IB planes x 8 pixels."""
        px = (pixels + [0] * self.n_in)[:self.n_in] + [0] * (self.beats * PIX_PER_BEAT - self.n_in)
        out = []
        for b in range(self.beats):
            beat = px[b * PIX_PER_BEAT:(b + 1) * PIX_PER_BEAT]
            out.append(sum(((v >> (8 - self.ib + k)) & 1) << (8 * k + j)
                           for k in range(self.ib) for j, v in enumerate(beat)))
        return out

    async def buffer(self) -> None:
        """The pixel buffer's writer side: randomly busy (w_ready low), records what is written."""
        while True:
            await FallingEdge(self.dut.clk)
            self.dut.w_ready.value = int(self.rng.random() < 0.6)
            await RisingEdge(self.dut.clk)
            if int(self.dut.w_en.value):
                self.writes.append(int(self.dut.w_data.value))
                if int(self.dut.w_commit.value):
                    self.commits.append(len(self.writes))
            self.starts += int(self.dut.w_start.value)
            self.shorts += int(self.dut.err_short.value)
            self.longs += int(self.dut.err_long.value)

    async def send(self, pixels: list[int]) -> None:
        data = bytes(pixels) + bytes(-len(pixels) % PIX_PER_BEAT)  # the last beat zero-padded
        await self.src.send(AxiStreamFrame(data))

    async def drain(self, images: int) -> None:
        for _ in range(2000 * images):
            if len(self.commits) >= images:
                break
            await RisingEdge(self.dut.clk)
        await ClockCycles(self.dut.clk, 10)


@cocotb.test()
async def test_rx(dut: Any) -> None:
    tb = TB(dut)
    await tb.reset()
    cocotb.start_soon(tb.buffer())
    n = max(6, int(os.environ.get("BWSNN_TB_VECTORS", "2000")) // 40)
    kinds = ["whole", "short", "long"] + [tb.rng.choice(["whole", "whole", "short", "long"]) for _ in range(n - 3)]
    packets = [tb.packet(k) for k in kinds]
    dut.continuous.value = 1
    for p in packets:
        await tb.send(p)
    await tb.drain(len(packets))
    want = [w for p in packets for w in tb.planes(p)]
    assert tb.writes == want, f"{len(tb.writes)} writes, expected {len(want)}; first difference at " \
        f"{next((i for i, (a, b) in enumerate(zip(tb.writes, want)) if a != b), min(len(tb.writes), len(want)))}"
    assert tb.commits == [tb.beats * (i + 1) for i in range(len(packets))], "w_commit not on each image's last write"
    assert tb.starts == len(packets), f"w_start {tb.starts} times for {len(packets)} images"
    assert (tb.shorts, tb.longs) == (kinds.count("short"), kinds.count("long")), \
        f"SHORT/LONG_IMAGE flagged {tb.shorts}/{tb.longs} times, expected {kinds.count('short')}/{kinds.count('long')}"

    # START credits: with CONTINUOUS low, an image waits for its credit and takes only that one
    dut.continuous.value = 0
    taken = len(tb.commits)
    for k in range(3):
        await tb.send(tb.packet("whole"))
        await ClockCycles(dut.clk, 50)
        assert len(tb.commits) == taken + k, f"image {k} was taken without a START credit"
        await FallingEdge(dut.clk)
        dut.start.value = 1
        await FallingEdge(dut.clk)
        dut.start.value = 0
        await tb.drain(taken + k + 1)
        assert len(tb.commits) == taken + k + 1, f"image {k} was not taken after its START credit"
        assert not int(dut.credit.value), "the credit outlived the image it let in"
