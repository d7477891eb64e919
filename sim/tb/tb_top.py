"""cocotb bench of bwsnn_top: every result compared with bwsnn.golden.run, image by image.

Configured by environment (set by tests/test_rtl_top.py or ``python -m sim.run_rtl``):
``BWSNN_TB_ARTIFACT`` the artifact the design was built from, ``BWSNN_TB_IMAGES`` a uint8 (N, n_in) .npy,
``BWSNN_TB_DESIGN`` the design record the build was generated from (bwsnn.design: its folding packs the
parameter image, its hash is the DESIGN_ID register),
``BWSNN_TB_RELOAD`` (optional) an artifact of the same shape to load over AXI-Lite,
``BWSNN_TB_PAUSES`` 0 = no idle/backpressure (throughput), ``BWSNN_TB_SEED``, ``BWSNN_TB_REPORT`` (optional)
a JSON file for the measured cycle counts.
"""
from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.triggers import ClockCycles
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from bwsnn import design, golden
from bwsnn.artifact import Artifact, load
from bwsnn.limits import CLOCK_PERIOD_NS
from bwsnn.params import Fold, descriptors, param_image
from bwsnn.regmap import REGMAP

CLK_NS = CLOCK_PERIOD_NS
REG = {name: r.offset for name, r in REGMAP.registers.items()}
FIELD = {(name, f): 1 << b for name, r in REGMAP.registers.items() for f, b in r.fields.items()}
PIX_PER_BEAT = REGMAP.pixels_per_beat


def pauses(rng: random.Random, p: float) -> Iterator[bool]:
    while True:
        yield rng.random() < p


def image_bytes(img: np.ndarray) -> bytes:
    """One image as the input stream carries it: 8 pixels per beat, last beat zero-padded."""
    beats = -(-len(img) // PIX_PER_BEAT)
    buf = np.zeros(beats * PIX_PER_BEAT, np.uint8)
    buf[:len(img)] = img
    return buf.tobytes()


def result_words(frame: AxiStreamFrame) -> np.ndarray:
    return np.frombuffer(bytes(frame.tdata), "<i4").astype(np.int64)


class TB:
    def __init__(self, dut: Any) -> None:
        self.dut = dut
        self.art: Artifact = load(os.environ["BWSNN_TB_ARTIFACT"])
        self.design = design.load(os.environ["BWSNN_TB_DESIGN"])  # the record the build was generated from
        self.folding: tuple[Fold, ...] = self.design.folding
        self.rng = random.Random(int(os.environ.get("BWSNN_TB_SEED", "1")))
        rst = dict(reset=dut.rst_n, reset_active_level=False)
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, **rst)
        self.src = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, **rst)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, **rst)
        if os.environ.get("BWSNN_TB_PAUSES", "1") != "0":
            self.src.set_pause_generator(pauses(self.rng, 0.3))
            self.sink.set_pause_generator(pauses(self.rng, 0.3))
            w, r = self.axil.write_if, self.axil.read_if
            for channel in (w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel):
                channel.set_pause_generator(pauses(self.rng, 0.2))
        Clock(dut.clk, CLK_NS, unit="ns").start()

    async def reset(self) -> None:
        self.dut.rst_n.value = 0
        await ClockCycles(self.dut.clk, 5)
        self.dut.rst_n.value = 1
        await ClockCycles(self.dut.clk, 2)

    async def read(self, reg: str) -> int:
        return await self.axil.read_dword(REG[reg])

    async def write(self, reg: str, value: int) -> None:
        await self.axil.write_dword(REG[reg], value)

    async def load_params(self, art: Artifact) -> None:
        await self.write("PARAM_ADDR", 0)
        for w in param_image(art, self.folding).tolist():
            await self.write("PARAM_DATA", w)

    async def send(self, img: np.ndarray) -> None:
        await self.src.send(AxiStreamFrame(image_bytes(img)))

    async def recv(self) -> np.ndarray:
        words = result_words(await self.sink.recv())
        assert len(words) == 1 + len(self.art.classes), f"result of {len(words)} words (TLAST misplaced)"
        return words

    async def run_batch(self, art: Artifact, images: np.ndarray) -> list[float]:
        """Stream all images (CONTINUOUS), check each result against golden; returns arrival times (ns)."""
        ref = golden.run(art, images)
        await self.write("CTRL", FIELD["CTRL", "CLEAR"])
        await self.write("CTRL", FIELD["CTRL", "CONTINUOUS"])

        async def feed() -> None:
            for img in images:
                await self.send(img)

        feeder = cocotb.start_soon(feed())
        times = []
        for i in range(len(images)):
            got = await self.recv()
            times.append(get_sim_time("ns"))
            exp = np.concatenate([[ref.classes[i]], ref.scores[i]])
            assert np.array_equal(got, exp), f"image {i}: got {got.tolist()}, golden {exp.tolist()}"
        await feeder
        await self.write("CTRL", 0)
        await ClockCycles(self.dut.clk, 20)
        assert self.sink.empty(), "extra output beats after the last image"
        assert await self.read("IMAGES_DONE") == len(images)
        assert await self.read("ERROR") == 0
        return times


def images() -> np.ndarray:
    return np.load(os.environ["BWSNN_TB_IMAGES"])


@cocotb.test()
async def test_stream(dut: Any) -> None:
    """Identity registers, then the image batch back to back (CONTINUOUS) under random stalls."""
    tb = TB(dut)
    await tb.reset()
    want = {"ID": REGMAP.id_magic, "N_IN": tb.art.n_in, "N_CLASSES": len(tb.art.classes), "T": tb.art.T,
            "PARAM_WORDS": len(param_image(tb.art, tb.folding)), "DESIGN_ID": tb.design.id}
    for reg, v in want.items():
        assert await tb.read(reg) == v, reg
    status = await tb.read("STATUS")
    assert status == FIELD["STATUS", "IDLE"], f"STATUS {status:#x} after reset"
    x = images()
    times = await tb.run_batch(tb.art, x)
    cycles_last = await tb.read("CYCLES_LAST")
    assert cycles_last > 0
    if os.environ.get("BWSNN_TB_REPORT"):
        steady = (times[-1] - times[0]) / CLK_NS / (len(times) - 1) if len(times) > 1 else float("nan")
        Path(os.environ["BWSNN_TB_REPORT"]).write_text(json.dumps(
            {"images": len(x), "cycles_per_image": steady, "cycles_last": cycles_last}))


@cocotb.test()
async def test_start_single(dut: Any) -> None:
    """START processes exactly one image; nothing is consumed without it; BUSY/IDLE follow."""
    tb = TB(dut)
    await tb.reset()
    x = images()[:2]
    ref = golden.run(tb.art, x)
    for img in x:
        cocotb.start_soon(tb.send(img))
    await ClockCycles(dut.clk, 200)
    assert tb.sink.empty() and not tb.src.empty(), "an image was taken without START"
    for i in range(2):
        await tb.write("CTRL", FIELD["CTRL", "START"])
        got = await tb.recv()
        assert np.array_equal(got, np.concatenate([[ref.classes[i]], ref.scores[i]])), f"image {i}"
        await ClockCycles(dut.clk, 5)
        assert await tb.read("STATUS") == FIELD["STATUS", "IDLE"]
    await ClockCycles(dut.clk, 200)
    assert tb.sink.empty()
    assert await tb.read("IMAGES_DONE") == 2


@cocotb.test()
async def test_errors(dut: Any) -> None:
    """A packet of several images (one result packet back), short image (zero-padded, ends its packet), bad
    parameter address and configuration word; rw1c and CLEAR."""
    tb = TB(dut)
    await tb.reset()
    n_in = tb.art.n_in
    x = images()
    await tb.write("CTRL", FIELD["CTRL", "CONTINUOUS"])
    cases = []
    if n_in > PIX_PER_BEAT:  # a short image needs at least two beats
        short = x[0][:PIX_PER_BEAT].copy()
        padded = np.zeros(n_in, np.uint8)
        padded[:PIX_PER_BEAT] = short
        cases.append((short, padded, "SHORT_IMAGE"))
    # a batch in one DMA transfer: whole images back to back, TLAST only on the last; one result packet back
    batch = np.resize(x, (3, n_in))
    await tb.src.send(AxiStreamFrame(b"".join(image_bytes(img) for img in batch)))
    ref = golden.run(tb.art, batch)
    got = result_words(await tb.sink.recv())
    assert np.array_equal(got, np.concatenate([ref.classes[:, None], ref.scores], 1).reshape(-1)), "batch packet"
    assert await tb.read("ERROR") == 0
    for sent, seen, flag in cases:
        await tb.src.send(AxiStreamFrame(image_bytes(sent)))
        ref = golden.run(tb.art, seen[None])
        got = await tb.recv()
        assert np.array_equal(got, np.concatenate([ref.classes, ref.scores[0]])), flag
        assert await tb.read("ERROR") == FIELD["ERROR", flag], flag
        await tb.write("ERROR", FIELD["ERROR", flag])  # rw1c
        assert await tb.read("ERROR") == 0
    # the stream is still in step: a normal image right after
    ref = golden.run(tb.art, x[:1])
    await tb.send(x[0])
    assert np.array_equal(await tb.recv(), np.concatenate([ref.classes, ref.scores[0]]))
    await tb.write("PARAM_ADDR", await tb.read("PARAM_WORDS"))
    await tb.write("PARAM_DATA", 0xFFFFFFFF)
    assert await tb.read("ERROR") == FIELD["ERROR", "PARAM_ADDR"]
    # a layer configuration word other than the synthesized one is flagged (and ignored)
    await tb.write("PARAM_ADDR", len(tb.art.layers) - 1)
    await tb.write("PARAM_DATA", int(descriptors(tb.art)[-1]) ^ 1)
    assert await tb.read("ERROR") == FIELD["ERROR", "PARAM_ADDR"] | FIELD["ERROR", "PARAM_VALUE"]
    assert await tb.read("IMAGES_DONE") == len(batch) + len(cases) + 1
    await tb.write("CTRL", FIELD["CTRL", "CLEAR"])
    assert (await tb.read("ERROR"), await tb.read("IMAGES_DONE"), await tb.read("CYCLES_LAST")) == (0, 0, 0)


@cocotb.test(skip="BWSNN_TB_RELOAD" not in os.environ)
async def test_reload(dut: Any) -> None:
    """Load another artifact's parameter image over AXI-Lite: the outputs must follow its golden model."""
    tb = TB(dut)
    await tb.reset()
    other = load(os.environ["BWSNN_TB_RELOAD"])
    x = images()
    before, after = golden.run(tb.art, x), golden.run(other, x)
    assert not np.array_equal(before.scores, after.scores), "the reload artifact must change the outputs"
    await tb.write("CTRL", FIELD["CTRL", "CLEAR"])
    await tb.load_params(other)
    assert await tb.read("ERROR") == 0
    assert await tb.read("PARAM_ADDR") == len(param_image(other, tb.folding))
    await tb.run_batch(other, x)
    await tb.load_params(tb.art)  # and back
    await tb.run_batch(tb.art, x[:4])
