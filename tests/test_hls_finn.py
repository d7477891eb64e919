"""FINN's entry point: our QONNX export passes qonnx's cleanup and shape inference (see hls/FINN.md)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.gemm_to_matmul import GemmToMatMul
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.cleanup import cleanup_model

from training.export import export_qonnx
from training.model import BWSNN, SNNConfig


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A freshly constructed (untrained) 16-12-12-4 BW-SNN with a shortcut, T = 2, and its cleaned export."""
    torch.manual_seed(0)
    model = BWSNN(SNNConfig((16,), 4, hidden=[12, 12], T=2)).eval()
    path = export_qonnx(model, tmp_path_factory.mktemp("finn") / "tiny.qonnx.onnx")
    m = cleanup_model(ModelWrapper(str(path)))
    # the steps FINN's builder starts with: GemmToMatMul (the output layer is a Gemm), shapes, datatypes
    return model, m.transform(GemmToMatMul()).transform(InferShapes()).transform(InferDataTypes())


def test_qonnx_export_cleans_and_infers_shapes(tiny) -> None:
    _, m = tiny
    graph = m.graph
    assert {n.op_type for n in graph.node} >= {"Quant", "MatMul"} and "Gemm" not in {n.op_type for n in graph.node}
    tensors = [t.name for t in list(graph.value_info) + list(graph.output)]
    assert tensors and all(m.get_tensor_shape(t) is not None for t in tensors)
    assert m.get_tensor_shape(graph.input[0].name) == [1, 16]
    assert m.get_tensor_shape(graph.output[0].name) == [1, 4]


def test_qonnx_export_computes_the_model(tiny) -> None:
    """The exported graph, run by qonnx, computes what the torch model computes (spikes as {0, 1})."""
    model, m = tiny
    # +/-1 stays for the weights only; spikes are unsigned 1-bit
    assert all(m.get_initializer(n.input[0]) is not None for n in m.graph.node if n.op_type == "BipolarQuant")
    x = np.random.default_rng(0).random((1, 16), dtype=np.float32)
    got = execute_onnx(m, {m.graph.input[0].name: x})[m.graph.output[0].name]
    with torch.no_grad():
        want = model(torch.from_numpy(x)).mean(0).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
