"""Random but valid artifacts, and :data:`EDGE_CASES`: the table of edge cases every backend is tested on.

The generated numbers are scaled so that neurons actually fire some of the time; ``mem_bits`` can be made
small to force saturation, and thresholds may be negative.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bwsnn.artifact import AnyLayer, Artifact, Layer, Pool, Window, current_bound, validate

#: A layer of a random network: ("dense", n_out), ("conv", out_channels, kernel, stride, padding) or
#: ("pool", kernel, stride).
Spec = tuple

#: The conv edge cases: odd sizes, 3x3 and 1x1, stride 2, padding, channel counts that are not multiples
#: of 8, pools that drop the last row/column and that overlap, a shortcut around a conv, one from a pool
#: into the conv after it, and a dense layer after a conv.
CONV_STACK: tuple[Spec, ...] = (
    ("conv", 5, 3, 1, 1), ("conv", 5, 3, 1, 1), ("pool", 2, 2), ("conv", 5, 1, 1, 0), ("pool", 2, 1),
    ("conv", 11, 3, 2, 1), ("conv", 11, 3, 1, 1), ("dense", 13), ("dense", 6),
)


def random_network(input_shape: tuple[int, ...], stack: tuple[Spec, ...], T: int = 2, seed: int = 0,
                   mem_bits: int | None = None, reset: str | None = None, leak_shift: int | None = None,
                   frac_bits: int = 2, skips: bool = True, input_bits: int = 8) -> Artifact:
    """A random artifact of any layer stack. ``None`` arguments are drawn at random per layer.

    With ``skips``, a spiking layer whose output shape equals that of the layer just before it (a spiking
    or a pool layer) gets a shortcut from it.
    """
    rng = np.random.default_rng(seed)
    layers: list[AnyLayer] = []
    shape = tuple(input_shape)
    for i, spec in enumerate(stack):
        if spec[0] == "pool":
            layers.append(Pool(Window(shape, spec[1], spec[2]), name=f"pool{i}"))
            shape = layers[-1].out_shape
            continue
        spiking = i < len(stack) - 1
        window = None if spec[0] == "dense" else Window(shape, spec[2], spec[3], spec[4])
        n_out = spec[1]
        n_in = int(np.prod(shape)) if window is None else spec[2] ** 2 * shape[2]
        bits = mem_bits or int(rng.integers(8, 25))
        # typical |z|: sqrt(fan-in) times the input magnitude (x up to 2^input_bits - 1 on layer 0)
        scale = (np.sqrt(n_in) * ((1 << input_bits) / 2 if i == 0 else 1)) * (1 << frac_bits)
        w = rng.integers(0, 2, (n_out, n_in), dtype=np.uint8)
        hi = (1 << (bits - 1)) - 1
        layer = Layer(
            n_in=n_in, n_out=n_out, name=f"{'fc' if window is None else 'conv'}{i}", spiking=spiking, window=window,
            weights=np.packbits(w, axis=1, bitorder="little"),
            bias=np.clip(rng.normal(0, scale, n_out), -hi, hi).astype(np.int32),
            leak_shift=int(rng.integers(0, 3)) if leak_shift is None else leak_shift,
            reset=reset or str(rng.choice(["hard", "soft"])), mem_bits=bits, frac_bits=frac_bits,
            threshold=np.clip(rng.normal(scale, scale, n_out), -hi, hi).astype(np.int32) if spiking else None,
        )
        prev = layers[-1] if layers else None
        if skips and spiking and prev is not None and prev.spiking and prev.out_shape == layer.out_shape:
            layer.skip_from = i - 1
            layer.skip_gain = rng.integers(-scale, scale + 1, n_out).astype(np.int32)
        layers.append(layer)
        shape = layer.out_shape
    n_classes = stack[-1][1]
    art = Artifact(T=T, input_shape=tuple(input_shape), classes=[str(c) for c in range(n_classes)],
                   layers=layers, input_bits=input_bits, info={"generator": "random_artifact", "seed": seed})
    validate(art, f"random_network(seed={seed})")
    return art


def random_artifact(sizes: tuple[int, ...] = (64, 32, 32, 10), T: int = 2, seed: int = 0,
                    mem_bits: int | None = None, reset: str | None = None, leak_shift: int | None = None,
                    frac_bits: int = 2, skips: bool = True, input_bits: int = 8) -> Artifact:
    """A dense network: sizes = (n_in, hidden..., n_classes). ``None`` arguments are drawn at random."""
    return random_network((sizes[0],), tuple(("dense", n) for n in sizes[1:]), T=T, seed=seed,
                          mem_bits=mem_bits, reset=reset, leak_shift=leak_shift, frac_bits=frac_bits, skips=skips,
                          input_bits=input_bits)


def random_conv_artifact(input_shape: tuple[int, int, int] = (11, 9, 2), stack: tuple[Spec, ...] = CONV_STACK,
                         **kwargs) -> Artifact:
    """A conv network (default: :data:`CONV_STACK` on an 11x9x2 input); keyword arguments as random_network."""
    return random_network(input_shape, stack, **kwargs)


def random_images(art: Artifact, n: int, seed: int = 0) -> np.ndarray:
    """Random pixels plus the extremes: all-zero and all-255 images come first."""
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, 256, (n, art.n_in), dtype=np.uint8)
    imgs[:1] = 0
    imgs[1:2] = 255
    return imgs


def with_output_shortcut(art: Artifact, seed: int = 0) -> Artifact:
    """``art`` with a shortcut from its last hidden layer into the output layer (widths must match)."""
    out = art.layers[-1]
    out.skip_from = len(art.layers) - 2
    out.skip_gain = np.random.default_rng(seed).integers(-300, 300, out.n_out).astype(np.int32)
    validate(art, "with_output_shortcut")
    return art


def int32_extremes(sizes: tuple[int, ...], seed: int = 0, T: int = 8) -> Artifact:
    """32-bit membranes with currents at the validation limit (|I| = 2^31 - 1): leak + current need 33 bits,
    membranes and scores reach +/-2^31, thresholds sit at the int32 extremes."""
    art = random_artifact(sizes=sizes, mem_bits=32, frac_bits=20, seed=seed, T=T, leak_shift=0)
    rng = np.random.default_rng(seed + 1)
    for i, l in enumerate(art.layers):
        l.bias = np.zeros_like(l.bias)  # so current_bound is the bias-free part
        l.bias = (rng.choice([-1, 1], l.n_out) * ((1 << 31) - 1 - current_bound(art, i))).astype(np.int32)
        if l.threshold is not None:
            l.threshold = rng.choice([2**31 - 1, -2**31, 2**30, -2**30], l.n_out).astype(np.int32)
    validate(art, "int32_extremes")
    return art


@dataclass(frozen=True)
class EdgeCase:
    """An artifact every backend must run bit-exact, and what it must be seen to exercise (on random_images)."""

    make: Callable[[], Artifact]
    rtl: bool = False  # in the RTL table, built with the default folding plan (each Verilator build costs minutes)
    saturates: bool = False  # some membrane reaches a saturation bound
    ties: bool = False  # final scores tie at the top (lowest index wins) instead of the classes varying


#: The edge cases of the artifact format, run through golden, torch deploy mode, HLS C-sim and (``rtl``) the RTL.
#: RTL shapes are grouped so that few Verilator builds (~30 s each) cover: no / one / several hidden layers;
#: widths below and at one SIMD word (several chunks: sim.run_rtl.RANDOM_CASES); 1, 2, 4, 8 classes (a class
#: index of exactly log2 C bits); a shortcut into the output layer; T > 3.
EDGE_CASES: dict[str, EdgeCase] = {
    # no hidden layer: pixels straight into the output integrator; 2 classes; fan-in of 2 chunks, T = 5
    "linear_2class": EdgeCase(lambda: random_artifact(sizes=(100, 2), T=5, seed=25), rtl=True),
    # one hidden layer below P (one spike word) feeding a shortcut into the 8-class output; 8-bit membranes
    "one_hidden_output_shortcut_8class": EdgeCase(
        lambda: with_output_shortcut(random_artifact(sizes=(20, 8, 8), T=8, seed=26, mem_bits=8, reset="soft",
                                                     leak_shift=1), seed=26), rtl=True, saturates=True),
    # hidden widths of exactly two SIMD words; 32-bit extremes; 4 classes
    "int32_extremes_at_p_4class": EdgeCase(lambda: int32_extremes((4, 64, 64, 4), seed=30), rtl=True,
                                           saturates=True, ties=True),
    # three hidden layers, two chained shortcuts, one class (a 1-bit beat index)
    "deep_1class_chained_shortcuts": EdgeCase(lambda: random_artifact(sizes=(30, 9, 9, 9, 1), T=4, seed=24),
                                              rtl=True),
    # input.bits below 8: layer 0 sees the top bits of each pixel (1 bit: a binarized image; 3 bits, 2 chunks)
    "input_1bit": EdgeCase(lambda: random_artifact(sizes=(49, 16, 16, 5), T=2, seed=31, input_bits=1), rtl=True),
    "input_3bit": EdgeCase(lambda: random_artifact(sizes=(100, 24, 10), T=3, seed=32, input_bits=3), rtl=True),
    # golden / torch / HLS only --------------------------------------------------------------------------
    "linear_1class_T1": EdgeCase(lambda: random_artifact(sizes=(9, 1), T=1, seed=23)),
    "widths_7_8_9_3class": EdgeCase(lambda: random_artifact(sizes=(7, 8, 9, 3), T=3, seed=23, skips=False)),
    "saturation_soft": EdgeCase(lambda: random_artifact(sizes=(50, 13, 13, 7), T=3, seed=20, mem_bits=8,
                                                        reset="soft", leak_shift=2), saturates=True),
    "mixed_shortcuts_T8": EdgeCase(lambda: random_artifact(sizes=(64, 24, 24, 24, 10), T=8, seed=21)),
    "output_shortcut_10class": EdgeCase(
        lambda: with_output_shortcut(random_artifact(sizes=(40, 10, 10), T=3, seed=7, reset="soft", leak_shift=1),
                                     seed=7)),
    "int32_extremes": EdgeCase(lambda: int32_extremes((4, 64, 64, 10), seed=30), saturates=True, ties=True),
    # input.bits below 8 (conv: golden / torch / HLS only): layer 0 sees the top bits of each pixel
    "input_3bit_conv": EdgeCase(lambda: random_conv_artifact(seed=35, T=2, input_bits=3)),
}
