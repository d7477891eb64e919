"""Run a test set through the accelerator and report accuracy, images/s and latency per image.

    python -m host.run --bitfile bwsnn.bit --artifact model.bwsnn.npz --data test.npz [--limit N]
    python -m host.run --bitfile hls.bit --no-load-params --artifact model.bwsnn.npz --data test.npz  # HLS IP
    python -m host.run --backend sim --artifact model.bwsnn.npz --data test.npz --limit 50 --check

Every failure (bitstream, artifact, data, mismatch, DMA time-out) is one ``error: ...`` line and exit
status 1; no traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from bwsnn import artifact, cli, golden
from bwsnn.artifact import ArtifactError
from bwsnn.boards import BOARDS, DEFAULT_BOARD

from . import data
from .accelerator import ACCELS, BACKENDS, Accelerator, Prediction
from .errors import HostError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = cli.Parser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    p.add_argument("--bitfile", help="overlay bitstream (X.bit, with X.hwh beside it); pynq backend (default: "
                   "this board's, shipped in the board wheel by make bitstream + make wheel)")
    p.add_argument("--artifact", required=True, help="deploy artifact (*.bwsnn.npz)")
    p.add_argument("--data", required=True, help="test data .npz: 'images' uint8 (N, n_in), optional 'labels'")
    p.add_argument("--limit", type=cli.positive_int, help="use the first N images only")
    p.add_argument("--backend", choices=BACKENDS, default="pynq",
                   help="pynq: the board; sim: the RTL under Verilator here; golden: the numpy model")
    p.add_argument("--accel", choices=ACCELS, default="auto",
                   help="pynq: rtl (bwsnn register block + DMA), hls (stream-only hls4ml IP, DMA only; needs "
                   "--no-load-params) or auto (rtl if the overlay has a bwsnn register block)")
    p.add_argument("--timeout", type=cli.positive_float, help="DMA time-out per image of a transfer in seconds, "
                   "on top of --timeout-base (simulated seconds on the sim backend; board default 0.01)")
    p.add_argument("--timeout-base", type=cli.positive_float, help="DMA time-out per transfer in seconds, before "
                   "the per-image term (board default 1)")
    p.add_argument("--no-load-params", dest="load_params", action="store_false",
                   help="use the weights built into the bitstream instead of loading the artifact's")
    p.add_argument("--ip", help="the accelerator's IP name in the overlay (default: the one named *bwsnn*)")
    p.add_argument("--dma", help="the AXI DMA's IP name in the overlay (default: the only axi_dma)")
    p.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator", help="sim backend")
    p.add_argument("--design", help="the bitstream's design record (default: X.design.json beside --bitfile X.bit; "
                   "sim backend: the simulated build's own)")
    p.add_argument("--target", choices=list(BOARDS), default=DEFAULT_BOARD,
                   help="sim backend: the board of bwsnn/boards.json the simulated design is planned for")
    p.add_argument("--json", type=cli.output_file, help="also write the summary figures to this JSON file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--check", action="store_true", help="also run the golden model on the same images: an "
                   "image whose class or scores differ is an error (exit status 1)")
    a = p.parse_args(argv)
    if a.accel == "hls" and a.backend != "pynq":
        p.error("--accel hls needs --backend pynq (sim and golden model the RTL accelerator)")
    return a


def summarize(pred: Prediction, labels: Any) -> dict[str, Any]:
    n, backend = len(pred.classes), pred.backend
    out: dict[str, Any] = {"backend": backend, "images": n, "images_per_s": pred.images_per_s,
                           "seconds": pred.seconds if pred.board_seconds is None else pred.board_seconds}
    if labels is not None:
        out["correct"] = int((pred.classes == labels).sum())
        out["accuracy"] = pred.accuracy(labels)
    if pred.cycles is not None and n:
        out.update(latency_cycles=int(pred.cycles.min()), latency_s=pred.latency_s, clock_hz=pred.clock_hz)
    if backend == "sim":
        out["wall_s"] = pred.seconds
    if "accel" in pred.stats:
        out["accel"] = pred.stats["accel"]
    return out


def summary_line(s: dict[str, Any]) -> str:
    parts = [f"{s['backend']}: {s['images']} images"]
    if "accuracy" in s:
        parts.append(f"accuracy {100 * s['accuracy']:.2f}% ({s['correct']}/{s['images']})")
    timebase = " (simulated board)" if s["backend"] == "sim" else ""
    parts.append(f"{s['images_per_s']:,.0f} images/s{timebase}")
    if "latency_s" in s:
        parts.append(f"latency {1e6 * s['latency_s']:.2f} us/image ({s['latency_cycles']} cycles at "
                     f"{s['clock_hz'] / 1e6:g} MHz)")
    else:
        parts.append(f"{1e6 * s['seconds'] / max(s['images'], 1):.2f} us/image")
    if "wall_s" in s:
        parts.append(f"simulation wall time {s['wall_s']:.1f} s")
    return ", ".join(parts)


def golden_mismatch(art: artifact.Artifact, images: np.ndarray, pred: Prediction) -> str | None:
    """Why ``pred`` is not the golden model's result on ``images`` (the first image that differs), or None."""
    ref = golden.run(art, images)
    differs = np.flatnonzero((pred.classes != ref.classes) | (pred.scores != ref.scores).any(axis=-1))
    if len(differs) == 0:
        return None
    i = int(differs[0])
    return (f"{len(differs)} of {len(images)} images differ from the golden model; image {i}: class "
            f"{int(pred.classes[i])} scores {pred.scores[i].tolist()}, golden class {int(ref.classes[i])} "
            f"scores {ref.scores[i].tolist()}")


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    try:
        art = artifact.load(a.artifact)
        images, labels = data.check(art, a.data, *data.load(a.data, a.limit))
        with Accelerator(art, a.bitfile, a.backend, accel=a.accel, load_params=a.load_params,
                         timeout_s=a.timeout, timeout_base_s=a.timeout_base, ip_name=a.ip, dma_name=a.dma,
                         simulator=a.simulator, design=a.design, target=a.target) as acc:
            pred = acc.predict(images, progress=not a.quiet)
    except (HostError, ArtifactError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    s = summarize(pred, labels)
    print(summary_line(s))
    if a.check:
        if (why := golden_mismatch(art, images, pred)) is not None:
            print(f"error: {why}", file=sys.stderr)
            return 1
        s["golden_equal"] = True
        print(f"check: every class and score of the {s['images']} images equals the golden model's")
    if a.json:
        try:
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(s, indent=1))
        except OSError as e:  # checked before the run; this is what changed since
            print(f"error: {cli.shown(a.json, 1000)}: cannot write: {e.strerror or e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
