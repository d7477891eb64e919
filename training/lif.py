"""LIF neurons with a surrogate gradient, in the form the integer hardware folds exactly.

Float dynamics, per step: u = u * 2^-leak_shift + I;  s = (u >= 1);  reset: hard u = 0, soft u = u - 1.
The decay is a power of two so that it becomes the hardware's arithmetic shift (see bwsnn/golden.py).
"""
from __future__ import annotations

import math

import torch
from brevitas.nn import QuantReLU
from torch import nn

from training.quantizers import SpikeQuant


class ATanSpike(torch.autograd.Function):
    """Heaviside forward; arctan surrogate backward, d/dx = (a/2) / (1 + (pi/2 * a * x)^2)."""

    alpha = 2.0

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        a = ATanSpike.alpha
        return grad * (a / 2) / (1 + (math.pi / 2 * a * x) ** 2)


class LIF(nn.Module):
    """Leaky integrate-and-fire over the leading time axis: (T, N, ...) currents -> (T, N, ...) spikes."""

    def __init__(self, leak_shift: int = 1, reset: str = "hard") -> None:
        super().__init__()
        if reset not in ("hard", "soft"):
            raise ValueError(f"LIF reset: expected 'hard' or 'soft', got {reset!r}")
        self.leak_shift, self.reset = leak_shift, reset
        # Export path: clamp(floor(relu(u)), 0, 1) == (u >= 1), as a traceable 1-bit quantizer.
        self.export_act = QuantReLU(act_quant=SpikeQuant)
        self.exporting = False

    def fire(self, u: torch.Tensor) -> torch.Tensor:
        return self.export_act(u) if self.exporting else ATanSpike.apply(u - 1.0)

    def forward(self, current: torch.Tensor, return_mem: bool = False):
        u = torch.zeros_like(current[0])
        spikes, mems = [], []
        decay = 2.0 ** -self.leak_shift
        for t in range(current.shape[0]):
            u = u * decay + current[t]
            s = self.fire(u)
            # the reset does not back-propagate through the spike (detach), as is usual for surrogate SNNs
            u = u * (1 - s.detach()) if self.reset == "hard" else u - s.detach()
            spikes.append(s)
            mems.append(u)
        out = torch.stack(spikes)
        return (out, torch.stack(mems)) if return_mem else out
