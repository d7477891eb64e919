"""Run the cocotb benches of the RTL: the full-network bench (sim/tb/tb_top.py) and the unit benches.

Used by tests/test_rtl_*.py and, with many images and JUnit output, by ``make sim``:

    python -m sim.run_rtl [--images 300] [--icarus-images 24] [--sim verilator icarus] [--artifact A] [--data-dir D]

which runs the unit benches, the real artifact (:func:`reference_artifact`, on its own dataset's test set), random
artifacts (saturation, both resets, multi-chunk fan-in, parameter reload) and the RTL edge cases
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

from bwsnn import cli, datasets
from bwsnn.artifact import Artifact, ArtifactError, load, validate
from bwsnn.design import FILE_NAME, Design
from bwsnn.params import check_buildable, const_bits
from bwsnn.params import folding as make_folding
from bwsnn.paths import build_dir
from bwsnn.random_artifact import EDGE_CASES, EdgeCase, random_artifact, random_conv_artifact, random_images
from hw import RTL_DIR, TOPLEVEL
from hw.gen import write_layer_unit, write_regmap
from sim import rtl_build

PeSimd = tuple[tuple[int, int], ...]
POPCOUNT_SOURCES = ["bwsnn_popcount.v", "bwsnn_popcount_leaf.v", "bwsnn_popcount_group.v", "bwsnn_popcount_sum.v"]
LAYER_SOURCES = ["bwsnn_layer.v", "bwsnn_pmem.v", *POPCOUNT_SOURCES, "bwsnn_lif_chain.v", "bwsnn_lif.v",
                 "bwsnn_delay.v"]
# Unit benches (sim/tb/tb_<module>.py): "module" or "module@variant" (the same module built with other
# parameters) -> (its sources, the parameters it is built with)
UNIT_BENCHES: dict[str, tuple[list[str], dict[str, int | str]]] = {
    # 8-bit membrane, soft reset: currents anywhere in the constants' CW bits saturate both ways; a step after
    # the first and the first (no membrane in)
    "bwsnn_lif": (["bwsnn_lif.v"], {"ZW": 32, "FRAC": 3, "LEAK": 2, "MB": 8, "SOFT": 1, "SPIKING": 1, "FIRST": 0,
                                    "CW": const_bits(32, 3, 8)}),
    "bwsnn_lif@first": (["bwsnn_lif.v"], {"ZW": 32, "FRAC": 3, "LEAK": 2, "MB": 8, "SOFT": 1, "SPIKING": 1,
                                          "FIRST": 1, "CW": const_bits(32, 3, 8)}),
    # int32 constants clamped as the parameter image holds them (bwsnn.params.neuron_words)
    "bwsnn_lif_chain": (["bwsnn_lif_chain.v", "bwsnn_lif.v", "bwsnn_delay.v"],
                        {"T": 3, "ZW": 16, "FRAC": 2, "LEAK": 1, "MB": 12, "SOFT": 0, "SPIKING": 1, "TAGW": 5,
                         "CW": const_bits(16, 2, 12)}),
    "bwsnn_framebuf": (["bwsnn_framebuf.v"],
                       {"PLANES": 2, "BANKS": 3, "NB": 64, "FILL": 48, "WW": 8, "RW": 16, "RW2": 4}),
    # block-RAM maps: 8-pixel words of the pixel planes, a row past a whole word (bwsnn_rx, C = 1, padded
    # frame); writes smaller than a pixel (LIF lanes of 4 into 12 channels, a word of two pixels); one pixel a
    # write (a pool); writes of 8 bits into 3 channels (8 pixels a word, 3 writes)
    "bwsnn_mapbuf": (["bwsnn_mapbuf.v"], {"PLANES": 3, "BANKS": 2, "PIX": 45, "C": 1, "FILL": 48, "WW": 8, "PPW": 8}),
    "bwsnn_mapbuf@lanes": (["bwsnn_mapbuf.v"], {"PLANES": 2, "BANKS": 3, "PIX": 14, "C": 6, "FILL": 84, "WW": 4,
                                                "PPW": 2}),
    "bwsnn_mapbuf@pool": (["bwsnn_mapbuf.v"], {"PLANES": 2, "BANKS": 3, "PIX": 9, "C": 16, "FILL": 144, "WW": 16,
                                               "PPW": 1}),
    "bwsnn_mapbuf@rgb": (["bwsnn_mapbuf.v"], {"PLANES": 2, "BANKS": 2, "PIX": 21, "C": 3, "FILL": 64, "WW": 8,
                                              "PPW": 8}),
    # popcounts: N neither a multiple of 3 nor of 6 (the last group partly padding), one group, a whole slice
    # of the engine (64), a tree whose leaves are not a power of two (100); counts of x alone (MASKED 0)
    "bwsnn_popcount@37": (POPCOUNT_SOURCES, {"N": 37, "MASKED": 1}),
    "bwsnn_popcount@3": (POPCOUNT_SOURCES, {"N": 3, "MASKED": 1}),
    "bwsnn_popcount@64": (POPCOUNT_SOURCES, {"N": 64, "MASKED": 1}),
    "bwsnn_popcount@100": (POPCOUNT_SOURCES, {"N": 100, "MASKED": 1}),
    "bwsnn_popcount@64x": (POPCOUNT_SOURCES, {"N": 64, "MASKED": 0}),
    "bwsnn_popcount@29x": (POPCOUNT_SOURCES, {"N": 29, "MASKED": 0}),
    # result sender: padding scores past the classes; a power-of-two class count (the index fills its bits)
    "bwsnn_tx": (["bwsnn_tx.v"], {"N_CLASSES": 10, "NB": 352}),
    "bwsnn_tx@16": (["bwsnn_tx.v"], {"N_CLASSES": 16, "NB": 512}),
    # stream receiver: a last beat partly padding (N_IN not a multiple of 8), 3 and 8 input bits; images of one
    # beat (every beat an image's last: none can be short)
    "bwsnn_rx": (["bwsnn_rx.v"], {"N_IN": 61, "IB": 3}),
    "bwsnn_rx@8": (["bwsnn_rx.v"], {"N_IN": 64, "IB": 8}),
    "bwsnn_rx@1": (["bwsnn_rx.v"], {"N_IN": 5, "IB": 1}),
    # registers: three layers' configuration words (each its own), a 40-word parameter image
    "bwsnn_axil": (["bwsnn_axil.v"], {"N_IN": 61, "N_CLASSES": 10, "T_STEPS": 3, "PARAM_WORDS": 40, "N_LAYERS": 3,
                                      "CFG": "96'h022004030110080500a10c06", "DESIGN_ID": "32'hc0de1d42"}),
    # 3x3 stride 2 with padding 1 on both sides; channels not a multiple of 8, two planes
    "bwsnn_window": (["bwsnn_window.v"], {"H": 7, "W": 6, "C": 3, "P": 2, "K": 3, "S": 2, "PAD": 1}),
    # stride 1 with padding (a window per cycle along a row, as mnist-conv's layers); a 1x1 (no line buffer)
    "bwsnn_window@s1": (["bwsnn_window.v"], {"H": 5, "W": 7, "C": 2, "P": 2, "K": 3, "S": 1, "PAD": 1}),
    "bwsnn_window@1x1": (["bwsnn_window.v"], {"H": 3, "W": 4, "C": 5, "P": 1, "K": 1, "S": 1, "PAD": 0}),
    # no FIFO (a slow consumer's generator): the head alone, handed over 2 cycles after each take
    "bwsnn_window@head": (["bwsnn_window.v"], {"H": 5, "W": 7, "C": 2, "P": 2, "K": 3, "S": 1, "PAD": 1, "HOLD": 0}),
    # odd sizes: the last row and column fit no window and are dropped
    "bwsnn_pool": (["bwsnn_pool.v", "bwsnn_window.v"], {"H": 7, "W": 5, "C": 3, "P": 2, "K": 2, "S": 2}),
}


def sim_build(*parts: str) -> Path:
    return build_dir("sim", *parts)


def reference_artifact(given: str | Path | None = None) -> Path:
    """The real trained artifact: ``given`` (--artifact), else $BWSNN_ARTIFACT, else the one `make train` writes."""
    return Path(given or os.environ.get("BWSNN_ARTIFACT") or build_dir("model.bwsnn.npz"))


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


def dataset_images(name: str, n: int, data_dir: str | None = None) -> np.ndarray:
    """The first n test images of a dataset (digits: embedded; the others from data_dir), flat uint8."""
    x = np.asarray(datasets.load(name, data_dir).x_test)
    return x.reshape(len(x), -1)[:n].astype(np.uint8)


def digits_images(n: int) -> np.ndarray:
    return dataset_images("digits", n)


TOP_TESTS = ["test_stream", "test_start_single", "test_errors"]  # sim/tb/tb_top.py, test_reload apart


def run_top(art: Artifact | str | Path, images: np.ndarray, build_dir: str | Path, simulator: str = "verilator",
            folding: PeSimd | None = None, reload: Artifact | None = None, pauses: bool = True, seed: int = 1,
            testcase: str | list[str] | None = None) -> dict | None:
    """Build bwsnn_top for ``art`` (``folding``: (PE, SIMD) per layer, default the plan) and run
    sim/tb/tb_top.py on ``images``; raises on any failure.

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
           "BWSNN_TB_PAUSES": "1" if pauses else "0", "BWSNN_TB_SEED": str(seed),
           "BWSNN_TB_REPORT": str(d / "report.json")}
    if reload is not None:
        reload.save(d / "reload.bwsnn.npz")
        env["BWSNN_TB_RELOAD"] = str(d / "reload.bwsnn.npz")
    (d / "report.json").unlink(missing_ok=True)
    loaded = load(art)
    design = None if folding is None else Design.of(loaded, make_folding(loaded, folding))
    runner = rtl_build.build(loaded, d, simulator, design)
    env["BWSNN_TB_DESIGN"] = str(d / "params" / FILE_NAME)  # the bench packs the image from the record
    xml = runner.test(test_module="sim.tb.tb_top", hdl_toplevel=TOPLEVEL, testcase=testcase,
                      extra_env=env, waves=rtl_build.waves_enabled(), results_xml=str(d / "results.xml"),
                      log_file=d / "test.log")
    check_results(Path(xml))
    return json.loads((d / "report.json").read_text()) if (d / "report.json").exists() else None


def unit_module(bench: str) -> str:
    """The module a :data:`UNIT_BENCHES` entry builds."""
    return bench.split("@", 1)[0]


def run_unit(bench: str, build_dir: str | Path, simulator: str = "verilator", vectors: int = 2000) -> None:
    """Unit bench ``bench`` (:data:`UNIT_BENCHES`) with ``vectors`` random inputs."""
    d = Path(build_dir).resolve()
    sources, params = UNIT_BENCHES[bench]
    module = unit_module(bench)
    runner = rtl_build.build_sources([RTL_DIR / f for f in sources], module, d, simulator,
                                     includes=[write_regmap(d / "include")], parameters=params)
    xml = runner.test(test_module=f"sim.tb.tb_{module.removeprefix('bwsnn_')}", hdl_toplevel=module,
                      extra_env={"BWSNN_TB_VECTORS": str(vectors), "BWSNN_TB_PARAMS": json.dumps(params)},
                      waves=rtl_build.waves_enabled(), results_xml=str(d / "results.xml"), log_file=d / "test.log")
    check_results(Path(xml))


def run_layer(art: Artifact, pe_simd: PeSimd, layer: int, images: np.ndarray, build_dir: str | Path,
              simulator: str = "verilator") -> None:
    """Unit bench of one layer engine (sim/tb/tb_layer.py) built for ``art``'s layer ``layer``."""
    d = Path(build_dir).resolve()
    d.mkdir(parents=True, exist_ok=True)
    art.save(d / "model.bwsnn.npz")
    np.save(d / "images.npy", np.asarray(images, np.uint8))
    unit = write_layer_unit(art, d / "params", layer, Design.of(art, make_folding(art, pe_simd)))
    sources = [unit, *(RTL_DIR / f for f in LAYER_SOURCES)]
    runner = rtl_build.build_sources(sources, "bwsnn_layer_unit", d, simulator, includes=[unit.parent], always=True)
    env = {"BWSNN_TB_ARTIFACT": str(d / "model.bwsnn.npz"), "BWSNN_TB_IMAGES": str(d / "images.npy"),
           "BWSNN_TB_LAYER": str(layer), "BWSNN_TB_FOLDING": json.dumps([list(p) for p in pe_simd])}
    xml = runner.test(test_module="sim.tb.tb_layer", hdl_toplevel="bwsnn_layer_unit", extra_env=env,
                      waves=rtl_build.waves_enabled(), results_xml=str(d / "results.xml"), log_file=d / "test.log")
    check_results(Path(xml))


# Random artifacts for the full-network bench: name -> (random_artifact kwargs, or random_conv_artifact's with a
# ``stack``; (PE, SIMD) per layer, None: the plan).
RANDOM_CASES: dict[str, tuple[dict, PeSimd | None]] = {
    # 8-bit membranes saturate all the time; soft reset; T = 3; two chunks and two LIF lanes of four neurons
    # in layer 0; padding neurons in the output layer (10 = 3 groups of 4)
    "sat_soft": (dict(sizes=(64, 32, 32, 10), T=3, mem_bits=8, reset="soft", seed=11), ((4, 32), (2, 32), (4, 32))),
    # fan-in of several chunks, the last one partial (197 = 3*64 + 5: not whole beats either), 3-bit input,
    # padding neurons in every layer, fewer LIF lanes than PE, a shortcut read in groups of 8, hard reset,
    # mixed widths
    "fanin_hard": (dict(sizes=(197, 130, 130, 10), T=2, reset="hard", seed=12, frac_bits=3, input_bits=3),
                   ((4, 64), (8, 32), (2, 64))),
    # bwsnn.random_artifact.CONV_STACK on 11x9x2: 3x3 padding 1 with a shortcut, a pool dropping the last row
    # and column, a 1x1 conv with a shortcut from that pool, an overlapping pool (2, stride 1), a stride-2 conv,
    # 5 and 11 channels (PE 1), dense layers after the flatten; the plan's folding
    # slice sums registered halfway (SIMD > 256): 300 2-bit pixels, then 300 spikes, in one 512-input chunk each
    # (slices past the fan-in are 0)
    "wide_simd": (dict(sizes=(300, 300, 10), T=2, seed=13, input_bits=2), ((1, 512), (1, 512))),
    "conv_stack": (dict(stack=None, input_shape=(11, 9, 2), T=2, seed=3), None),
    # 3x3 without padding, then a shortcut conv of 3 chunks x 4 groups with fewer LIF lanes than PE, 3-bit
    # input, T = 5, soft reset, 8-bit membranes, a pool into a 2-chunk dense output layer
    "conv_chunks": (dict(stack=(("conv", 8, 3, 1, 0), ("conv", 8, 3, 1, 1), ("pool", 2, 2), ("dense", 10)),
                         input_shape=(7, 8, 3), T=5, seed=4, input_bits=3, reset="soft", mem_bits=8),
                    ((4, 32), (2, 32), (1, 32), (2, 32))),
}


# Layer engines with their own bench: 8-bit pixels with fewer LIF lanes than PE; 3-bit pixels in several
# chunks; a shortcut, several chunks and padding neurons; the output layer; the slice sums registered halfway
LAYER_CASES = (("sat_soft", 0), ("fanin_hard", 0), ("fanin_hard", 1), ("fanin_hard", 2), ("wide_simd", 0),
               ("wide_simd", 1))


def random_case(name: str, reload: bool = False) -> tuple[Artifact, PeSimd | None]:
    """The case's artifact (or, with ``reload``, a second one for the same bitstream: the same shape and layer
    configuration, other weights and neuron parameters) and its folding."""
    kwargs, pe_simd = RANDOM_CASES[name]
    if "stack" in kwargs:
        stack = kwargs["stack"]
        kwargs = {k: v for k, v in kwargs.items() if k != "stack"}

        def make(**kw: object) -> Artifact:
            return random_conv_artifact(**({} if stack is None else {"stack": stack}), **kw)
    else:
        make = random_artifact
    art = make(**kwargs)
    if reload:
        other = make(**{**kwargs, "seed": kwargs["seed"] + 100})
        for l, built in zip(other.synaptic, art.synaptic):  # the configuration is fixed at synthesis
            for field in ("frac_bits", "leak_shift", "mem_bits", "reset"):
                setattr(l, field, getattr(built, field))
        validate(other, f"random_case({name!r}, reload=True)")
        art = other
    return art, pe_simd


def benches(sim: str, n: int, ref: Path | None = None,
            data_dir: str | None = None) -> Iterator[tuple[str, Callable[[], object]]]:
    """(name, run) of every bench ``make sim`` runs on ``sim`` with ``n`` images per network bench; the
    reference artifact ``ref`` (default :func:`reference_artifact`) on its dataset's test images."""
    ref = reference_artifact(ref)
    ref_data = str(load(ref).info.get("dataset", "digits"))
    for bench in UNIT_BENCHES:
        yield bench, lambda b=bench: run_unit(b, sim_build(f"make_{b.replace('@', '_')}_{sim}"), sim, vectors=20000)
    for name, layer in LAYER_CASES:
        def layer_bench(name: str = name, layer: int = layer) -> None:
            art, pe_simd = random_case(name)
            run_layer(art, pe_simd, layer, random_images(art, 24, seed=3),
                      sim_build(f"make_layer_{name}_{layer}_{sim}"), sim)
        yield f"layer engine {layer} of {name}", layer_bench
    yield f"reference artifact {ref.name}, {n} {ref_data} test images", lambda: run_top(
        ref, dataset_images(ref_data, n, data_dir), sim_build(f"make_ref_{sim}"), sim)
    for name in RANDOM_CASES:
        def random_bench(name: str = name) -> None:
            art, pe_simd = random_case(name)
            run_top(art, random_images(art, n, seed=3), sim_build(f"make_{name}_{sim}"), sim, pe_simd,
                    reload=random_case(name, reload=True)[0])
        yield f"random artifact {name}, {n} images", random_bench
    for name, case in EDGE_CASES.items():
        if case.rtl:
            def edge_bench(name: str = name, case: EdgeCase = case) -> None:
                art = case.make()
                run_top(art, random_images(art, n, seed=5), sim_build(f"make_edge_{name}_{sim}"), sim)
            yield f"edge case {name}, {n} images", edge_bench


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m sim.run_rtl", description="full RTL benches with JUnit output under build/sim/")
    ap.add_argument("--images", type=cli.positive_int, default=os.environ.get("BWSNN_SIM_IMAGES", "300"),
                    help="images per network bench on Verilator (default: $BWSNN_SIM_IMAGES, else 300)")
    ap.add_argument("--icarus-images", type=cli.positive_int, default="24",
                    help="the same on Icarus (about 30x slower)")
    ap.add_argument("--sim", nargs="+", choices=rtl_build.SIMULATORS,
                    help="simulators (default: Verilator, and Icarus where iverilog is on PATH)")
    ap.add_argument("--artifact", help="the real trained artifact of the reference bench (default: "
                    "$BWSNN_ARTIFACT, else BUILD/model.bwsnn.npz)")
    ap.add_argument("--data-dir", type=cli.existing_dir, help="dataset directory of the reference artifact's "
                    "test images (MNIST, Fashion-MNIST or an own .npz; digits is embedded)")
    a = ap.parse_args(argv)
    ref = reference_artifact(a.artifact)
    data_dir = a.data_dir and str(a.data_dir)
    try:  # before any build: a missing, bad or unbuildable reference artifact or dataset is one line
        check_buildable(load(ref), str(ref))
        dataset_images(str(load(ref).info.get("dataset", "digits")), 1, data_dir)
    except ArtifactError as e:
        print(f"error: reference artifact (make train, or $BWSNN_ARTIFACT): {e}", file=sys.stderr)
        return 1
    except datasets.DataError as e:
        print(f"error: reference artifact {ref}: test images: {e}", file=sys.stderr)
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
        for name, bench in benches(sim, n, ref, data_dir):
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
