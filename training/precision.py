"""The arithmetic of a training step: ``fp32``, or ``bf16`` mixed precision (torch.autocast: convs and matmuls
in bfloat16 with fp32 accumulation, the elementwise ops after them - BatchNorm, the LIF scan, the pools - in
the dtype they are given, the ops autocast keeps in fp32 in fp32; parameters, Adam and the BatchNorm statistics
stay fp32). Conv nets run channels-last, the layout oneDNN's bf16 convs are fastest in.

bf16 changes no folded integer: the artifact is folded from the fp32 parameters and BatchNorm statistics, so
deploy == golden stays exact. It changes the training trajectory (bf16 keeps 8 significant bits: the membrane
near the threshold 1 to 2^-7, about the resolution the hardware's 7-9 fractional bits give it; the spikes and
+/-1 weights are exact), which is why the precision is a field of the training config. Evaluation (epoch
selection, test accuracies) runs in fp32.

``auto``: bf16 where the device has native bf16 (a CUDA device that supports it; a CPU whose oneDNN has bf16
kernels, e.g. AVX512-BF16 / AMX), else fp32; the MNIST / Fashion presets use it, the small digits ones train in
fp32 (bf16 is slower there: its casts cost more than 8x8 images' convs save). Measured with
``python -m training.speed``.
"""
from __future__ import annotations

import contextlib

import torch

PRECISIONS = ("auto", "bf16", "fp32")


def native_bf16(device: torch.device) -> bool:
    """Whether ``device`` runs bf16 convs and matmuls in hardware (not emulated, which is slower than fp32)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return (device.type == "cpu" and torch.backends.mkldnn.is_available()
            and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def resolve(spec: str, device: torch.device) -> str:
    """``spec`` with ``auto`` replaced: "bf16" where ``device`` has it natively, else "fp32"."""
    if spec == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    return spec


def autocast(precision: str, device: torch.device) -> contextlib.AbstractContextManager:
    """The context a training step's forward pass runs in (a resolved ``precision``)."""
    if precision == "bf16":
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def layout(model: torch.nn.Module, precision: str) -> torch.nn.Module:
    """``model`` in the memory layout its training step runs fastest in: channels-last for bf16 (its 4-d
    parameters; the conv nets' inputs already are, see SNNConfig.first_input), unchanged for fp32."""
    return model.to(memory_format=torch.channels_last) if precision == "bf16" else model
