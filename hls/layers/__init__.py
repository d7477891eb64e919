"""bwsnn layers for hls4ml, added through its extension API (no fork, no vendored hls4ml).

Per layer type: a :class:`hls4ml.model.layers.Layer` subclass (registered with ``register_layer``), a config
template and a function-call template (``backend.register_template``); the C++ kernels are one header per
layer kind as hls4ml's own (``nnet_bwsnn_dense.h``: one template with flags for every dense kind,
``nnet_bwsnn_conv.h``: conv and pool, both over ``nnet_bwsnn_common.h``), copied into every project by
``backend.register_source``. The optimizer pass
:class:`BwsnnLower` turns the frontend's one generic node per artifact layer into the kernel layer type.

Tensors between layers: a spike train is ``T * ceil(n/8)`` packed bytes (``ap_uint<8>``, the artifact's
little bit order), where a conv or pool layer's n = H*W*C is its (H, W, C) map flattened channels-last (so a
dense layer after it reads the map as is); the last layer's output is ``1 + C`` int32 words: class, then the
scores (stream_out). Conv layers (``BwsnnConv`` -> ``BwsnnConvEncodeLIF`` / ``BwsnnConvLIF``) and
``BwsnnPoolOr`` stream each step of their input map through a line buffer that emits one k x k x C window per
output position (``bwsnn_sliding_windows`` in ``nnet_bwsnn_conv.h``); the conv consumer popcounts the window against
each output channel's weight row, the pool ORs it.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from hls4ml.backends import get_backend
from hls4ml.backends.template import FunctionCallTemplate, LayerConfigTemplate
from hls4ml.model import ModelGraph
from hls4ml.model.attributes import Attribute
from hls4ml.model.layers import Layer, register_layer
from hls4ml.model.optimizer import OptimizerPass
from hls4ml.model.types import IntegerPrecisionType

HEADERS = Path(__file__).resolve().parent
SOURCES = tuple(HEADERS / f"nnet_bwsnn_{kind}.h" for kind in ("common", "dense", "conv"))
BYTE = IntegerPrecisionType(8, signed=False)
INT32 = IntegerPrecisionType(32, signed=True)
# the generic flow that vivado:init_layers requires: lowering happens before any backend pass
LOWER_FLOW = "optimize"

_COMMON = [Attribute("n_in"), Attribute("n_out"), Attribute("T"), Attribute("mem_bits"),
           Attribute("leak_shift"), Attribute("frac_bits"), Attribute("soft_reset", value_type=bool),
           Attribute("input_shift", default=0)]


class BwsnnDense(Layer):
    """What the frontend emits for one artifact layer (attributes + ``*_data`` arrays); lowered before writing."""

    _expected_attributes = _COMMON + [Attribute("spiking", value_type=bool), Attribute("encode", value_type=bool)]

    def initialize(self) -> None:
        # placeholder until bwsnn_lower: the kernel layer declares the real output (spike train or scores)
        self.add_output_variable([self.get_attr("n_out")], precision=INT32)


class _BwsnnKernel(Layer):
    """Common part of the kernel layers: packed +/-1 weights and the int32 per-neuron parameters."""

    _expected_attributes = _COMMON
    params: tuple[str, ...] = ("bias",)
    kernel = ""  # conv / pool: the C++ function in nnet_bwsnn_conv.h (+ "_skip" with a shortcut input)
    encode = spiking = False  # dense: bwsnn_dense's ENCODE and SPIKING flags (nnet_bwsnn_dense.h)

    def initialize(self) -> None:
        self.add_weights_variable(name="weight", var_name="w{index}", precision=BYTE,
                                  data=np.asarray(self.get_attr("weight_data"), np.uint8).ravel())
        for p in self.params + (("skip_gain",) if len(self.inputs) > 1 else ()):
            self.add_weights_variable(name=p, var_name=f"{p[0]}{{index}}", precision=INT32,
                                      data=np.asarray(self.get_attr(f"{p}_data"), np.int32))
        self.add_output_variable(self.output_shape(), precision=self.output_precision())

    def output_shape(self) -> list[int]:
        return [self.get_attr("T") * math.ceil(self.get_attr("n_out") / 8)]

    def output_precision(self) -> IntegerPrecisionType:
        return BYTE


class BwsnnEncodeLIF(_BwsnnKernel):
    """Layer 0: 8-bit pixels (same at every step) -> spike train."""

    encode = spiking = True
    params = ("bias", "threshold")


class BwsnnLIF(_BwsnnKernel):
    """Hidden layer: spike train (+ optional shortcut spike train) -> spike train."""

    spiking = True
    params = ("bias", "threshold")


class BwsnnIntegrator(_BwsnnKernel):
    """Output layer: spike train (+ optional shortcut) -> class and C scores; never fires."""

    def output_shape(self) -> list[int]:
        return [self.get_attr("n_out") + 1]

    def output_precision(self) -> IntegerPrecisionType:
        return INT32


class BwsnnEncodeIntegrator(BwsnnIntegrator):
    """Layer 0 as the output layer (an artifact without hidden layers): 8-bit pixels -> class and C scores."""

    encode = True


_GEOMETRY = [Attribute(a) for a in ("in_h", "in_w", "in_c", "out_h", "out_w", "kernel", "stride", "pad")]


class BwsnnConv(Layer):
    """What the frontend emits for one conv2d artifact layer; lowered before writing."""

    _expected_attributes = _COMMON + _GEOMETRY + [Attribute("encode", value_type=bool)]

    def initialize(self) -> None:
        a = self.get_attr
        self.add_output_variable([a("out_h") * a("out_w") * a("n_out")], precision=INT32)


class _BwsnnConvKernel(_BwsnnKernel):
    """A conv2d layer: one packed weight row per output channel, per-channel parameters; the output is the
    packed (H', W', C') spike map of every step."""

    _expected_attributes = _COMMON + _GEOMETRY
    params = ("bias", "threshold")

    def output_shape(self) -> list[int]:
        a = self.get_attr
        return [a("T") * math.ceil(a("out_h") * a("out_w") * a("n_out") / 8)]


class BwsnnConvEncodeLIF(_BwsnnConvKernel):
    """Layer 0 as a conv: the 8-bit (H, W, C) image -> spike map train."""

    kernel = "bwsnn_conv_encode_lif"


class BwsnnConvLIF(_BwsnnConvKernel):
    """Spiking conv: spike map train (+ optional shortcut map train) -> spike map train."""

    kernel = "bwsnn_conv_lif"


class BwsnnPoolOr(Layer):
    """Spike max-pool (OR of each window), no parameters."""

    _expected_attributes = [Attribute("T"), Attribute("n_out")] + _GEOMETRY
    kernel = "bwsnn_pool_or"
    params: tuple[str, ...] = ()

    def initialize(self) -> None:
        a = self.get_attr
        self.add_output_variable([a("T") * math.ceil(a("out_h") * a("out_w") * a("n_out") / 8)], precision=BYTE)


KERNELS = (BwsnnEncodeLIF, BwsnnLIF, BwsnnIntegrator, BwsnnEncodeIntegrator)
CONV_KERNELS = (BwsnnConvEncodeLIF, BwsnnConvLIF, BwsnnPoolOr)


class BwsnnLower(OptimizerPass):
    """Replace a generic :class:`BwsnnDense` node by the kernel layer for its position in the network."""

    def match(self, node: Layer) -> bool:
        return isinstance(node, (BwsnnDense, BwsnnConv))

    def transform(self, model: ModelGraph, node: Layer) -> bool:
        if isinstance(node, BwsnnConv):
            kind = BwsnnConvEncodeLIF if node.get_attr("encode") else BwsnnConvLIF
        else:
            kind = {(True, True): BwsnnEncodeLIF, (True, False): BwsnnEncodeIntegrator,
                    (False, True): BwsnnLIF, (False, False): BwsnnIntegrator}[
                (node.get_attr("encode"), node.get_attr("spiking"))]
        keep = {a.name for a in kind._expected_attributes}
        attrs = {k: v for k, v in node.attributes.items() if k in keep or k.endswith("_data")}
        new = model.make_node(kind, node.name, attrs, list(node.inputs), list(node.outputs))
        model.replace_node(node, new)
        return True


# the fields every kernel's config carries: bit-vector sizes and the neuron constants
_COMMON_FIELDS = """    static const unsigned n_in = {n_in};
    static const unsigned n_out = {n_out};
    static const unsigned in_bytes = {in_bytes};
    static const unsigned out_bytes = {out_bytes};
    static const unsigned T = {T};
    static const unsigned mem_bits = {mem_bits};
    static const unsigned leak_shift = {leak_shift};
    static const unsigned frac_bits = {frac_bits};
    static const bool soft_reset = {soft_reset};
    static const unsigned input_shift = {input_shift};
"""
_CONFIG = ("struct config{index} : nnet::bwsnn_config {{\n" + _COMMON_FIELDS + """    typedef {weight_t} weight_t;
    typedef {int_t} bias_t;
    typedef {int_t} threshold_t;
    typedef {int_t} gain_t;
}};
""")


class BwsnnConfigTemplate(LayerConfigTemplate):
    def __init__(self) -> None:
        super().__init__(KERNELS)
        self.template = _CONFIG

    def format(self, node: Layer) -> str:
        params = self._default_config_params(node)
        params["in_bytes"] = math.ceil(node.get_attr("n_in") / 8)
        params["out_bytes"] = math.ceil(node.get_attr("n_out") / 8)
        params["weight_t"] = node.get_weights("weight").type.name
        params["int_t"] = node.get_weights("bias").type.name
        return self.template.format(**params)


_CONV_CONFIG = ("""struct config{index} : nnet::bwsnn_conv_config {{
    static const unsigned in_h = {in_h}, in_w = {in_w}, in_c = {in_c};
    static const unsigned out_h = {out_h}, out_w = {out_w};
    static const unsigned kernel = {kernel}, stride = {stride}, pad = {pad};
    static const unsigned w_bytes = {w_bytes};
""" + _COMMON_FIELDS + "}};\n")


class BwsnnConvConfigTemplate(LayerConfigTemplate):
    """Geometry and neuron constants of the conv and pool kernels (a pool: n_out = in_c, no neurons)."""

    def __init__(self) -> None:
        super().__init__(CONV_KERNELS)
        self.template = _CONV_CONFIG

    def format(self, node: Layer) -> str:
        a = node.get_attr
        params = {k: a(k) for k in ("in_h", "in_w", "in_c", "out_h", "out_w", "n_out", "kernel", "stride", "pad",
                                    "T")}
        neuron = {"n_in": 1, "mem_bits": 2, "leak_shift": 0, "frac_bits": 0, "soft_reset": False, "input_shift": 0}
        params |= {k: a(k, v) for k, v in neuron.items()}
        params["soft_reset"] = str(bool(params["soft_reset"])).lower()
        params["index"] = node.index
        params["w_bytes"] = math.ceil(params["n_in"] / 8)
        params["in_bytes"] = math.ceil(a("in_h") * a("in_w") * a("in_c") / 8)
        params["out_bytes"] = math.ceil(a("out_h") * a("out_w") * a("n_out") / 8)
        config = self.template.format(**params)
        if node.params:  # the parameter types, as the dense config declares them
            types = (f"    typedef {node.get_weights('weight').type.name} weight_t;\n"
                     + "".join(f"    typedef {node.get_weights('bias').type.name} {t}_t;\n"
                               for t in ("bias", "threshold", "gain")))
            config = config[:config.rindex("};")] + types + "};\n"
        return config


class BwsnnDenseFunctionTemplate(FunctionCallTemplate):
    """``nnet::bwsnn_dense<in, skip, out, config, ENCODE, SKIP, SPIKING>(input, skip, output, weights...)``, the
    arguments a kind does not use null."""

    def __init__(self) -> None:
        super().__init__(KERNELS, include_header=["nnet_utils/nnet_bwsnn_dense.h"])

    def format(self, node: Layer) -> str:
        ins = [node.get_input_variable(i) for i in node.inputs]
        skip = len(ins) > 1
        out = node.get_output_variable()
        w, b = node.get_weights("weight").name, node.get_weights("bias").name
        null = "0"
        thr = node.get_weights("threshold").name if node.spiking else null
        g = node.get_weights("skip_gain").name if skip else null
        flags = ", ".join("true" if f else "false" for f in (node.encode, skip, node.spiking))
        types = f"{ins[0].type.name}, {ins[-1].type.name}, {out.type.name}, config{node.index}, {flags}"
        return f"nnet::bwsnn_dense<{types}>({ins[0].name}, {ins[1].name if skip else null}, {out.name}, {w}, {b}, " \
               f"{thr}, {g});"


class BwsnnConvFunctionTemplate(FunctionCallTemplate):
    """``nnet::bwsnn_<kernel>[_skip]<types, config>(inputs..., output, weights...)``."""

    def __init__(self) -> None:
        super().__init__(CONV_KERNELS, include_header=["nnet_utils/nnet_bwsnn_conv.h"])

    def format(self, node: Layer) -> str:
        ins = [node.get_input_variable(i) for i in node.inputs]
        weights = [node.get_weights(p).name for p in (("weight",) + node.params if node.params else ())]
        if len(ins) > 1:
            weights.append(node.get_weights("skip_gain").name)
        out = node.get_output_variable()
        name = node.kernel + ("_skip" if len(ins) > 1 else "")
        types = ", ".join([v.type.name for v in ins] + [out.type.name, f"config{node.index}"])
        args = ", ".join([v.name for v in ins] + [out.name] + weights)
        return f"nnet::{name}<{types}>({args});"


def register() -> None:
    """Register the layers, the lowering pass, the templates and the C++ header (idempotent).

    The VivadoAccelerator backend runs Vivado's flows (``vivado:ip``), so pass and templates go to Vivado;
    each backend copies only its own registered sources, so the header goes to both.
    """
    register_layer("BwsnnDense", BwsnnDense)
    register_layer("BwsnnConv", BwsnnConv)
    for cls in KERNELS + CONV_KERNELS:
        register_layer(cls.__name__, cls)
    vivado = get_backend("Vivado")
    vivado.register_pass("bwsnn_lower", BwsnnLower, flow=LOWER_FLOW)
    vivado.register_template(BwsnnConfigTemplate)
    vivado.register_template(BwsnnConvConfigTemplate)
    vivado.register_template(BwsnnDenseFunctionTemplate)
    vivado.register_template(BwsnnConvFunctionTemplate)
    for name in ("Vivado", "VivadoAccelerator"):
        for source in SOURCES:
            get_backend(name).register_source(source)
