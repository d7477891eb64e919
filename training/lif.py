"""LIF neurons with a swappable surrogate gradient, in the form the integer hardware folds exactly.

Float dynamics, per step: u = u * 2^-leak_shift + I;  s = (u >= 1);  reset: hard u = 0, soft u = u - 1.
The decay is a power of two so that it becomes the hardware's arithmetic shift (see bwsnn/golden.py).

Training runs the whole T-step recurrence as one autograd node (:class:`LIFScan`): it keeps only the membranes
and the spikes (as bools) and back-propagates through the scan by hand, instead of a graph of ~8 elementwise
nodes per step. The surrogate (the spike's pseudo-derivative) is an object the LIF is given, as snntorch and
spikingjelly inject theirs: a new training trick is a new :class:`Surrogate`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from brevitas.nn import QuantReLU
from torch import nn

from training.quantizers import SpikeQuant

RESETS = ("hard", "soft")


class Surrogate:
    """The pseudo-derivative d spike / d x of the Heaviside spike H(x), x = u - threshold."""

    def grad(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


@dataclass(frozen=True)
class ATan(Surrogate):
    """The arctan surrogate (spikingjelly's ATan): d/dx = (alpha/2) / (1 + (pi/2 * alpha * x)^2)."""

    alpha: float = 2.0

    def grad(self, x: torch.Tensor) -> torch.Tensor:
        c = 2.0 / self.alpha  # 1 / ((2/alpha) + (2/alpha) (pi/2 alpha)^2 x^2): two passes over x, not five
        return torch.addcmul(x.new_tensor(c), x, x, value=c * (math.pi / 2 * self.alpha) ** 2).reciprocal_()


class SpikeFn(torch.autograd.Function):
    """Heaviside forward, ``surrogate.grad`` backward: one step's spike (the reference form of the scan)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, surrogate: Surrogate) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.surrogate = surrogate
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        return grad * ctx.surrogate.grad(x), None


class LIFScan(torch.autograd.Function):
    """(T, N, ...) currents -> (T, N, ...) spikes in one node. The same function and gradient as the per-step
    graph of :meth:`LIF.reference` (the reset is not differentiated through the spike, as is usual).

    Every step is float arithmetic only: spike = clamp(floor(u), 0, 1) == (u >= 1), hard reset u - u * spike;
    torch's CPU kernels that read or write bool masks (ge, masked_fill) are several times slower than these."""

    @staticmethod
    def forward(ctx, current: torch.Tensor, decay: float, hard: bool, surrogate: Surrogate) -> torch.Tensor:
        mem = torch.empty_like(current)  # the membrane before the reset, the surrogate's argument
        spikes = torch.empty_like(current)
        steps = current.shape[0]
        mem[0].copy_(current[0])
        for t in range(steps):
            torch.floor(mem[t], out=spikes[t]).clamp_(0.0, 1.0)
            if t + 1 < steps:  # the last step's reset feeds no later step
                after = torch.addcmul(mem[t], mem[t], spikes[t], value=-1.0) if hard else mem[t] - spikes[t]
                torch.add(current[t + 1], after, alpha=decay, out=mem[t + 1])
        ctx.save_for_backward(mem, spikes)
        ctx.decay, ctx.hard, ctx.surrogate = decay, hard, surrogate
        return spikes

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        mem, spikes = ctx.saved_tensors
        out = torch.empty_like(mem)
        carry = None  # d loss / d (post-reset membrane of step t), from step t + 1
        for t in reversed(range(mem.shape[0])):
            g = out[t]
            torch.mul(grad[t], ctx.surrogate.grad(mem[t] - 1.0), out=g)
            if carry is not None:  # a hard reset passes the carry only where the step did not fire
                g.add_(torch.addcmul(carry, carry, spikes[t], value=-1.0) if ctx.hard else carry)
            carry = g * ctx.decay
        return out, None, None, None


class LIF(nn.Module):
    """Leaky integrate-and-fire over the leading time axis: (T, N, ...) currents -> (T, N, ...) spikes."""

    def __init__(self, leak_shift: int = 1, reset: str = "hard", surrogate: Surrogate | None = None) -> None:
        super().__init__()
        if reset not in RESETS:
            raise ValueError(f"LIF reset: expected 'hard' or 'soft', got {reset!r}")
        self.leak_shift, self.reset = leak_shift, reset
        self.surrogate = surrogate or ATan()
        # Export path: clamp(floor(relu(u)), 0, 1) == (u >= 1), as a traceable 1-bit quantizer.
        self.export_act = QuantReLU(act_quant=SpikeQuant)
        self.exporting = False

    def forward(self, current: torch.Tensor, return_mem: bool = False):
        """Spikes; with ``return_mem`` also the post-reset membranes (the per-step reference path)."""
        if return_mem or self.exporting:
            return self.reference(current, return_mem)
        return LIFScan.apply(current, 2.0 ** -self.leak_shift, self.reset == "hard", self.surrogate)

    def reference(self, current: torch.Tensor, return_mem: bool = False):
        """The recurrence step by step in autograd ops (the export traces it; tests compare the scan to it)."""
        u = torch.zeros_like(current[0])
        spikes, mems = [], []
        decay = 2.0 ** -self.leak_shift
        for t in range(current.shape[0]):
            u = u * decay + current[t]
            s = self.export_act(u) if self.exporting else SpikeFn.apply(u - 1.0, self.surrogate)
            u = u * (1 - s.detach()) if self.reset == "hard" else u - s.detach()
            spikes.append(s)
            mems.append(u)
        out = torch.stack(spikes)
        return (out, torch.stack(mems)) if return_mem else out
