"""QONNX export of the trained BWSNN (FINN's entry point), kept apart from training as brevitas does.

The T time steps are unrolled into the graph; spikes are 1-bit unsigned Quant nodes on (u - 0.5). The
integer deploy artifact, not this graph, is the bit-exact contract of the hardware.
"""
from __future__ import annotations

import copy
from pathlib import Path

import torch

from training.model import BWSNN


class _Scores(torch.nn.Module):
    """Export wrapper: (N, n_in) image in [0, 1] -> (N, C) logits averaged over T."""

    def __init__(self, model: BWSNN) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).mean(0)


def export_qonnx(model: BWSNN, path: str | Path) -> Path:
    from brevitas.export import export_qonnx as brevitas_export_qonnx
    from qonnx.util.cleanup import cleanup

    # a failed export leaves hooks on the model: always export a copy
    m = copy.deepcopy(model).cpu().eval()
    for lif in m.lif:
        lif.exporting = True
    path = Path(path)
    brevitas_export_qonnx(_Scores(m), torch.rand(1, m.cfg.n_in), export_path=str(path), dynamo=False)
    cleanup(str(path), out_file=str(path))
    return path
