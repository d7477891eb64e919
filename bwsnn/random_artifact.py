"""Random but valid artifacts: edge cases for the golden model, the RTL and the HLS tests.

The generated numbers are scaled so that neurons actually fire some of the time; ``mem_bits`` can be made
small to force saturation, and thresholds may be negative.
"""
from __future__ import annotations

import numpy as np

from bwsnn.artifact import Artifact, Layer, validate


def random_artifact(sizes: tuple[int, ...] = (64, 32, 32, 10), T: int = 2, seed: int = 0,
                    mem_bits: int | None = None, reset: str | None = None, leak_shift: int | None = None,
                    frac_bits: int = 2, skips: bool = True) -> Artifact:
    """sizes = (n_in, hidden..., n_classes). ``None`` arguments are drawn at random per layer."""
    rng = np.random.default_rng(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        spiking = i < len(sizes) - 2
        bits = mem_bits or int(rng.integers(8, 25))
        # typical |z|: sqrt(fan-in) times the input magnitude (pixels up to 255 on layer 0)
        scale = (np.sqrt(n_in) * (128 if i == 0 else 1)) * (1 << frac_bits)
        w = rng.integers(0, 2, (n_out, n_in), dtype=np.uint8)
        hi = (1 << (bits - 1)) - 1
        layer = Layer(
            n_in=n_in, n_out=n_out, name=f"fc{i}", spiking=spiking,
            weights=np.packbits(w, axis=1, bitorder="little"),
            bias=np.clip(rng.normal(0, scale, n_out), -hi, hi).astype(np.int32),
            leak_shift=int(rng.integers(0, 3)) if leak_shift is None else leak_shift,
            reset=reset or str(rng.choice(["hard", "soft"])), mem_bits=bits, frac_bits=frac_bits,
            threshold=np.clip(rng.normal(scale, scale, n_out), -hi, hi).astype(np.int32) if spiking else None,
        )
        j = i - 1
        if skips and spiking and j >= 0 and layers[j].n_out == n_out:
            layer.skip_from = j
            layer.skip_gain = rng.integers(-scale, scale + 1, n_out).astype(np.int32)
        layers.append(layer)
    art = Artifact(T=T, input_shape=(sizes[0],), classes=[str(c) for c in range(sizes[-1])], layers=layers,
                   info={"generator": "random_artifact", "seed": seed})
    validate(art, f"random_artifact(seed={seed})")
    return art


def random_images(art: Artifact, n: int, seed: int = 0) -> np.ndarray:
    """Random pixels plus the extremes: all-zero and all-255 images come first."""
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, 256, (n, art.n_in), dtype=np.uint8)
    imgs[:1] = 0
    imgs[1:2] = 255
    return imgs
