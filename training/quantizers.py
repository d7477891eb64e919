"""Brevitas quantizers of the binary-weight SNN (swappable classes, as brevitas does it)."""
from brevitas.inject.enum import FloatToIntImplType, ScalingImplType
from brevitas.quant.binary import SignedBinaryWeightPerTensorConst
from brevitas.quant.scaled_int import Uint8ActPerTensorFloat


class BinaryWeight(SignedBinaryWeightPerTensorConst):
    """+/-1 weights (latent weights clipped to [-1, 1]); the scale is folded into the BatchNorm after it."""

    scaling_const = 1.0


class BinaryWeightLearnedScale(SignedBinaryWeightPerTensorConst):
    """+/-alpha weights with one learned alpha: the output layer, which has no BatchNorm to absorb a scale.

    Per-tensor, not per-channel, so that integer class scores stay comparable for the argmax.
    """

    scaling_impl_type = ScalingImplType.PARAMETER
    scaling_init = 0.05


class PixelQuant(Uint8ActPerTensorFloat):
    """Direct-encoded input: unsigned 8-bit pixels, scale 1/255 (input in [0, 1])."""

    scaling_impl_type = ScalingImplType.CONST
    scaling_const = 1.0
    max_val = 1.0


class SpikeQuant(Uint8ActPerTensorFloat):
    """Unsigned 1-bit {0, 1} activation with floor rounding: on a ReLU it is exactly (u >= 1).

    Used for the spikes in the QONNX export only (training uses the surrogate-gradient spike).
    """

    float_to_int_impl_type = FloatToIntImplType.FLOOR
    scaling_impl_type = ScalingImplType.CONST
    scaling_const = 1.0
    max_val = 1.0
    bit_width = 1
