"""`make demo`: the whole flow on the embedded default (or --artifact), as named steps -> BUILD/report.md.

    python -m flow.demo [--build DIR] [--target BOARD] [--start STEP] [--stop STEP] [--retrain] [--images N]
                        [--artifact A] [--data-dir D]

Steps (flow.steps.DEMO_STEPS): train, golden, hls, rtl_host, resources, plots, report. Each step's figures go
to BUILD/steps/demo/<step>.json and the whole state to BUILD/demo_state.json; --start resumes from it. A step
whose tool is missing is skipped with one line; a failed step is one line (its traceback in
BUILD/steps/demo/<step>.log); report.md is always written. Exit status 1 if any step failed.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from bwsnn import cli, jsonfile
from bwsnn.boards import BOARDS, DEFAULT_BOARD
from bwsnn.paths import build_dir
from flow.build import BuildState, check_range, run, step_names
from flow.steps import DEMO_STEPS, DemoConfig


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    names = step_names(DEMO_STEPS)
    p = cli.Parser(prog="python -m flow.demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--build", type=cli.output_dir, default=build_dir(),
                   help="output folder (default: $BWSNN_BUILD or build)")
    p.add_argument("--target", choices=list(BOARDS), default=DEFAULT_BOARD,
                   help="board of bwsnn/boards.json: HLS target, Yosys family and capacities")
    p.add_argument("--images", type=cli.positive_int, default=300,
                   help="test images through the simulated accelerator")
    p.add_argument("--data-dir", type=cli.existing_dir, help="dataset directory (for an artifact trained on "
                   "MNIST, Fashion-MNIST or an own FILE.npz)")
    p.add_argument("--artifact", type=cli.existing_file,
                   help="use this trained model as it is (no training step), e.g. models/mnist-fast.bwsnn.npz")
    p.add_argument("--retrain", action="store_true", help="train even if the build folder holds a model")
    p.add_argument("--start", choices=names, help="first step (earlier results are read from the build folder)")
    p.add_argument("--stop", choices=names, help="last step")
    a = p.parse_args(argv)
    check_range(p, DEMO_STEPS, a.start, a.stop)
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    os.environ["BWSNN_BUILD"] = str(a.build)  # every module's default paths follow --build
    cfg = DemoConfig(target=a.target, retrain=a.retrain, images=a.images,
                     artifact=a.artifact and str(a.artifact),
                     train=replace(DemoConfig().train, data_dir=a.data_dir and str(a.data_dir)))
    try:
        state = BuildState.load(a.build) if a.start else BuildState(a.build)
    except jsonfile.JsonFileError as e:
        raise SystemExit(f"python -m flow.demo: error: --start: {e}") from None
    state = run(DEMO_STEPS, cfg, state, a.start, a.stop)
    failed = [f"{n} ({s})" for n, s in state.status.items() if s.startswith("failed")]
    skipped = [n for n, s in state.status.items() if s.startswith("skipped")]
    g, h, r = (state.results.get(k, {}) for k in ("golden", "hls", "rtl_host"))
    print(f"demo: golden {g.get('accuracy', float('nan')):.2f}% | deploy==golden {g.get('deploy_agree', '-')}/"
          f"{g.get('images', '-')} | HLS C-sim mismatches {h.get('mismatches', '-')}/{h.get('images', '-')} | "
          f"RTL via host == golden {r.get('golden_agree', '-')}/{r.get('images', '-')} | skipped: "
          f"{', '.join(skipped) or 'none'} | report: {a.build / 'report.md'}")
    if failed:
        print(f"demo: failed steps: {'; '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
