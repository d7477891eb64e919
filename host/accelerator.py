"""The notebook-friendly API: ``Accelerator(artifact, bitfile).predict(images)``, on three backends.

* ``pynq``: the board. :class:`host.driver.Driver` over :class:`host.transport.PynqTransport`.
* ``sim``: the RTL accelerator under a simulator. The same Driver runs inside the simulation over a cocotb
  transport; each ``predict`` is one power-on of the simulated board. It lives with the RTL's simulation
  tools (``sim.board``), which the board never has: :data:`PLUGINS` names it and it is imported only when
  asked for, so host/ itself depends on the contract (bwsnn) and numpy alone.
* ``golden``: the numpy model (:mod:`bwsnn.golden`), no hardware at all; only when asked for by name.

Each is an object with ``predict(x, progress) -> Prediction`` and ``close()``; :class:`Accelerator` picks one
and stamps its name on every result.

numpy (and, on the board, pynq) only.
"""
from __future__ import annotations

import dataclasses
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bwsnn import artifact as artifact_mod
from bwsnn import design as design_mod
from bwsnn import golden
from bwsnn.artifact import Artifact
from bwsnn.design import Design

from .errors import AcceleratorError, HostError
from .prediction import Prediction
from .transport import ACCELS  # imports pynq only when a PynqTransport opens

BACKENDS = ("pynq", "sim", "golden")
# Backends that live outside host/ (they need tools the board does not have): "module:attribute" of a class
# taking (art, hw_art, build_dir=, simulator=, load_params=, timeout_s=, design=, hw_design=, target=) with
# predict(x, progress) and close().
PLUGINS = {"sim": "sim.board:SimBoard"}


def plugin(name: str) -> Any:
    """The plugin backend ``name``, or one :class:`HostError` line where its package is not installed (the
    board wheel ships no simulator tools)."""
    module, attr = PLUGINS[name].split(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except ModuleNotFoundError as e:
        if e.name is None or not module.startswith(e.name):
            raise
        raise HostError(f"the {name} backend needs the repository's {e.name}/ package (the RTL simulator tools: "
                        "pip install -e '.[sim]' in a checkout); the board wheel does not ship it: use the pynq or "
                        "golden backend") from None


class Golden:
    """The numpy model as a backend: run only when asked for by name, never in place of a board."""

    def __init__(self, art: Artifact) -> None:
        self.art = art

    def predict(self, x: np.ndarray, progress: Callable[[int], object] | None) -> Prediction:
        t0 = time.perf_counter()
        r = golden.run(self.art, x)
        if progress is not None:
            progress(len(x))
        return Prediction(r.classes, r.scores, time.perf_counter() - t0)

    def close(self) -> None:
        """Nothing to release."""


class PlainProgress:
    """A progress line on stderr where tqdm is not installed (the board wheel needs numpy alone)."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.done = total, desc, 0

    def update(self, k: int) -> None:
        self.done += k
        print(f"\r{self.desc}: {self.done}/{self.total} images", end="\n" if self.done >= self.total else "",
              file=sys.stderr, flush=True)


def _record(design: str | Path | Design) -> Design:
    """The design record given (a path or a ``Design``); a missing or bad file is one BitstreamError line."""
    from .errors import BitstreamError

    if isinstance(design, Design):
        return design
    try:
        return design_mod.load(design)
    except design_mod.DesignError as e:
        raise BitstreamError(f"{e} (the bitstream's design record: hw/vivado/build.sh writes it beside the .bit;"
                             " --design FILE names another)") from None


class Accelerator:
    """A bwsnn accelerator loaded with one artifact, on one backend (see the module docstring).

    ``timeout_s`` bounds each DMA transfer per image it holds, on top of ``timeout_base_s`` per transfer:
    host seconds on the board (defaults :data:`host.driver.TIMEOUT_PER_IMAGE_S` and
    :data:`host.driver.TIMEOUT_BASE_S`), simulated seconds on the ``sim`` backend (default
    :data:`sim.board.SIM_TIMEOUT_S`). ``load_params=False`` trusts the weights the bitstream was built with
    (ID and shape registers are still checked).

    ``accel`` (pynq backend): ``rtl`` (register block + DMA), ``hls`` (the stream-only hls4ml IP: DMA only,
    no checks, synthesized weights, so ``load_params=False``; ``cycles``/``latency_s`` are None and
    throughput is host wall time; any artifact the HLS flow builds, conv included) or ``auto`` (rtl if the
    overlay has a bwsnn register block).

    ``bitfile`` (pynq backend): default the active board's bitstream shipped in the wheel
    (:func:`host.bitstreams.find`). ``overlay``: a ``pynq.Overlay`` of ``bitfile`` already loaded
    (:class:`host.overlay.BwsnnOverlay` passes itself), instead of loading the bitstream again. ``board``: the
    board record the bitstream must be built for (default: the active board,
    :func:`host.bitstreams.active_board`).

    ``design``: the bitstream's design record (:mod:`bwsnn.design`; a path or a ``Design``) that packs the
    parameter image and whose hash the DESIGN_ID register must read; default: on the pynq backend
    ``X.design.json`` beside ``X.bit`` (hw/vivado/build.sh copies it there), on the sim backend the simulated
    bitstream's own record. The RTL accelerator only: the HLS IP needs none.

    ``sim`` backend only: ``simulator`` (verilator or icarus), ``sim_build`` (where the per-artifact
    builds go), ``sim_hw``, the artifact the simulated bitstream is built from (default: ``artifact``),
    ``sim_design``, the design it is built as (default: ``sim_hw`` planned for ``target``, a board of
    bwsnn/boards.json, default the default board).

    After :meth:`close`, :meth:`predict` raises; nothing falls back to another backend.
    """

    def __init__(self, artifact: str | Path | Artifact, bitfile: str | Path | None = None, backend: str = "pynq",
                 *, accel: str = "auto", load_params: bool = True, timeout_s: float | None = None,
                 timeout_base_s: float | None = None, ip_name: str | None = None, dma_name: str | None = None,
                 simulator: str = "verilator", sim_build: str | Path | None = None,
                 sim_hw: str | Path | Artifact | None = None, overlay: Any = None, board: Any = None,
                 design: str | Path | Design | None = None, sim_design: Design | None = None,
                 target: str | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend '{backend}': choose one of {', '.join(BACKENDS)}")
        if accel not in ACCELS or (accel == "hls" and backend != "pynq"):
            raise ValueError(f"accel '{accel}' with backend '{backend}': choose one of {', '.join(ACCELS)}; "
                             "hls on the pynq backend only")
        self.backend = backend
        self.art = artifact if isinstance(artifact, Artifact) else artifact_mod.load(artifact)
        self._closed = ""
        if backend == "sim" or (backend == "pynq" and accel == "rtl"):
            self._check_rtl_builds(backend)
        if backend == "pynq":
            self._impl = self._open_board(bitfile, accel, load_params, timeout_s, timeout_base_s, ip_name, dma_name,
                                          overlay, board, design)
        elif backend == "sim":
            hw = artifact_mod.load(sim_hw) if isinstance(sim_hw, (str, Path)) else sim_hw
            self._impl = plugin("sim")(self.art, hw, build_dir=sim_build, simulator=simulator,
                                       load_params=load_params, timeout_s=timeout_s,
                                       design=None if design is None else _record(design), hw_design=sim_design,
                                       target=target)
        else:
            self._impl = Golden(self.art)

    def _open_board(self, bitfile: str | Path | None, accel: str, load_params: bool, timeout_s: float | None,
                    timeout_base_s: float | None, ip_name: str | None, dma_name: str | None, overlay: Any,
                    board: Any, design: str | Path | Design | None) -> Any:
        from . import bitstreams
        from .driver import TIMEOUT_BASE_S, TIMEOUT_PER_IMAGE_S, Driver
        from .transport import PynqTransport

        if bitfile is None:  # the active board's, shipped in the wheel (or one line saying why there is none)
            board = board or bitstreams.active_board()
            bitfile = bitstreams.find(board)
        transport = PynqTransport(bitfile, ip_name, dma_name, accel, overlay, board)
        try:
            record = None
            if transport.registers:  # the RTL accelerator (auto found its register block); the HLS IP runs
                self._check_rtl_builds("pynq")  # whatever hls.flow built
                record = _record(design_mod.beside(bitfile) if design is None else design)
            return Driver(transport, self.art, load_params, TIMEOUT_PER_IMAGE_S if timeout_s is None else timeout_s,
                          registers=transport.registers,
                          timeout_base_s=TIMEOUT_BASE_S if timeout_base_s is None else timeout_base_s, design=record)
        except BaseException:
            transport.close()
            raise

    def _check_rtl_builds(self, backend: str) -> None:
        """The one capability check of the RTL accelerator (bwsnn.params.check_buildable), as one line."""
        from bwsnn.params import LayoutError, check_buildable

        from .errors import MismatchError

        try:
            check_buildable(self.art)
        except LayoutError as e:
            raise MismatchError(f"the {backend} backend's accelerator cannot run this artifact: {e} (the HLS "
                                "overlay, --accel hls, and the golden backend run any artifact)") from None

    def predict(self, images: np.ndarray, progress: bool | Callable[[int], object] = False) -> Prediction:
        """Classes and scores of a batch (uint8, (N, n_in) or (N, *input_shape), e.g. (N, H, W, C)), with the
        name of the backend that produced them (``Prediction.backend``).

        Images are sent flattened in C order: for a conv artifact (H, W, C) channels-last, C fastest.

        ``progress``: True for a progress bar (tqdm's if installed, else a plain line on stderr), or a callable
        taking the number of images just completed.
        """
        if self._closed:
            raise AcceleratorError(f"this {self.backend} accelerator was closed ({self._closed}): open a new one; "
                                   "nothing runs in its place")
        x = golden.check_images(self.art, images)
        if progress is True:
            try:
                from tqdm import tqdm
            except ImportError:
                return self._predict(x, PlainProgress(len(x), self.backend).update)
            with tqdm(total=len(x), unit="img", desc=self.backend, leave=False) as bar:
                return self._predict(x, bar.update)
        return self._predict(x, progress or None)

    def _predict(self, x: np.ndarray, progress: Callable[[int], object] | None) -> Prediction:
        return dataclasses.replace(self._impl.predict(x, progress), backend=self.backend)

    def close(self) -> None:
        """Release the backend (the board's DMA buffers); later predictions raise."""
        if not self._closed:
            self._closed = "close() was called"
            self._impl.close()

    def __enter__(self) -> Accelerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
