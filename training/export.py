"""QONNX export of the trained BWSNN (FINN's entry point), kept apart from training as brevitas does.

The T time steps are unrolled into the graph. Spikes are unsigned 1-bit ``Quant`` nodes with FLOOR rounding
on a ReLU of the membrane, i.e. exactly (u >= 1). The integer deploy artifact, not this float graph, is the
bit-exact contract of the hardware.
"""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import torch
from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.base import Transformation
from qonnx.util.cleanup import cleanup_model

from training.lif import LIF
from training.model import BWSNN


class _Scores(torch.nn.Module):
    """Export wrapper: (N, n_in) image in [0, 1] -> (N, C) logits averaged over T."""

    def __init__(self, model: BWSNN) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).mean(0)


class SpikesAsUnsignedQuant(Transformation):
    """Brevitas writes every 1-bit activation quantizer as BipolarQuant (+/-1); our spikes are {0, 1}.

    Rewrites each spike quantizer (the ones fed by a Relu; binary weights stay bipolar) into QONNX's
    ``Quant(x, scale, zeropt=0, bitwidth=1, signed=0, narrow=0, FLOOR)``.
    """

    def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
        def is_spike(node) -> bool:
            producer = model.find_producer(node.input[0])
            return node.op_type == "BipolarQuant" and producer is not None and producer.op_type == "Relu"

        spikes = [n for n in model.graph.node if is_spike(n)]
        for node in spikes:
            zero, bits = model.make_new_valueinfo_name(), model.make_new_valueinfo_name()
            model.set_initializer(zero, np.array(0.0, np.float32))
            model.set_initializer(bits, np.array(1.0, np.float32))
            quant = helper.make_node("Quant", [node.input[0], node.input[1], zero, bits], list(node.output),
                                     name=node.name, domain=node.domain, signed=0, narrow=0,
                                     rounding_mode="FLOOR")
            idx = list(model.graph.node).index(node)
            model.graph.node.remove(node)
            model.graph.node.insert(idx, quant)
        return model, False  # one pass rewrites them all


def export_qonnx(model: BWSNN, path: str | Path) -> Path:
    """The QONNX graph of a BW-SNN: input (1, n_in) :func:`training.model.model_input` values,
    (pixel >> (8 - b)) / (2^b - 1) at b bits of input precision (a conv stack's in (H, W, C) order), which its
    b-bit input Quant turns back into x exactly; output the (1, C) logits averaged over T."""
    from brevitas.export import export_qonnx as brevitas_export_qonnx

    # a failed export leaves hooks on the model: always export a copy
    m = copy.deepcopy(model).cpu().eval()
    for lif in m.modules():
        if isinstance(lif, LIF):
            lif.exporting = True
    path = Path(path)
    brevitas_export_qonnx(_Scores(m), torch.rand(1, m.cfg.n_in), export_path=str(path), dynamo=False)
    cleanup_model(ModelWrapper(str(path)).transform(SpikesAsUnsignedQuant())).save(str(path))
    return path
