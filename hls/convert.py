"""Deploy artifact -> hls4ml ModelGraph, through hls4ml's layer-list frontend and the bwsnn extension.

One ``BwsnnDense`` / ``BwsnnConv`` node per synaptic artifact layer (the shortcut source is a second input) and
one ``BwsnnPoolOr`` per pool; the ``bwsnn_lower`` pass turns the synaptic nodes into the kernel layers of
:mod:`hls.layers`. Every number the hardware uses is an integer taken
from the artifact as is: no scale is left for hls4ml to quantise.
"""
from __future__ import annotations

from pathlib import Path

import hls4ml
from hls4ml.backends import get_backend
from hls4ml.model import ModelGraph

from bwsnn.artifact import Artifact, Pool
from bwsnn.boards import Board
from hls import layers
from hls.axi import WriteBwsnnAxiTop

PROJECT = "bwsnn"
_registered = False


def register() -> None:
    """Register the bwsnn layers, passes, templates and sources with hls4ml once per process."""
    global _registered
    if not _registered:
        layers.register()
        get_backend("VivadoAccelerator").register_pass("write_bwsnn_axi_top", WriteBwsnnAxiTop,
                                                       flow="vivadoaccelerator:write")
        _registered = True


def layer_list(art: Artifact) -> list[dict]:
    """hls4ml's frontend representation: the pixel input, then one generic node per artifact layer."""
    nodes: list[dict] = [{"class_name": "InputLayer", "name": "x", "input_shape": [art.n_in]}]
    for i, l in enumerate(art.layers):
        inputs = ["x" if i == 0 else f"l{i - 1}"] + ([] if l.skip_from is None else [f"l{l.skip_from}"])
        geometry = {} if l.kind == "dense" else {
            "in_h": l.in_shape[0], "in_w": l.in_shape[1], "in_c": l.in_shape[2], "out_h": l.out_shape[0],
            "out_w": l.out_shape[1], "kernel": l.window.kernel, "stride": l.window.stride, "pad": l.window.padding}
        if isinstance(l, Pool):
            nodes.append({"class_name": "BwsnnPoolOr", "name": f"l{i}", "inputs": inputs, "T": art.T,
                          "n_out": l.out_shape[2], **geometry})
            continue
        node = {"class_name": "BwsnnDense" if l.kind == "dense" else "BwsnnConv", "name": f"l{i}",
                "inputs": inputs, "n_in": l.n_in, "n_out": l.n_out, **geometry,
                "T": art.T, "mem_bits": l.mem_bits, "leak_shift": l.leak_shift, "frac_bits": l.frac_bits,
                "soft_reset": l.reset == "soft", "spiking": l.spiking, "encode": i == 0,
                "input_shift": 8 - art.input_bits if i == 0 else 0,  # layer 0 sees pixel >> (8 - input.bits)
                "weight_data": l.weights, "bias_data": l.bias}
        if l.spiking:
            node["threshold_data"] = l.threshold
        if l.skip_from is not None:
            node["skip_gain_data"] = l.skip_gain
        nodes.append(node)
    return nodes


def convert(art: Artifact, target: Board, out_dir: str | Path, project: str = PROJECT) -> ModelGraph:
    """The hls4ml project for ``target`` (not yet written: call ``write()`` / ``compile()``)."""
    register()
    backend = "VivadoAccelerator" if target.hls4ml_board else "Vivado"
    extra = (dict(board=target.hls4ml_board, interface="axi_stream", driver="python") if target.hls4ml_board
             else {})
    config = hls4ml.converters.create_config(
        backend=backend, output_dir=str(out_dir), project_name=project, part=target.part,
        clock_period=target.clock_period_ns, io_type="io_parallel", **extra)
    config["HLSConfig"] = {
        # dataflow: layers are sequential loops over neurons, not one fully unrolled pipeline
        "Model": {"Precision": "ap_int<32>", "ReuseFactor": 1, "Strategy": "Latency", "PipelineStyle": "dataflow"},
        "LayerName": {"x": {"Precision": {"result": "ap_uint<8>"}}},
    }
    return ModelGraph.from_layer_list(config, layer_list(art))
