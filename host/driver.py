"""The accelerator driver: every register access, parameter load and DMA stream the host performs.

numpy only. It runs unchanged on the board (over :class:`host.transport.PynqTransport`) and inside the
RTL simulation (over ``sim.board_cocotb.CocotbTransport``): only the transport differs.

``registers=False`` drives the stream-only hls4ml accelerator (hls/): the same DMA packets, and every
register access (identity/shape check, parameter load, CONTINUOUS, CYCLES_LAST, ERROR, IMAGES_DONE) left out.

Images travel in batches: one DMA transfer (one stream packet of whole images, TLAST on the last) each way
per :data:`BATCH` images (fewer where the DMA's length register is narrower), double-buffered, as BNN-PYNQ's and
FINN's drivers do: Python's per-transfer cost is paid once per batch, not once per image.

Any exception while transfers may be armed (a time-out, a DMA error, pynq's RuntimeError, a KeyboardInterrupt
in Jupyter) marks the driver broken, resets both DMA channels and stops CONTINUOUS mode before it propagates;
buffers are freed only once no transfer can write them.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

import numpy as np

from bwsnn.artifact import Artifact
from bwsnn.design import Design, DesignError
from bwsnn.golden import check_images
from bwsnn.regmap import REGMAP, Regmap, pack_images, unpack_results

from .errors import AcceleratorError, DmaError, HostError, MismatchError, first_line
from .prediction import Prediction
from .transport import Transport

BATCH = 256  # images per DMA transfer each way: bounds the contiguous memory a transfer pins
# a transfer's time-out: a base (Python, cache maintenance, a busy ARM) plus a term per image it holds, far
# above one image's time on the accelerator (a few thousand cycles at 100 MHz): a hung 256-image transfer
# gives up after 1 + 2.56 s
TIMEOUT_BASE_S = 1.0
TIMEOUT_PER_IMAGE_S = 0.01
log = logging.getLogger(__name__)


class Driver:
    """Opens the accelerator (identity, design and shape check against the artifact, parameter load) and runs
    batches.

    ``design``: the bitstream's design record (:mod:`bwsnn.design`, ``X.design.json`` beside ``X.bit``): its
    hash must be the DESIGN_ID register and its folding packs the parameter image, so the host never plans
    one of its own. ``registers=False``: the accelerator has no AXI-Lite block (the HLS design); nothing can
    be checked or loaded, so ``load_params`` must be False and no record is needed.
    """

    def __init__(self, transport: Transport, art: Artifact, load_params: bool = True,
                 timeout_s: float = TIMEOUT_PER_IMAGE_S, regmap: Regmap = REGMAP, *, registers: bool = True,
                 timeout_base_s: float = TIMEOUT_BASE_S, design: Design | None = None) -> None:
        self.t, self.art, self.rm, self.registers = transport, art, regmap, registers
        self.timeout_s, self.timeout_base_s = timeout_s, timeout_base_s  # per image of a transfer, per transfer
        self.ops: Counter[str] = Counter()  # register reads/writes, parameter words, DMA transfers
        self._broken = ""
        self._armed = False  # a DMA transfer may be in flight: reset the DMA before freeing its buffers
        self._at = (0, 0)  # the images of the transfer under way, for error lines
        self._bufs: list[tuple[np.ndarray, np.ndarray]] | None = None
        if not registers:
            if load_params:
                raise AcceleratorError("the stream-only (HLS) accelerator has no parameter port: its weights are "
                                       "fixed at synthesis; use --no-load-params (load_params=False)")
            log.warning("stream-only (HLS) accelerator: no registers, so the artifact cannot be checked against "
                        "the bitstream and the weights are the ones synthesized into it; no cycle counts")
            return
        if design is None:
            raise AcceleratorError("the RTL accelerator needs its design record (X.design.json beside X.bit, "
                                   "written by hw.gen / hw/vivado/build.sh) to pack the parameter image")
        self.design = design
        self.check_design()
        try:
            image = design.image(art)  # the record's folding: the host never re-plans
        except DesignError as e:
            raise MismatchError(str(e)) from None
        self.check(len(image))
        if load_params:
            self.load_params(image)

    def read(self, reg: str) -> int:
        self.ops["reg_read"] += 1
        return self.t.read(self.rm.offset(reg))

    def write(self, reg: str, value: int) -> None:
        self.ops["reg_write"] += 1
        self.t.write(self.rm.offset(reg), value)

    def check_design(self) -> None:
        """The bitstream must be a bwsnn accelerator generated from this design record (before any write)."""
        got = self.read("ID")
        if got != self.rm.id_magic:
            raise MismatchError(f"register ID reads 0x{got:08x}, expected 0x{self.rm.id_magic:08x}: "
                                "the IP is not a bwsnn accelerator (wrong bitstream or IP name?)")
        hw, want = self.read("DESIGN_ID"), self.design.id
        if hw != want:
            where = f" ({self.design.source})" if self.design.source else ""
            raise MismatchError(f"the bitstream's DESIGN_ID 0x{hw:08x} is not the design record's 0x{want:08x}"
                                f"{where}: the bitstream was built from another design; use the record built "
                                "with it (X.design.json beside X.bit)")

    def check(self, param_words: int) -> None:
        """The bitstream must be built for this artifact's shape."""
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

    def _batch(self) -> int:
        """Images per transfer: :data:`BATCH`, or what the DMA's length register allows each way."""
        per_image = max(self.rm.in_bytes(self.art.n_in), self.rm.out_words(len(self.art.classes)) * 4)
        if per_image > self.t.max_transfer_bytes:
            raise AcceleratorError(f"one image takes {per_image} bytes on the stream, more than the DMA's largest "
                                   f"transfer ({self.t.max_transfer_bytes} bytes): rebuild the overlay with a wider "
                                   "length register (c_sg_length_width, hw/vivado/build.tcl)")
        return min(BATCH, self.t.max_transfer_bytes // per_image)

    def _buffers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Two (input, output) buffer pairs: batch k+1 is packed and sent while batch k's results arrive."""
        if self._bufs is None:  # allocated once and reused: pynq.allocate is slow and CMA is scarce
            n, beats = self._batch(), self.rm.beats_per_image(self.art.n_in)
            words = self.rm.out_words(len(self.art.classes))
            self._bufs = [(self.t.alloc((n, beats), np.uint64), self.t.alloc((n, words), np.uint32)) for _ in range(2)]
        return self._bufs

    def predict(self, images: np.ndarray, progress: Callable[[int], object] | None = None) -> Prediction:
        """Stream a batch through the accelerator (CONTINUOUS mode) and return its results.

        The images go in DMA transfers of up to :data:`BATCH` images each way (one stream packet of whole
        images in, one packet of their results back, bwsnn/regmap.json); the first transfer holds one image,
        so its CYCLES_LAST is the latency on an idle engine. ``progress(k)`` is called as k more images
        complete (e.g. ``tqdm.update``).
        """
        if self._broken:
            raise AcceleratorError(f"the accelerator is unusable after: {self._broken}; open it again "
                                   "(reloads the bitstream)")
        x = check_images(self.art, images)
        n, c = len(x), len(self.art.classes)
        bounds = [0, *range(1, n, self._batch()), n] if n else [0]
        spans = list(zip(bounds[:-1], bounds[1:]))  # (first, end) images of each transfer; none for n = 0
        words = np.empty((n, self.rm.out_words(c)), np.uint32)
        cycles = np.empty(len(spans), np.int64) if self.registers else None
        t0 = time.perf_counter()
        try:
            if self.registers:
                self.write("CTRL", self.rm.mask("CTRL", "CLEAR"))
                self.write("CTRL", self.rm.mask("CTRL", "CONTINUOUS"))
            t_pack, t_unpack = self._stream(x, words, spans, cycles, progress)
        except BaseException as e:
            raise self._abort(e) from None
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
                           "accel": "rtl" if self.registers else "hls", "images_per_transfer": self._batch()})

    def _stream(self, x: np.ndarray, words: np.ndarray, spans: list[tuple[int, int]], cycles: np.ndarray | None,
                progress: Callable[[int], object] | None) -> tuple[float, float]:
        """Transfer k of ``spans`` sends images lo..hi-1 as one packet and receives their results as one; the
        next transfer is packed while this one runs and sent as soon as this one's send is done, so the
        accelerator is fed while the host waits for results. Returns (pack, unpack) host seconds."""
        in_bytes = self.rm.in_bytes(self.art.n_in)
        out_bytes = self.rm.out_words(len(self.art.classes)) * 4
        bufs = self._buffers()
        t_pack = t_unpack = 0.0

        def pack(k: int) -> None:
            nonlocal t_pack
            t1 = time.perf_counter()
            lo, hi = spans[k]
            bufs[k % 2][0][:hi - lo] = pack_images(x[lo:hi], self.rm)
            t_pack += time.perf_counter() - t1

        def send(k: int) -> None:
            self._armed, self._at = True, spans[k]
            self.ops["dma_send"] += 1
            self.t.start_send(bufs[k % 2][0], 0, (spans[k][1] - spans[k][0]) * in_bytes)

        def recv(k: int) -> None:
            self._armed, self._at = True, spans[k]
            self.ops["dma_recv"] += 1
            self.t.start_recv(bufs[k % 2][1], 0, (spans[k][1] - spans[k][0]) * out_bytes)

        if spans:
            pack(0)
            recv(0)
            send(0)
        for k, (lo, hi) in enumerate(spans):
            self._at = (lo, hi)  # the transfer waited for; send/recv name the one they arm
            more = k + 1 < len(spans)
            if more:
                pack(k + 1)  # its buffer's send finished before transfer k was started
            timeout = self.timeout_base_s + self.timeout_s * (hi - lo)
            self.t.wait_send(timeout)
            if more:
                send(k + 1)
            self._at = (lo, hi)
            got = self.t.wait_recv(timeout)
            if got != (hi - lo) * out_bytes:
                raise DmaError(f"DMA receive (S2MM) got {got} bytes, expected {(hi - lo) * out_bytes} "
                               f"({hi - lo} x {out_bytes}-byte results)")
            if cycles is not None:  # before the next receive is armed: no later image can have finished
                cycles[k] = self.read("CYCLES_LAST")
            if more:
                recv(k + 1)
            t1 = time.perf_counter()
            words[lo:hi] = bufs[k % 2][1][:hi - lo]
            t_unpack += time.perf_counter() - t1
            if progress is not None:
                progress(hi - lo)
        self._armed = False  # every transfer armed was waited for
        return t_pack, t_unpack

    def _abort(self, e: BaseException) -> BaseException:
        """``e`` broke a batch: mark the driver broken, reset the DMA (nothing stays armed), stop CONTINUOUS
        mode; return what to raise: a host error as one line naming the transfer's images, anything else from
        pynq as a :class:`DmaError` line, a KeyboardInterrupt (or SystemExit) as it is, after the clean-up."""
        lo, hi = self._at
        where = f"image {lo}" if hi - lo == 1 else f"images {lo}..{hi - 1}"
        what = "interrupted (KeyboardInterrupt)" if isinstance(e, KeyboardInterrupt) else \
            str(e) if isinstance(e, HostError) else first_line(e)
        self._broken = f"{where}: {what}"
        failed = []
        try:
            self.t.reset()
            self._armed = False
        except Exception as err:
            failed.append(f"the DMA reset failed too ({first_line(err)})")
        if self.registers:
            try:
                self.write("CTRL", 0)
            except Exception as err:
                failed.append(f"CONTINUOUS could not be cleared ({first_line(err)})")
        if failed:
            self._broken += "; " + "; ".join(failed)
        if not isinstance(e, Exception):
            return e
        line = f"{self._broken}; the accelerator state is now unknown: reload the bitstream"
        return type(e)(line) if isinstance(e, HostError) else DmaError(line)

    def close(self) -> None:
        """Free the buffers, after a DMA reset if a transfer may still be armed (a DMA writing into freed
        memory corrupts whatever gets it next); if that reset fails the buffers are kept."""
        if self._armed:
            try:
                self.t.reset()
                self._armed = False
            except Exception as e:
                log.error("the DMA could not be reset (%s): its buffers are kept, not freed", first_line(e))
                return
        self.t.close()
