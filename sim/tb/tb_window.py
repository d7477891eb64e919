"""cocotb bench of bwsnn_window (the sliding-window generator of conv and pool layers) and bwsnn_pool (the
window generator + OR + frame-buffer writer), against the golden model's windows: random P-plane feature maps
are served by a model of bwsnn_mapbuf's read port (one cycle read latency, a frame freed by m_done); every
window (all planes, (ky, kx, c) order, 0 outside the input) or pooled pixel must come out once, in raster
order, with the frame's last marked, under random stalls of the map and of the consumer."""
from __future__ import annotations

import json
import os
import random
from collections import deque
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly

from bwsnn.artifact import Window
from bwsnn.golden import spike_pool, windows


def params() -> dict[str, int]:
    """The parameters the module was built with (sim.run_rtl.UNIT_BENCHES, passed as BWSNN_TB_PARAMS)."""
    return json.loads(os.environ["BWSNN_TB_PARAMS"])


def pack(bits: np.ndarray) -> int:
    """A flat bool array as an integer, element i at bit i."""
    return int.from_bytes(np.packbits(bits.astype(np.uint8), bitorder="little").tobytes(), "little")


def expected(maps: np.ndarray, win: Window, pool: bool) -> list[int]:
    """Per output position (raster order), every plane's window or pooled pixel packed plane-major.
    maps: (P, H, W, C) bools."""
    if pool:
        v = spike_pool(maps, win)  # (P, H', W', C)
        return [pack(v[:, y, x]) for y in range(v.shape[1]) for x in range(v.shape[2])]
    v = windows(maps, win)  # (P, H', W', k, k, C)
    return [pack(v[:, y, x]) for y in range(v.shape[1]) for x in range(v.shape[2])]


async def serve_maps(dut: Any, frames: deque, rng: random.Random, stats: dict[str, int]) -> None:
    """bwsnn_mapbuf's reader side: m_avail while a frame is held, pixel m_addr of every plane one cycle after
    the address (from the frame current at the address), m_done frees the frame. The address and m_done are
    sampled once every coroutine has driven its inputs (ReadOnly): they may depend on o_next combinationally."""
    _, h, w, c = frames[0].shape if frames else (0, 0, 0, 0)
    late = False  # the frames arrive late now and then: m_avail low between frames
    pending, avail = None, 0
    while True:
        await FallingEdge(dut.clk)
        dut.m_data.value = 0 if pending is None else pending
        dut.m_avail.value = avail
        await ReadOnly()
        pending = None
        if frames and not late:
            addr = int(dut.m_addr.value)
            assert 0 <= addr < h * w, f"m_addr {addr} outside the {h}x{w} map"
            px = frames[0][:, addr // w, addr % w]  # (P, C)
            pending = pack(px)
            if int(dut.m_done.value):
                frames.popleft()
                stats["done"] += 1
                late = rng.random() < 0.3
        elif late:
            late = rng.random() < 0.7
        avail = int(bool(frames) and not late)


async def start(dut: Any, inputs: tuple[Any, ...]) -> None:
    Clock(dut.clk, 10, unit="ns").start()
    for s in inputs:
        s.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


def random_maps(p: dict[str, int], n: int, rng: random.Random) -> list[np.ndarray]:
    g = np.random.default_rng(rng.getrandbits(32))
    return [g.random((p["P"], p["H"], p["W"], p["C"])) < g.uniform(0.1, 0.9) for _ in range(n)]


async def run_stage(dut: Any, pool: bool) -> None:
    """The bench of bwsnn_window, or with ``pool`` of bwsnn_pool (no padding, writes pooled pixels)."""
    p = params()
    win = Window((p["H"], p["W"], p["C"]), p["K"], p["S"], p.get("PAD", 0))
    rng = random.Random(17)
    n = max(3, int(os.environ.get("BWSNN_TB_VECTORS", "2000")) // 200)
    maps = random_maps(p, n, rng)
    want = [expected(m, win, pool) for m in maps]
    frames: deque = deque(maps)
    stats = {"done": 0}
    if pool:
        await start(dut, (dut.m_avail, dut.m_data, dut.out_ready))
    else:
        await start(dut, (dut.m_avail, dut.m_data, dut.o_next))
    cocotb.start_soon(serve_maps(dut, frames, rng, stats))
    positions = len(want[0])
    for k, frame in enumerate(want):
        for pos, word in enumerate(frame):
            while True:
                await FallingEdge(dut.clk)
                if pool:  # the output buffer refuses a new frame now and then
                    dut.out_ready.value = int(pos > 0 or rng.random() < 0.7)
                    await ReadOnly()  # out_en follows out_ready combinationally
                    if int(dut.out_en.value):
                        break
                elif int(dut.o_valid.value) and rng.random() < 0.7:
                    break
            where = f"frame {k} position {pos}"
            if pool:
                assert pos > 0 or int(dut.out_start.value), f"{where}: the frame's first write without out_start"
                assert int(dut.out_data.value) == word, f"{where}: pooled pixel"
                assert int(dut.out_commit.value) == int(pos == positions - 1), f"{where}: out_commit"
            else:
                assert int(dut.o_data.value) == word, f"{where}: window"
                assert int(dut.o_last.value) == int(pos == positions - 1), f"{where}: o_last"
                dut.o_next.value = 1
                await FallingEdge(dut.clk)
                dut.o_next.value = 0
    for _ in range(3 * p["K"] ** 2):
        await FallingEdge(dut.clk)
        busy = int(dut.out_en.value) if pool else int(dut.o_valid.value)
        assert not busy, "an output past the last frame"
    assert stats["done"] == n, f"m_done freed {stats['done']} frames, expected {n}"


@cocotb.test()
async def test_window(dut: Any) -> None:
    await run_stage(dut, pool=False)
