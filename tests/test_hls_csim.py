"""The HLS flow end to end on a saved artifact (C-sim of the edge-case table: tests/test_edge_cases.py)."""
from __future__ import annotations

import json

from bwsnn.random_artifact import random_artifact, random_images
from hls.flow import expected_words, run_flow, run_testbench


def test_flow_writes_csim_json(tmp_path, monkeypatch, capsys) -> None:
    """The CLI path end to end on a saved artifact; vendor steps are reported as skipped without tools."""
    monkeypatch.setattr("hls.flow.shutil.which", lambda _name: None)
    art = random_artifact(seed=2)
    path = tmp_path / "a.bwsnn.npz"
    art.save(path)
    summary, _ = run_flow("pynq-z2", path, tmp_path / "hls", images=20, bitstream=True)
    on_disk = json.loads((tmp_path / "hls" / "pynq-z2" / "csim.json").read_text())
    assert on_disk == summary
    assert on_disk["images"] == 20 and on_disk["mismatches"] == 0 and on_disk["testbench_mismatches"] == 0
    assert on_disk["seconds"] > 0 and on_disk["part"] == "xc7z020clg400-1"
    out = capsys.readouterr().out
    assert "skipped C-synthesis, co-simulation and IP export: neither vivado_hls nor vitis_hls is on PATH" in out
    assert "skipped bitstream: vivado is not on PATH" in out
    # the testbench really compares: one wrong expected score is one mismatching image
    x = random_images(art, 20)
    want = expected_words(art, x)
    want[3, 2] += 1
    assert run_testbench(tmp_path / "hls" / "pynq-z2", x, want) == 1
