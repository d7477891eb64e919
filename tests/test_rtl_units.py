"""Unit benches of the RTL building blocks (sim/tb/tb_<module>.py) on both simulators, and of every layer
engine of the random cases (sim/tb/tb_layer.py: first layer from pixels, hidden layers with a shortcut,
padding neurons, output layer) against the golden model's trace, also on both simulators."""
from __future__ import annotations

import pytest

from bwsnn.random_artifact import random_images
from sim.run_rtl import LAYER_CASES, UNIT_BENCHES, random_case, run_layer, run_unit, sim_build


@pytest.mark.parametrize("bench", sorted(UNIT_BENCHES))
def test_unit(simulator: str, bench: str) -> None:
    run_unit(bench, sim_build(f"test_{bench.replace('@', '_')}_{simulator}"), simulator, vectors=1000)


@pytest.mark.parametrize(("case", "layer"), LAYER_CASES)
def test_layer_engine(simulator: str, case: str, layer: int) -> None:
    art, pe_simd = random_case(case)
    run_layer(art, pe_simd, layer, random_images(art, 6, seed=3), sim_build(f"test_layer_{case}_{layer}_{simulator}"),
              simulator)
