"""The binary-weight SNN (student) and its full-precision teacher.

Student, following SEI-BWSNN: every layer has 1-bit weights (the first one too, fed with the 8-bit image
directly), BatchNorm, LIF neurons over T steps, identity shortcuts around the spiking blocks (added to the
membrane input, so each block also sees the spike train of the block before), and a non-spiking output
layer whose outputs are summed over T.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from brevitas.nn import QuantIdentity, QuantLinear
from torch import nn

from bwsnn.limits import MAX_T
from training.lif import LIF
from training.quantizers import BinaryWeight, BinaryWeightLearnedScale, PixelQuant


@dataclass
class SNNConfig:
    n_in: int
    n_classes: int
    hidden: list[int] = field(default_factory=lambda: [256, 256, 256])
    T: int = 2
    leak_shift: int = 1
    reset: str = "hard"
    shortcuts: bool = True

    def skip_from(self, i: int) -> int | None:
        """Shortcut source of hidden layer i: the block before it, when widths match."""
        if self.shortcuts and i > 0 and self.hidden[i - 1] == self.hidden[i]:
            return i - 1
        return None

    def to_dict(self) -> dict:
        return asdict(self)


class BWSNN(nn.Module):
    def __init__(self, cfg: SNNConfig) -> None:
        super().__init__()
        if not 1 <= cfg.T <= MAX_T:
            raise ValueError(f"T: expected 1..{MAX_T}, got {cfg.T}")
        self.cfg = cfg
        self.inp = QuantIdentity(act_quant=PixelQuant)
        sizes = [cfg.n_in, *cfg.hidden]
        self.fc = nn.ModuleList(QuantLinear(a, b, bias=False, weight_quant=BinaryWeight)
                                for a, b in zip(sizes[:-1], sizes[1:]))
        self.bn = nn.ModuleList(nn.BatchNorm1d(b) for b in cfg.hidden)
        self.lif = nn.ModuleList(LIF(cfg.leak_shift, cfg.reset) for _ in cfg.hidden)
        self.out = QuantLinear(sizes[-1], cfg.n_classes, bias=True, weight_quant=BinaryWeightLearnedScale)

    def currents(self, i: int, s: torch.Tensor) -> torch.Tensor:
        """BN(W s) for (T, N, n) spikes, with the layer applied to all T steps at once."""
        t, n = s.shape[:2]
        return self.bn[i](self.fc[i](s.reshape(t * n, -1))).reshape(t, n, -1)

    def forward(self, x: torch.Tensor, trace: bool = False):
        """x: (N, n_in) in [0, 1]. Returns per-step logits (T, N, C) (and spikes/membranes if trace)."""
        T = self.cfg.T
        x = self.inp(x)
        # direct encoding: the first layer's current is the same at every step, computed once
        s = self.bn[0](self.fc[0](x)).unsqueeze(0).expand(T, -1, -1)
        spikes, mems = [], []
        for i in range(len(self.fc)):
            cur = s if i == 0 else self.currents(i, spikes[-1])
            j = self.cfg.skip_from(i)
            if j is not None:
                cur = cur + spikes[j]
            s_i, u_i = self.lif[i](cur, return_mem=True)
            spikes.append(s_i)
            mems.append(u_i)
        t, n = spikes[-1].shape[:2]
        logits = self.out(spikes[-1].reshape(t * n, -1)).reshape(t, n, -1)
        return (logits, spikes, mems) if trace else logits


class Teacher(nn.Module):
    """Full-precision ANN of the same widths: the knowledge-distillation teacher."""

    def __init__(self, n_in: int, hidden: list[int], n_classes: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for a, b in zip([n_in, *hidden[:-1]], hidden):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(hidden[-1], n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
