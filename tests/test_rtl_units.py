"""Unit benches of the RTL building blocks (sim/tb/tb_synapse.py, sim/tb/tb_lif.py) on both simulators."""
from __future__ import annotations

from sim.run_rtl import run_unit, sim_build


def test_synapse_lane(simulator: str) -> None:
    run_unit("bwsnn_synapse", sim_build(f"test_synapse_{simulator}"), simulator, lanes=64, vectors=1000)


def test_lif_unit(simulator: str) -> None:
    run_unit("bwsnn_lif", sim_build(f"test_lif_{simulator}"), simulator, vectors=3000)
