"""cocotb bench of bwsnn_axil (the AXI4-Lite register block): an AxiLiteMaster with random pauses on all five
channels, reads and writes also issued back to back, against a model of bwsnn/regmap.json (every offset and
bit from bwsnn.regmap.REGMAP; a register the model does not know fails the bench):

- every word of the address space reads as the model says: the identity registers (ID magic, N_IN,
  N_CLASSES, T, PARAM_WORDS, DESIGN_ID as built), CTRL, STATUS, the counters, ERROR, PARAM_ADDR, and 0 for PARAM_DATA
  (write-only) and every unmapped word; writes to read-only and unmapped words change nothing;
- CTRL: each write sets CONTINUOUS (the continuous output) to its bit, pulses start for one cycle when START
  is in it, CLEAR zeroes IMAGES_DONE, CYCLES_LAST and ERROR (not PARAM_ADDR); unused bits are ignored; CTRL
  reads START as the receiver's credit; STATUS is BUSY = busy, IDLE = neither busy nor a credit;
- IMAGES_DONE counts image_done pulses (also back to back), CYCLES_LAST holds image_cycles of the last one;
- ERROR: SHORT_IMAGE set by err_short, PARAM_ADDR / PARAM_VALUE by the parameter port, nothing else (bit 1
  unused); write-1-to-clear, a flag raised in the cycle of its clearing write stays set;
- the parameter port: each PARAM_DATA write comes out once on pw_valid / pw_addr / pw_data, in order, at
  PARAM_ADDR, which then counts up (and reads back); a write at or past PARAM_WORDS is not passed on and
  sets ERROR.PARAM_ADDR; a configuration word (image words 0..N_LAYERS-1) other than layer l's word of CFG
  sets ERROR.PARAM_VALUE;
- a reset returns every register to its reset value.

Parameters from sim.run_rtl.UNIT_BENCHES (BWSNN_TB_PARAMS)."""
from __future__ import annotations

import json
import logging
import os
import random
from typing import Any

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from bwsnn.regmap import REGMAP
from sim.tb.tb_top import pauses

WORD = 4  # bytes per register


def mask(reg: str, *fields: str) -> int:
    return REGMAP.mask(reg, *fields)


def all_fields(reg: str) -> int:
    return mask(reg, *REGMAP.registers[reg].fields)


class TB:
    def __init__(self, dut: Any, seed: int) -> None:
        self.p = json.loads(os.environ["BWSNN_TB_PARAMS"])
        self.dut = dut
        self.rng = random.Random(seed)
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, dut.rst)
        w, r = self.axil.write_if, self.axil.read_if
        for channel in (w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel):
            channel.set_pause_generator(pauses(self.rng, 0.3))
        for log in (w.log, r.log):  # not a line per transfer
            log.setLevel(logging.WARNING)
        self.space = 1 << len(dut.s_axil_araddr)  # bytes of the address space
        self.pw: list[tuple[int, int]] = []  # (addr, data) of every parameter write
        self.starts = 0
        # the model
        self.continuous = self.param_addr = self.error = self.images_done = self.cycles_last = 0
        self.busy = self.credit = 0
        Clock(dut.clk, 10, unit="ns").start()

    def cfg(self, layer: int) -> int:
        """Layer ``layer``'s configuration word in CFG (a sized hex literal: 32 bits per layer)."""
        return (int(self.p["CFG"].split("'h")[1], 16) >> (32 * layer)) & 0xFFFFFFFF

    async def reset(self) -> None:
        for s in (self.dut.credit, self.dut.busy, self.dut.err_short, self.dut.image_done, self.dut.image_cycles):
            s.value = 0
        self.busy = self.credit = 0
        self.dut.rst.value = 1
        await ClockCycles(self.dut.clk, 3)
        self.dut.rst.value = 0
        self.continuous = self.param_addr = self.error = self.images_done = self.cycles_last = 0

    async def watch(self) -> None:
        """Parameter writes and START pulses, as the rest of the design sees them (at each clock edge)."""
        while True:
            await RisingEdge(self.dut.clk)
            if int(self.dut.rst.value):
                continue
            if int(self.dut.pw_valid.value):
                self.pw.append((int(self.dut.pw_addr.value), int(self.dut.pw_data.value)))
            self.starts += int(self.dut.start.value)

    def expected(self) -> dict[int, int]:
        """What every word of the address space reads as (by byte offset)."""
        p = self.p
        regs = {
            "CTRL": mask("CTRL", "START") * self.credit | mask("CTRL", "CONTINUOUS") * self.continuous,
            "STATUS": mask("STATUS", "BUSY") * self.busy | mask("STATUS", "IDLE") * (not self.busy and not self.credit),
            "IMAGES_DONE": self.images_done, "CYCLES_LAST": self.cycles_last, "ERROR": self.error,
            "ID": REGMAP.id_magic, "N_IN": p["N_IN"], "N_CLASSES": p["N_CLASSES"], "T": p["T_STEPS"],
            "PARAM_WORDS": p["PARAM_WORDS"], "DESIGN_ID": int(p["DESIGN_ID"].split("'h")[1], 16),
            "PARAM_ADDR": self.param_addr, "PARAM_DATA": 0,  # write-only
        }
        assert set(regs) == set(REGMAP.registers), f"registers the bench does not model: " \
            f"{sorted(set(REGMAP.registers) ^ set(regs))}"
        out = dict.fromkeys(range(0, self.space, WORD), 0)
        out.update({REGMAP.offset(name): v for name, v in regs.items()})
        return out

    async def read(self, reg: str) -> int:
        return await self.axil.read_dword(REGMAP.offset(reg))

    async def write(self, reg: str, value: int) -> None:
        await self.axil.write_dword(REGMAP.offset(reg), value)

    async def writes(self, pairs: list[tuple[int, int]]) -> None:
        """(byte offset, value) writes issued back to back, in order."""
        events = [self.axil.init_write(a, v.to_bytes(WORD, "little")) for a, v in pairs]
        for e in events:
            await e.wait()

    async def check_all(self, what: str) -> None:
        """Every word of the address space, read back to back, against the model."""
        want = self.expected()
        events = {a: self.axil.init_read(a, WORD) for a in want}
        for a, e in events.items():
            await e.wait()
            got = int.from_bytes(e.data.data, "little")
            name = next((n for n, r in REGMAP.registers.items() if r.offset == a), "unmapped")
            assert got == want[a], f"{what}: {name} at {a:#x} reads {got:#x}, expected {want[a]:#x}"

    async def drive(self, busy: int, credit: int) -> None:
        await FallingEdge(self.dut.clk)
        self.dut.busy.value, self.dut.credit.value = busy, credit
        self.busy, self.credit = busy, credit

    async def pulse(self, sig: Any, times: int = 1) -> None:
        """``times`` one-cycle pulses of ``sig``, back to back or apart; image_cycles random every cycle."""
        for _ in range(times):
            for _ in range(self.rng.choice((0, 0, 1, 3))):
                await FallingEdge(self.dut.clk)
                sig.value = 0
                self.dut.image_cycles.value = self.rng.getrandbits(32)
            await FallingEdge(self.dut.clk)
            cycles = self.rng.getrandbits(32)
            self.dut.image_cycles.value = cycles
            sig.value = 1
            if sig is self.dut.image_done:
                self.images_done += 1
                self.cycles_last = cycles
            elif sig is self.dut.err_short:
                self.error |= mask("ERROR", "SHORT_IMAGE")
        await FallingEdge(self.dut.clk)
        sig.value = 0
        self.dut.image_cycles.value = self.rng.getrandbits(32)

    async def ctrl(self, value: int) -> None:
        """A CTRL write, and its effects in the model."""
        starts = self.starts
        await self.write("CTRL", value)
        await ClockCycles(self.dut.clk, 2)
        self.continuous = int(bool(value & mask("CTRL", "CONTINUOUS")))
        if value & mask("CTRL", "CLEAR"):
            self.error = self.images_done = self.cycles_last = 0
        want = int(bool(value & mask("CTRL", "START")))
        assert self.starts - starts == want, f"CTRL {value:#x}: start pulsed {self.starts - starts} times"
        assert int(self.dut.continuous.value) == self.continuous, f"CTRL {value:#x}: continuous"


async def setup(dut: Any, seed: int) -> TB:
    tb = TB(dut, seed)
    await tb.reset()
    cocotb.start_soon(tb.watch())
    return tb


@cocotb.test(timeout_time=2, timeout_unit="ms")  # a lost handshake fails the bench instead of hanging it
async def test_registers(dut: Any) -> None:
    """Reset values; read-only and unmapped words; CTRL and STATUS."""
    tb = await setup(dut, 4)
    await tb.check_all("after reset")
    # writes that must change nothing: read-only registers and unmapped words
    mapped = {r.offset: r for r in REGMAP.registers.values()}
    dead = [a for a in range(0, tb.space, WORD) if a not in mapped or mapped[a].access == "ro"]
    await tb.writes([(a, tb.rng.getrandbits(32)) for a in dead])
    await ClockCycles(dut.clk, 3)
    await tb.check_all("after writes to read-only and unmapped words")
    assert (tb.starts, tb.pw, int(dut.continuous.value)) == (0, [], 0), "a write to a read-only word took effect"
    # CTRL: random START / CONTINUOUS, random unused bits; STATUS and CTRL under every busy / credit
    unused = 0xFFFFFFFF & ~all_fields("CTRL")
    for k in range(16):
        value = tb.rng.getrandbits(32) & unused if k % 2 else 0
        value |= mask("CTRL", *(f for f in ("START", "CONTINUOUS") if tb.rng.random() < 0.5))
        await tb.ctrl(value)
        await tb.drive(k % 2, k // 2 % 2)
        for reg in ("CTRL", "STATUS"):
            want = tb.expected()[REGMAP.offset(reg)]
            got = await tb.read(reg)
            assert got == want, f"{reg} {got:#x} with busy {tb.busy}, credit {tb.credit}, continuous " \
                f"{tb.continuous}: expected {want:#x}"
    await tb.check_all("after CTRL writes")
    # a reset returns everything to its reset value
    await tb.ctrl(mask("CTRL", "CONTINUOUS"))
    await tb.write("PARAM_ADDR", 7)
    await tb.pulse(dut.image_done)
    await tb.pulse(dut.err_short)
    await tb.reset()
    await tb.check_all("after a reset")
    assert int(dut.continuous.value) == 0, "continuous after a reset"


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def test_counters_errors(dut: Any) -> None:
    """IMAGES_DONE / CYCLES_LAST, ERROR's write-1-to-clear, CLEAR."""
    tb = await setup(dut, 5)
    n = max(4, int(os.environ.get("BWSNN_TB_VECTORS", "2000")) // 50)
    for _ in range(n):
        await tb.pulse(dut.image_done, tb.rng.randint(1, 4))
        await tb.check_all("counters")
    # SHORT_IMAGE: set by err_short; writing 0 or other bits leaves it; writing its bit clears it
    short = mask("ERROR", "SHORT_IMAGE")
    await tb.pulse(dut.err_short, 2)
    assert await tb.read("ERROR") == short
    for v in (0, 0xFFFFFFFF & ~short):
        await tb.write("ERROR", v)
        assert await tb.read("ERROR") == short, f"ERROR written {v:#x}: SHORT_IMAGE cleared"
    await tb.write("ERROR", short)
    assert await tb.read("ERROR") == 0, "SHORT_IMAGE not cleared by writing it"
    # a flag raised in the cycle that its clearing write is taken stays set

    async def raise_with_write() -> None:
        while True:
            await FallingEdge(dut.clk)
            if int(dut.s_axil_awready.value) and int(dut.s_axil_awaddr.value) & ~(WORD - 1) == REGMAP.offset("ERROR"):
                break
        dut.err_short.value = 1
        await FallingEdge(dut.clk)
        dut.err_short.value = 0

    for _ in range(3):
        raiser = cocotb.start_soon(raise_with_write())
        await tb.write("ERROR", short)
        await raiser
        assert await tb.read("ERROR") == short, "SHORT_IMAGE raised as it was cleared: lost"
        await tb.write("ERROR", short)
        assert await tb.read("ERROR") == 0
    # CLEAR: the counters and ERROR, not PARAM_ADDR; START and CONTINUOUS in the same write take effect
    await tb.pulse(dut.err_short)
    await tb.write("PARAM_ADDR", tb.p["PARAM_WORDS"])
    await tb.write("PARAM_DATA", 1)  # past the end: ERROR.PARAM_ADDR
    tb.param_addr = tb.p["PARAM_WORDS"] + 1
    tb.error |= mask("ERROR", "PARAM_ADDR")
    await tb.check_all("before CLEAR")
    assert tb.error and tb.images_done and tb.cycles_last
    await tb.ctrl(mask("CTRL", "START", "CONTINUOUS") | 0xFFFFFFFF & ~all_fields("CTRL"))  # all but CLEAR
    await tb.check_all("after a CTRL write without CLEAR")
    await tb.ctrl(mask("CTRL", "CLEAR", "START", "CONTINUOUS"))
    await tb.check_all("after CLEAR with START and CONTINUOUS")
    await tb.pulse(dut.image_done)
    await tb.pulse(dut.err_short)
    await tb.ctrl(mask("CTRL", "CLEAR"))
    await tb.check_all("after CLEAR")
    assert tb.pw == [], "a parameter write past the end was passed on"


@cocotb.test(timeout_time=2, timeout_unit="ms")
async def test_params(dut: Any) -> None:
    """The parameter port: the whole image back to back, words anywhere, past the end, configuration words."""
    tb = await setup(dut, 6)
    p = tb.p
    words, layers = p["PARAM_WORDS"], p["N_LAYERS"]
    addr, data = REGMAP.offset("PARAM_ADDR"), REGMAP.offset("PARAM_DATA")
    cfg = [tb.cfg(i) for i in range(layers)]
    assert len(set(cfg)) == layers and all(cfg), "CFG: give every layer its own nonzero configuration word"
    image = cfg + [tb.rng.getrandbits(32) for _ in range(words - layers)]
    await tb.writes([(addr, 0)] + [(data, v) for v in image])
    await ClockCycles(dut.clk, 3)
    tb.param_addr = words
    assert tb.pw == list(enumerate(image)), "parameter writes lost, repeated, out of order or at the wrong address"
    await tb.check_all("after the whole parameter image")
    # words anywhere (the configuration words as built): PARAM_ADDR counts up from where it is written
    for _ in range(max(4, int(os.environ.get("BWSNN_TB_VECTORS", "2000")) // 50)):
        tb.pw.clear()
        k = tb.rng.randrange(words)
        vals = [cfg[a] if a < layers else tb.rng.getrandbits(32) for a in range(k, min(words, k + 4))]
        await tb.writes([(addr, k)] + [(data, v) for v in vals])
        await ClockCycles(dut.clk, 3)
        tb.param_addr = k + len(vals)
        assert tb.pw == list(zip(range(k, k + len(vals)), vals)), f"writes from {k}: {tb.pw}"
        await tb.check_all(f"after writes from word {k}")
    # past the end: not passed on, ERROR.PARAM_ADDR (and PARAM_ADDR still counts)
    for start in (words - 1, words, tb.rng.randrange(words, 1 << 31)):
        tb.pw.clear()
        vals = [tb.rng.getrandbits(32) for _ in range(3)]
        await tb.writes([(addr, start)] + [(data, v) for v in vals])
        await ClockCycles(dut.clk, 3)
        assert tb.pw == [(a, v) for a, v in zip(range(start, start + 3), vals) if a < words], \
            f"writes from {start} past the end ({words} words): {tb.pw}"
        tb.param_addr = start + 3
        tb.error = mask("ERROR", "PARAM_ADDR")
        await tb.check_all(f"after writes from word {start}")
        await tb.write("ERROR", tb.error)
        tb.error = 0
    # a configuration word other than the synthesized one: ERROR.PARAM_VALUE (passed on at most once, as it
    # was written: the engines keep the synthesized configuration); the right one: no error
    for layer in range(layers):
        for bad in (True, False):
            tb.pw.clear()
            v = cfg[layer] ^ (1 << tb.rng.randrange(32)) if bad else cfg[layer]
            await tb.writes([(addr, layer), (data, v)])
            await ClockCycles(dut.clk, 3)
            assert (tb.pw in ([], [(layer, v)])) if bad else (tb.pw == [(layer, v)]), \
                f"layer {layer}'s configuration word {v:#x}: writes {tb.pw}"
            tb.param_addr = layer + 1
            tb.error = mask("ERROR", "PARAM_VALUE") * bad
            await tb.check_all(f"after layer {layer}'s configuration word {v:#x}")
            await tb.write("ERROR", all_fields("ERROR"))
            tb.error = 0
    await tb.check_all("after the configuration words")
