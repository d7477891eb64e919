"""Run the cocotb benches of the RTL: the full-network bench (sim/tb/tb_top.py) and the unit benches.

Used by tests/test_rtl_*.py and, with many images and JUnit output, by ``make sim``:

    python -m sim.run_rtl [--images 300] [--icarus-images 24] [--sim verilator icarus]

which runs the unit benches, the real artifact (:func:`reference_artifact`, digits test set), random artifacts
(saturation, both resets, multi-chunk fan-in, parameter reload) and the RTL edge cases
(:data:`bwsnn.random_artifact.EDGE_CASES`) on each simulator; JUnit xml per run under build/sim/. A bench
passes only when every cocotb test in it ran and passed (a skipped test fails it); Icarus is skipped, with a
line saying so, where ``iverilog`` is absent. Exit status 1 when any bench failed.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from bwsnn import cli
from bwsnn.artifact import Artifact, ArtifactError, load
from bwsnn.datasets import load_digits
from bwsnn.params import DEFAULT_LANES
from bwsnn.paths import build_dir
from bwsnn.random_artifact import EDGE_CASES, EdgeCase, random_artifact, random_images
from hw import RTL_DIR, TOPLEVEL
from sim import rtl_build

UNIT_SOURCES = {"bwsnn_synapse": ["bwsnn_synapse.v", "bwsnn_popcount.v"], "bwsnn_lif": ["bwsnn_lif.v"]}


def sim_build(*parts: str) -> Path:
    return build_dir("sim", *parts)


def reference_artifact() -> Path:
    """The real trained artifact: $BWSNN_ARTIFACT, else the one `make train` writes."""
    return Path(os.environ.get("BWSNN_ARTIFACT") or build_dir("model.bwsnn.npz"))


def check_results(results_xml: Path) -> None:
    """Every cocotb test in the results ran and passed: a failed, errored or skipped one fails the bench (a
    skipped bench is not a passed bench), and so does a results file without any test."""
    if not results_xml.is_file():
        raise AssertionError(f"the simulation ended without writing {results_xml}")
    cases = ElementTree.parse(results_xml).getroot().iter("testcase")
    outcomes = {c.get("name"): [e.tag for e in c if e.tag in ("failure", "error", "skipped")] for c in cases}
    bad = {name: tags[0] for name, tags in outcomes.items() if tags}
    if bad or not outcomes:
        what = ", ".join(f"{name} {tag}" for name, tag in bad.items()) or "no test ran"
        raise AssertionError(f"cocotb: {what} ({len(outcomes)} tests): see {results_xml}")


def digits_images(n: int) -> np.ndarray:
    x = np.asarray(load_digits().x_test)
    return x.reshape(len(x), -1)[:n].astype(np.uint8)


TOP_TESTS = ["test_stream", "test_start_single", "test_errors"]  # sim/tb/tb_top.py, test_reload apart


def run_top(art: Artifact | str | Path, images: np.ndarray, build_dir: str | Path, simulator: str = "verilator",
            lanes: int = DEFAULT_LANES, reload: Artifact | None = None, pauses: bool = True, seed: int = 1,
            testcase: str | list[str] | None = None) -> dict | None:
    """Build bwsnn_top for ``art`` and run sim/tb/tb_top.py on ``images``; raises on any failure.

    ``testcase`` defaults to every bench of tb_top that applies (test_reload only with ``reload``): a skipped
    one fails. Returns what test_stream measured (``cycles_per_image`` between results, ``cycles_last``) when
    it ran.
    """
    if testcase is None:
        testcase = TOP_TESTS + (["test_reload"] if reload is not None else [])
    d = Path(build_dir).resolve()
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(art, Artifact):
        art.save(d / "model.bwsnn.npz")
        art = d / "model.bwsnn.npz"
    np.save(d / "images.npy", np.asarray(images, np.uint8))
    env = {"BWSNN_TB_ARTIFACT": str(Path(art).resolve()), "BWSNN_TB_IMAGES": str(d / "images.npy"),
           "BWSNN_TB_LANES": str(lanes), "BWSNN_TB_PAUSES": "1" if pauses else "0", "BWSNN_TB_SEED": str(seed),
           "BWSNN_TB_REPORT": str(d / "report.json")}
    if reload is not None:
        reload.save(d / "reload.bwsnn.npz")
        env["BWSNN_TB_RELOAD"] = str(d / "reload.bwsnn.npz")
    (d / "report.json").unlink(missing_ok=True)
    runner = rtl_build.build(art, d, simulator, lanes)
    xml = runner.test(test_module="sim.tb.tb_top", hdl_toplevel=TOPLEVEL, testcase=testcase,
                      extra_env=env, waves=rtl_build.waves_enabled(), results_xml=str(d / "results.xml"),
                      log_file=d / "test.log")
    check_results(Path(xml))
    return json.loads((d / "report.json").read_text()) if (d / "report.json").exists() else None


def run_unit(module: str, build_dir: str | Path, simulator: str = "verilator", lanes: int = 64,
             vectors: int = 2000) -> None:
    """Unit bench of bwsnn_synapse (P = ``lanes``) or bwsnn_lif with ``vectors`` random inputs."""
    d = Path(build_dir).resolve()
    params = {"P": lanes} if module == "bwsnn_synapse" else {}
    runner = rtl_build.build_sources([RTL_DIR / f for f in UNIT_SOURCES[module]], module, d, simulator,
                                     parameters=params)
    xml = runner.test(test_module=f"sim.tb.tb_{module.removeprefix('bwsnn_')}", hdl_toplevel=module,
                      extra_env={"BWSNN_TB_VECTORS": str(vectors), "BWSNN_TB_LANES": str(lanes)},
                      waves=rtl_build.waves_enabled(), results_xml=str(d / "results.xml"), log_file=d / "test.log")
    check_results(Path(xml))


# Random artifacts for the full-network bench: name -> (random_artifact kwargs, P).
RANDOM_CASES = {
    # 8-bit membranes saturate all the time; soft reset; one chunk per neuron
    "sat_soft": (dict(sizes=(64, 32, 32, 10), T=3, mem_bits=8, reset="soft", seed=11), 64),
    # fan-in of several chunks, the last one partial (200 = 3*64 + 8), hard reset, mixed widths
    "fanin_hard": (dict(sizes=(200, 130, 130, 10), T=2, reset="hard", seed=12, frac_bits=3), 64),
}


def random_case(name: str, reload: bool = False) -> tuple[Artifact, int]:
    """The case's artifact (or, with ``reload``, a second one of the same shape and different values)."""
    kwargs, lanes = RANDOM_CASES[name]
    if reload:
        kwargs = {**kwargs, "seed": kwargs["seed"] + 100, "reset": None, "mem_bits": None}
    return random_artifact(**kwargs), lanes


def benches(sim: str, n: int) -> Iterator[tuple[str, Callable[[], object]]]:
    """(name, run) of every bench ``make sim`` runs on ``sim`` with ``n`` images per network bench."""
    for module in UNIT_SOURCES:
        yield module, lambda m=module: run_unit(m, sim_build(f"make_{m}_{sim}"), sim, vectors=20000)
    yield f"reference artifact, {n} digits test images", lambda: run_top(
        reference_artifact(), digits_images(n), sim_build(f"make_ref_{sim}"), sim)
    for name in RANDOM_CASES:
        def random_bench(name: str = name) -> None:
            art, lanes = random_case(name)
            run_top(art, random_images(art, n, seed=3), sim_build(f"make_{name}_{sim}"), sim, lanes,
                    reload=random_case(name, reload=True)[0])
        yield f"random artifact {name}, {n} images", random_bench
    for name, case in EDGE_CASES.items():
        if case.lanes:
            def edge_bench(name: str = name, case: EdgeCase = case) -> None:
                art = case.make()
                run_top(art, random_images(art, n, seed=5), sim_build(f"make_edge_{name}_{sim}"), sim, case.lanes)
            yield f"edge case {name}, {n} images", edge_bench


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m sim.run_rtl", description="full RTL benches with JUnit output under build/sim/")
    ap.add_argument("--images", type=cli.positive_int, default=os.environ.get("BWSNN_SIM_IMAGES", "300"),
                    help="images per network bench on Verilator (default: $BWSNN_SIM_IMAGES, else 300)")
    ap.add_argument("--icarus-images", type=cli.positive_int, default="24",
                    help="the same on Icarus (about 30x slower)")
    ap.add_argument("--sim", nargs="+", choices=rtl_build.SIMULATORS,
                    help="simulators (default: Verilator, and Icarus where iverilog is on PATH)")
    a = ap.parse_args(argv)
    try:
        load(reference_artifact())  # before any build: a missing or bad reference artifact is one line
    except ArtifactError as e:
        print(f"error: reference artifact (make train, or $BWSNN_ARTIFACT): {e}", file=sys.stderr)
        return 1
    sims = a.sim or list(rtl_build.SIMULATORS)
    if "icarus" in sims and shutil.which("iverilog") is None:
        if a.sim:
            ap.error("--sim icarus: iverilog is not on PATH")
        sims.remove("icarus")
        print("icarus: skipped, not passed (iverilog is not on PATH; it is optional)", flush=True)
    failed = 0
    for sim in sims:
        n = a.images if sim == "verilator" else a.icarus_images
        for name, bench in benches(sim, n):
            try:
                bench()
            except AssertionError as e:
                failed += 1
                print(f"{sim} {name}: FAIL: {e}", flush=True)
            else:
                print(f"{sim} {name}: pass", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
