"""The seam under the driver: register access and DMA, on the board (pynq) or in simulation (cocotb).

:class:`host.driver.Driver` only ever calls the methods of :class:`Transport`; :class:`PynqTransport` is
the board's implementation, ``sim.board_cocotb.CocotbTransport`` the simulator's. pynq is imported only
inside :class:`PynqTransport` so everything else runs where pynq does not.
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from . import bitstreams
from .errors import BitstreamError, DmaError, DmaTimeout, first_line

# what the board side needs of pynq (board/pyproject.toml's `board` extra says the same): the PYNQ 3.x image's own
PYNQ_REQUIREMENT = "pynq>=3.0"
PYNQ_VENV = "/usr/local/share/pynq-venv"  # where a PYNQ 3.x image installs pynq and runs Jupyter
DMA_RESET_S = 1.0  # the AXI DMA's soft reset completes in a few cycles; this only catches a dead engine


class Transport(Protocol):
    clock_hz: float  # the accelerator's clock, to turn CYCLES_LAST into seconds
    max_transfer_bytes: int  # the DMA's largest transfer (its length register), each way

    def read(self, offset: int) -> int:
        """One 32-bit AXI-Lite read at a byte offset of the accelerator's register block."""

    def write(self, offset: int, value: int) -> None:
        """One 32-bit AXI-Lite write."""

    def write_words(self, offset: int, words: np.ndarray) -> None:
        """Write every word of ``words`` to the same register, in order (the PARAM_DATA port)."""

    def alloc(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """A zeroed buffer the DMA can reach (physically contiguous on the board)."""

    def start_send(self, buf: np.ndarray, start: int, nbytes: int) -> None:
        """Start one MM2S transfer (one stream packet, TLAST on its last beat) of ``buf``'s bytes."""

    def start_recv(self, buf: np.ndarray, start: int, nbytes: int) -> None:
        """Start one S2MM transfer into ``buf``; it ends at the packet's TLAST or after ``nbytes``."""

    def wait_send(self, timeout_s: float) -> None:
        """Block until the send finished; :class:`DmaTimeout` after ``timeout_s``."""

    def wait_recv(self, timeout_s: float) -> int:
        """Block until the receive finished and return the bytes received; :class:`DmaTimeout` after ``timeout_s``."""

    def reset(self) -> None:
        """Abort every armed transfer (both DMA channels) and leave the channels ready for new ones."""

    def close(self) -> None:
        """Release buffers and the device (the driver resets the DMA first if a transfer may be armed)."""


ACCELS = ("auto", "rtl", "hls")  # which accelerator the overlay holds; auto: a bwsnn register block means rtl
HLS_VLNV = "xilinx.com:hls:bwsnn_axi:"  # hls/README.md: stream-only, no AXI-Lite, so no address in the .hwh


def _is_register_block(name: str, d: dict) -> bool:
    """The RTL accelerator's AXI-Lite block; an HLS IP would only appear here with an (ap_ctrl) address."""
    vlnv = str(d.get("type", ""))
    return "bwsnn" in (name + vlnv).lower() and HLS_VLNV not in vlnv and d.get("phys_addr") is not None


def _pick_ip(ip_dict: dict[str, dict], name: str | None, match: Any, what: str, bitfile: Path) -> str:
    if name is not None:
        if name not in ip_dict:
            raise BitstreamError(f"{bitfile}: no IP named '{name}' in the overlay (has: {', '.join(sorted(ip_dict))})")
        return name
    found = [n for n, d in ip_dict.items() if match(n, d)]
    if len(found) != 1:
        seen = ", ".join(sorted(found)) or "IPs: " + ", ".join(sorted(ip_dict))
        raise BitstreamError(f"{bitfile}: expected one {what} in the overlay, found {len(found)} ({seen}); "
                             "name it explicitly")
    return found[0]


class PynqTransport:
    """The PYNQ-Z2: the overlay's accelerator register block through ``pynq.MMIO`` and its AXI DMA.

    ``accel``: ``rtl`` needs the bwsnn register block, ``hls`` drives the DMA only (the hls4ml IP has no
    AXI-Lite), ``auto`` picks rtl when the overlay has a bwsnn register block (or ``ip_name`` is given).
    :attr:`registers` says which; without registers :meth:`read`/:meth:`write` must not be called.
    """

    def __init__(self, bitfile: str | Path, ip_name: str | None = None, dma_name: str | None = None,
                 accel: str = "auto", overlay: Any = None, board: Any = None) -> None:
        if accel not in ACCELS:
            raise ValueError(f"unknown accel '{accel}': choose one of {', '.join(ACCELS)}")
        bit = Path(bitfile)
        if accel == "hls" and ip_name is not None:
            raise BitstreamError(f"--ip {ip_name} names a register block, but the HLS accelerator has none")
        if not bit.is_file():
            raise BitstreamError(f"{bit}: no such bitstream file")
        hwh = bit.with_suffix(".hwh")
        if not hwh.is_file():
            raise BitstreamError(f"{bit}: missing {hwh.name} beside it (the hardware handoff Vivado writes with "
                                 "the bitstream; pynq needs it to find the IPs)")
        try:
            import pynq
        except ImportError:
            raise BitstreamError(f"the pynq backend needs the pynq package ({PYNQ_REQUIREMENT}: a PYNQ 3.x image has "
                                 f"it in {PYNQ_VENV}, activate that venv); off the board use --backend sim or "
                                 "golden") from None
        except Exception as e:  # off the board pynq may fail while probing for a device
            raise BitstreamError(f"pynq could not start: {first_line(e)}") from None
        if overlay is None:  # a BwsnnOverlay checked its bitstream before pynq downloaded it
            bitstreams.check(bit, board or bitstreams.active_board())
        try:  # an overlay already loaded (host.overlay.BwsnnOverlay is one) is used as it is
            self.overlay = pynq.Overlay(str(bit)) if overlay is None else overlay
        except Exception as e:  # pynq raises many types for a bad .bit/.hwh or a missing device; all end here
            raise BitstreamError(f"{bit}: pynq could not load the overlay: {first_line(e)}") from None
        if not self.overlay.is_loaded():  # Overlay(download=False) of a bitstream the PL does not hold
            raise BitstreamError(f"{bit}: this bitstream is not the one loaded on the board (download=False "
                                 "only attaches to the loaded one): open it with download=True")
        ips = self.overlay.ip_dict
        self.registers = accel == "rtl" or (accel == "auto" and (
            ip_name is not None or any(_is_register_block(n, d) for n, d in ips.items())))
        self.mmio: Any = None  # pynq.MMIO of the register block
        if self.registers:
            acc = _pick_ip(ips, ip_name, _is_register_block, "bwsnn accelerator register block", bit)
            self.mmio = pynq.MMIO(ips[acc]["phys_addr"], ips[acc]["addr_range"])
        elif not re.search(r'VLNV="[^"]*bwsnn[^"]*"', hwh.read_text(errors="replace")):
            # the stream-only IP is not in ip_dict: at least make sure the design holds a bwsnn IP at all
            raise BitstreamError(f"{hwh}: no bwsnn accelerator in the design (no bwsnn register block in the "
                                 "overlay, no bwsnn IP in the hardware handoff)")
        dma = _pick_ip(ips, dma_name, lambda n, d: ":axi_dma:" in str(d.get("type", "")), "AXI DMA", bit)
        self.dma = self.overlay
        for part in dma.split("/"):  # hierarchical IPs are attributes of their hierarchy
            self.dma = getattr(self.dma, part)
        self._allocate = pynq.allocate
        self._buffers: list[Any] = []
        self.clock_hz = float(pynq.ps.Clocks.fclk0_mhz) * 1e6  # the overlay clocks the accelerator from FCLK0
        # pynq reads the DMA's length register width (c_sg_length_width) from the .hwh: 2^width - 1 bytes
        self.max_transfer_bytes = int(self.dma.buffer_max_size)

    def read(self, offset: int) -> int:
        return int(self.mmio.read(offset))

    def write(self, offset: int, value: int) -> None:
        self.mmio.write(offset, int(value))  # pynq's MMIO takes Python ints only

    def write_words(self, offset: int, words: np.ndarray) -> None:
        for w in words.tolist():
            self.mmio.write(offset, w)

    def alloc(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        buf = self._allocate(shape=shape, dtype=dtype)
        buf[:] = 0
        self._buffers.append(buf)
        return buf

    def start_send(self, buf: np.ndarray, start: int, nbytes: int) -> None:
        self.dma.sendchannel.transfer(buf, start=start, nbytes=nbytes)  # flushes the cache itself

    def start_recv(self, buf: np.ndarray, start: int, nbytes: int) -> None:
        self.dma.recvchannel.transfer(buf, start=start, nbytes=nbytes)

    def wait_send(self, timeout_s: float) -> None:
        self._wait(self.dma.sendchannel, "send (MM2S)", timeout_s)

    def wait_recv(self, timeout_s: float) -> int:
        return self._wait(self.dma.recvchannel, "receive (S2MM)", timeout_s)

    @staticmethod
    def _wait(ch: Any, what: str, timeout_s: float) -> int:
        # pynq's channel.wait() spins with no time-out: poll idle ourselves, then let wait() return at once
        # to do its bookkeeping (cache invalidate after a receive, the `transferred` byte count).
        deadline = time.monotonic() + timeout_s
        while not ch.idle:
            if ch.error:  # the engine halts on an error and never turns idle
                raise DmaError(f"DMA {what} channel halted on an error (internal, slave or decode error: "
                               "bad buffer address or length)")
            if time.monotonic() > deadline:
                raise DmaTimeout(f"DMA {what} did not finish within {timeout_s:g} s")
        try:
            ch.wait()
        except RuntimeError as e:
            raise DmaError(f"DMA {what} failed: {e}") from None
        return int(ch.transferred)

    def reset(self) -> None:
        """The AXI DMA's soft reset (PG021: bit 2 of MM2S_DMACR resets both channels, aborting what is armed;
        it clears itself when done), then both channels started again. pynq's ``stop()`` is not enough: it
        waits for a halt that a hung S2MM never reaches."""
        mmio = self.dma.mmio
        mmio.write(0x00, 0x4)
        deadline = time.monotonic() + DMA_RESET_S
        while mmio.read(0x00) & 0x4:
            if time.monotonic() > deadline:
                raise DmaError(f"the AXI DMA did not finish its reset within {DMA_RESET_S:g} s")
        self.dma.sendchannel.start()
        self.dma.recvchannel.start()

    def close(self) -> None:
        for buf in self._buffers:
            buf.freebuffer()
        self._buffers.clear()
