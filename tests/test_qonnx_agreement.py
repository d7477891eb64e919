"""qonnx's own execute_onnx on our QONNX export agrees with the golden model's classes, dense and conv."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("qonnx")

import torch
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx

from bwsnn import artifact, golden
from training import train
from training.model import model_input

N_IMAGES = 50


SHAPES = {"dense": ["--hidden", "32,32"], "dense_3bit_input": ["--hidden", "32,32", "--input-bits", "3"],
          "conv": ["--preset", "digits-conv", "--conv", "c8,c8,p"]}


@pytest.fixture(scope="module", params=sorted(SHAPES))
def trained(request, tmp_path_factory) -> Path:
    """A briefly trained digits model of each kind, with its artifact and QONNX export."""
    out = tmp_path_factory.mktemp(request.param)
    shape = SHAPES[request.param]
    cfg, _ = train.parse_args([*shape, "--epochs", "3", "--teacher-epochs", "1", "--out", str(out)])
    train.run(cfg, out)
    return out


def test_execute_onnx_agrees_with_golden_classes(trained: Path, digits) -> None:
    art = artifact.load(trained / "model.bwsnn.npz")
    m = ModelWrapper(str(trained / "model.qonnx.onnx"))
    name_in, name_out = m.graph.input[0].name, m.graph.output[0].name
    assert m.get_tensor_shape(name_in) == [1, art.n_in]
    ops = {n.op_type for n in m.graph.node}
    assert {"Quant", "BipolarQuant"} <= ops and (art.is_dense() or {"Conv", "MaxPool"} <= ops), ops
    x = digits.x_test[:N_IMAGES]
    # the graph's input is the model's: (pixel >> (8 - input.bits)) / (2^input.bits - 1)
    inputs = model_input(torch.from_numpy(x), art.input_bits).numpy()
    onnx_classes = np.array([execute_onnx(m, {name_in: v[None]})[name_out].argmax() for v in inputs])
    gold = golden.run(art, x).classes
    assert len(set(gold.tolist())) > 3  # a model that separates classes, not a constant
    np.testing.assert_array_equal(onnx_classes, gold)
