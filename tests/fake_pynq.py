"""A fake ``pynq`` module for the board code path: pynq 3.0.1 / 3.1's API and rules, no device.

It keeps pynq's rules (MMIO takes Python ints, ``transfer`` refuses a busy or stopped channel and a transfer
longer than the DMA's ``buffer_max_size``, ``wait`` spins forever on a busy one, send flushes / receive
invalidates the cache, the DMA's soft reset in bit 2 of MM2S_DMACR, ``Overlay.__getattr__`` refusing an
overlay that is not loaded, ``Device.active_device.name``) and plays the accelerator from bwsnn/regmap.json,
read here on its own: it decodes the stream bytes itself and answers with the golden model's results.

No pytest here: tests/test_board_wheel.py runs it in the clean venv of the installed wheel too.
"""
from __future__ import annotations

import json
import struct
import types
from collections import deque
from pathlib import Path

import numpy as np

from bwsnn import golden
from bwsnn.artifact import Artifact
from bwsnn.design import Design

SPEC = json.loads((Path(golden.__file__).resolve().parent / "regmap.json").read_text())
NAMES = {r["offset"]: name for name, r in SPEC["registers"].items()}
BIT = {reg: r.get("fields", {}) for reg, r in SPEC["registers"].items()}


def cycles_for(pixels: np.ndarray) -> int:
    """The fake's CYCLES_LAST for an image: different from image to image, so that the driver must read it
    after each transfer and file it under the right one."""
    return 1000 + int(pixels.astype(np.int64).sum()) % 4093


class FakeBuffer(np.ndarray):
    """pynq.allocate's PynqBuffer: an ndarray with a physical address and cache maintenance."""

    def __array_finalize__(self, obj: object) -> None:
        self.physical_address = getattr(obj, "physical_address", 0)
        self.events: list[str] = getattr(obj, "events", [])
        self.flushes = self.invalidates = 0
        self.freed = False

    def flush(self) -> None:
        self.flushes += 1

    def invalidate(self) -> None:
        self.invalidates += 1

    def freebuffer(self) -> None:
        self.freed = True
        self.events.append("free")


class FakeAccelerator:
    """The bwsnn register block and streams, per bwsnn/regmap.json; ``mode`` injects a fault."""

    def __init__(self, art: Artifact, mode: str = "ok", design: Design | None = None) -> None:
        self.art, self.mode = art, mode
        if design is None and art.is_dense():  # planned here (the dev tree; the board wheel has no cost table)
            from bwsnn import planner

            design = planner.design(art)
        self.design = design  # the bitstream's design record
        self.regs = {"ID": SPEC["id_magic"], "N_IN": art.n_in, "N_CLASSES": len(art.classes), "T": art.T,
                     "PARAM_WORDS": self.design.param_words if self.design else 0,
                     "DESIGN_ID": self.design.id if self.design else 0, "IMAGES_DONE": 0,
                     "CYCLES_LAST": 0, "ERROR": 0, "CTRL": 0, "STATUS": 1 << BIT["STATUS"]["IDLE"], "PARAM_ADDR": 0}
        self.params: dict[int, int] = {}
        self.log: list[tuple[str, str, int | None]] = []
        self.out: deque[tuple[bytes, int, int]] = deque()  # result packets, their images, the last's cycles

    def read(self, offset: int) -> int:
        name = NAMES[offset]
        self.log.append(("r", name, None))
        return self.regs[name]

    def write(self, offset: int, value: int) -> None:
        name = NAMES[offset]
        self.log.append(("w", name, value))
        if name == "CTRL":
            if value >> BIT["CTRL"]["CLEAR"] & 1:
                self.regs.update(IMAGES_DONE=0, CYCLES_LAST=0, ERROR=0)
            self.regs["CTRL"] = value & (1 << BIT["CTRL"]["CONTINUOUS"])
        elif name == "PARAM_ADDR":
            self.regs["PARAM_ADDR"] = value
        elif name == "PARAM_DATA":
            addr = self.regs["PARAM_ADDR"]
            if addr >= self.regs["PARAM_WORDS"]:
                self.regs["ERROR"] |= 1 << BIT["ERROR"]["PARAM_ADDR"]
            self.params[addr] = value
            self.regs["PARAM_ADDR"] = addr + 1

    def accept(self, packet: bytes) -> bool:
        """One input packet: whole images back to back, TLAST on the last beat; False = never accepted."""
        if self.mode == "no_input":
            return False
        beats = -(-self.art.n_in // SPEC["stream_in"]["pixels_per_beat"])
        size = beats * SPEC["stream_in"]["tdata_bits"] // 8
        assert len(packet) and len(packet) % size == 0, "a packet holds whole images"
        # pixel k of beat b in bits 8k+7..8k: plain byte order
        pixels = np.frombuffer(packet, np.uint8).reshape(-1, size)
        assert not pixels[:, self.art.n_in:].any(), "padding must be zero"
        x = pixels[:, :self.art.n_in]
        r = golden.run(self.art, x)
        words = np.concatenate([r.classes[:, None], r.scores], 1).astype("<i4").tobytes()
        if self.mode != "no_output":
            self.out.append((words[:-4] if self.mode == "short" else words, len(x), cycles_for(x[-1])))
        if self.mode == "short_image":
            self.regs["ERROR"] |= 1 << BIT["ERROR"]["SHORT_IMAGE"]
        return True


class FakeChannel:
    """pynq.lib.dma._SDMAChannel's public behaviour; ``events`` records resets and frees in order."""

    def __init__(self, acc: FakeAccelerator, tx: bool, max_size: int, events: list[str]) -> None:
        self.acc, self.tx, self.max_size, self.events = acc, tx, max_size, events
        self._running, self._busy, self._first, self._error = True, False, True, False
        self.transferred, self.transfers, self._buf = 0, 0, None
        self.polls = 0

    def start(self) -> None:
        self._running, self._first = True, True

    def hard_reset(self) -> None:
        """The DMA's soft reset: whatever was armed is dropped, the channel halts until start()."""
        self._running, self._busy, self._error = False, False, False

    @property
    def running(self) -> bool:
        return self._running

    @property
    def error(self) -> bool:
        return self._error

    @property
    def idle(self) -> bool:
        self.polls += 1
        if self.acc.mode == "interrupt" and not self.tx and self._busy and self.polls > 3:
            raise KeyboardInterrupt  # a user stopping a wait in Jupyter
        if self._busy and not self.tx and self.acc.out:
            packet, images, cycles = self.acc.out.popleft()
            # like the RTL: an image is done, and counted, when its last result beat is taken
            self.acc.regs["IMAGES_DONE"] += images
            self.acc.regs["CYCLES_LAST"] = cycles
            assert len(packet) <= self._nbytes, "the S2MM would halt on an over-long packet"
            flat = self._buf.view(np.uint8).reshape(-1)
            flat[self._start:self._start + len(packet)] = np.frombuffer(packet, np.uint8)
            self._busy, self._got = False, len(packet)
        return not self._busy

    def transfer(self, array: FakeBuffer, start: int = 0, nbytes: int = 0) -> None:
        if not self.running:
            raise RuntimeError("DMA channel not started")
        if not self.idle and not self._first:
            raise RuntimeError("DMA channel not idle")
        assert isinstance(array, FakeBuffer), "DMA buffers must come from pynq.allocate"
        nbytes = nbytes or array.nbytes - start
        if nbytes > self.max_size:
            raise ValueError(f"Transfer size is {nbytes} bytes, which exceeds the maximum DMA buffer size "
                             f"{self.max_size}.")
        assert start + nbytes <= array.nbytes
        if (array.physical_address + start) % 8:
            raise RuntimeError("DMA does not support unaligned transfers")
        self._buf, self._start, self._nbytes, self._first, self._busy = array, start, nbytes, False, True
        self.transfers += 1
        self.transferred = 0
        if self.acc.mode == "pynq_error" and self.transfers > 1:
            raise RuntimeError("DMA channel not idle")
        if self.acc.mode == "dma_error":
            self._error, self._running = True, False
        elif self.tx:
            array.flush()
            self._got = nbytes
            self._busy = not self.acc.accept(array.view(np.uint8).reshape(-1)[start:start + nbytes].tobytes())

    def wait(self) -> None:
        if not self.running:
            raise RuntimeError("DMA channel not started")
        if not self.idle:
            raise AssertionError("wait() on a busy channel spins forever on the board")
        if not self.tx:
            self._buf.invalidate()
        self.transferred = self._got


class FakeDmaRegisters:
    """The DMA's own register block (``dma.mmio``): MM2S_DMACR bit 2 is the soft reset of both channels."""

    def __init__(self, dma: types.SimpleNamespace, events: list[str]) -> None:
        self.dma, self.events = dma, events

    def write(self, offset: int, value: int) -> None:
        assert offset == 0x00 and value == 0x4, "only the soft reset is used"
        self.events.append("reset")
        self.dma.sendchannel.hard_reset()
        self.dma.recvchannel.hard_reset()

    def read(self, offset: int) -> int:
        return 0  # the reset is done at once


class FakePynq:
    """The fake module: Device, Overlay, MMIO, allocate, ps.Clocks. ``length_bits``: the DMA's
    c_sg_length_width (pynq's ``buffer_max_size`` = 2^bits - 1; Vivado's default is 14)."""

    def __init__(self, art: Artifact, mode: str = "ok", board: str = "Pynq-Z2", length_bits: int = 23,
                 design: Design | None = None) -> None:
        self.acc = FakeAccelerator(art, mode, design)
        self.buffers: list[FakeBuffer] = []
        self.events: list[str] = []
        self.ip_dict = {"bwsnn_0": {"type": "bwsnn:user:bwsnn_top:1.0", "phys_addr": 0x43C00000, "addr_range": 0x1000},
                        "axi_dma_0": {"type": "xilinx.com:ip:axi_dma:7.1", "phys_addr": 0x40400000,
                                      "addr_range": 0x10000}}
        self.overlay_error: Exception | None = None
        self.loaded: str | None = None  # the bitstream in the PL
        self.downloads: list[str] = []
        fake = self
        max_size = (1 << length_bits) - 1
        dma = types.SimpleNamespace(sendchannel=FakeChannel(self.acc, True, max_size, self.events),
                                    recvchannel=FakeChannel(self.acc, False, max_size, self.events),
                                    buffer_max_size=max_size)
        dma.mmio = FakeDmaRegisters(dma, self.events)
        self.dma = dma

        class Overlay:
            def __init__(self, bitfile: str, download: bool = True) -> None:
                if fake.overlay_error:
                    raise fake.overlay_error
                self.bitfile_name = str(bitfile)
                self.ip_dict = fake.ip_dict
                if download:  # a download resets the PL: nothing queued in the accelerator survives
                    fake.loaded = self.bitfile_name
                    fake.downloads.append(self.bitfile_name)
                    fake.acc.out.clear()

            def is_loaded(self) -> bool:
                return fake.loaded == self.bitfile_name

            def __getattr__(self, name: str) -> object:
                if name != "axi_dma_0":
                    raise AttributeError(name)
                if not self.is_loaded():
                    raise RuntimeError("Overlay not currently loaded")
                return dma

        class MMIO:
            def __init__(self, base: int, length: int) -> None:
                assert (base, length) == (0x43C00000, 0x1000)

            def read(self, offset: int) -> int:
                return fake.acc.read(offset)

            def write(self, offset: int, value: object) -> None:
                if not isinstance(value, int):
                    raise ValueError("Data type must be int or bytes.")
                fake.acc.write(offset, value)

        def allocate(shape: tuple[int, ...], dtype: object) -> FakeBuffer:
            buf = np.zeros(shape, dtype).view(FakeBuffer)
            buf.physical_address = 0x10000000 + 0x100000 * len(fake.buffers)
            buf.events = fake.events
            fake.buffers.append(buf)
            return buf

        self.module = types.ModuleType("pynq")
        self.module.Overlay, self.module.MMIO, self.module.allocate = Overlay, MMIO, allocate
        self.module.ps = types.SimpleNamespace(Clocks=types.SimpleNamespace(fclk0_mhz=100.0))
        self.module.Device = types.SimpleNamespace(active_device=types.SimpleNamespace(name=board))


def write_bitstream(bit: Path, part: str = "7z020clg400", board: str | None = "tul.com.tw:pynq-z2:part0:1.0",
                    hwh: str = "") -> Path:
    """A ``.bit`` with the header Vivado writes (design, part, date, time, then the data) and its ``.hwh``
    (a SYSTEMINFO naming the board part, then ``hwh``)."""
    def field(key: str, text: str) -> bytes:
        data = text.encode() + b"\0"
        return key.encode() + struct.pack(">H", len(data)) + data

    preamble = bytes.fromhex("0ff00ff00ff00ff000")
    data = b"\xff" * 16
    bit.write_bytes(struct.pack(">H", len(preamble)) + preamble + struct.pack(">H", 1)
                    + field("a", "bwsnn_wrapper;UserID=0XFFFFFFFF;Version=2022.1") + field("b", part)
                    + field("c", "2025/01/01") + field("d", "00:00:00") + b"e" + struct.pack(">I", len(data)) + data)
    board_attr = f' BOARD="{board}"' if board else ""
    bit.with_suffix(".hwh").write_text(f'<SYSTEMINFO ARCH="zynq" DEVICE="{part[:6]}"{board_attr}/>{hwh}')
    return bit
