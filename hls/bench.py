"""HLS benchmark: C-sim agreement with the golden model and time per image; vendor figures when present.

    python -m hls.bench --target pynq-z2 --artifact build/model.bwsnn.npz --hls-out build/hls \
        --out build/bench/hls.json

Runs the flow (:func:`hls.flow.run_flow`: project, C-sim of every test image, vendor steps where the tools
exist), then times ``predict()`` one image per call, as a host would stream them. Latency, II and resources
come only from a real C-synthesis report (``csynth.json``); without one they are recorded as skipped.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bwsnn import cli
from bwsnn.artifact import ArtifactError, load
from bwsnn.paths import build_dir
from hls.flow import FlowError, expected_words, run_flow, test_images
from hls.targets import TargetError, get_target


def bench(target_name: str, artifact: str | Path, hls_out: str | Path, images: int | None = None,
          data_dir: str | None = None, single: int = 100) -> dict:
    """Run the flow, then time ``single`` one-image predict() calls; the report as a dict."""
    summary, model = run_flow(target_name, artifact, hls_out, images, data_dir)
    art, prj = load(artifact), Path(hls_out) / get_target(target_name).name
    x, _, _ = test_images(art, min(single, images or single), data_dir)
    want = expected_words(art, x)
    times, mismatches = [], 0
    for img, ref in zip(tqdm(x, desc="one image per call", unit="img", file=sys.stderr), want):
        t = time.perf_counter()
        got = np.asarray(model.predict(img[None].astype(np.float64))).reshape(-1)
        times.append(time.perf_counter() - t)
        mismatches += int(np.any(got.astype(np.int64) != ref))
    report = {
        "csim": summary,
        "single_image": {"images": len(x), "mismatches": mismatches,
                         "median_ms": round(1e3 * statistics.median(times), 4),
                         "max_ms": round(1e3 * max(times), 4)},
    }
    csynth = prj / "csynth.json"
    if csynth.exists():
        report["csynth"] = json.loads(csynth.read_text()).get("CSynthesisReport")
    else:
        report["csynth"] = "skipped: no C-synthesis report (vivado_hls / vitis_hls not on PATH)"
    return report


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m hls.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default="pynq-z2")
    ap.add_argument("--artifact", default=str(build_dir("model.bwsnn.npz")))
    ap.add_argument("--hls-out", type=cli.output_dir, default=str(build_dir("hls")))
    ap.add_argument("--out", type=cli.output_file, default=str(build_dir("bench/hls.json")))
    ap.add_argument("--images", type=cli.positive_int, default=None,
                    help="first N test images (default: whole test set)")
    ap.add_argument("--data-dir", type=cli.existing_dir, default=None)
    a = ap.parse_args(argv)
    try:
        report = bench(a.target, a.artifact, a.hls_out, a.images, a.data_dir)
    except (TargetError, ArtifactError, FlowError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = a.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    s = report["single_image"]
    print(f"HLS bench {a.target}: C-sim {report['csim']['images']} images, {report['csim']['mismatches']} "
          f"mismatches; one image per predict(): median {s['median_ms']} ms -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
