"""Integer deploy mode: the network evaluated in torch with the folded integer parameters.

It computes what bwsnn/golden.py specifies (and must agree with it on every output), but in torch and with
the synapses as +/-1 products (``linear`` / ``conv2d`` with zero padding, ``max_pool2d`` for the spike
pools), so the two implementations check each other.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from bwsnn.artifact import Artifact, Layer


def _i64(a: np.ndarray | None) -> torch.Tensor | None:
    return None if a is None else torch.from_numpy(a.astype(np.int64))


class DeployModel(nn.Module):
    def __init__(self, art: Artifact) -> None:
        super().__init__()
        self.art = art
        # float64 products of +/-1 weights and integers below 2^53 are exact; conv kernels as (C', C, k, k)
        self.w: list[torch.Tensor | None] = []
        for l in art.layers:
            if not isinstance(l, Layer):
                self.w.append(None)
                continue
            w = torch.from_numpy(l.weights_pm1().astype(np.float64))
            if l.window is not None:
                k = l.window.kernel
                w = w.reshape(l.n_out, k, k, l.in_shape[2]).permute(0, 3, 1, 2).contiguous()
            self.w.append(w)
        self.bias = [_i64(getattr(l, "bias", None)) for l in art.layers]
        self.thr = [_i64(getattr(l, "threshold", None)) for l in art.layers]
        self.gain = [_i64(getattr(l, "skip_gain", None)) for l in art.layers]

    @staticmethod
    def _sat(v: torch.Tensor, bits: int) -> torch.Tensor:
        return v.clamp(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)

    def _synapses(self, i: int, a: torch.Tensor) -> torch.Tensor:
        """z of layer i for its channels-last input a: (N, *out_shape), int64."""
        l = self.art.layers[i]
        a = a.to(torch.float64)
        if l.window is None:
            z = a.reshape(len(a), -1) @ self.w[i].T
        else:
            z = F.conv2d(a.permute(0, 3, 1, 2), self.w[i], stride=l.window.stride, padding=l.window.padding)
            z = z.permute(0, 2, 3, 1)
        return torch.round(z).to(torch.int64)

    @torch.no_grad()
    def forward(self, pixels: torch.Tensor, batch: int = 256) -> torch.Tensor:
        """pixels: uint8/int (N, n_in) or (N, *input_shape). Returns the output membranes after each step,
        int64 (N, T, C). Images are independent: ``batch`` of them at a time bounds the memory."""
        return torch.cat([self._run(pixels[i:i + batch]) for i in range(0, max(len(pixels), 1), batch)])

    def _run(self, pixels: torch.Tensor) -> torch.Tensor:
        n = len(pixels)
        layers = self.art.layers
        x = torch.div(pixels.reshape(n, *self.art.input_shape).to(torch.int64), 1 << (8 - self.art.input_bits),
                      rounding_mode="floor")  # x = pixel >> (8 - input.bits)
        z0 = self._synapses(0, x)
        mem = [torch.zeros(n, *l.out_shape, dtype=torch.int64) for l in layers]
        steps = []
        for _ in range(self.art.T):
            outs: list[torch.Tensor] = []
            for i, l in enumerate(layers):
                if not isinstance(l, Layer):  # spike OR-pool = max-pool of {0, 1}
                    w = l.window
                    a = outs[i - 1].to(torch.float64).permute(0, 3, 1, 2)
                    outs.append(F.max_pool2d(a, w.kernel, w.stride).permute(0, 2, 3, 1) > 0)
                    continue
                z = z0 if i == 0 else self._synapses(i, outs[i - 1])
                cur = z * (1 << l.frac_bits) + self.bias[i]
                if l.skip_from is not None:
                    cur = cur + outs[l.skip_from].to(torch.int64) * self.gain[i]
                u = self._sat(torch.div(mem[i], 1 << l.leak_shift, rounding_mode="floor") + cur, l.mem_bits)
                if l.spiking:
                    s = u >= self.thr[i]
                    reset = torch.zeros_like(u) if l.reset == "hard" else self._sat(u - self.thr[i], l.mem_bits)
                    u = torch.where(s, reset, u)
                    outs.append(s)
                else:
                    outs.append(u)
                mem[i] = u
            steps.append(mem[-1].clone())
        return torch.stack(steps, dim=1)
