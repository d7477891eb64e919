"""Host side of the ``sim`` backend: builds the RTL accelerator for an artifact and powers on a simulated
board per ``predict``, on which the board's own driver runs (see :mod:`sim.board_cocotb`).

A job directory carries the batch in and the results (or a one-line error) out; the simulation writes its
progress there too so the host's progress bar moves while the simulator runs.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bwsnn.artifact import Artifact, ArtifactError
from bwsnn.design import FILE_NAME, Design
from bwsnn.design import load as load_design
from bwsnn.golden import InputError
from bwsnn.limits import CLOCK_HZ
from bwsnn.paths import build_dir as build_dir_default
from host.errors import AcceleratorError, BitstreamError, DataError, DmaError, DmaTimeout, HostError, MismatchError
from host.prediction import Prediction

REG_TIMEOUT_CYCLES = 1000  # an AXI-Lite access answers in a few cycles; this only catches a dead slave
SIM_TIMEOUT_S = 2e-3  # default DMA time-out, simulated seconds (200k cycles: far above one image's latency)
# The whole simulation's wall-time limit: only a guarantee against a stalled simulator, so generous
# (digits model: Verilator ~0.1 s per image after ~3 s of parameter load; Icarus ~26 s for 5 images), and
# growing with the design's interval and its parameter image: the CIFAR-10 design simulates ~1,300 cycles per
# wall second alone on a core and ~500 beside two other jobs, and loads its 10k-word image in ~7 minutes there.
WALL_TIMEOUT_S = 600.0
WALL_S_PER_IMAGE = 10.0
WALL_S_PER_CYCLE = 4e-3  # per image cycle: 250 simulated cycles per second, a slow simulator on a busy core
WALL_S_PER_WORD = 0.1  # per parameter word loaded (an AXI-Lite write through cocotb: ~40 ms on a busy core)

_ERRORS = {c.__name__: c for c in (HostError, BitstreamError, MismatchError, DmaTimeout, DmaError,
                                   AcceleratorError, DataError, ArtifactError, InputError)}


def wall_timeout_s(images: int, interval: int, words: int = 0) -> float:
    """The wall-time limit of a simulation of ``images`` images on a design of ``interval`` cycles per image that
    first loads ``words`` parameter words."""
    return WALL_TIMEOUT_S + images * max(WALL_S_PER_IMAGE, WALL_S_PER_CYCLE * interval) + WALL_S_PER_WORD * words


def error_record(e: Exception) -> dict[str, str]:
    return {"type": type(e).__name__, "message": str(e)}


def raise_record(rec: dict[str, str]) -> None:
    """Re-raise, in the host process, the one-line error the simulated board's driver raised."""
    raise _ERRORS.get(rec["type"], HostError)(rec["message"])


@dataclass
class Job:
    dir: Path
    artifact: str
    design: str  # the record the host driver is given (by default the simulated bitstream's own)
    design_source: str  # where that record came from, for the driver's messages
    load_params: bool
    timeout_s: float
    wall_timeout_s: float
    progress: bool  # report progress to the host (a file write a few times a second)

    images = property(lambda self: self.dir / "images.npy")
    result_file = property(lambda self: self.dir / "result.npz")
    error_file = property(lambda self: self.dir / "error.json")
    progress_file = property(lambda self: self.dir / "progress")
    log = property(lambda self: self.dir / "sim.log")

    def save(self) -> None:
        (self.dir / "job.json").write_text(json.dumps({k: str(v) if isinstance(v, Path) else v
                                                       for k, v in asdict(self).items()}))

    @classmethod
    def from_dir(cls, d: Path) -> Job:
        spec = json.loads((d / "job.json").read_text())
        spec["dir"] = Path(spec["dir"])
        return cls(**spec)


class SimBoard:
    """The RTL accelerator built for one artifact, ready to be powered on by :meth:`predict`."""

    def __init__(self, art: Artifact, hw_art: Artifact | None = None, build_dir: str | Path | None = None,
                 simulator: str = "verilator", load_params: bool = True, timeout_s: float | None = None,
                 design: Design | None = None, hw_design: Design | None = None, target: str | None = None) -> None:
        """``hw_art``: the artifact the simulated bitstream is built from (default ``art``), as ``hw_design``
        (default: ``hw_art`` planned for the board ``target``): what a .bit is on the board. The driver is
        given ``design`` (default: the build's own record, as X.design.json beside X.bit) and loads ``art``
        into it (unless ``load_params`` is False)."""
        from bwsnn import planner
        from sim import rtl_build

        self.art, self.load_params = art, load_params
        self.timeout_s = SIM_TIMEOUT_S if timeout_s is None else timeout_s
        hw_art = hw_art or art
        hw_design = planner.design(hw_art, target) if hw_design is None else hw_design
        # One build per hardware artifact and design, like one .bit per design: its .mem files are part of the
        # build, so two artifacts sharing a directory would overwrite each other's initial weights.
        image = hw_design.image(hw_art)
        self.words = len(image)  # what a parameter load writes
        key = hashlib.sha256(image.tobytes() + hw_design.to_json().encode()).hexdigest()[:12]
        # absolute: the simulator runs in its own directory and finds each job through this path
        self.build_dir = (Path(build_dir or build_dir_default("sim_host")) / f"{simulator}-{key}").resolve()
        self.build_dir.mkdir(parents=True, exist_ok=True)
        with open(self.build_dir / ".lock", "w") as lock:  # concurrent users (pytest -n) share one build
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.runner = rtl_build.build(hw_art, self.build_dir, simulator, hw_design)
        self.interval = hw_design.interval
        # as the board reads X.design.json beside X.bit: the record the build wrote
        self.design = load_design(self.build_dir / "params" / FILE_NAME) if design is None else design
        self.failed_log = self.build_dir / "host_sim_failed.log"

    def predict(self, x: np.ndarray, progress: Callable[[int], object] | None = None) -> Prediction:
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=self.build_dir, prefix="job-") as d:
            job = Job(Path(d), str(Path(d) / "model.bwsnn.npz"), str(Path(d) / FILE_NAME), self.design.source,
                      self.load_params, self.timeout_s,
                      wall_timeout_s(len(x), self.interval, self.words if self.load_params else 0),
                      progress is not None)
            self.art.save(job.artifact)
            self.design.save(job.design)
            np.save(job.images, x)
            job.save()
            failure: list[BaseException] = []
            sim = threading.Thread(target=self._simulate, args=(job, failure), daemon=True)
            sim.start()
            shown = 0
            while sim.is_alive():
                sim.join(0.2)
                if progress is not None and job.progress_file.exists():
                    done = int(job.progress_file.read_text() or 0)  # empty while being rewritten
                    if done > shown:
                        progress(done - shown)
                        shown = done
            if job.error_file.exists():
                raise_record(json.loads(job.error_file.read_text()))
            if failure or not job.result_file.exists():
                if job.log.exists():
                    shutil.copyfile(job.log, self.failed_log)
                raise HostError(f"the simulation ended without a result ({failure[0] if failure else 'no error'};"
                                f" log: {self.failed_log})")
            with np.load(job.result_file) as r:
                classes, scores, cycles = r["classes"], r["scores"], r["cycles"]
                stats = json.loads(r["stats"].tobytes())
        if progress is not None:
            progress(len(x) - shown)
        return Prediction(classes, scores, time.perf_counter() - t0, cycles, CLOCK_HZ,
                          stats["infer"]["sim_ns"] * 1e-9, stats)

    def close(self) -> None:
        """Nothing to release: each predict powers a simulated board on and off."""

    def _simulate(self, job: Job, failure: list[BaseException]) -> None:
        try:
            self.runner.test(test_module="sim.board_cocotb", hdl_toplevel="bwsnn_top", test_dir=job.dir,
                             extra_env={"BWSNN_HOST_JOB": str(job.dir)}, log_file=job.log)
        except (RuntimeError, SystemExit) as e:  # the runner exits or raises when the simulator fails
            failure.append(e)
