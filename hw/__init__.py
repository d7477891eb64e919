"""The hand-written RTL accelerator and what builds it: Verilog (rtl/), generated headers and memory images
(:mod:`hw.gen`), Yosys estimates (:mod:`hw.synth`), the Vivado/PYNQ block design (vivado/)."""
from __future__ import annotations

from pathlib import Path

RTL_DIR = Path(__file__).resolve().parent / "rtl"
TOPLEVEL = "bwsnn_top"


def rtl_sources() -> list[Path]:
    """The synthesizable sources of bwsnn_top (its headers come from :func:`hw.gen.write_params`)."""
    return sorted(RTL_DIR.glob("*.v"))
