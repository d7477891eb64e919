"""`make demo`: the whole flow on the embedded default, end to end, as a list of named steps.

train -> golden check -> HLS C-sim -> RTL accelerator (simulated) driven by the host program -> resource
estimate -> build/report.md (+ PNGs). Each step records its figures in build/demo.json as it finishes, and
says plainly what it skipped (no board, no vendor tools) instead of pretending.

This module drives the development machine's tools (torch, hls4ml, simulators); it is not part of the
board-side host program.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bwsnn import artifact as artifact_mod
from bwsnn import golden

Step = Callable[[dict[str, Any], argparse.Namespace], dict[str, Any]]


def step_train(ctx: dict, a: argparse.Namespace) -> dict:
    from training import train

    art_path = Path(a.build) / "model.bwsnn.npz"
    if a.retrain or not art_path.exists() or not (Path(a.build) / "train_report.json").exists():
        train.run(train.parse_args(["--out", a.build]))
    report = json.loads((Path(a.build) / "train_report.json").read_text())
    return {"artifact": str(art_path), "report": report}


def step_golden(ctx: dict, a: argparse.Namespace) -> dict:
    """Golden model on the whole test set, and its agreement with the torch integer deploy mode."""
    import torch

    from bwsnn.datasets import load as load_dataset
    from training.deploy import DeployModel

    art = artifact_mod.load(ctx["train"]["artifact"])
    ds = load_dataset(art.info["dataset"], a.data_dir)
    t0 = time.perf_counter()
    ref = golden.run(art, ds.x_test)
    seconds = time.perf_counter() - t0
    deploy = DeployModel(art)(torch.from_numpy(ds.x_test)).numpy()
    agree = int(np.sum(np.all(deploy == ref.step_scores, axis=(1, 2))))
    ctx["_data"] = (ds, ref)
    return {"images": len(ds.x_test), "accuracy": 100.0 * float(np.mean(ref.classes == ds.y_test)),
            "deploy_agree": agree, "seconds": seconds}


def step_hls(ctx: dict, a: argparse.Namespace) -> dict:
    from hls.flow import run_flow

    summary, _model = run_flow(a.target, ctx["train"]["artifact"], Path(a.build) / "hls")
    return summary


def step_rtl_host(ctx: dict, a: argparse.Namespace) -> dict:
    """The host program's driver, unchanged, over the simulated accelerator (Verilator)."""
    from host.accelerator import Accelerator
    from host.data import save as save_images

    ds, ref = ctx["_data"]
    n = min(a.images, len(ds.x_test))
    save_images(Path(a.build) / "test_images.npz", ds.x_test, ds.y_test)
    acc = Accelerator(ctx["train"]["artifact"], backend="sim", sim_build=Path(a.build) / "sim" / "host")
    pred = acc.predict(ds.x_test[:n], progress=True)
    same = (pred.classes == ref.classes[:n]) & np.all(pred.scores == ref.scores[:n], axis=1)
    # streaming throughput from the simulated board time; latency from an idle engine (first image)
    return {"images": n, "accuracy": 100.0 * pred.accuracy(ds.y_test[:n]), "golden_agree": int(same.sum()),
            "clock_mhz": pred.clock_hz / 1e6, "cycles_per_image": pred.clock_hz / pred.images_per_s,
            "images_per_s": pred.images_per_s, "latency_cycles": int(np.min(pred.cycles)),
            "wall_seconds": pred.seconds}


def step_resources(ctx: dict, a: argparse.Namespace) -> dict:
    """Yosys estimate of the RTL accelerator for this artifact on the xc7z020."""
    from hw.bench import synth_estimate

    art = artifact_mod.load(ctx["train"]["artifact"])
    return {**synth_estimate(art, Path(a.build) / "hw"), "part": "xc7z020"}


def step_plots(ctx: dict, a: argparse.Namespace) -> dict:
    from flow.plots import plot_image_dynamics

    ds, _ = ctx["_data"]
    art = artifact_mod.load(ctx["train"]["artifact"])
    path = Path(a.build) / "spikes.png"
    plot_image_dynamics(art, ds.x_test[0], path, label=ds.classes[int(ds.y_test[0])])
    return {"spikes": path.name, "curves": "train_curves.png"}


STEPS: list[tuple[str, Step]] = [("train", step_train), ("golden", step_golden), ("hls", step_hls),
                                 ("rtl_host", step_rtl_host), ("resources", step_resources), ("plots", step_plots)]


def _fmt(v: Any, spec: str = ".2f") -> str:
    return "n/a" if v is None else format(v, spec)


def render(ctx: dict) -> str:
    """build/report.md from the recorded step results."""
    tr = ctx["train"]["report"]
    acc = tr["accuracy"]
    g, h, r, res = (ctx.get(k) or {} for k in ("golden", "hls", "rtl_host", "resources"))
    lines = [
        "# bwsnn demo report", "",
        f"Dataset: {tr['dataset']} ({tr['split']}); T = {tr['T']}; hidden {tr['config']['hidden']}; "
        f"shortcuts {tr['config']['shortcuts']}; KD {tr['kd']}; {tr['weight_bits']} weight bits, all 1-bit.", "",
        "## Accuracy at each stage", "",
        "| stage | images | accuracy % | agrees with golden |", "|---|---|---|---|",
        f"| full-precision teacher | {g.get('images', 'n/a')} | {acc['teacher']:.2f} | - |",
        f"| BW-SNN (float scales) | {g.get('images', 'n/a')} | {acc['bwsnn']:.2f} | - |",
        f"| integer deploy mode (torch) | {g.get('images', 'n/a')} | {acc['deploy']:.2f} | "
        f"{g.get('deploy_agree', 'n/a')}/{g.get('images', 'n/a')} |",
        f"| golden model (numpy) | {g.get('images', 'n/a')} | {_fmt(g.get('accuracy'))} | (reference) |",
    ]
    if h:
        lines.append(f"| HLS C-simulation ({h['target']}) | {h['images']} | {_fmt(h.get('accuracy'))} | "
                     f"{h['images'] - h['mismatches']}/{h['images']} |")
    if r:
        lines.append(f"| RTL accelerator via host program (sim) | {r['images']} | {_fmt(r['accuracy'])} | "
                     f"{r['golden_agree']}/{r['images']} |")
    lines += ["", f"Accuracy after each time step (deploy): {', '.join(f'{x:.2f}' for x in acc['per_step'])}.", ""]
    if r or res:
        lines += ["## Hardware (RTL accelerator)", "",
                  f"- streaming, measured in simulation: {_fmt(r.get('cycles_per_image'), '.0f')} cycles per image, "
                  f"{_fmt(r.get('images_per_s'), ',.0f')} images/s at {_fmt(r.get('clock_mhz'), '.0f')} MHz; "
                  f"latency of one image on an idle accelerator: {r.get('latency_cycles', 'n/a')} cycles"]
        if res:
            lines += [f"- Yosys `synth_xilinx -family xc7` estimate for the {res.get('part', 'xc7z020')}: "
                      f"LUT {res['lut']} ({_fmt(res.get('lut_pct'), '.1f')}%), FF {res['ff']} "
                      f"({_fmt(res.get('ff_pct'), '.1f')}%), RAMB36 {res['bram36']} "
                      f"({_fmt(res.get('bram36_pct'), '.1f')}%), DSP {res['dsp']}, CARRY4 {res.get('carry4', 'n/a')}"]
        lines.append("")
    lines += ["## Pictures", "", "![training curves](train_curves.png)", "", "![spikes and membranes](spikes.png)",
              "", "## Skipped", ""]
    lines += [f"- {s}" for s in ctx["skipped"]] or ["- nothing"]
    lines += ["", f"Steps and seconds: {', '.join(f'{k} {v:.0f}' for k, v in ctx['seconds'].items())}.", ""]
    return "\n".join(lines)


def skipped_vendor_steps() -> list[str]:
    notes = ["on-board inference: no PYNQ-Z2 board attached here (the host program ran against the simulated "
             "accelerator instead)"]
    for tool, what in (("vitis_hls", "HLS C-synthesis / co-simulation / IP export"),
                       ("vivado", "block design, implementation and bitstream (.bit/.hwh)")):
        if shutil.which(tool) is None and not (tool == "vitis_hls" and shutil.which("vivado_hls")):
            notes.append(f"{what}: `{tool}` is not on PATH")
    return notes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default="build")
    p.add_argument("--target", default="pynq-z2")
    p.add_argument("--images", type=int, default=300, help="test images through the simulated accelerator")
    p.add_argument("--data-dir")
    p.add_argument("--retrain", action="store_true", help="train even if build/ holds a model")
    a = p.parse_args(argv)
    build = Path(a.build)
    build.mkdir(parents=True, exist_ok=True)
    ctx: dict[str, Any] = {"skipped": skipped_vendor_steps(), "seconds": {}}
    for name, step in STEPS:
        print(f"== demo step: {name}", flush=True)
        t0 = time.perf_counter()
        ctx[name] = step(ctx, a)
        ctx["seconds"][name] = time.perf_counter() - t0
        (build / "demo.json").write_text(json.dumps({k: v for k, v in ctx.items() if not k.startswith("_")},
                                                    indent=2, default=str))
    (build / "report.md").write_text(render(ctx))
    g, h, r = ctx["golden"], ctx["hls"], ctx["rtl_host"]
    ok = g["deploy_agree"] == g["images"] and h["mismatches"] == 0 and r["golden_agree"] == r["images"]
    print(f"demo: golden {g['accuracy']:.2f}% | deploy==golden {g['deploy_agree']}/{g['images']} | "
          f"HLS C-sim mismatches {h['mismatches']}/{h['images']} | RTL via host == golden "
          f"{r['golden_agree']}/{r['images']} | report: {build / 'report.md'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
