"""The accelerator driver: every register access, parameter load and DMA stream the host performs.

numpy only. It runs unchanged on the board (over :class:`host.transport.PynqTransport`) and inside the
RTL simulation (over ``sim.board_cocotb.CocotbTransport``): only the transport differs.

``registers=False`` drives the stream-only hls4ml accelerator (hls/): the same DMA packets, and every
register access (identity/shape check, parameter load, CONTINUOUS, CYCLES_LAST, ERROR, IMAGES_DONE) left out.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

import numpy as np

from bwsnn.artifact import Artifact
from bwsnn.golden import check_images
from bwsnn.params import param_image
from bwsnn.regmap import REGMAP, Regmap, pack_images, unpack_results

from .errors import AcceleratorError, DmaError, DmaTimeout, MismatchError
from .prediction import Prediction
from .transport import Transport

ALIGN = 64  # bytes between per-image DMA slots: any AXI DMA data width (no DRE needed), whole cache lines
CHUNK = 256  # images per buffer fill: bounds the contiguous memory a batch pins
log = logging.getLogger(__name__)


class Driver:
    """Opens the accelerator (identity + shape check against the artifact, parameter load) and runs batches.

    ``registers=False``: the accelerator has no AXI-Lite block (the HLS design); nothing can be checked or
    loaded, so ``load_params`` must be False.
    """

    def __init__(self, transport: Transport, art: Artifact, load_params: bool = True, timeout_s: float = 1.0,
                 regmap: Regmap = REGMAP, *, registers: bool = True) -> None:
        self.t, self.art, self.rm, self.timeout_s, self.registers = transport, art, regmap, timeout_s, registers
        self.ops: Counter[str] = Counter()  # register reads/writes, parameter words, DMA transfers
        self._broken = ""
        self._bufs: tuple[np.ndarray, np.ndarray] | None = None
        if not registers:
            if load_params:
                raise AcceleratorError("the stream-only (HLS) accelerator has no parameter port: its weights are "
                                       "fixed at synthesis; use --no-load-params (load_params=False)")
            log.warning("stream-only (HLS) accelerator: no registers, so the artifact cannot be checked against "
                        "the bitstream and the weights are the ones synthesized into it; no cycle counts")
            return
        image = param_image(art)
        self.check(len(image))
        if load_params:
            self.load_params(image)

    def read(self, reg: str) -> int:
        self.ops["reg_read"] += 1
        return self.t.read(self.rm.offset(reg))

    def write(self, reg: str, value: int) -> None:
        self.ops["reg_write"] += 1
        self.t.write(self.rm.offset(reg), value)

    def check(self, param_words: int) -> None:
        """The bitstream must be a bwsnn accelerator built for this artifact's shape."""
        got = self.read("ID")
        if got != self.rm.id_magic:
            raise MismatchError(f"register ID reads 0x{got:08x}, expected 0x{self.rm.id_magic:08x}: "
                                "the IP is not a bwsnn accelerator (wrong bitstream or IP name?)")
        want = {"N_IN": self.art.n_in, "N_CLASSES": len(self.art.classes), "T": self.art.T,
                "PARAM_WORDS": param_words}
        bad = [f"{reg} {hw} vs {v}" for reg, v in want.items() if (hw := self.read(reg)) != v]
        if bad:
            raise MismatchError(f"artifact does not match the bitstream (bitstream vs artifact): {', '.join(bad)}")

    def load_params(self, image: np.ndarray) -> None:
        """Write the parameter image through PARAM_ADDR/PARAM_DATA: new weights without resynthesis."""
        self.write("CTRL", self.rm.mask("CTRL", "CLEAR"))  # also leaves CONTINUOUS off
        status = self.read("STATUS")
        if not status & self.rm.mask("STATUS", "IDLE"):  # PARAM_DATA is only defined while idle
            raise AcceleratorError(f"cannot load parameters: the accelerator is not idle (STATUS 0x{status:x}: "
                                   f"{', '.join(self.rm.flags('STATUS', status)) or 'no flags'}); reload the bitstream")
        self.write("PARAM_ADDR", 0)
        self.ops["param_word"] += len(image)
        self.t.write_words(self.rm.offset("PARAM_DATA"), np.asarray(image, np.uint32))
        self.check_error("parameter load")

    def check_error(self, when: str) -> None:
        err = self.read("ERROR")
        if err:
            raise AcceleratorError(f"{when}: the accelerator flags ERROR 0x{err:x} "
                                   f"({', '.join(self.rm.flags('ERROR', err)) or 'unknown bits'})")

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        if self._bufs is None:  # allocated once and reused: pynq.allocate is slow and CMA is scarce
            in_stride = -(-self.rm.in_bytes(self.art.n_in) // ALIGN) * ALIGN
            out_stride = -(-self.rm.out_words(len(self.art.classes)) * 4 // ALIGN) * ALIGN
            self._bufs = (self.t.alloc((CHUNK, in_stride // 8), np.uint64),
                          self.t.alloc((CHUNK, out_stride // 4), np.uint32))
        return self._bufs

    def infer(self, images: np.ndarray, progress: Callable[[int], object] | None = None) -> Prediction:
        """Stream a batch through the accelerator (CONTINUOUS mode) and return its results.

        ``progress(k)`` is called as k more images complete (e.g. ``tqdm.update``).
        """
        if self._broken:
            raise AcceleratorError(f"the accelerator is unusable after: {self._broken}; open it again "
                                   "(reloads the bitstream)")
        x = check_images(self.art, images)
        n, c = len(x), len(self.art.classes)
        words = np.empty((n, self.rm.out_words(c)), np.uint32)
        cycles = np.empty(n, np.int64) if self.registers else None
        t_pack = t_unpack = 0.0
        t0 = time.perf_counter()
        if self.registers:
            self.write("CTRL", self.rm.mask("CTRL", "CLEAR"))
            self.write("CTRL", self.rm.mask("CTRL", "CONTINUOUS"))
        inbuf, outbuf = self._buffers()
        for lo in range(0, n, CHUNK):
            hi = min(lo + CHUNK, n)
            t1 = time.perf_counter()
            beats = pack_images(x[lo:hi], self.rm)
            inbuf[:hi - lo, :beats.shape[1]] = beats
            t_pack += time.perf_counter() - t1
            self._stream(inbuf, outbuf, lo, hi - lo, None if cycles is None else cycles[lo:hi], progress)
            t1 = time.perf_counter()
            words[lo:hi] = outbuf[:hi - lo, :words.shape[1]]
            t_unpack += time.perf_counter() - t1
        if self.registers:
            self.write("CTRL", 0)
            self.check_error("after the batch")
            done = self.read("IMAGES_DONE")
            if done != n:
                raise AcceleratorError(f"IMAGES_DONE reads {done} after a batch of {n} images")
        t1 = time.perf_counter()
        classes, scores = unpack_results(words, c, self.rm)
        t_unpack += time.perf_counter() - t1
        seconds = time.perf_counter() - t0
        return Prediction(classes, scores, seconds, cycles, self.t.clock_hz, seconds,
                          {"host_seconds": {"pack": t_pack, "unpack": t_unpack}, "ops": dict(self.ops),
                           "accel": "rtl" if self.registers else "hls"})

    def _stream(self, inbuf: np.ndarray, outbuf: np.ndarray, first: int, n: int, cycles: np.ndarray | None,
                progress: Callable[[int], object] | None) -> None:
        """One DMA packet per image each way (the AXI DMA ends a transfer at TLAST); image i+1 is sent while
        image i's result is awaited so the accelerator never waits for the host between images."""
        in_bytes = self.rm.in_bytes(self.art.n_in)
        out_bytes = self.rm.out_words(len(self.art.classes)) * 4
        in_stride, out_stride = inbuf.strides[0], outbuf.strides[0]
        self.ops.update(dma_send=n, dma_recv=n)
        i = 0
        try:
            self.t.start_recv(outbuf, 0, out_bytes)
            self.t.start_send(inbuf, 0, in_bytes)
            for i in range(n):
                self.t.wait_send(self.timeout_s)
                if i + 1 < n:
                    self.t.start_send(inbuf, (i + 1) * in_stride, in_bytes)
                got = self.t.wait_recv(self.timeout_s)
                if got != out_bytes:
                    raise DmaError(f"DMA receive (S2MM) got {got} bytes, expected {out_bytes}")
                if cycles is not None:
                    cycles[i] = self.read("CYCLES_LAST")
                if i + 1 < n:
                    self.t.start_recv(outbuf, (i + 1) * out_stride, out_bytes)
                if progress is not None:
                    progress(1)
        except (DmaTimeout, DmaError) as e:
            self._broken = f"image {first + i}: {e}"
            raise type(e)(f"{self._broken}; the accelerator state is now unknown: reload the bitstream") from None

    def close(self) -> None:
        self.t.close()
