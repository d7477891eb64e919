"""cocotb side of the ``sim`` backend: the simulated board that :mod:`sim.board` powers on.

The simulator loads this module; its one test resets ``bwsnn_top`` and runs the host's synchronous
:class:`host.driver.Driver` in a :func:`cocotb.task.bridge` thread. The driver talks to
:class:`CocotbTransport`, whose every method is a :func:`cocotb.task.resume` call into cocotbext-axi
(AxiLiteMaster for the registers, AxiStreamSource/Sink standing in for the AXI DMA's MM2S/S2MM, one packet
per transfer like the real DMA, the S2MM side ready only while a receive is armed). The driver code is the
board's; only this transport is simulation.

Job in / results out through the directory in ``BWSNN_HOST_JOB`` (see :mod:`sim.board`).
"""
from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.simtime import get_sim_time
from cocotb.task import bridge, resume
from cocotb.triggers import ClockCycles, SimTimeoutError, with_timeout
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from bwsnn import artifact as artifact_mod
from bwsnn import design as design_mod
from bwsnn.artifact import ArtifactError
from bwsnn.golden import InputError
from bwsnn.limits import CLOCK_HZ, CLOCK_PERIOD_NS
from host.driver import Driver
from host.errors import AcceleratorError, DmaError, DmaTimeout, HostError
from sim.board import REG_TIMEOUT_CYCLES, Job, error_record


def _frame_bytes(tdata: Any, byte_size: int) -> bytes:
    """A received frame's payload as little-endian bytes, whatever the bus's tkeep granularity."""
    if byte_size == 8:
        return bytes(tdata)
    return b"".join(int(w).to_bytes(byte_size // 8, "little") for w in tdata)


def _frame(data: bytes, byte_size: int) -> AxiStreamFrame:
    if byte_size == 8:
        return AxiStreamFrame(data)
    n = byte_size // 8
    return AxiStreamFrame([int.from_bytes(data[i:i + n], "little") for i in range(0, len(data), n)])


class CocotbTransport:
    """:class:`host.transport.Transport` over cocotbext-axi; call only from a bridge thread."""

    clock_hz = CLOCK_HZ
    max_transfer_bytes = (1 << 23) - 1  # the overlay's AXI DMA: c_sg_length_width = 23 (hw/vivado/build.tcl)

    def __init__(self, dut: Any) -> None:
        rst = dict(reset=dut.rst_n, reset_active_level=False)
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil"), dut.clk, **rst)
        self.src = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.clk, **rst)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.clk, **rst)
        self.sink.pause = True  # like the S2MM channel: TREADY only while a receive is armed
        self._recv: tuple[cocotb.task.Task, np.ndarray, int, int] | None = None
        self.sim_wall_s = 0.0  # wall time spent inside the simulator
        self.bridge_cpu_s = 0.0  # this thread's CPU time handing calls to the simulator (not the driver's)

    def _run(self, coro_fn: Any, *args: Any) -> Any:
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return resume(coro_fn)(*args)
        finally:
            self.sim_wall_s += time.perf_counter() - t0
            self.bridge_cpu_s += time.thread_time() - c0

    async def _reg(self, what: str, coro: Coroutine) -> Any:
        try:
            return await with_timeout(coro, REG_TIMEOUT_CYCLES * CLOCK_PERIOD_NS, "ns")
        except SimTimeoutError:
            raise AcceleratorError(f"AXI-Lite {what} got no response within {REG_TIMEOUT_CYCLES} cycles") from None

    async def _read(self, offset: int) -> int:
        return await self._reg(f"read of 0x{offset:x}", self.axil.read_dword(offset))

    async def _write(self, offset: int, value: int) -> None:
        await self._reg(f"write of 0x{offset:x}", self.axil.write_dword(offset, value))

    async def _write_words(self, offset: int, words: list[int]) -> None:
        for w in words:
            await self._write(offset, w)

    def read(self, offset: int) -> int:
        return self._run(self._read, offset)

    def write(self, offset: int, value: int) -> None:
        self._run(self._write, offset, int(value))

    def write_words(self, offset: int, words: np.ndarray) -> None:
        self._run(self._write_words, offset, words.tolist())  # one bridge crossing for the whole image

    def alloc(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        return np.zeros(shape, dtype)

    async def _send(self, data: bytes) -> None:
        await self.src.send(_frame(data, self.src.byte_size))

    def start_send(self, buf: np.ndarray, start: int, nbytes: int) -> None:
        self._run(self._send, buf.view(np.uint8).reshape(-1)[start:start + nbytes].tobytes())

    async def _recv_frame(self) -> bytes:
        frame = await self.sink.recv()
        self.sink.pause = True  # the transfer ended at TLAST: no TREADY until the next one is armed
        return _frame_bytes(frame.tdata, self.sink.byte_size)

    async def _start_recv(self) -> cocotb.task.Task:
        self.sink.pause = False
        return cocotb.start_soon(self._recv_frame())

    def start_recv(self, buf: np.ndarray, start: int, nbytes: int) -> None:
        self._recv = (self._run(self._start_recv), buf, start, nbytes)

    async def _wait(self, what: str, waitable: Any, timeout_s: float) -> Any:
        try:
            return await with_timeout(waitable, timeout_s * 1e9, "ns", round_mode="round")
        except SimTimeoutError:
            raise DmaTimeout(f"DMA {what} did not finish within {timeout_s:g} s of simulated time") from None

    def wait_send(self, timeout_s: float) -> None:
        self._run(self._wait, "send (MM2S)", self.src.wait(), timeout_s)

    def wait_recv(self, timeout_s: float) -> int:
        task, buf, start, nbytes = self._recv
        data = self._run(self._wait, "receive (S2MM)", task, timeout_s)
        if len(data) > nbytes:  # the AXI DMA's S2MM halts with an internal error on an over-long packet
            raise DmaError(f"DMA receive (S2MM) packet of {len(data)} bytes overflows the {nbytes}-byte transfer")
        buf.view(np.uint8).reshape(-1)[start:start + len(data)] = np.frombuffer(data, np.uint8)
        return len(data)

    async def _now_ns(self) -> float:
        return get_sim_time("ns")

    def now_ns(self) -> float:
        return self._run(self._now_ns)

    async def _reset(self) -> None:
        if self._recv is not None:
            self._recv[0].cancel()
            self._recv = None
        self.sink.pause = True

    def reset(self) -> None:
        """The DMA reset: the armed receive is dropped and TREADY withdrawn, as the AXI DMA's soft reset does."""
        self._run(self._reset)

    def close(self) -> None:
        """Nothing to release: the buffers are plain numpy arrays and the simulator ends with the test."""


def run_job(tr: CocotbTransport, job: Job) -> None:
    """The board's host program, inside the simulation: open, load parameters, stream the batch."""
    try:
        art = artifact_mod.load(job.artifact)
        images = np.load(job.images)
        t0, ns0 = time.perf_counter(), tr.now_ns()
        record = dataclasses.replace(design_mod.load(job.design), source=job.design_source)
        drv = Driver(tr, art, load_params=job.load_params, timeout_s=job.timeout_s, timeout_base_s=job.timeout_s,
                     design=record)
        open_ops, open_wall, open_sim = dict(drv.ops), time.perf_counter() - t0, tr.sim_wall_s
        drv.ops.clear()
        # The driver's own cost is this thread's CPU time outside the transport: wall time would also count
        # waits for the GIL while the simulator thread finishes its time step.
        sim0, bridge0, ns1 = tr.sim_wall_s, tr.bridge_cpu_s, tr.now_ns()
        cpu0 = time.thread_time()
        done, shown = [0], [0.0]

        def progress(k: int) -> None:  # for the host's progress bar; a few writes a second at most
            done[0] += k
            if time.perf_counter() - shown[0] > 0.2:
                job.progress_file.write_text(str(done[0]))
                shown[0] = time.perf_counter()

        r = drv.predict(images, progress if job.progress else None)
        host_cpu = time.thread_time() - cpu0 - (tr.bridge_cpu_s - bridge0)
        ns2 = tr.now_ns()
        stats = {"open": {"ops": open_ops, "wall_s": open_wall, "sim_wall_s": open_sim, "sim_ns": ns1 - ns0},
                 "infer": {"ops": dict(drv.ops), "wall_s": r.seconds, "sim_wall_s": tr.sim_wall_s - sim0,
                           "sim_ns": ns2 - ns1, "host_seconds": r.stats["host_seconds"], "host_cpu_s": host_cpu,
                           "images_per_transfer": r.stats["images_per_transfer"]}}
        np.savez(job.result_file, classes=r.classes, scores=r.scores, cycles=r.cycles,
                 stats=np.frombuffer(json.dumps(stats).encode(), np.uint8))
    except (HostError, ArtifactError, InputError) as e:
        job.error_file.write_text(json.dumps(error_record(e)))
    except Exception as e:  # a bug, not a user error: one line for the host, the traceback for the log
        job.error_file.write_text(json.dumps(error_record(
            HostError(f"the simulated board failed: {type(e).__name__}: {e}"))))
        raise


@cocotb.test()
async def host_program(dut: Any) -> None:
    job = Job.from_dir(Path(os.environ["BWSNN_HOST_JOB"]))

    def expire() -> None:
        """The sim-time limits bound every wait; this bounds the whole run in wall time should the simulator
        itself stall, so a sim-backend call can never hang."""
        job.error_file.write_text(json.dumps(error_record(
            HostError(f"simulation exceeded its wall-time limit of {job.wall_timeout_s:g} s"))))
        os._exit(3)

    watchdog = threading.Timer(job.wall_timeout_s, expire)
    watchdog.daemon = True
    watchdog.start()
    Clock(dut.clk, CLOCK_PERIOD_NS, unit="ns").start()
    tr = CocotbTransport(dut)
    dut.rst_n.value = 0
    await ClockCycles(dut.clk, 8)
    dut.rst_n.value = 1
    await ClockCycles(dut.clk, 2)
    await bridge(run_job)(tr, job)
    watchdog.cancel()
