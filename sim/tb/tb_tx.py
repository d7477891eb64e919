"""cocotb bench of bwsnn_tx (the result sender): a model of the score frame buffer offers random frames (scores
drawn from a small range so that ties are common, and the int32 extremes) with random gaps, an
AxiStreamSink takes the results with random backpressure. Frames come in input packets of 1..5 images
(``r_last`` on a packet's last image, as the rx -> tx FIFO of packet ends drives it): each output packet
must be its images' results back to back, each the argmax (the lowest index on ties) then the scores, TLAST
on the packet's last beat only, in order, none lost or repeated, the bank freed once per frame (r_done) and
``done`` pulsed once per result. N_CLASSES and NB from sim.run_rtl.UNIT_BENCHES
(BWSNN_TB_PARAMS)."""
from __future__ import annotations

import json
import os
import random
from collections import deque
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamSink

from sim.tb.tb_top import pauses, result_words


class TB:
    def __init__(self, dut: Any) -> None:
        p = json.loads(os.environ["BWSNN_TB_PARAMS"])
        self.dut, self.classes, self.nb = dut, p["N_CLASSES"], p["NB"]
        self.rng = random.Random(7)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, dut.rst)
        self.sink.set_pause_generator(pauses(self.rng, 0.4))
        self.freed = self.done = 0
        self.ends: deque[bool] = deque()  # packet ends of the frames offered and not yet sent
        Clock(dut.clk, 10, unit="ns").start()

    def packets(self, n: int) -> list[list[np.ndarray]]:
        """``n`` frames cut into packets of 1..5 frames."""
        frames, out = self.frames(n), []
        while frames:
            k = self.rng.randint(1, 5)
            out.append(frames[:k])
            frames = frames[k:]
        return out

    def frames(self, n: int) -> list[np.ndarray]:
        lo, hi = -(1 << 31), (1 << 31) - 1
        out = [np.full(self.classes, lo), np.full(self.classes, hi)]
        for k in range(n - 2):
            span = 3 if k % 2 else 1 << 31  # small spans: ties
            out.append(np.array([self.rng.randint(max(lo, -span), min(hi, span)) for _ in range(self.classes)]))
        return out

    async def reset(self) -> None:
        self.dut.rst.value = 1
        self.dut.r_avail.value = 0
        self.dut.r_data.value = 0
        self.dut.r_last.value = 0
        await ClockCycles(self.dut.clk, 3)
        self.dut.rst.value = 0

    async def offer(self, packets: list[list[np.ndarray]]) -> None:
        """The frame buffer's reader side: r_avail while a frame is held, its bits (padding neurons random)
        until r_done takes it. Its packet end goes into the model of bwsnn_top's FIFO of packet ends."""
        for f, last in ((f, k == len(p) - 1) for p in packets for k, f in enumerate(p)):
            while self.rng.random() < 0.3:
                await FallingEdge(self.dut.clk)
            bits = self.rng.getrandbits(self.nb)  # the padding neurons' membranes: anything
            for i, v in enumerate(f):
                bits = bits & ~(0xFFFFFFFF << (32 * i)) | (int(v) & 0xFFFFFFFF) << (32 * i)
            self.dut.r_data.value = bits
            self.dut.r_avail.value = 1
            self.ends.append(last)
            self.dut.r_last.value = int(self.ends[0])
            while True:
                await RisingEdge(self.dut.clk)
                if int(self.dut.r_done.value):
                    break
            await FallingEdge(self.dut.clk)
            self.dut.r_avail.value = 0
            self.dut.r_data.value = self.rng.getrandbits(self.nb)  # the copy is taken: the bank may change

    async def count(self) -> None:
        while True:
            await RisingEdge(self.dut.clk)
            self.freed += int(self.dut.r_done.value)
            if int(self.dut.done.value):  # the FIFO pops as a result's last beat goes: r_last is its head
                self.done += 1
                self.ends.popleft()
                self.dut.r_last.value = int(self.ends[0]) if self.ends else 0


@cocotb.test(timeout_time=50, timeout_unit="ms")  # a lost TLAST fails the bench instead of hanging it
async def test_tx(dut: Any) -> None:
    tb = TB(dut)
    await tb.reset()
    packets = tb.packets(max(4, int(os.environ.get("BWSNN_TB_VECTORS", "2000")) // 20))
    cocotb.start_soon(tb.count())
    cocotb.start_soon(tb.offer(packets))
    for k, p in enumerate(packets):
        got = await tb.sink.recv()  # one TLAST-delimited packet of results
        want = np.concatenate([np.concatenate([[int(np.argmax(f))], f]) for f in p])
        assert np.array_equal(result_words(got), want), f"packet {k}: {result_words(got)}, expected {want}"
    await ClockCycles(dut.clk, 20)
    assert tb.sink.empty(), "a result beyond the frames offered"
    n = sum(map(len, packets))
    assert (tb.freed, tb.done) == (n, n), f"r_done {tb.freed}, done {tb.done}, frames {n}"
