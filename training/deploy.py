"""Integer deploy mode: the network evaluated in torch with the folded integer parameters.

It computes what bwsnn/golden.py specifies (and must agree with it on every output), but in torch and with
the synapses as +/-1 matrix products, so the two implementations check each other.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from bwsnn.artifact import Artifact


class DeployModel(nn.Module):
    def __init__(self, art: Artifact) -> None:
        super().__init__()
        self.art = art
        # float64 products of +/-1 weights and integers below 2^53 are exact
        self.w = [torch.from_numpy(l.weights_pm1().astype(np.float64)) for l in art.layers]
        self.bias = [torch.from_numpy(l.bias.astype(np.int64)) for l in art.layers]
        self.thr = [None if l.threshold is None else torch.from_numpy(l.threshold.astype(np.int64))
                    for l in art.layers]
        self.gain = [None if l.skip_gain is None else torch.from_numpy(l.skip_gain.astype(np.int64))
                     for l in art.layers]

    @staticmethod
    def _sat(v: torch.Tensor, bits: int) -> torch.Tensor:
        return v.clamp(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)

    @torch.no_grad()
    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """pixels: uint8/int (N, n_in). Returns the output membranes after each step, int64 (N, T, C)."""
        x = pixels.to(torch.float64)
        layers = self.art.layers
        mem = [torch.zeros(len(x), l.n_out, dtype=torch.int64) for l in layers]
        z0 = torch.round(x @ self.w[0].T).to(torch.int64)
        steps = []
        for _ in range(self.art.T):
            spikes: list[torch.Tensor] = []
            for i, l in enumerate(layers):
                z = z0 if i == 0 else torch.round(spikes[i - 1].to(torch.float64) @ self.w[i].T).to(torch.int64)
                cur = z * (1 << l.frac_bits) + self.bias[i]
                if l.skip_from is not None:
                    cur = cur + spikes[l.skip_from].to(torch.int64) * self.gain[i]
                u = self._sat(torch.div(mem[i], 1 << l.leak_shift, rounding_mode="floor") + cur, l.mem_bits)
                if l.spiking:
                    s = u >= self.thr[i]
                    reset = torch.zeros_like(u) if l.reset == "hard" else self._sat(u - self.thr[i], l.mem_bits)
                    u = torch.where(s, reset, u)
                    spikes.append(s)
                mem[i] = u
            steps.append(mem[-1].clone())
        return torch.stack(steps, dim=1)
