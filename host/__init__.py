"""Host program for the bwsnn accelerator on a Zynq board (numpy + pynq only; no torch on the board).

Notebook use, as with BNN-PYNQ (``host`` in the development tree, ``bwsnn_host`` from the board wheel; the
package imports itself relatively so both names work)::

    from bwsnn_host import Accelerator, BwsnnOverlay
    acc = Accelerator("model.bwsnn.npz", "bwsnn.bit")          # backend="sim" or "golden" off the board
    pred = acc.predict(images)                                   # uint8 (N, n_in)
    pred.classes, pred.scores, pred.accuracy(labels), pred.images_per_s, pred.latency_s

Command line: ``python -m host.run --bitfile bwsnn.bit --artifact model.bwsnn.npz --data test.npz``
(test data format: :mod:`host.data`); benchmark: ``python -m host.bench``.

Layers: :mod:`bwsnn.regmap` (bwsnn/regmap.json: registers and stream packing) -> :mod:`host.driver` (every
register access and DMA stream) -> a :mod:`host.transport` (pynq on the board, cocotb in simulation).
"""
from __future__ import annotations

from typing import Any

# imported on first use: BwsnnOverlay subclasses pynq.Overlay, so only the board (or a fake pynq) loads it
_LAZY = {"Accelerator": ".accelerator", "Prediction": ".prediction", "BwsnnOverlay": ".overlay"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name], __name__), name)
