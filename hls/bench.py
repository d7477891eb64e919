"""HLS benchmark: one row per model - C-sim agreement with the golden model, times; vendor figures when present.

    python -m hls.bench --target pynq-z2 [--artifact build/model.bwsnn.npz] [--images N]
        [--models models/mnist-conv.bwsnn.npz ...] [--models-images 1000] [--data-dir DIR]
        [--hls-out build/hls] [--out build/bench/hls.json]

Per model (the default model ``--artifact``, then each of ``--models``; the shipped MNIST conv model by
default): the flow (:func:`hls.flow.run_flow`: project, C-sim of the test images against the golden model,
classes and final scores, through predict() and the AXI testbench; vendor steps where the tools exist), the
scores after every earlier step, then ``predict()`` timed one image per call, as a host would stream them.
Images: the model's dataset's test set when it can be loaded (MNIST needs ``--data-dir``), else 100 random
images (edge cases first), checked against the golden model the same way. Latency, II and resources come
only from a C-synthesis report (``csynth.json``): hls4ml's Vivado backend gives no estimate without
vivado_hls / vitis_hls.
Writes ``--out`` (``{"target": ..., "models": [row, ...]}``) and a Markdown table next to it (``.md``).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bwsnn import cli, golden
from bwsnn.artifact import Artifact, ArtifactError, load
from bwsnn.boards import DEFAULT_BOARD, Board, BoardError, get_board
from bwsnn.paths import MODELS_DIR, build_dir
from hls.convert import convert
from hls.flow import FlowError, expected_words, predict_words, run_flow, test_images

SHIPPED = [MODELS_DIR / "mnist-conv.bwsnn.npz"]
RANDOM_IMAGES = 100  # images of a model whose dataset is not here (random, golden-checked)
NO_ESTIMATE = "none: hls4ml's Vivado backend estimates only through C-synthesis (vivado_hls / vitis_hls not on PATH)"


def step_score_mismatches(art: Artifact, target: Board, out: Path, x: np.ndarray) -> int:
    """Images whose scores after some step t < T-1 differ from the golden model's ``step_scores``.

    The design streams out only the final scores (bwsnn/regmap.json). Its steps run in order and a step never
    reads a later one, so the scores after step t are the final scores of the same network built for t + 1
    steps: each such project is generated and C-simulated here (the last step is the flow's own check)."""
    want = golden.run(art, x).step_scores
    bad = np.zeros(len(x), bool)
    for t in range(art.T - 1):
        model = convert(replace(art, T=t + 1), target, out / f"T{t + 1}")
        model.compile()
        got, _ = predict_words(model, x)
        bad |= np.any(got[:, 1:] != want[:, t], axis=1)
    return int(bad.sum())


def bench_model(target_name: str, artifact: str | Path, hls_out: str | Path, images: int | None = None,
                data_dir: str | None = None, single: int = 100) -> dict:
    """One row: run the flow into ``hls_out``, check every step's scores, time one-image predict() calls."""
    target, art = get_board(target_name), load(artifact)
    if test_images(art, 1, data_dir)[1] is None:  # no dataset here: random images, edge cases first
        images = min(images or RANDOM_IMAGES, RANDOM_IMAGES)
    summary, model = run_flow(target_name, artifact, hls_out, images, data_dir)
    prj = Path(hls_out) / target.name
    x, _, _ = test_images(art, images, data_dir)  # the images the flow C-simulated
    steps = step_score_mismatches(art, target, prj / "steps", x)
    want = expected_words(art, x[:single])
    times, single_mismatches = [], 0
    for img, ref in zip(tqdm(x[:single], desc="one image per call", unit="img", file=sys.stderr), want):
        t = time.perf_counter()
        got = np.asarray(model.predict(img[None].astype(np.float64))).reshape(-1)
        times.append(time.perf_counter() - t)
        single_mismatches += int(np.any(got.astype(np.int64) != ref))
    csynth = prj / "csynth.json"
    return {
        "model": Path(artifact).name, "dataset": art.info.get("dataset"), "T": art.T,
        "layers": " ".join(layer.kind for layer in art.layers), "images": summary["images"],
        "source": summary["source"], "mismatches": summary["mismatches"],
        "testbench_mismatches": summary["testbench_mismatches"], "step_score_mismatches": steps,
        "accuracy": summary["accuracy"], "csim_seconds": summary["seconds"],
        "csim_ms_per_image": round(1e3 * summary["seconds_per_image"], 3),
        "compile_seconds": summary["compile_seconds"],
        "single_image": {"images": len(times), "mismatches": single_mismatches,
                         "median_ms": round(1e3 * statistics.median(times), 4),
                         "max_ms": round(1e3 * max(times), 4)},
        "estimate": json.loads(csynth.read_text()).get("CSynthesisReport") if csynth.exists() else NO_ESTIMATE,
        "project": str(prj),
    }


def markdown(report: dict) -> str:
    cols = [("model", "{}"), ("layers", "{}"), ("T", "{}"), ("images", "{}"), ("source", "{}"),
            ("mismatches", "{}"), ("testbench_mismatches", "{}"), ("step_score_mismatches", "{}"),
            ("accuracy", "{:.2f}"), ("csim_seconds", "{:.2f}"), ("csim_ms_per_image", "{:.1f}"),
            ("compile_seconds", "{:.1f}")]
    rows = report["models"]
    lines = [f"HLS C-simulation vs the golden model, target {report['target']} (g++ C-sim of the hls4ml project; "
             "mismatches = images with any differing class or score)", "",
             "| " + " | ".join(c for c, _ in cols) + " | estimate |", "|" + "---|" * (len(cols) + 1)]
    for r in rows:
        est = "C-synthesis report" if isinstance(r["estimate"], dict) else "none"
        lines.append("| " + " | ".join(fmt.format(r[c]) if r[c] is not None else "-" for c, fmt in cols)
                     + f" | {est} |")
    estimates = {r["estimate"] for r in rows if isinstance(r["estimate"], str)}
    return "\n".join(lines + [f"\nestimate: {e}" for e in sorted(estimates)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m hls.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default=DEFAULT_BOARD, help="board of bwsnn/boards.json (python -m bwsnn.boards list)")
    ap.add_argument("--artifact", default=str(build_dir("model.bwsnn.npz")), help="the default model's row")
    ap.add_argument("--images", type=cli.positive_int, default=None,
                    help="the default model: first N test images (default: whole test set)")
    ap.add_argument("--models", type=cli.existing_file, nargs="*", default=SHIPPED,
                    help="more models, one row each (default: the shipped MNIST conv model; none: no argument)")
    ap.add_argument("--models-images", type=cli.positive_int, default=1000,
                    help=f"--models: first N test images (without the dataset: {RANDOM_IMAGES} random images)")
    ap.add_argument("--hls-out", type=cli.output_dir, default=str(build_dir("hls")),
                    help="where the hls4ml projects go (default BUILD/hls)")
    ap.add_argument("--out", type=cli.output_file, default=str(build_dir("bench/hls.json")),
                    help="the bench's JSON (default BUILD/bench/hls.json)")
    ap.add_argument("--data-dir", type=cli.existing_dir, default=None,
                    help="dataset directory of the models' test sets (MNIST, Fashion-MNIST, own FILE.npz)")
    a = ap.parse_args(argv)
    try:
        target = get_board(a.target).name
        rows = [bench_model(target, a.artifact, a.hls_out, a.images, a.data_dir)]
        for m in a.models:
            rows.append(bench_model(target, m, Path(a.hls_out) / m.name.split(".")[0], a.models_images, a.data_dir))
    except (BoardError, ArtifactError, FlowError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = {"target": target, "models": rows}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=2) + "\n")
    a.out.with_suffix(".md").write_text(markdown(report))
    for r in rows:
        print(f"HLS bench {target} {r['model']}: C-sim {r['images']} images ({r['source']}), {r['mismatches']} "
              f"mismatches, {r['step_score_mismatches']} in earlier steps' scores; {r['csim_ms_per_image']} ms/image, "
              f"compile {r['compile_seconds']} s -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
