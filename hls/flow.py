"""``make hls``: artifact -> hls4ml project -> bit-exact C-simulation -> vendor steps where the tools exist.

    python -m hls.flow --target pynq-z2 --artifact build/model.bwsnn.npz --out build/hls [--bitstream]

Writes ``<out>/<target>/`` (the hls4ml project) and ``<out>/<target>/csim.json``. The C-simulation is
hls4ml's ``compile()`` + ``predict()`` (g++, open ap_types), which runs the AXI4-Stream top; the project's
own testbench (what vivado_hls' csim/cosim would run) is built with g++ too and run on the same images.
Both must equal the golden model, classes and scores, on every image. Vendor steps run only where their
tool is on PATH; otherwise one line says what was skipped. Errors are one line and exit status 2.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from hls4ml.model import ModelGraph
from tqdm import tqdm

from bwsnn import cli, golden
from bwsnn.artifact import Artifact, ArtifactError, load
from bwsnn.boards import DEFAULT_BOARD, Board, BoardError, get_board
from bwsnn.paths import build_dir
from bwsnn.random_artifact import random_images
from hls.convert import PROJECT, convert

HW_VIVADO = Path(__file__).resolve().parent.parent / "hw" / "vivado"  # the block design shared with the RTL

class FlowError(RuntimeError):
    """A step of the flow failed (one line)."""


@dataclass
class CsimResult:
    images: int
    mismatches: int  # images whose class or any score differs from the golden model (predict())
    testbench_mismatches: int | None  # the same through the AXI top's C++ testbench (None: no AXI top)
    seconds: float  # predict() over all images
    compile_seconds: float
    source: str
    accuracy: float | None  # classes vs the dataset's labels: the deployed accuracy, as a cross-check

    def as_dict(self) -> dict:
        return {"images": self.images, "mismatches": self.mismatches, "seconds": round(self.seconds, 4),
                "seconds_per_image": round(self.seconds / max(self.images, 1), 6),
                "compile_seconds": round(self.compile_seconds, 2),
                "testbench_mismatches": self.testbench_mismatches, "source": self.source,
                "accuracy": self.accuracy}


def test_images(art: Artifact, limit: int | None,
                data_dir: str | None = None) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Images, labels (None for random images) and their source: the artifact's dataset's test set (first
    ``limit``), or random images when it names none we can load."""
    from bwsnn.datasets import DataError
    from bwsnn.datasets import load as load_dataset

    name = art.info.get("dataset")
    try:
        ds = load_dataset(name, data_dir) if isinstance(name, str) else None
    except (DataError, OSError) as e:
        if data_dir is not None:  # the user named the data: a bad file is an error, not random images
            raise FlowError(str(e)) from None
        ds = None
    if ds is not None and ds.x_test.shape[1] == art.n_in:
        return ds.x_test[:limit], ds.y_test[:limit], f"{name} test set"
    return random_images(art, limit or 100), None, "random images (edge cases first)"


def expected_words(art: Artifact, x: np.ndarray) -> np.ndarray:
    """What the accelerator streams out per image: class, then the C final scores (int64 (N, 1 + C))."""
    g = golden.run(art, x)
    return np.concatenate([g.classes[:, None], g.scores], axis=1)


def run_testbench(prj: Path, x: np.ndarray, want: np.ndarray, project: str = PROJECT) -> int:
    """Build the project's testbench with g++, run it on ``x``; the number of mismatching images.

    The testbench links the design compile() built (``firmware/<project>-<stamp>.so``, the same sources)
    instead of compiling it again. It also sends the first image as a packet of three images and as a too-short one;
    any framing error (the top out of step with the packets) raises :class:`FlowError`."""
    libs = sorted(prj.glob(f"firmware/{project}-*.so"), key=lambda p: p.stat().st_mtime)
    if not libs:
        raise FlowError(f"{prj}: no compiled design (firmware/{project}-*.so): compile() first")
    tb = prj / "tb_data"
    tb.mkdir(exist_ok=True)
    np.savetxt(tb / "tb_input_features.dat", x, fmt="%d")
    np.savetxt(tb / "tb_output_predictions.dat", want, fmt="%d")
    exe = prj / "csim_tb"
    lib = libs[-1].resolve()
    cmd = ["g++", "-O2", "-std=c++11", "-Ifirmware", "-Ifirmware/ap_types", f"{project}_test.cpp", str(lib),
           f"-Wl,-rpath,{lib.parent}", "-o", exe.name]
    build = subprocess.run(cmd, cwd=prj, capture_output=True, text=True)
    if build.returncode:
        raise FlowError(f"testbench build failed: {build.stderr.strip().splitlines()[-1]}")
    run = subprocess.run([f"./{exe.name}"], cwd=prj, capture_output=True, text=True)
    last = (run.stdout.strip().splitlines() or ["no output"])[-1]
    if not last.startswith("images "):
        raise FlowError(f"testbench failed (exit {run.returncode}): {last}")
    images, mismatches, framing = (int(v) for v in last.split()[1::2])
    if images != len(x):
        raise FlowError(f"testbench ran {images} images, expected {len(x)}")
    if framing:
        raise FlowError("testbench: the AXI top lost the packet framing (batch packet / too-short image)")
    return mismatches


def predict_words(model: ModelGraph, x: np.ndarray, batch: int = 32) -> tuple[np.ndarray, float]:
    """The compiled design's output words for images x (int64 (N, 1 + C)) and the seconds predict() took."""
    got, seconds = [], 0.0
    for i in tqdm(range(0, len(x), batch), desc="C-sim", unit="batch", file=sys.stderr):
        chunk = x[i:i + batch].astype(np.float64)  # exact for 0..255; outputs are int32 in double
        t = time.perf_counter()
        got.append(np.asarray(model.predict(chunk)).reshape(len(chunk), -1))
        seconds += time.perf_counter() - t
    return np.concatenate(got).astype(np.int64), seconds


def csim(model: ModelGraph, art: Artifact, x: np.ndarray, source: str, labels: np.ndarray | None = None,
         batch: int = 32) -> CsimResult:
    """Compile the project (g++) and compare predict() and the testbench with the golden model."""
    t0 = time.perf_counter()
    model.compile()
    compile_s = time.perf_counter() - t0
    want = expected_words(art, x)
    got_words, seconds = predict_words(model, x, batch)
    mismatches = int(np.any(got_words != want, axis=1).sum())
    prj = Path(model.config.get_output_dir())
    has_axi_top = (prj / "firmware" / f"{PROJECT}_axi.cpp").exists()  # VivadoAccelerator boards only
    tb = run_testbench(prj, x, want) if has_axi_top else None
    accuracy = None if labels is None else round(100.0 * float(np.mean(got_words[:, 0] == labels)), 3)
    return CsimResult(len(x), mismatches, tb, seconds, compile_s, source, accuracy)


def vendor_hls(model: ModelGraph, prj: Path) -> str:
    """C-synthesis, co-simulation and IP export with vivado_hls (via hls4ml) or vitis_hls; csynth.json."""
    from hls4ml.report import parse_vivado_report

    if shutil.which("vivado_hls"):
        model.build(reset=True, csim=False, synth=True, cosim=True, export=True)
    elif shutil.which("vitis_hls"):  # the same build script hls4ml hands vivado_hls
        subprocess.run(["vitis_hls", "-f", "build_prj.tcl", "reset=1 csim=0 synth=1 cosim=1 validation=0 "
                        "export=1 vsynth=0 fifo_opt=0"], cwd=prj, check=True)
    else:
        return "skipped C-synthesis, co-simulation and IP export: neither vivado_hls nor vitis_hls is on PATH"
    report = parse_vivado_report(str(prj))
    if not report or "CSynthesisReport" not in report:
        raise FlowError(f"{prj}: no C-synthesis report after the vendor run")
    (prj / "csynth.json").write_text(json.dumps(report, indent=2, default=str))
    return f"C-synthesis report: {prj / 'csynth.json'}"


def vendor_bitstream(target: Board, prj: Path, artifact: str | Path) -> str:
    """The bitstream from hw/vivado's block design for the target board (its PS + AXI DMA + accelerator) with
    the exported HLS IP."""
    if not shutil.which("vivado"):
        return "skipped bitstream: vivado is not on PATH"
    ip_repo = prj / f"{PROJECT}_prj" / "solution1" / "impl" / "ip"
    if not ip_repo.exists():
        raise FlowError(f"{ip_repo}: no exported HLS IP (C-synthesis + export must run first)")
    # the HLS IP's names: vivado_hls renames the C++ ports in/out (reserved words) to in_r/out_r; it has
    # no AXI-Lite slave and an ap_rst_n reset
    subprocess.run([str(HW_VIVADO / "build.sh"), str(artifact), f"target={target.name}", "kind=hls",
                    f"ip_repo={ip_repo.resolve()}",
                    f"vlnv=xilinx.com:hls:{PROJECT}_axi:1.0", "s_axis=in_r", "m_axis=out_r", "clk=ap_clk",
                    "s_axil=", "rst=ap_rst_n",
                    f"out={(prj / 'vivado').resolve()}"], check=True)
    return f"bitstream: {prj / 'vivado' / 'bwsnn.bit'}"


def run_flow(target_name: str, artifact: str | Path, out: str | Path, images: int | None = None,
             data_dir: str | None = None, bitstream: bool = False,
             art: Artifact | None = None) -> tuple[dict, ModelGraph]:
    """The whole flow; returns what csim.json holds and the compiled hls4ml ModelGraph. ``art``: ``artifact``
    already loaded (the demo parses it once for all its steps)."""
    target = get_board(target_name)
    art = load(artifact) if art is None else art
    x, labels, source = test_images(art, images, data_dir)  # a bad --data-dir fails before the project is built
    prj = Path(out) / target.name
    if prj.exists():
        shutil.rmtree(prj)  # hls4ml leaves stale files (old weights, tarballs) otherwise
    model = convert(art, target, prj)
    result = csim(model, art, x, source, labels)
    summary = {"target": target.name, "part": target.part, "clock_mhz": target.clock_mhz,
               "artifact": str(artifact), **result.as_dict()}
    (prj / "csim.json").write_text(json.dumps(summary, indent=2) + "\n")
    tb = "no AXI top" if result.testbench_mismatches is None else result.testbench_mismatches
    print(f"C-sim {target.name}: {result.images} images ({source}), {result.mismatches} mismatches "
          f"(AXI testbench: {tb}), {result.seconds:.2f} s -> {prj / 'csim.json'}")
    if result.mismatches or result.testbench_mismatches:
        raise FlowError(f"C-sim is not bit-exact: {result.mismatches} predict() and "
                        f"{result.testbench_mismatches} testbench mismatches of {result.images} images")
    print(vendor_hls(model, prj))
    if bitstream:
        print(vendor_bitstream(target, prj, artifact))
    return summary, model


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m hls.flow", description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", default=DEFAULT_BOARD, help="board of bwsnn/boards.json (python -m bwsnn.boards list)")
    ap.add_argument("--artifact", default=str(build_dir("model.bwsnn.npz")),
                    help="deploy artifact (default BUILD/model.bwsnn.npz)")
    ap.add_argument("--out", type=cli.output_dir, default=str(build_dir("hls")),
                    help="project folder; the project is OUT/TARGET (default BUILD/hls)")
    ap.add_argument("--images", type=cli.positive_int, default=None,
                    help="first N test images (default: whole test set)")
    ap.add_argument("--data-dir", type=cli.existing_dir, default=None, help="dataset directory of the test set "
                    "(MNIST, Fashion-MNIST or the artifact's own FILE.npz)")
    ap.add_argument("--bitstream", action="store_true", help="also build the bitstream (needs vivado)")
    a = ap.parse_args(argv)
    try:
        run_flow(a.target, a.artifact, a.out, a.images, a.data_dir, a.bitstream)
    except (BoardError, ArtifactError, FlowError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as e:
        print(f"error: {e.cmd[0]} failed with exit status {e.returncode}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
