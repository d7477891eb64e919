"""Training curves as a PNG (matplotlib, headless) and the activity figures of a folded model."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

from bwsnn import golden
from bwsnn.artifact import Artifact, Layer

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def accuracy_per_step(step_scores: np.ndarray, labels: np.ndarray) -> list[float]:
    """Accuracy % after each time step, from (N, T, classes) scores (golden.run's step_scores)."""
    return [float(100.0 * np.mean(step_scores[:, t].argmax(-1) == labels)) for t in range(step_scores.shape[1])]


def plot_curves(history: dict[str, list[float]], path: str | Path, title: str) -> None:
    """Loss per epoch, and the validation accuracy (%) where the run held images out (--val-size): without
    them there is no accuracy curve, so no empty panel either."""
    acc = {k: v for k, v in history.items() if not k.endswith("loss") and v}
    fig, axes = plt.subplots(1, 2 if acc else 1, figsize=(10 if acc else 5.5, 3.8), squeeze=False)
    ax_loss = axes[0][0]
    for key, values in history.items():
        if not values:
            continue
        ax = ax_loss if key.endswith("loss") else axes[0][1]
        ax.plot(range(1, len(values) + 1), values, label=key)
    ax_loss.set(xlabel="epoch", ylabel="loss", title="training loss")
    if acc:
        axes[0][1].set(xlabel="epoch", ylabel="accuracy (%)",
                       title="validation accuracy (held-out training images)")
    for ax in axes[0]:
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def activity(art: Artifact, images: np.ndarray, batch: int = 64) -> dict:
    """Measured on ``images`` with the golden model: spike rate per spike-producing layer (fraction of its
    outputs that spike, over neurons, steps and images), synaptic operations per image (one per active input
    in a window times the rows it feeds: sum over steps, positions and rows of the popcount of the window, for
    every layer fed by spikes) and the first layer's pixel MACs per image (computed once per image)."""
    fed = [i for i, l in enumerate(art.layers) if i > 0 and isinstance(l, Layer)]
    spiking = [i for i, l in enumerate(art.layers) if l.spiking]
    totals = np.zeros(len(spiking))
    sops = 0
    for k in range(0, len(images), batch):
        r = golden.run(art, images[k:k + batch], trace=True)
        out = dict(zip(spiking, r.spikes))  # (n, T, size) per spike-producing layer
        totals += [s.mean() * len(s) for s in r.spikes]
        for i in fed:
            l, s = art.layers[i], out[i - 1]
            a = s.reshape(-1, *art.layers[i - 1].out_shape)
            active = int(a.sum()) if l.window is None else int(golden.windows(a, l.window).sum())
            sops += active * l.n_out
    l0 = art.layers[0]
    return {"spike_rate": {art.layers[i].name: float(t / len(images)) for i, t in zip(spiking, totals)},
            "synaptic_ops_per_image": sops / len(images),
            "pixel_macs_per_image": int(np.prod(l0.out_shape[:-1])) * l0.n_in * l0.n_out}
