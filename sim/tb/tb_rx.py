"""cocotb bench of bwsnn_rx (the stream receiver) in the batched framing: a packet holds 1..5 whole images back
to back, TLAST on its last beat. An AxiStreamSource with random pauses sends random packets, back to back or
after random gaps, random pixels also in the padding past N_IN of each image's last beat (the receiver zeroes
them); some packets end mid-image (TLAST before the image's last beat: ERROR.SHORT_IMAGE). The pixel buffer's
writer side (w_ready) is randomly busy. Checked, cycle by cycle, against a model of the receiver:

- every image reaches the buffer once, in order, as BEATS writes of its IB bit-planes (w_data bit 8k + j =
  bit 8 - IB + k of pixel j), pixels past N_IN zero, a short image's missing beats zero;
- w_start on each image's first write only (and only while w_ready), w_commit on its last write only, w_last
  with w_commit exactly on the image that ends its packet (a short image ends its packet);
- err_short once per short image, in that image; none otherwise;
- s_axis_tready exactly when the receiver can take a beat: inside an image's data, or at an image's start
  while w_ready and (CONTINUOUS or a START credit); never while it pads a short image;
- busy inside an image, credit (START sets it, an image's first beat takes it), first_beat = w_start;
- with CONTINUOUS low: an image per START credit, whatever packet it is in, and none without one; a START
  during an image is the next image's credit;
- a reset in the middle of an image: the receiver starts over at the next packet's first beat.

N_IN and IB from sim.run_rtl.UNIT_BENCHES (BWSNN_TB_PARAMS)."""
from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSource

from bwsnn.regmap import REGMAP
from sim.tb.tb_top import pauses

PIX_PER_BEAT = REGMAP.pixels_per_beat


class Image:
    """One image as sent: its beats' bytes (fewer than BEATS beats: a short image, the packet's last)."""

    def __init__(self, data: bytes, last: bool) -> None:
        self.data, self.last = data, last


class TB:
    def __init__(self, dut: Any, seed: int) -> None:
        p = json.loads(os.environ["BWSNN_TB_PARAMS"])
        self.dut, self.n_in, self.ib = dut, p["N_IN"], p["IB"]
        self.beats = REGMAP.beats_per_image(self.n_in)
        self.rng = random.Random(seed)
        self.src = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, dut.rst)
        self.src.set_pause_generator(pauses(self.rng, 0.3))
        self.ready_p = 0.6  # how often the buffer has a free bank
        self.continuous = 1
        self.clear()
        Clock(dut.clk, 10, unit="ns").start()

    def clear(self) -> None:
        """Forget what was received (and the model's state: after a reset)."""
        self.writes: list[int] = []                # w_data of every write
        self.starts: list[int] = []                # index in writes of each w_start
        self.commits: list[tuple[int, int]] = []   # (writes so far, w_last) at each w_commit
        self.shorts: list[int] = []                # image number of each err_short
        self.inside = self.pad = self.credit = False

    async def reset(self) -> None:
        self.dut.continuous.value = self.continuous
        self.dut.start.value = 0
        self.dut.w_ready.value = 0
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 3)
        self.dut.rst.value = 0
        self.clear()

    def image(self, short: bool = False) -> bytes:
        """Random pixels, also in the last beat's padding; ``short``: 1..BEATS-1 beats only."""
        beats = self.rng.randint(1, self.beats - 1) if short else self.beats
        return self.rng.randbytes(beats * PIX_PER_BEAT)

    def packet(self, n: int, short: bool = False) -> list[Image]:
        short = short and self.beats > 1  # a one-beat image cannot end early
        return [Image(self.image(short and k == n - 1), k == n - 1) for k in range(n)]

    def packets(self, n_images: int) -> list[list[Image]]:
        """Packets of 1..5 images, a quarter ending in a short image; the first ones: one whole image, three,
        one short image, two whole and a short one."""
        out = [self.packet(1), self.packet(3), self.packet(1, True), self.packet(3, True)]
        while sum(map(len, out)) < n_images:
            out.append(self.packet(self.rng.randint(1, 5), self.rng.random() < 0.25))
        return out

    def planes(self, img: Image) -> list[int]:
        """The writes an image must give: BEATS words of IB planes x 8 pixels."""
        px = (list(img.data) + [0] * (self.beats * PIX_PER_BEAT))[:self.beats * PIX_PER_BEAT]
        px[self.n_in:] = [0] * (len(px) - self.n_in)  # the last beat's padding reads as 0
        return [sum(((px[b * PIX_PER_BEAT + j] >> (8 - self.ib + k)) & 1) << (PIX_PER_BEAT * k + j)
                    for k in range(self.ib) for j in range(PIX_PER_BEAT)) for b in range(self.beats)]

    async def buffer(self) -> None:
        """The pixel buffer's writer side, randomly busy (w_ready low), and a model of the receiver's handshake
        and state, checked every cycle; records what is written."""
        dut = self.dut
        while True:
            await FallingEdge(dut.clk)
            dut.w_ready.value = int(self.rng.random() < self.ready_p)
            await RisingEdge(dut.clk)
            if int(dut.rst.value):
                continue
            w_ready, start = int(dut.w_ready.value), int(dut.start.value)
            tvalid, tlast = int(dut.s_axis_tvalid.value), int(dut.s_axis_tlast.value)
            tready, w_en, w_start = int(dut.s_axis_tready.value), int(dut.w_en.value), int(dut.w_start.value)
            w_commit, w_last = int(dut.w_commit.value), int(dut.w_last.value)
            n = len(self.writes)
            where = f"write {n} (image {n // self.beats}, beat {n % self.beats})"
            ready = not self.pad and (self.inside or bool(w_ready and (self.continuous or self.credit)))
            assert tready == ready, f"s_axis_tready {tready} at {where}, expected {int(ready)}"
            assert int(dut.busy.value) == self.inside, f"busy {dut.busy.value} at {where}"
            assert int(dut.credit.value) == self.credit, f"credit {dut.credit.value} at {where}"
            assert int(dut.first_beat.value) == w_start, f"first_beat {dut.first_beat.value}, w_start {w_start}"
            if int(dut.err_short.value):
                self.shorts.append(len(self.starts) - 1)
            fire = tvalid and tready
            assert w_en == (fire or self.pad), f"w_en {w_en} at {where} (beat taken {fire}, padding {self.pad})"
            assert w_start == (fire and not self.inside), f"w_start {w_start} at {where}"
            assert not w_start or w_ready, "w_start while the buffer has no free bank"
            self.credit = bool(start) or (self.credit and not w_start)
            if w_start:
                self.starts.append(n)
                self.inside = True
            if w_en:
                self.writes.append(int(dut.w_data.value))
                assert w_commit == (len(self.writes) % self.beats == 0), f"w_commit {w_commit} at {where}"
                if w_commit:
                    self.commits.append((len(self.writes), w_last))
                    self.inside = self.pad = False
                elif fire and tlast:
                    self.pad = True
            else:
                assert not w_commit, f"w_commit without w_en at {where}"

    async def send(self, packets: list[list[Image]]) -> None:
        """Each packet back to back with the one before, or after the stream went idle and a random gap."""
        for p in packets:
            if self.rng.random() < 0.5:
                await self.src.wait()
                await ClockCycles(self.dut.clk, self.rng.randint(0, 12))
            await self.src.send(AxiStreamFrame(b"".join(img.data for img in p)))

    async def until(self, images: int) -> None:
        """Until ``images`` images are committed (the test's timeout guards a lost one), then a while more."""
        while len(self.commits) < images:
            await RisingEdge(self.dut.clk)
        await ClockCycles(self.dut.clk, 30)

    def check(self, packets: list[list[Image]]) -> None:
        images = [img for p in packets for img in p]
        want = [w for img in images for w in self.planes(img)]
        bad = next((i for i, (a, b) in enumerate(zip(self.writes, want)) if a != b), None)
        assert bad is None, f"image {bad // self.beats}, beat {bad % self.beats}: w_data {self.writes[bad]:#x}, " \
            f"expected {want[bad]:#x}"
        assert len(self.writes) == len(want), f"{len(self.writes)} writes, expected {len(want)}"
        assert self.starts == [self.beats * i for i in range(len(images))], "w_start not on each image's first write"
        got_last = [last for _, last in self.commits]
        want_last = [int(img.last) for img in images]
        assert got_last == want_last, "w_last not exactly on each packet's last image: on images " \
            f"{[i for i, v in enumerate(got_last) if v]}, expected {[i for i, v in enumerate(want_last) if v]}"
        want_short = [i for i, img in enumerate(images) if len(img.data) < self.beats * PIX_PER_BEAT]
        assert self.shorts == want_short, f"err_short on images {self.shorts}, expected {want_short}"


def vectors() -> int:
    return int(os.environ.get("BWSNN_TB_VECTORS", "2000"))


@cocotb.test(timeout_time=10, timeout_unit="ms")  # a lost beat or commit fails the bench instead of hanging it
async def test_stream(dut: Any) -> None:
    """CONTINUOUS: random packets of whole and short images under random pauses and buffer backpressure."""
    tb = TB(dut, 3)
    await tb.reset()
    cocotb.start_soon(tb.buffer())
    packets = tb.packets(max(12, vectors() // 4))
    await tb.send(packets)
    await tb.until(sum(map(len, packets)))
    assert tb.src.idle(), "beats left in the source"
    tb.check(packets)


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def test_credit(dut: Any) -> None:
    """CONTINUOUS low: one image per START credit (several per packet; a START during an image lets the next
    one in), none without."""
    tb = TB(dut, 5)
    tb.continuous = 0
    await tb.reset()
    cocotb.start_soon(tb.buffer())
    packets = [tb.packet(3), tb.packet(1, True), tb.packet(2, True), tb.packet(3), tb.packet(1)]
    cocotb.start_soon(tb.send(packets))
    n = sum(map(len, packets))

    async def start(k: int) -> None:
        """One START, then until image ``k`` is taken."""
        await FallingEdge(dut.clk)
        dut.start.value = 1
        await FallingEdge(dut.clk)
        dut.start.value = 0
        while len(tb.starts) <= k:
            await RisingEdge(dut.clk)

    await ClockCycles(dut.clk, 60)
    assert not tb.starts and not tb.src.idle(), "an image was taken without a START credit"
    k = 0
    while k < n:
        await start(k)
        k += 1
        if k % 3 == 2 and k < n:  # the next START while image k - 1 is still coming in
            await start(k)
            k += 1
        await tb.until(k)  # every image taken is committed, and no other is taken meanwhile
        assert len(tb.starts) == k, f"{len(tb.starts)} images taken for {k} STARTs"
    tb.check(packets)


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def test_reset(dut: Any) -> None:
    """A reset in the middle of an image, and in a short image's zero padding: the packets after it are
    received whole (the receiver starts over at an image's first beat)."""
    tb = TB(dut, 9)
    await tb.reset()
    cocotb.start_soon(tb.buffer())
    for short in (False, True):
        tb.clear()  # idle: every image committed
        tb.src.clear_pause_generator()  # the image streams in at a beat per cycle: a known point to reset at
        tb.src.pause = False
        tb.ready_p = 1
        first = tb.packet(1)[0].data
        second = tb.rng.randbytes(PIX_PER_BEAT) if short and tb.beats > 1 else tb.image()  # one beat, then padding
        await tb.src.send(AxiStreamFrame(first + second))
        while len(tb.writes) < tb.beats + min(2, tb.beats - 1):  # the second image's 2nd write (or its 1st)
            await RisingEdge(dut.clk)
        if tb.beats >= 4:
            assert int(dut.busy.value), "not inside the second image"
            assert tb.pad == short, "not padding the short image"
        await tb.reset()
        tb.ready_p = 0.6
        tb.src.set_pause_generator(pauses(tb.rng, 0.3))
        packets = tb.packets(12)
        await tb.send(packets)
        await tb.until(sum(map(len, packets)))
        tb.check(packets)
