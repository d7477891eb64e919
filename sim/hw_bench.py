"""Hardware benchmark of the RTL accelerator, one row per model: the reference artifact (the default bitstream's,
which the host driver uses) and every model shipped in models/ that the RTL builds (dense and conv), each with
its planned folding, all measured -> ``$BUILD/bench/hw.json``, ``hw.md`` and ``hw_frontier.png`` (accuracy vs images/s):

* resources and logic depth: Yosys estimates (:mod:`hw.synth`);
* cycles per image: Verilator run of sim/tb/tb_top.py with no stalls (steady state between results of
  back-to-back images; every result checked against the golden model), latency: CYCLES_LAST of the last;
* bound_ratio: cycles per image over the model's bound, the slowest layer's weight bits over the PE x SIMD
  bits its engine reads per cycle (every weight is read once per image, a conv2d's once per output position);
* simulation speed of each simulator that is installed (simulated cycles per wall second, test_stream).

``python -m sim.hw_bench [--images N] [--icarus-images N] [--models-dir DIR | --no-shipped] [--target BOARD]
[--target-cycles N] [--point MODEL@CYCLES ...]`` (the planned interval and the board whose budget, a share of
its capacities (bwsnn.cost.default_budget), every row is planned within; other than the default bitstream's,
the rows are built in their own folders and the results are ``hw-t<N>-<BOARD>.*``). A point adds a row for a
shipped model planned at another interval (row ``MODEL@CYCLES``, e.g. ``mnist-512@512``: the dense model at
BNN-PYNQ LFC-W1A1's interval). Each row names its design record's id (bwsnn.design).

A 1024-wide model takes Yosys about 8 minutes per pass (two passes: resources, depth): the bench is long. A
rerun reuses every Yosys run whose inputs did not change (hw.synth), so a stopped bench resumes.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bwsnn import cli, planner
from bwsnn.artifact import Artifact, ArtifactError, Layer, load
from bwsnn.boards import BOARDS, DEFAULT_BOARD, get_board
from bwsnn.cost import estimate_bram36, estimate_luts, layer_estimates
from bwsnn.limits import CLOCK_HZ, CLOCK_PERIOD_NS
from bwsnn.params import Fold, buildable, check_buildable, layout, positions
from bwsnn.paths import MODELS_DIR, build_dir
from bwsnn.planner import DEFAULT_TARGET_CYCLES
from bwsnn.random_artifact import random_images
from hw.gen import instance_layer
from hw.synth import logic_depth, synth_estimate
from hw.yosys import YosysError
from sim.run_rtl import digits_images, reference_artifact, run_top, sim_build


def bound_cycles(art: Artifact, folding: tuple[Fold, ...]) -> float:
    """Cycles per image if every engine streamed its weights at PE x SIMD bits per cycle, no padding or stall:
    the slowest layer's weight bits (read once per output position) over its read width."""
    return max(positions(l) * l.n_in * l.n_out / (f.pe * f.simd) for l, f in zip(art.layers, folding)
               if isinstance(l, Layer))


def bench_images(art: Artifact, n: int) -> np.ndarray:
    """Images for the cycle count (checked against the golden model): the digits test set for 8x8 models, else
    random pixels (the interval does not depend on the pixel values)."""
    return digits_images(n) if art.n_in == 64 else random_images(art, n, seed=7)


def simulate(art_path: Path, art: Artifact, fold: tuple[Fold, ...], images: int, simulator: str,
             name: str) -> dict[str, float]:
    """Cycles per image (no stalls) and simulator speed from a checked run of ``art`` folded as ``fold``."""
    d = sim_build(f"bench_{name}_{simulator}")
    report = run_top(art_path, bench_images(art, images), d, simulator, [(f.pe, f.simd) for f in fold],
                     pauses=False, testcase="test_stream")
    case = ET.parse(d / "results.xml").find(".//testcase[@name='test_stream']")
    sim_ns = float(case.find("properties/property[@name='sim_time_duration']").get("value"))
    wall = float(case.get("time"))
    return {**report, "sim_cycles_per_s": sim_ns / CLOCK_PERIOD_NS / wall}


def markdown(rows: list[dict]) -> str:
    cols = [("model", "{}"), ("dataset", "{}"), ("accuracy", "{:.2f}"), ("T", "{}"), ("input_bits", "{}"),
            ("folding", "{}"), ("planned_cycles", "{:,}"), ("cycles_per_image", "{:.1f}"), ("latency_cycles", "{}"),
            ("images_per_s_100mhz", "{:,.0f}"), ("lut", "{:,}"), ("lut_estimate", "{:,}"), ("ff", "{:,}"),
            ("bram36", "{:g}"), ("bram36_estimate", "{:g}"),
            ("dsp", "{}"), ("logic_depth", "{}"), ("bound_ratio", "{:.2f}")]
    where = f"the {rows[0]['board']} ({rows[0]['part']})" if rows else "no board"
    lines = [f"bwsnn_top on {where} (Yosys synth_xilinx estimates; cycles from Verilator, back to back)", "",
             "| " + " | ".join(c for c, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(fmt.format(r[c]) if r[c] is not None else "-" for c, fmt in cols) + " |")
    for r in rows:
        lines.append(f"\n{r['model']}: LUT {r['lut_pct']:.1f}%, FF {r['ff_pct']:.1f}%, BRAM36 {r['bram36_pct']:.1f}%,"
                     f" DSP {r['dsp_pct']:.1f}% of the {r['part']}; simulation speed "
                     + ", ".join(f"{s} {v:,.0f} cycles/s" for s, v in r["sim_cycles_per_s_by"].items()))
    for r in rows:
        lines.append("\n" + layer_table(r))
    return "\n".join(lines) + "\n"


def layer_luts(n_layers: int, lut_by_instance: dict[str, int]) -> tuple[list[int], int]:
    """Each layer's LUTs (its engine or pool, window generator and read ports, and the buffer it reads) and
    the interface's (rx, tx, the register block, the FIFOs, the result buffer, the top's own logic)."""
    per, interface = [0] * n_layers, 0
    for name, n in lut_by_instance.items():
        i = instance_layer(name, n_layers)
        if i is None:
            interface += n
        else:
            per[i] += n
    return per, interface


def layer_table(r: dict) -> str:
    """A row's layers: kind, folding, planned cycles and LUTs with their share of the design's."""
    lines = [f"{r['model']}: per layer (planned cycles per image; LUTs of the layer's engine or pool, window"
             " generator and input buffer, and the planner's estimate)", "",
             "| layer | kind | folding | cycles | LUT | LUT share | estimate |", "|---|---|---|---|---|---|---|"]
    for i, (kind, fold, cyc, lut, est) in enumerate(zip(r["kinds"], r["folding"].split(), r["layer_cycles"],
                                                        r["layer_lut"], r["layer_lut_estimate"])):
        lines.append(f"| {i} | {kind} | {fold} | {cyc:,} | {lut:,} | {100 * lut / r['lut']:.1f}% | {est:,} |")
    lines.append(f"| - | interface | - | - | {r['interface_lut']:,} | {100 * r['interface_lut'] / r['lut']:.1f}% | - |")
    return "\n".join(lines)


def measure(art_path: Path, name: str, images: int, icarus_images: int,
            target_cycles: int = DEFAULT_TARGET_CYCLES, board: str | None = None) -> dict:
    """One model's row, planned for ``target_cycles`` within ``board``'s budget (bwsnn/boards.json; None: the
    default; ``icarus_images`` 0: no Icarus speed figure), resources estimated for that board's device."""
    art = load(art_path)
    b = get_board(board)
    design = planner.design(art, b.name, target_cycles)
    fold = design.folding
    build = name.split("@")[0] + suffix(target_cycles, b.name)  # a design point: MODEL@CYCLES
    hw_build = build_dir("hw", build)
    est = synth_estimate(art, hw_build, design, b)
    sims = {"verilator": simulate(art_path, art, fold, images, "verilator", build)}
    if shutil.which("iverilog") and icarus_images:
        sims["icarus"] = simulate(art_path, art, fold, icarus_images, "icarus", build)
    cycles = sims["verilator"]["cycles_per_image"]
    per_layer, interface = layer_luts(len(art.layers), est["lut_by_instance"])
    return {"model": name, "artifact": str(art_path), "design_id": f"0x{design.id:08x}",
            "target_cycles": target_cycles, "planned_cycles": design.interval, "dataset": art.info.get("dataset"),
            "accuracy": art.info.get("accuracy_deploy"), "T": art.T, "input_bits": art.input_bits,
            "widths": [l.out_shape[-1] for l in art.layers], "folding": " ".join(
                "pool" if l.kind == "pool" else f"{f.pe}x{f.simd}" + ("x1" if l.kind == "conv2d" else "")
                for l, f in zip(art.layers, fold)),  # conv2d: PE x SIMD x output pixels per cycle
            "kinds": [l.kind for l in art.layers], "layer_cycles": [ll.cycles for ll in layout(art, fold).layers],
            "layer_lut": per_layer, "interface_lut": interface,
            # the planner's estimates of this folding (bwsnn.cost), beside Yosys's figures
            "lut_estimate": round(estimate_luts(art, fold)), "bram36_estimate": estimate_bram36(art, fold),
            "layer_lut_estimate": [round(v) for v in layer_estimates(art, fold)],
            "cycles_per_image": cycles, "latency_cycles": sims["verilator"]["cycles_last"],
            "images_per_s_100mhz": CLOCK_HZ / cycles, **est,
            **_depth(hw_build),
            "bound_cycles": bound_cycles(art, fold), "bound_ratio": cycles / bound_cycles(art, fold),
            "sim_cycles_per_s_by": {s: v["sim_cycles_per_s"] for s, v in sims.items()}}


def suffix(target_cycles: int, board: str) -> str:
    """What tells a build folder or result file of another interval or board from the default's: ``-t<N>``,
    ``-<board>`` (the default's keep their plain names, so earlier Yosys runs are reused)."""
    return ((f"-t{target_cycles}" if target_cycles != DEFAULT_TARGET_CYCLES else "")
            + (f"-{board}" if board != DEFAULT_BOARD else ""))


def _depth(hw_build: Path) -> dict:
    """logic_depth, or None and why (a synthesis that failed: the resources' run is the depth's too)."""
    try:
        return {"logic_depth": logic_depth(hw_build / "params", hw_build)}
    except YosysError as e:
        return {"logic_depth": None, "logic_depth_error": str(e)}


@dataclass(frozen=True)
class Anchor:
    """A published design the frontier marks for reference: its own publication's figures, not measured here
    (accuracy on the full test set, images/s as published, at its own clock and device)."""

    name: str
    dataset: str  # the artifact's info["dataset"] it compares with
    accuracy: float
    images_per_s: float
    device: str
    lut: int | None = None
    bram36: float | None = None

    @property
    def label(self) -> str:
        lut = f", {self.lut:,} LUT" if self.lut else ""
        return (f"{self.name} ({self.device}): {self.accuracy:g} %, {_rate(self.images_per_s)} img/s{lut}"
                " - published, not measured here")


#: published MNIST / CIFAR-10 designs. BNN-PYNQ LFC-W1A1 (784-1024x3-10, binarized input) on the xc7z020:
#: a 512-cycle interval = 195k images/s at 100 MHz (issue 10's reading of its folding). BNN-PYNQ CNV-W1A1 and
#: finn-examples' CNV-W1A1 on the PYNQ-Z1/Z2 (CIFAR-10, issue 27). Skydiver (a spiking CNN on the larger
#: xc7z045, issue 17). SyncNN (a spiking LeNet, ARM-FPGA SoCs, ACM TRETS 2022: 99.6 %, 13,086 frames/s).
REFERENCES = (
    Anchor("BNN-PYNQ LFC-W1A1", "mnist", 98.4, 100e6 / 512, "xc7z020", 28360, 110),
    Anchor("Skydiver SNN", "mnist", 98.5, 22.6e3, "xc7z045"),
    Anchor("SyncNN SNN", "mnist", 99.6, 13086, "Zynq SoC"),
    Anchor("BNN-PYNQ CNV-W1A1", "cifar10", 79.22, 3050, "xc7z020", 26072, 124),
    Anchor("finn-examples CNV-W1A1", "cifar10", 84.19, 3020, "xc7z020", 21135, 98),
)
DATASET_TITLES = {"digits": "digits (8x8)", "mnist": "MNIST", "fashion": "Fashion-MNIST", "cifar10": "CIFAR-10"}


def results_table(rows: list[dict]) -> str:
    """The README's results: each row's accuracy and design in one line, then the published anchors of the
    rows' datasets (marked as such)."""
    lines = ["| model | dataset | accuracy % | cycles/image | images/s @100 MHz | LUT | RAMB36 | LUT levels |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        acc = "-" if r["accuracy"] is None else f"{r['accuracy']:.2f}"
        depth = "-" if r["logic_depth"] is None else str(r["logic_depth"])
        lines.append(f"| {r['model']} | {DATASET_TITLES.get(r['dataset'], r['dataset'])} | {acc} | "
                     f"{r['cycles_per_image']:,.1f} | {r['images_per_s_100mhz']:,.0f} | {r['lut']:,} | "
                     f"{r['bram36']:g} | {depth} |")
    datasets = {r["dataset"] for r in rows}
    for a in REFERENCES:
        if a.dataset in datasets:
            lut = "-" if a.lut is None else f"{a.lut:,}"
            bram = "-" if a.bram36 is None else f"{a.bram36:g}"
            lines.append(f"| *{a.name}, {a.device} (published)* | {DATASET_TITLES[a.dataset]} | {a.accuracy:g} | - | "
                         f"{a.images_per_s:,.0f} | {lut} | {bram} | - |")
    return "\n".join(lines) + "\n"


def _rate(v: float) -> str:
    """An images/s figure for a label or tick: 950, 31k, 195k, 1.2M."""
    if v >= 1e6:
        return f"{v / 1e6:.3g}M"
    return f"{v / 1e3:.3g}k" if v >= 1e3 else f"{v:.3g}"


def frontier_figure(rows: list[dict]) -> Any:
    """Accuracy vs images/s at 100 MHz, one panel per dataset (the rows' and the anchors'): each row a circle
    whose area grows with its LUTs, numbered, each anchor (:data:`REFERENCES`) a star lettered; the numbers
    and letters are explained in a legend under the panel, so every label stays legible and inside the
    figure however close the points are."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    shown = [r for r in rows if r.get("accuracy") is not None]
    datasets = list(dict.fromkeys([*(r["dataset"] for r in shown), *(a.dataset for a in REFERENCES)]))
    biggest = max([r["lut"] for r in shown] + [a.lut or 0 for a in REFERENCES] + [1])
    n_cols = min(2, len(datasets))
    n_rows = -(-len(datasets) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(6.4 * n_cols, 5.6 * n_rows), squeeze=False)
    where = f"the {rows[0]['part']}" if rows else "-"
    fig.suptitle(f"bwsnn RTL on {where}: accuracy vs images/s at 100 MHz (Verilator, back to back; "
                 "marker area ~ LUTs)", fontsize=11)
    for ax, ds in zip(axes.flat, datasets):
        mine = [r for r in shown if r["dataset"] == ds]
        anchors = [a for a in REFERENCES if a.dataset == ds]
        xs = [r["images_per_s_100mhz"] for r in mine] + [a.images_per_s for a in anchors]
        ys = [r["accuracy"] for r in mine] + [a.accuracy for a in anchors]
        tags: dict[tuple[float, float], list[str]] = {}  # rows at one point (a model and its @CYCLES twin)
        for k, r in enumerate(mine, 1):
            ax.scatter(r["images_per_s_100mhz"], r["accuracy"], s=30 + 400 * r["lut"] / biggest, alpha=0.6,
                       label=f"{k}  {r['model']}: {r['accuracy']:.2f} %, {_rate(r['images_per_s_100mhz'])} img/s, "
                             f"{r['lut']:,} LUT ({r['lut_pct']:.0f} %)")
            tags.setdefault((r["images_per_s_100mhz"], r["accuracy"]), []).append(str(k))
        for xy, ks in tags.items():
            ax.annotate(",".join(ks), xy, textcoords="offset points", xytext=(6, 4), fontsize=9, weight="bold")
        for k, a in enumerate(anchors):
            tag = chr(ord("A") + k)
            ax.scatter(a.images_per_s, a.accuracy, marker="*", color="k",
                       s=60 + (400 * a.lut / biggest if a.lut else 0), label=f"{tag}  {a.label}")
            ax.annotate(tag, (a.images_per_s, a.accuracy), textcoords="offset points", xytext=(6, -11), fontsize=9)
        ax.set_xscale("log")
        # room for the numbers beside the outermost points, and at least 2 decades (two labelled ticks)
        lo, hi = min(xs) / 2.5, max(xs) * 2.5
        widen = max(1.0, (100 / (hi / lo)) ** 0.5)
        ax.set_xlim(lo / widen, hi * widen)
        ylo, yhi = min(ys), max(ys)
        pad = max(0.5, 0.15 * (yhi - ylo))
        ax.set_ylim(ylo - pad, yhi + pad)
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=6))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _rate(v)))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("images/s (bwsnn: at 100 MHz; anchors: as published)")
        ax.set_ylabel("accuracy % (full test set)")
        ax.set_title(DATASET_TITLES.get(ds, ds) + ("" if mine else " (published anchors only)"), fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        leg = ax.legend(loc="upper left", bbox_to_anchor=(0, -0.16), fontsize=7.5, frameon=False,
                        handletextpad=0.4, borderaxespad=0)
        for h in leg.legend_handles:
            h.set_sizes([40])
    for ax in list(axes.flat)[len(datasets):]:
        ax.set_visible(False)
    fig.subplots_adjust(hspace=0.9, wspace=0.25)
    return fig


def frontier_png(rows: list[dict], path: Path) -> None:
    """:func:`frontier_figure` as a PNG, cut to what it draws (the legends under the panels included)."""
    import matplotlib.pyplot as plt

    fig = frontier_figure(rows)
    fig.savefig(path, dpi=120, bbox_inches="tight", pad_inches=0.2)
    plt.close(fig)


#: what a row's worker can fail with that is the input's or the tools' fault (a bug still shows its traceback)
WORKER_ERRORS = (ArtifactError, YosysError, AssertionError, OSError, subprocess.CalledProcessError, BrokenProcessPool)


def failure_line(e: BaseException) -> str:
    """A worker's exception as one line: its class and the first line of its message."""
    first = (str(e).strip().splitlines() or [""])[0]
    return f"{type(e).__name__}: {first}" if first else type(e).__name__


def bench_models(models_dir: Path | None) -> list[tuple[str, Path]]:
    """(row name, artifact): the reference artifact, then the models shipped in ``models_dir`` that the RTL
    builds (:func:`bwsnn.params.check_buildable`); every one is loaded (validated) here, before any work: a bad
    one is one line."""
    models = [("default", reference_artifact())]
    check_buildable(load(models[0][1]), str(models[0][1]))
    for p in sorted(models_dir.glob("*.bwsnn.npz")) if models_dir else []:
        if buildable(load(p)):  # the shipped models the RTL generator cannot build (yet) get no row
            models.append((p.name.removesuffix(".bwsnn.npz"), p))
    return models


def design_point(text: str) -> tuple[str, int]:
    """``MODEL@CYCLES`` (argparse type): a shipped model's name and a planned interval."""
    model, at, cycles = text.partition("@")
    if not (model and at and cycles.isdigit() and int(cycles) > 0):
        raise argparse.ArgumentTypeError(f"expected MODEL@CYCLES (e.g. mnist-512@512), got "
                                         f"{cli.shown(repr(text))}")
    return model, int(cycles)


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m sim.hw_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=cli.positive_int, default=32, help="images for the cycle count (Verilator)")
    ap.add_argument("--icarus-images", type=cli.positive_int, default=4, help="images for Icarus' speed figure")
    ap.add_argument("--models-dir", type=cli.existing_dir, default=MODELS_DIR,
                    help="shipped models: its *.bwsnn.npz that the RTL builds get a row each (default: models/)")
    ap.add_argument("--no-shipped", action="store_true", help="the reference artifact only")
    ap.add_argument("--jobs", type=cli.positive_int, default=1, help="models measured in parallel (largest first)")
    ap.add_argument("--target", choices=list(BOARDS), default=DEFAULT_BOARD,
                    help="board of bwsnn/boards.json whose device and capacities the estimates are for")
    ap.add_argument("--target-cycles", type=cli.positive_int, default=DEFAULT_TARGET_CYCLES,
                    help="the planned cycles per image (bwsnn.planner.plan; default: the default bitstream's)")
    ap.add_argument("--point", type=design_point, action="append", default=[],
                    help="also a shipped model planned at another interval, MODEL@CYCLES (repeatable)")
    ap.add_argument("--only", action="append", default=[], metavar="MODEL",
                    help="measure only this row (repeatable; 'default' is the reference artifact): re-measure a "
                         "retrained model, then merge with python -m flow.readme KEPT_JSON NEW_JSON")
    a = ap.parse_args(argv)
    if not shutil.which("iverilog"):
        print("icarus speed: skipped (iverilog is not on PATH; it is optional)")
    out = build_dir("bench")
    out.mkdir(parents=True, exist_ok=True)
    try:
        models = bench_models(None if a.no_shipped else a.models_dir)
    except ArtifactError as e:
        print(f"error: {e} (the reference artifact: make train, or $BWSNN_ARTIFACT)", file=sys.stderr)
        return 1
    shipped = dict(models)
    for model in a.only:
        if model not in shipped:
            print(f"error: --only {model}: no model {model!r} the RTL builds (have: {', '.join(shipped)})",
                  file=sys.stderr)
            return 1
    if a.only:
        models = [(name, path) for name, path in models if name in a.only]
    for model, cycles in a.point:
        if model not in shipped or model == "default":
            have = ", ".join(list(shipped)[1:]) or "none"
            print(f"error: --point {model}@{cycles}: no model {model!r} the RTL builds in "
                  f"{'--no-shipped' if a.no_shipped else a.models_dir} (have: {have})", file=sys.stderr)
            return 1
    rows: dict[str, dict] = {}
    stem = "hw" + suffix(a.target_cycles, a.target)
    # the Icarus speed figure on the reference artifact only: a 1024-wide design under Icarus takes long
    jobs = [(path, name, a.images, a.icarus_images if name == "default" else 0, a.target_cycles, a.target)
            for name, path in models]
    jobs += [(shipped[model], f"{model}@{cycles}", a.images, 0, cycles, a.target) for model, cycles in a.point]
    models += [(f"{model}@{cycles}", shipped[model]) for model, cycles in a.point]
    with ProcessPoolExecutor(a.jobs) as pool:  # rows are independent: own build folders
        futures = {pool.submit(measure, *job): job[1] for job in sorted(jobs, key=lambda j: -j[0].stat().st_size)}
        for done in as_completed(futures):
            try:
                rows[futures[done]] = done.result()
            except WORKER_ERRORS as e:  # the worker's one line, not its traceback; the other rows stop
                pool.shutdown(cancel_futures=True)
                print(f"error: hw bench {futures[done]}: {failure_line(e)}", file=sys.stderr)
                return 1
            print(f"hw bench: {futures[done]} done", flush=True)
            ordered = [rows[name] for name, _ in models if name in rows]  # partial results as they come
            (out / f"{stem}.json").write_text(json.dumps({"rows": ordered}, indent=1) + "\n")
            (out / f"{stem}.md").write_text(markdown(ordered))
    frontier_png(ordered, out / f"{stem}_frontier.png")
    print(markdown(ordered))
    return 0


if __name__ == "__main__":
    sys.exit(main())
