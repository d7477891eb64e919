"""cocotb bench of bwsnn_axil (the AXI4-Lite register block): an AxiLiteMaster with random pauses on all
five channels checks every register of bwsnn/regmap.json against what the bench drives and watches: the
identity registers, CTRL (CONTINUOUS, one START pulse per write, CLEAR), STATUS from busy / credit, the ERROR
bits (set by the receiver's pulses and the parameter port, write-1-to-clear), IMAGES_DONE / CYCLES_LAST, and
the parameter port: PARAM_DATA writes come out on pw_* once each, in order, at PARAM_ADDR (which counts up),
none past PARAM_WORDS (ERROR.PARAM_ADDR), and a configuration word other than CFG sets ERROR.PARAM_VALUE.
Parameters from sim.run_rtl.UNIT_BENCHES (BWSNN_TB_PARAMS)."""
from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from bwsnn.regmap import REGMAP
from sim.tb.tb_top import pauses


class TB:
    def __init__(self, dut: Any) -> None:
        self.p = json.loads(os.environ["BWSNN_TB_PARAMS"])
        self.dut = dut
        self.rng = random.Random(4)
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        w, r = self.axil.write_if, self.axil.read_if
        for channel in (w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel):
            channel.set_pause_generator(pauses(self.rng, 0.3))
        self.pw: list[tuple[int, int]] = []  # (addr, data) of every parameter write
        self.starts = 0
        Clock(dut.clk, 10, unit="ns").start()

    def cfg(self, layer: int) -> int:
        """Layer ``layer``'s configuration word in CFG (a sized hex literal: 32 bits per layer)."""
        return (int(self.p["CFG"].split("'h")[1], 16) >> (32 * layer)) & 0xFFFFFFFF

    async def reset(self) -> None:
        for s in (self.dut.credit, self.dut.busy, self.dut.err_short, self.dut.err_long, self.dut.image_done,
                  self.dut.image_cycles):
            s.value = 0
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 3)
        self.dut.rst.value = 0

    async def watch(self) -> None:
        while True:
            await RisingEdge(self.dut.clk)
            if int(self.dut.pw_valid.value):
                self.pw.append((int(self.dut.pw_addr.value), int(self.dut.pw_data.value)))
            self.starts += int(self.dut.start.value)

    async def read(self, reg: str) -> int:
        return (await self.axil.read_dword(REGMAP.offset(reg)))

    async def write(self, reg: str, value: int) -> None:
        await self.axil.write_dword(REGMAP.offset(reg), value)

    async def pulse(self, sig: Any, times: int = 1, value: Any = None) -> None:
        for _ in range(times):
            await FallingEdge(self.dut.clk)
            if value is not None:
                self.dut.image_cycles.value = value
            sig.value = 1
            await FallingEdge(self.dut.clk)
            sig.value = 0


@cocotb.test()
async def test_axil(dut: Any) -> None:
    tb = TB(dut)
    await tb.reset()
    cocotb.start_soon(tb.watch())
    p = tb.p
    for reg, want in (("ID", REGMAP.id_magic), ("N_IN", p["N_IN"]), ("N_CLASSES", p["N_CLASSES"]),
                      ("T", p["T_STEPS"]), ("PARAM_WORDS", p["PARAM_WORDS"]), ("ERROR", 0), ("IMAGES_DONE", 0)):
        assert await tb.read(reg) == want, f"{reg}: {await tb.read(reg)}, expected {want}"

    # CTRL and STATUS
    await tb.write("CTRL", REGMAP.mask("CTRL", "CONTINUOUS"))
    assert int(dut.continuous.value) == 1 and tb.starts == 0
    await tb.write("CTRL", REGMAP.mask("CTRL", "START"))
    await ClockCycles(dut.clk, 2)
    assert int(dut.continuous.value) == 0 and tb.starts == 1, f"START pulsed {tb.starts} times"
    for busy, credit in ((0, 0), (1, 0), (0, 1), (1, 1)):
        dut.busy.value, dut.credit.value = busy, credit
        want = REGMAP.mask("STATUS", "BUSY") * busy + REGMAP.mask("STATUS", "IDLE") * (not busy and not credit)
        assert await tb.read("STATUS") == want, f"STATUS with busy {busy}, credit {credit}"
        assert await tb.read("CTRL") == REGMAP.mask("CTRL", "START") * credit
    dut.busy.value = dut.credit.value = 0

    # counters, errors, write-1-to-clear, CLEAR
    cycles = [tb.rng.getrandbits(32) for _ in range(5)]
    for c in cycles:
        await tb.pulse(dut.image_done, value=c)
    assert (await tb.read("IMAGES_DONE"), await tb.read("CYCLES_LAST")) == (5, cycles[-1])
    await tb.pulse(dut.err_short)
    await tb.pulse(dut.err_long, 2)
    both = REGMAP.mask("ERROR", "SHORT_IMAGE", "LONG_IMAGE")
    assert await tb.read("ERROR") == both
    await tb.write("ERROR", REGMAP.mask("ERROR", "SHORT_IMAGE"))
    assert await tb.read("ERROR") == REGMAP.mask("ERROR", "LONG_IMAGE")
    await tb.write("CTRL", REGMAP.mask("CTRL", "CLEAR"))
    assert [await tb.read(r) for r in ("ERROR", "IMAGES_DONE", "CYCLES_LAST")] == [0, 0, 0]

    # the parameter port: the whole image in order, the configuration words as synthesized
    words = p["PARAM_WORDS"]
    image = [tb.cfg(i) for i in range(p["N_LAYERS"])] + [tb.rng.getrandbits(32) for _ in range(words - p["N_LAYERS"])]
    await tb.write("PARAM_ADDR", 0)
    for v in image:
        await tb.write("PARAM_DATA", v)
    assert await tb.read("PARAM_ADDR") == words
    await ClockCycles(dut.clk, 3)
    assert tb.pw == list(enumerate(image)), "parameter writes lost, repeated or out of order"
    assert await tb.read("ERROR") == 0
    # any order: a word in the middle, then past the end (ignored, ERROR.PARAM_ADDR)
    tb.pw.clear()
    k = tb.rng.randrange(p["N_LAYERS"], words)
    await tb.write("PARAM_ADDR", k)
    await tb.write("PARAM_DATA", 0x12345678)
    await tb.write("PARAM_ADDR", words)
    await tb.write("PARAM_DATA", 1)
    await ClockCycles(dut.clk, 3)
    assert tb.pw == [(k, 0x12345678)], f"writes {tb.pw}"
    assert await tb.read("ERROR") == REGMAP.mask("ERROR", "PARAM_ADDR")
    # a configuration word other than the synthesized one
    await tb.write("ERROR", 0xF)
    for layer in range(p["N_LAYERS"]):
        await tb.write("PARAM_ADDR", layer)
        await tb.write("PARAM_DATA", tb.cfg(layer) ^ 1)
        assert await tb.read("ERROR") == REGMAP.mask("ERROR", "PARAM_VALUE"), f"layer {layer}'s configuration"
        await tb.write("ERROR", 0xF)
