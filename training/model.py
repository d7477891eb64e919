"""The binary-weight SNN (student) and its full-precision teacher.

Student, following SEI-BWSNN: every layer has 1-bit weights (the first one too, fed with the 8-bit image
directly), BatchNorm, LIF neurons over T steps, identity shortcuts around the spiking blocks (added to the
membrane input, so each block also sees the spike train of the block before), and a non-spiking output
layer whose outputs are summed over T.

One network family, :class:`SNNConfig`: a conv stack (binary 3x3 convs, spike OR-pools; may be empty) then
dense layers; a dense network is the one with an empty stack. :class:`BWSNN` is the student, :class:`Teacher`
its full-precision teacher of the same shape.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

from bwsnn.limits import MAX_T
from training.lif import LIF
from training.quantizers import BinaryWeight, BinaryWeightLearnedScale, PixelQuant


def model_input(pixels: torch.Tensor, bits: int = 8) -> torch.Tensor:
    """The model's input for 8-bit pixels at ``bits`` of input precision: (pixel >> (8 - bits)) / (2^bits - 1),
    in [0, 1]; exactly what the b-bit input quantizer (:class:`PixelQuant`) represents, so the folded layer 0
    sees the golden model's x = pixel >> (8 - b)."""
    return torch.div(pixels.to(torch.int64), 1 << (8 - bits), rounding_mode="floor").float() / ((1 << bits) - 1)


STACK_GRAMMAR = "'c<channels>' and 'p' entries, a conv first"


def stack_ok(stack: tuple[str, ...] | list[str]) -> bool:
    """Whether ``stack`` is a conv stack: "c<channels>" (a binary 3x3 conv) and "p" (a 2x2 spike OR-pool)
    entries, a conv first (it takes the image); empty is a dense network. The one check of the grammar."""
    entries = all(s == "p" or (s[:1] == "c" and s[1:].isdigit() and int(s[1:]) > 0) for s in stack)
    return entries and tuple(stack[:1]) != ("p",)


def _flatten_hwc(a: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, H*W*C) in channels-last order, the order of the artifact; (B, n) unchanged."""
    return a.permute(0, 2, 3, 1).reshape(len(a), -1) if a.dim() == 4 else a


@dataclass
class SNNConfig:
    """A BW-SNN: ``stack`` of 3x3 binary convs ("c<channels>", stride 1, padding 1) and 2x2 spike max-pools
    ("p", stride 2), then the spiking dense layers ``hidden`` on the flattened (H, W, C) map, then the binary
    dense classifier. The stack's first entry is a conv (it takes the 8-bit image); an empty stack is a dense
    network on the flat input. Either part may be empty, not both."""

    input_shape: tuple[int, ...]  # (H, W, C) for a conv stack; a dense network's is its flat (n,)
    n_classes: int
    stack: list[str] = field(default_factory=list)
    hidden: list[int] = field(default_factory=list)
    T: int = 2
    leak_shift: int = 1
    reset: str = "hard"
    shortcuts: bool = True
    input_bits: int = 8  # layer 0 sees pixel >> (8 - b): the model's input is that / (2^b - 1)

    def __post_init__(self) -> None:
        self.input_shape = tuple(self.input_shape)
        if not stack_ok(self.stack):
            raise ValueError(f"stack: expected {STACK_GRAMMAR}, got {self.stack}")
        if not self.stack and not self.hidden:
            raise ValueError("hidden: expected dense layers when the conv stack is empty, got neither")
        if self.stack and len(self.input_shape) != 3:
            raise ValueError(f"input_shape: a conv stack takes (H, W, C) images, got {self.input_shape}")

    @property
    def n_in(self) -> int:
        return int(np.prod(self.input_shape))

    def layers(self) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
        """(kind, in_shape, out_shape) of every layer before the classifier; kind in conv, pool, dense."""
        out, shape = [], self.input_shape if self.stack else (self.n_in,)
        for s in self.stack:
            h, w, c = shape
            new = (h // 2, w // 2, c) if s == "p" else (h, w, int(s[1:]))
            if min(new) < 1:
                raise ValueError(f"stack: {self.stack} pools the {self.input_shape} input below 1x1")
            out.append(("pool" if s == "p" else "conv", shape, new))
            shape = new
        for width in self.hidden:
            out.append(("dense", shape, (width,)))
            shape = (width,)
        return out

    def skip_from(self, i: int) -> int | None:
        """Shortcut source of layer i: the layer before it (a conv or dense block, or the pool of the
        downsampling path), when its output has the same shape. Pools take none."""
        layers = self.layers()
        if self.shortcuts and i > 0 and layers[i][0] != "pool" and layers[i - 1][2] == layers[i][2]:
            return i - 1
        return None

    def first_input(self, x: torch.Tensor) -> torch.Tensor:
        """The network's input for x (N, n_in): a conv stack's (N, C, H, W) from channels-last x; a dense
        network's is x itself."""
        return x.reshape(len(x), *self.input_shape).permute(0, 3, 1, 2) if self.stack else x

    def to_dict(self) -> dict:
        return asdict(self)


def _old_dense_keys(state: dict, prefix: str, *_) -> None:
    """Load hook: the dense student of before the one model path named its synapses ``fc.{i}`` (now ``syn.{i}``),
    so its checkpoints and training states still load."""
    old, new = f"{prefix}fc.", f"{prefix}syn."
    for k in [k for k in state if k.startswith(old)]:
        state[k.replace(old, new, 1)] = state.pop(k)


class BWSNN(nn.Module):
    """The student: binary 3x3 convs + BatchNorm + LIF, spike OR-pools, binary dense layers + BatchNorm + LIF,
    identity shortcuts wherever the shape is kept, the binary dense classifier summed over T."""

    def __init__(self, cfg: SNNConfig) -> None:
        super().__init__()
        if not 1 <= cfg.T <= MAX_T:
            raise ValueError(f"T: expected 1..{MAX_T}, got {cfg.T}")
        self.cfg = cfg
        self.inp = QuantIdentity(act_quant=PixelQuant, bit_width=cfg.input_bits)
        syn, bn, lif = [], [], []
        for kind, a, b in cfg.layers():  # nn.Identity keeps the pools' places, so indices are the artifact's
            if kind == "conv":
                syn.append(QuantConv2d(a[2], b[2], 3, padding=1, bias=False, weight_quant=BinaryWeight))
                bn.append(nn.BatchNorm2d(b[2]))
            elif kind == "dense":
                syn.append(QuantLinear(int(np.prod(a)), b[0], bias=False, weight_quant=BinaryWeight))
                bn.append(nn.BatchNorm1d(b[0]))
            else:
                syn.append(nn.Identity())
                bn.append(nn.Identity())
            lif.append(nn.Identity() if kind == "pool" else LIF(cfg.leak_shift, cfg.reset))
        self.syn, self.bn, self.lif = nn.ModuleList(syn), nn.ModuleList(bn), nn.ModuleList(lif)
        last = cfg.layers()[-1][2]
        self.out = QuantLinear(int(np.prod(last)), cfg.n_classes, bias=True, weight_quant=BinaryWeightLearnedScale)
        self._register_load_state_dict_pre_hook(_old_dense_keys)

    def _current(self, i: int, a: torch.Tensor) -> torch.Tensor:
        """BN(W a) of layer i for a batch (B, C, H, W) or (B, n)."""
        if isinstance(self.syn[i], QuantLinear):
            a = _flatten_hwc(a)
        return self.bn[i](self.syn[i](a))

    def forward(self, x: torch.Tensor, trace: bool = False):
        """x: (N, n_in) in [0, 1] (an image flattened channels-last). Returns per-step logits (T, N, C) (and
        spikes/membranes if trace)."""
        T, n = self.cfg.T, len(x)
        x = self.cfg.first_input(self.inp(x))
        outs, mems = [], []
        for i, (kind, _, _) in enumerate(self.cfg.layers()):
            if i == 0:  # direct encoding: the first layer's current is the same at every step, computed once
                cur = self._current(0, x)
                cur = cur.unsqueeze(0).expand(T, *cur.shape)
            elif kind == "pool":  # max of {0, 1} spikes = OR
                outs.append(F.max_pool2d(outs[-1].flatten(0, 1), 2).unflatten(0, (T, n)))
                mems.append(None)
                continue
            else:
                cur = self._current(i, outs[-1].flatten(0, 1))
                cur = cur.unflatten(0, (T, n))
            j = self.cfg.skip_from(i)
            if j is not None:
                cur = cur + outs[j]
            s, u = self.lif[i](cur, return_mem=True) if trace else (self.lif[i](cur), None)
            outs.append(s)
            mems.append(u)
        logits = self.out(_flatten_hwc(outs[-1].flatten(0, 1))).unflatten(0, (T, n))
        return (logits, outs, mems) if trace else logits

    def binary_layers(self) -> list[QuantConv2d | QuantLinear]:
        """Every layer with 1-bit weights: the convs, the dense layers and the classifier."""
        return [m for m in self.modules() if isinstance(m, QuantConv2d | QuantLinear)]

    def real_weights(self, real: bool) -> None:
        """Train with the latent full-precision weights (True: a two-stage start's first stage, spikes with
        real weights) or with the 1-bit weights they binarize to (False: the student itself)."""
        for layer in self.binary_layers():
            layer.weight_quant.disable_quant = real

    def dampening(self) -> torch.Tensor:
        """Nagel et al.'s oscillation dampening (ICML 2022) for 1-bit weights: sum over every binary layer of
        ||clip(w) - q(w)||^2 / s^2, q(w) = s sign(w) held constant. Its gradient pulls each latent weight away
        from 0 towards the +/-s it binarizes to, so a weight flips only under a gradient that persists."""
        terms = []
        for layer in self.binary_layers():
            q = layer.quant_weight().value.detach()
            s = q.abs().amax()
            terms.append(((layer.weight.clamp(-s, s) - q) ** 2).sum() / (s * s))
        return torch.stack(terms).sum()


class Teacher(nn.Module):
    """Full-precision net of the student's shape (ReLU for LIF, max-pool, the shortcuts of ``cfg``): the KD
    teacher."""

    def __init__(self, cfg: SNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        blocks = []
        for kind, a, b in cfg.layers():
            if kind == "conv":
                blocks.append(nn.Sequential(nn.Conv2d(a[2], b[2], 3, padding=1, bias=False), nn.BatchNorm2d(b[2])))
            elif kind == "dense":
                blocks.append(nn.Sequential(nn.Flatten(), nn.Linear(int(np.prod(a)), b[0]), nn.BatchNorm1d(b[0])))
            else:
                blocks.append(nn.MaxPool2d(2))
        self.blocks = nn.ModuleList(blocks)
        self.out = nn.Linear(int(np.prod(cfg.layers()[-1][2])), cfg.n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.cfg.first_input(x)
        outs = []
        for i, (kind, _, _) in enumerate(self.cfg.layers()):
            y = self.blocks[i](a)
            j = self.cfg.skip_from(i)
            if j is not None:
                y = y + outs[j]
            a = y if kind == "pool" else F.relu(y)
            outs.append(a)
        return self.out(_flatten_hwc(a))


def frozen_teacher(teacher: nn.Module) -> nn.Module:
    """An inference copy of a trained teacher with every BatchNorm folded into the conv / linear before it (the
    KD targets of the student phase, where the teacher no longer changes: one pass less per layer)."""
    frozen = copy.deepcopy(teacher).eval().requires_grad_(False)
    for seq in [m for m in frozen.modules() if isinstance(m, nn.Sequential)]:
        mods = list(seq)
        for i, (a, b) in enumerate(zip(mods[:-1], mods[1:])):
            if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
                seq[i], seq[i + 1] = fuse_conv_bn_eval(a, b), nn.Identity()
            elif isinstance(a, nn.Linear) and isinstance(b, nn.BatchNorm1d):
                seq[i], seq[i + 1] = fuse_linear_bn_eval(a, b), nn.Identity()
    return frozen
