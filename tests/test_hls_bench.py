"""hls.bench on a tiny conv artifact: one row per model in hls.json + hls.md, every step's scores checked."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("hls4ml")

from bwsnn import golden
from bwsnn.random_artifact import random_images, random_network
from hls import bench

# 1x1 and strided 3x3 convs with padding, an OR-pool, a shortcut, 5 and 3 channels
TINY = (("conv", 5, 3, 1, 1), ("conv", 5, 1, 1, 0), ("pool", 2, 2), ("conv", 3, 3, 2, 1), ("dense", 4))


def test_bench_rows_and_step_scores(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("hls.flow.shutil.which", lambda _name: None)  # no vendor tools: estimate is "none"
    art = random_network((9, 7, 2), TINY, seed=3)
    path = tmp_path / "tiny.bwsnn.npz"
    art.save(path)
    out = tmp_path / "bench" / "hls.json"
    assert bench.main(["--artifact", str(path), "--models", str(path), "--models-images", "7",
                       "--hls-out", str(tmp_path / "hls"), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    rows = report["models"]
    assert report["target"] == "pynq-z2" and [r["model"] for r in rows] == ["tiny.bwsnn.npz"] * 2
    # no dataset: random images, 100 for the default row (images=None), 7 for --models-images 7
    assert [r["images"] for r in rows] == [100, 7] and rows[0]["source"].startswith("random images")
    for r in rows:
        assert (r["mismatches"], r["testbench_mismatches"], r["step_score_mismatches"]) == (0, 0, 0)
        assert r["single_image"]["mismatches"] == 0 and r["compile_seconds"] > 0 and r["csim_seconds"] > 0
        assert r["estimate"] == bench.NO_ESTIMATE
    md = out.with_suffix(".md").read_text()
    assert md.count("| tiny.bwsnn.npz | conv2d conv2d pool conv2d dense | 2 |") == 2
    assert f"estimate: {bench.NO_ESTIMATE}" in md


def test_step_scores_really_compared(tmp_path, monkeypatch) -> None:
    """T = 3: the scores after steps 0 and 1 come from two projects; one wrong golden score after step 1 of
    image 2 is one mismatching image."""
    art = random_network((5, 5, 1), (("conv", 3, 3, 1, 1), ("dense", 3)), T=3, seed=1)
    x = random_images(art, 6)
    real = golden.run

    def off_by_one(a, images, **kw):
        g = real(a, images, **kw)
        g.step_scores[2, 1, 1] += 1
        return g

    monkeypatch.setattr("hls.bench.golden.run", off_by_one)
    assert bench.step_score_mismatches(art, bench.get_board("pynq-z2"), tmp_path, x) == 1
