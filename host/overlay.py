"""The bwsnn overlay in PYNQ's style (as finn-examples' ``FINNExampleOverlay``): a ``pynq.Overlay`` that holds
the accelerator, loaded with an artifact.

    from bwsnn_host import BwsnnOverlay
    ol = BwsnnOverlay()                                   # this board's shipped bitstream and its model
    ol = BwsnnOverlay("bwsnn.bit", "model.bwsnn.npz")     # or named: downloads the bitstream, loads the weights
    pred = ol.predict(images)                             # pred.backend == "pynq"

Before pynq downloads anything the bitstream's ``.bit`` header and ``.hwh`` must name this board
(:func:`host.bitstreams.check`): a bitstream of another board is one :class:`host.errors.BitstreamError` line.

pynq is imported here at module level (a subclass needs it): the package imports this module only when
``BwsnnOverlay`` is asked for, so the golden and sim backends work where pynq is not installed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pynq

from bwsnn.artifact import Artifact
from bwsnn.design import Design

from . import bitstreams
from .accelerator import Accelerator
from .errors import BitstreamError, first_line
from .prediction import Prediction


class BwsnnOverlay(pynq.Overlay):
    """``bitfile`` (its ``.hwh`` beside it; default: this board's, shipped in the wheel) with the accelerator
    of ``artifact`` on it (default: the artifact shipped beside that bitstream); ``accel``, ``load_params``,
    ``timeout_s``, ``timeout_base_s``, ``ip_name``, ``dma_name``, ``design`` (default: ``X.design.json`` beside
    ``X.bit``): as :class:`host.accelerator.Accelerator`; other keywords go to ``pynq.Overlay`` (``download=``,
    ``device=``)."""

    def __init__(self, bitfile: str | Path | None = None, artifact: str | Path | Artifact | None = None, *,
                 accel: str = "auto", load_params: bool = True, timeout_s: float | None = None,
                 timeout_base_s: float | None = None, ip_name: str | None = None, dma_name: str | None = None,
                 design: str | Path | Design | None = None, **kwargs: Any) -> None:
        board = bitstreams.active_board()
        bit = bitstreams.find(board) if bitfile is None else Path(bitfile)
        if artifact is None:
            artifact = bit.parent / bitstreams.ARTIFACT
            if not artifact.is_file():
                raise BitstreamError(f"{bit}: no {artifact.name} beside it (the artifact the bitstream was built "
                                     "with): pass the artifact")
        bitstreams.check(bit, board)  # before pynq downloads it
        try:
            super().__init__(str(bit), **kwargs)
        except Exception as e:  # pynq raises many types for a bad .bit/.hwh; all end here
            raise BitstreamError(f"{bit}: pynq could not load the overlay: {first_line(e)}") from None
        self.accelerator = Accelerator(artifact, bit, "pynq", accel=accel, load_params=load_params,
                                       timeout_s=timeout_s, timeout_base_s=timeout_base_s, ip_name=ip_name,
                                       dma_name=dma_name, overlay=self, board=board, design=design)

    def predict(self, images: np.ndarray, progress: bool = False) -> Prediction:
        """Classes, per-step scores, cycles and timing of a batch of uint8 images."""
        return self.accelerator.predict(images, progress)

    def close(self) -> None:
        """Release the accelerator's DMA buffers; later predictions raise."""
        self.accelerator.close()
