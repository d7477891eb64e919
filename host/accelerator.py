"""The notebook-friendly API: ``Accelerator(artifact, bitfile).predict(images)``, on three backends.

* ``pynq``: the board. :class:`host.driver.Driver` over :class:`host.transport.PynqTransport`.
* ``sim``: the RTL accelerator under a simulator. The same Driver runs inside the simulation over a cocotb
  transport; each ``predict`` is one power-on of the simulated board. It lives with the RTL's simulation
  tools (``sim.board``), which the board never has: :data:`PLUGINS` names it and it is imported only when
  asked for, so host/ itself depends on the contract (bwsnn) and numpy alone.
* ``golden``: the numpy model (:mod:`bwsnn.golden`), no hardware at all.

numpy (and, on the board, pynq) only.
"""
from __future__ import annotations

import importlib
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

from .prediction import Prediction
from .transport import ACCELS  # imports pynq only when a PynqTransport opens

BACKENDS = ("pynq", "sim", "golden")
# Backends that live outside host/ (they need tools the board does not have): "module:attribute" of a class
# taking (art, hw_art, build_dir=, simulator=, load_params=, timeout_s=, design=, hw_design=) with a
# predict(x, progress) method.
PLUGINS = {"sim": "sim.board:SimBoard"}


def plugin(name: str) -> Any:
    module, attr = PLUGINS[name].split(":")
    return getattr(importlib.import_module(module), attr)


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
    """A bwsnn accelerator loaded with one artifact.

    ``timeout_s`` bounds each DMA transfer, per image it holds: host seconds on the board (default 1 s),
    simulated seconds on the ``sim`` backend (default :data:`sim.board.SIM_TIMEOUT_S`). ``load_params=False`` trusts the
    weights the bitstream was built with (ID and shape registers are still checked).

    ``accel`` (pynq backend): ``rtl`` (register block + DMA), ``hls`` (the stream-only hls4ml IP: DMA only,
    no checks, synthesized weights, so ``load_params=False``; ``cycles``/``latency_s`` are None and
    throughput is host wall time; any artifact the HLS flow builds, conv included) or ``auto`` (rtl if the
    overlay has a bwsnn register block).

    ``overlay`` (pynq backend): a ``pynq.Overlay`` of ``bitfile`` already loaded (:class:`host.overlay.BwsnnOverlay`
    passes itself), instead of loading the bitstream again.

    ``design``: the bitstream's design record (:mod:`bwsnn.design`; a path or a ``Design``) that packs the
    parameter image and whose hash the DESIGN_ID register must read; default: on the pynq backend
    ``X.design.json`` beside ``X.bit`` (hw/vivado/build.sh copies it there), on the sim backend the simulated
    bitstream's own record. The RTL accelerator only: the HLS IP needs none.

    ``sim`` backend only: ``simulator`` (verilator or icarus), ``sim_build`` (where the per-artifact
    builds go), ``sim_hw``, the artifact the simulated bitstream is built from (default: ``artifact``),
    ``sim_design``, the design it is built as (default: ``sim_hw`` planned for ``target``, a board of
    bwsnn/boards.json, default the default board).
    """

    def __init__(self, artifact: str | Path | Artifact, bitfile: str | Path | None = None, backend: str = "pynq",
                 *, accel: str = "auto", load_params: bool = True, timeout_s: float | None = None,
                 ip_name: str | None = None, dma_name: str | None = None, simulator: str = "verilator",
                 sim_build: str | Path | None = None, sim_hw: str | Path | Artifact | None = None,
                 overlay: Any = None, design: str | Path | Design | None = None, sim_design: Design | None = None,
                 target: str | None = None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend '{backend}': choose one of {', '.join(BACKENDS)}")
        if accel not in ACCELS or (accel == "hls" and backend != "pynq"):
            raise ValueError(f"accel '{accel}' with backend '{backend}': choose one of {', '.join(ACCELS)}; "
                             "hls on the pynq backend only")
        self.backend = backend
        self.art = artifact if isinstance(artifact, Artifact) else artifact_mod.load(artifact)
        self._driver = self._sim = None
        if backend == "sim" or (backend == "pynq" and accel == "rtl"):
            self._check_rtl_builds(backend)
        if backend == "pynq":
            from .driver import Driver
            from .errors import BitstreamError
            from .transport import PynqTransport

            if bitfile is None:
                raise BitstreamError("the pynq backend needs a bitstream (--bitfile X.bit, with X.hwh beside it)")
            transport = PynqTransport(bitfile, ip_name, dma_name, accel, overlay)
            try:
                record = None
                if transport.registers:  # the RTL accelerator (auto found its register block); the HLS IP runs
                    self._check_rtl_builds(backend)  # whatever hls.flow built
                    record = _record(design_mod.beside(bitfile) if design is None else design)
                self._driver = Driver(transport, self.art, load_params, 1.0 if timeout_s is None else timeout_s,
                                      registers=transport.registers, design=record)
            except BaseException:
                transport.close()
                raise
        elif backend == "sim":
            hw = artifact_mod.load(sim_hw) if isinstance(sim_hw, (str, Path)) else sim_hw
            self._sim = plugin("sim")(self.art, hw, build_dir=sim_build, simulator=simulator, load_params=load_params,
                                      timeout_s=timeout_s, design=None if design is None else _record(design),
                                      hw_design=sim_design, target=target)

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
        """Classes and scores of a batch (uint8, (N, n_in) or (N, *input_shape), e.g. (N, H, W, C)).

        Images are sent flattened in C order: for a conv artifact (H, W, C) channels-last, C fastest.

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
            return self._driver.infer(x, progress)
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
