"""Pictures of one image going through the golden model: spike raster and membrane traces (PNG)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from bwsnn import golden
from bwsnn.artifact import Artifact


def plot_image_dynamics(art: Artifact, image: np.ndarray, path: str | Path, label: str | None = None,
                        neurons: int = 6) -> golden.GoldenResult:
    """Write one PNG: the input, a raster of every spiking layer over T, and membrane traces."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = golden.run(art, image[None], trace=True)
    spiking = [i for i, l in enumerate(art.layers) if l.spiking]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), gridspec_kw={"width_ratios": [1, 2.2, 2.2]})
    shape = tuple(art.input_shape)
    if len(shape) == 3 and shape[2] == 1:  # greyscale (H, W, 1): imshow takes (H, W)
        shape = shape[:2]
    axes[0].imshow(np.asarray(image).reshape(shape if len(shape) >= 2 else (1, -1)), cmap="gray_r")
    axes[0].set_title(f"input (label {label})" if label is not None else "input")
    axes[0].axis("off")

    # raster: x = time step (one column per layer and step), y = neuron
    offset = 0
    for k, i in enumerate(spiking):
        s = r.spikes[k][0]  # (T, n)
        t_idx, n_idx = np.nonzero(s)
        axes[1].scatter(t_idx + offset, n_idx, s=3, marker="|", color=f"C{k}",
                        label=f"{art.layers[i].name}: {s.mean():.0%} firing")
        offset += art.T + 1
    axes[1].set(xlabel="layer / time step", ylabel="neuron", title="spike raster")
    axes[1].set_xticks([k * (art.T + 1) + t for k in range(len(spiking)) for t in range(art.T)],
                       [f"t{t}" for _ in spiking for t in range(art.T)], fontsize=7)
    axes[1].legend(loc="upper right", fontsize=7)

    # membrane potential (after integrate, before reset) of the first layer, in units of each threshold:
    # three neurons that fire and three that come closest without firing
    l0 = art.layers[spiking[0]]
    thr = np.resize(np.abs(l0.threshold.astype(np.int64)), r.potentials[spiking[0]].shape[-1])
    v = r.potentials[spiking[0]][0] / np.maximum(thr, 1)  # (T, n); a conv's threshold is per channel (C fastest)
    fired = r.spikes[0][0].any(0)
    pick = [*np.flatnonzero(fired)[:neurons // 2], *np.argsort(-np.where(fired, -np.inf, v.max(0)))[:neurons // 2]]
    for n in pick:
        axes[2].plot(range(art.T), v[:, n], marker="o", label=f"neuron {n}{' (fires)' if fired[n] else ''}")
    axes[2].axhline(1.0, color="k", ls="--", lw=0.8, label="threshold")
    axes[2].set(xlabel="time step", ylabel="U / threshold (before reset)", title=f"{l0.name} membrane potential")
    axes[2].set_xticks(range(art.T))
    axes[2].legend(fontsize=7)
    scores = r.scores[0]
    fig.suptitle(f"golden model: class {int(r.classes[0])} ({art.classes[int(r.classes[0])]}), "
                 f"scores {scores.tolist()}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return r
