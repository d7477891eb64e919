"""The bwsnn overlay in PYNQ's style (as finn-examples' ``FINNExampleOverlay``): a ``pynq.Overlay`` that holds
the accelerator, loaded with an artifact.

    from bwsnn_host import BwsnnOverlay
    ol = BwsnnOverlay("bwsnn.bit", "model.bwsnn.npz")     # downloads the bitstream, loads the weights
    pred = ol.predict(images)

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

from .accelerator import Accelerator
from .prediction import Prediction


class BwsnnOverlay(pynq.Overlay):
    """``bitfile`` (its ``.hwh`` beside it) with the accelerator of ``artifact`` on it; ``accel``,
    ``load_params``, ``timeout_s``, ``ip_name``, ``dma_name``, ``design`` (default: ``X.design.json`` beside
    ``X.bit``): as :class:`host.accelerator.Accelerator`; other keywords go to ``pynq.Overlay`` (``download=``,
    ``device=``)."""

    def __init__(self, bitfile: str | Path, artifact: str | Path | Artifact, *, accel: str = "auto",
                 load_params: bool = True, timeout_s: float | None = None, ip_name: str | None = None,
                 dma_name: str | None = None, design: str | Path | Design | None = None, **kwargs: Any) -> None:
        super().__init__(str(bitfile), **kwargs)
        self.accelerator = Accelerator(artifact, bitfile, "pynq", accel=accel, load_params=load_params,
                                       timeout_s=timeout_s, ip_name=ip_name, dma_name=dma_name, overlay=self,
                                       design=design)

    def predict(self, images: np.ndarray, progress: bool = False) -> Prediction:
        """Classes, per-step scores, cycles and timing of a batch of uint8 images."""
        return self.accelerator.predict(images, progress)

    def close(self) -> None:
        """Release the accelerator's DMA buffers."""
        self.accelerator.close()
