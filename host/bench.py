"""Host benchmark: ``python -m host.bench`` writes build/bench/host.json.

* ``sim``: the board's driver on the simulated board. Host overhead per image is the driver thread's CPU
  time outside the transport (packing, unpacking, bookkeeping, issuing every register and DMA call), with
  the register and DMA operation counts per image; the simulated board's throughput comes from simulated
  time at the 100 MHz clock.
* ``golden``: numpy model speed, for scale.

A driver regression (extra register traffic, slower packing) shows up in these numbers.
"""
from __future__ import annotations

import json
import platform
import sys
import time
from typing import Any

import numpy as np

from bwsnn import cli
from bwsnn.artifact import ArtifactError
from bwsnn.boards import BOARDS, DEFAULT_BOARD
from bwsnn.limits import CLOCK_HZ, CLOCK_PERIOD_NS
from bwsnn.paths import build_dir

from . import data
from .accelerator import Accelerator, plugin
from .errors import HostError

DEFAULT_DATA = build_dir("test_images.npz")
MAX_IMAGES = 100_000  # the random-pixel fallback is allocated up front


def bench_sim(acc: Accelerator, x: np.ndarray) -> dict[str, Any]:
    pred = acc.predict(x)  # no progress bar: its file writes in the simulated board would count as overhead
    n = len(x)
    infer, opened = pred.stats["infer"], pred.stats["open"]
    sim_cycles = infer["sim_ns"] / CLOCK_PERIOD_NS
    return {
        "images": n,
        "host_overhead_us_per_image": 1e6 * infer["host_cpu_s"] / n,
        "pack_us_per_image": 1e6 * infer["host_seconds"]["pack"] / n,
        "unpack_us_per_image": 1e6 * infer["host_seconds"]["unpack"] / n,
        "reg_accesses_per_image": (infer["ops"].get("reg_read", 0) + infer["ops"].get("reg_write", 0)) / n,
        "dma_transfers_per_image": (infer["ops"]["dma_send"] + infer["ops"]["dma_recv"]) / n,
        "images_per_transfer": infer["images_per_transfer"],
        "open_reg_accesses": opened["ops"].get("reg_read", 0) + opened["ops"].get("reg_write", 0),
        "param_words": opened["ops"].get("param_word", 0),
        "open_sim_us": opened["sim_ns"] / 1e3,
        "open_wall_s": opened["wall_s"],
        "board_cycles_per_image": sim_cycles / n,
        "board_images_per_s_100mhz": n / (infer["sim_ns"] * 1e-9),
        "latency_cycles": int(pred.cycles.min()),  # the first transfer's one image, on an idle engine
        "latency_us": 1e6 * pred.latency_s,
        "sim_images_per_wall_s": n / infer["wall_s"],
        "sim_wall_s_total": pred.seconds,
    }


def bench_golden(acc: Accelerator, x: np.ndarray, repeats: int = 3) -> dict[str, Any]:
    best = min(acc.predict(x).seconds for _ in range(repeats))
    return {"images": len(x), "images_per_s": len(x) / best, "us_per_image": 1e6 * best / len(x)}


def main(argv: list[str] | None = None) -> int:
    p = cli.Parser(prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0])
    p.add_argument("--artifact", default=str(build_dir("model.bwsnn.npz")),
                   help="deploy artifact (default BUILD/model.bwsnn.npz)")
    p.add_argument("--data", help=f"test data .npz (see host.data; default: {DEFAULT_DATA} where it exists, "
                   "else uniform random pixels)")
    p.add_argument("--images", type=cli.int_in_range(1, MAX_IMAGES), default=300,
                   help="images through the simulated board (default 300: transfers of 1, 256 and 43 images)")
    p.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator",
                   help="RTL simulator of the simulated board")
    p.add_argument("--target", choices=list(BOARDS), default=DEFAULT_BOARD,
                   help="board of bwsnn/boards.json the simulated board's design is planned for")
    p.add_argument("--out", type=cli.output_file, default=str(build_dir("bench/host.json")),
                   help="the bench's JSON (default BUILD/bench/host.json)")
    a = p.parse_args(argv)
    data_path = a.data or (DEFAULT_DATA if DEFAULT_DATA.exists() else None)
    try:
        plugin("sim")  # the bench measures the simulated board: where sim/ is missing (the wheel), one line first
        golden_acc = Accelerator(a.artifact, backend="golden")
        if data_path is not None:
            x, _ = data.check(golden_acc.art, data_path, *data.load(data_path))
            source = str(data_path)
        else:
            x = np.random.default_rng(0).integers(0, 256, (max(a.images, 1000), golden_acc.art.n_in), np.uint8)
            source = "uniform random pixels, seed 0"
        t0 = time.perf_counter()
        sim = bench_sim(Accelerator(golden_acc.art, backend="sim", simulator=a.simulator, target=a.target),
                        x[:a.images])
        sim["build_and_run_s"] = time.perf_counter() - t0
        report = {"artifact": a.artifact, "images_from": source, "machine": platform.machine(),
                  "python": platform.python_version(), "clock_mhz": CLOCK_HZ / 1e6,
                  "simulator": a.simulator, "target": a.target, "sim": sim, "golden": bench_golden(golden_acc, x)}
    except (HostError, ArtifactError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1))
    print(f"host bench -> {a.out}: sim host overhead {sim['host_overhead_us_per_image']:.0f} us/image "
          f"({sim['reg_accesses_per_image']:.2f} register accesses, {sim['dma_transfers_per_image']:.3f} DMA "
          f"transfers per image), simulated board {sim['board_images_per_s_100mhz']:,.0f} images/s at 100 MHz "
          f"({sim['board_cycles_per_image']:.0f} cycles/image), "
          f"golden {report['golden']['images_per_s']:,.0f} images/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
