"""The hardware bench's frontier plot (sim.hw_bench.frontier_figure), drawn from rows shaped as the bench writes
them: every row and published anchor is labelled, the anchors as published figures, and no label is clipped or
overlaps another (the numbers beside the points stay inside their panel, the x tick labels apart)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim import hw_bench

pytest.importorskip("matplotlib")


def _row(model: str, dataset: str, accuracy: float, images_per_s: float, lut: int) -> dict:
    return {"model": model, "dataset": dataset, "accuracy": accuracy, "images_per_s_100mhz": images_per_s,
            "lut": lut, "lut_pct": 100 * lut / 53200, "part": "xc7z020clg400-1"}


ROWS = [_row("default", "digits", 97.8, 781_250, 16_820), _row("mnist-512", "mnist", 98.6, 195_312, 20_582),
        _row("mnist-512@512", "mnist", 98.6, 195_312, 20_582), _row("mnist-conv", "mnist", 99.1, 31_318, 22_374),
        _row("mnist-fast", "mnist", 97.9, 781_250, 19_000), _row("fashion-conv", "fashion", 88.0, 31_318, 22_374),
        {**_row("random", "digits", 0, 1, 1), "accuracy": None}]


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_every_point_is_labelled_inside_its_panel_and_nothing_overlaps(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    fig = hw_bench.frontier_figure(ROWS)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert {ax.get_title() for ax in panels} == {"digits (8x8)", "MNIST", "Fashion-MNIST",
                                                 "CIFAR-10 (published anchors only)"}
    legend = [t.get_text() for ax in panels for t in ax.get_legend().get_texts()]
    for r in ROWS[:-1]:
        assert sum(f"  {r['model']}: " in t for t in legend) == 1, r["model"]
    for a in hw_bench.REFERENCES:
        assert sum(t.endswith(f"{a.label}") for t in legend) == 1 and "published, not measured here" in a.label
    for ax in panels:
        box = ax.get_window_extent(renderer)
        tags = [t.get_window_extent(renderer) for t in ax.texts]
        inside = [box.x0 <= t.x0 and t.x1 <= box.x1 and box.y0 <= t.y0 and t.y1 <= box.y1 for t in tags]
        assert tags and all(inside), ax.get_title()
        assert not any(_overlap(a, b) for i, a in enumerate(tags) for b in tags[i + 1:]), ax.get_title()
        ticks = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text() and t.get_visible()
                 and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]]
        assert len(ticks) >= 2 and not any(_overlap(a, b) for i, a in enumerate(ticks) for b in ticks[i + 1:])
    plt.close(fig)
    hw_bench.frontier_png(ROWS, tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
