"""The notebook-friendly API: ``Accelerator(artifact, bitfile).predict(images)``, on three backends.

* ``pynq``: the board. :class:`host.driver.Driver` over :class:`host.transport.PynqTransport`.
* ``sim``: the RTL accelerator under a simulator. The same Driver runs inside the simulation over a cocotb
  transport (see :mod:`host.sim_backend`); each ``predict`` is one power-on of the simulated board.
* ``golden``: the numpy model (:mod:`sim.golden`), no hardware at all.

numpy (and, on the board, pynq) only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from host.transport import ACCELS  # imports pynq only when a PynqTransport opens
from sim import artifact as artifact_mod
from sim import golden
from sim.artifact import Artifact

BACKENDS = ("pynq", "sim", "golden")


@dataclass
class Prediction:
    classes: np.ndarray  # int64 (N,)
    scores: np.ndarray  # int64 (N, C): output membranes after the last time step
    seconds: float  # host wall time of the batch
    cycles: np.ndarray | None = None  # int64 (N,) CYCLES_LAST per image (hardware backends)
    clock_hz: float | None = None
    board_seconds: float | None = None  # the batch on the board: wall time on pynq, simulated time on sim
    stats: dict[str, Any] = field(default_factory=dict)  # backend figures: op counts, host/sim timing

    @property
    def images_per_s(self) -> float:
        """Throughput of the (simulated) board, or of the golden model on this host."""
        t = self.seconds if self.board_seconds is None else self.board_seconds
        return len(self.classes) / t if t > 0 else float("inf")

    @property
    def latency_s(self) -> float | None:
        """Hardware latency of one image on an idle accelerator; None without hardware.

        The smallest CYCLES_LAST of the batch: the first image meets an idle engine, later ones also count
        the time they wait in the input behind the image before (the driver keeps the input fed).
        """
        if self.cycles is None or not len(self.cycles) or not self.clock_hz:
            return None
        return float(np.min(self.cycles)) / self.clock_hz

    def accuracy(self, labels: np.ndarray) -> float:
        return float(np.mean(self.classes == np.asarray(labels))) if len(self.classes) else float("nan")


class Accelerator:
    """A bwsnn accelerator loaded with one artifact.

    ``timeout_s`` bounds each DMA transfer: host seconds on the board (default 1 s), simulated seconds on
    the ``sim`` backend (default :data:`host.sim_backend.SIM_TIMEOUT_S`). ``load_params=False`` trusts the
    weights the bitstream was built with (ID and shape registers are still checked).

    ``accel`` (pynq backend): ``rtl`` (register block + DMA), ``hls`` (the stream-only hls4ml IP: DMA only,
    no checks, synthesized weights, so ``load_params=False``; ``cycles``/``latency_s`` are None and
    throughput is host wall time) or ``auto`` (rtl if the overlay has a bwsnn register block).

    ``sim`` backend only: ``simulator`` (verilator or icarus), ``sim_build`` (where the per-artifact
    builds go) and ``sim_hw``, the artifact the simulated bitstream is built from (default: ``artifact``).
    """

    def __init__(self, artifact: str | Path | Artifact, bitfile: str | Path | None = None, backend: str = "pynq",
                 *, accel: str = "auto", load_params: bool = True, timeout_s: float | None = None,
                 ip_name: str | None = None, dma_name: str | None = None, simulator: str = "verilator",
                 sim_build: str | Path | None = None, sim_hw: str | Path | Artifact | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend '{backend}': choose one of {', '.join(BACKENDS)}")
        if accel not in ACCELS or (accel == "hls" and backend != "pynq"):
            raise ValueError(f"accel '{accel}' with backend '{backend}': choose one of {', '.join(ACCELS)}; "
                             "hls on the pynq backend only")
        self.backend = backend
        self.art = artifact if isinstance(artifact, Artifact) else artifact_mod.load(artifact)
        self._driver = self._sim = None
        if backend == "pynq":
            from host.driver import Driver
            from host.errors import BitstreamError
            from host.transport import PynqTransport

            if bitfile is None:
                raise BitstreamError("the pynq backend needs a bitstream (--bitfile X.bit, with X.hwh beside it)")
            transport = PynqTransport(bitfile, ip_name, dma_name, accel)
            try:
                self._driver = Driver(transport, self.art, load_params, 1.0 if timeout_s is None else timeout_s,
                                      registers=transport.registers)
            except BaseException:
                transport.close()
                raise
        elif backend == "sim":
            from host.sim_backend import SimBoard

            hw = artifact_mod.load(sim_hw) if isinstance(sim_hw, (str, Path)) else sim_hw
            self._sim = SimBoard(self.art, hw, build_dir=sim_build, simulator=simulator, load_params=load_params,
                                 timeout_s=timeout_s)

    def predict(self, images: np.ndarray, progress: bool | Callable[[int], object] = False) -> Prediction:
        """Classes and scores of a batch (uint8, (N, n_in) or (N, *input_shape)).

        ``progress``: True for a tqdm bar, or a callable taking the number of images just completed.
        """
        x = golden.check_images(self.art, images)
        if progress is True:
            from tqdm import tqdm

            with tqdm(total=len(x), unit="img", desc=self.backend, leave=False) as bar:
                return self._predict(x, bar.update)
        return self._predict(x, progress or None)

    def _predict(self, x: np.ndarray, progress: Callable[[int], object] | None) -> Prediction:
        if self._driver is not None:
            r = self._driver.infer(x, progress)
            return Prediction(r.classes, r.scores, r.seconds, r.cycles, self._driver.t.clock_hz, r.seconds,
                              {"host_seconds": r.host_seconds, "ops": dict(self._driver.ops),
                               "accel": "rtl" if self._driver.registers else "hls"})
        if self._sim is not None:
            return self._sim.predict(x, progress)
        t0 = time.perf_counter()
        r = golden.run(self.art, x)
        if progress is not None:
            progress(len(x))
        return Prediction(r.classes, r.scores, time.perf_counter() - t0)

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def __enter__(self) -> Accelerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
