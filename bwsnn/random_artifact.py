"""Random but valid artifacts: edge cases for the golden model, the RTL and the HLS tests.

The generated numbers are scaled so that neurons actually fire some of the time; ``mem_bits`` can be made
small to force saturation, and thresholds may be negative.
"""
from __future__ import annotations

import numpy as np

from bwsnn.artifact import AnyLayer, Artifact, Layer, Pool, Window, validate

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
                   frac_bits: int = 2, skips: bool = True) -> Artifact:
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
        # typical |z|: sqrt(fan-in) times the input magnitude (pixels up to 255 on layer 0)
        scale = (np.sqrt(n_in) * (128 if i == 0 else 1)) * (1 << frac_bits)
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
                   layers=layers, info={"generator": "random_artifact", "seed": seed})
    validate(art, f"random_network(seed={seed})")
    return art


def random_artifact(sizes: tuple[int, ...] = (64, 32, 32, 10), T: int = 2, seed: int = 0,
                    mem_bits: int | None = None, reset: str | None = None, leak_shift: int | None = None,
                    frac_bits: int = 2, skips: bool = True) -> Artifact:
    """A dense network: sizes = (n_in, hidden..., n_classes). ``None`` arguments are drawn at random."""
    return random_network((sizes[0],), tuple(("dense", n) for n in sizes[1:]), T=T, seed=seed,
                          mem_bits=mem_bits, reset=reset, leak_shift=leak_shift, frac_bits=frac_bits, skips=skips)


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
