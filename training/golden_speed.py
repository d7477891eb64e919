"""The golden model's speed: images per CPU second of ``bwsnn.golden.run`` on each shipped model, this tree beside
another commit's, one BLAS thread, fresh processes, the same seeded images.

It matters beyond the tests: every run ends with golden == deploy on its whole test set, the HLS flow and the
benches compare against it, and on the board (two ARM cores) it is the reference a notebook runs explicitly.
``python -m training.golden_speed [--ref COMMIT] [--images N] [ARTIFACT ...]`` (default: models/*.bwsnn.npz, the
reference :data:`BASELINE`); the training bench runs it too.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bwsnn import cli
from training import shipped, speed

# the golden model before issue 26 (float64 products): the training bench's reference
BASELINE = "d2b4ce0"
# Runs inside the timed tree (old or new): only the API both share. A warm-up batch, then `images` images.
_TIMER = """
import json, sys, time
from bwsnn import artifact, golden
from bwsnn.random_artifact import random_images
art = artifact.load(sys.argv[1])
x = random_images(art, int(sys.argv[2]), seed=0)
golden.run(art, x[:8])
cpu, wall = time.process_time(), time.perf_counter()
golden.run(art, x)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"images_per_cpu_s": len(x) / cpu, "images_per_s": len(x) / wall}))
"""
# one thread for every BLAS numpy may be linked against: the board's figure is per core
_ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def time_tree(tree: Path, model: Path, images: int) -> dict:
    res = subprocess.run([sys.executable, "-c", _TIMER, str(model.resolve()), str(images)], cwd=tree,
                         env={**os.environ, **_ONE_THREAD, "PYTHONPATH": str(tree)}, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"error: timing the golden model of {tree} on {model} failed: "
                         f"{res.stderr.strip().splitlines()[-1:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure(models: list[Path], ref: str | None = BASELINE, images: int = 256) -> dict:
    """{images, ref, models: {name: {tree name: figures, speedup}}} (speedup: CPU-second ratio, with ``ref``)."""
    result: dict = {"images": images, "ref": ref, "models": {}}
    with speed.trees_with(ref) as trees:
        for model in models:
            row = {name: time_tree(tree, model, images) for name, tree in trees.items()}
            if ref:
                old, new = (v["images_per_cpu_s"] for v in row.values())
                row["speedup"] = new / old
            result["models"][model.name.removesuffix(".bwsnn.npz")] = row
    return result


def markdown(result: dict) -> list[str]:
    trees = [k for k in next(iter(result["models"].values()), {}) if k != "speedup"]
    lines = [f"Images per CPU second of `bwsnn.golden.run` ({result['images']} random images, one BLAS thread):", "",
             "| model | " + " | ".join(trees) + (" | speed-up |" if result["ref"] else " |"),
             "|---" * (len(trees) + 1 + bool(result["ref"])) + "|"]
    for name, row in result["models"].items():
        cells = [f"{row[t]['images_per_cpu_s']:,.0f}" for t in trees]
        lines.append(f"| {name} | " + " | ".join(cells) + (f" | {row['speedup']:.2f}x |" if result["ref"] else " |"))
    return lines


def main(argv: list[str] | None = None) -> None:
    p = cli.Parser(prog="python -m training.golden_speed", description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="*", type=cli.existing_file, help="artifacts (default: models/*.bwsnn.npz)")
    p.add_argument("--ref", default=BASELINE, help=f"a commit to time beside this tree (default {BASELINE}, the "
                   "golden model before issue 26; '' for none)")
    p.add_argument("--images", type=cli.positive_int, default=256)
    p.add_argument("--out", type=cli.output_file, help="write the result as JSON here")
    a = p.parse_args(argv)
    try:
        result = measure([Path(m) for m in a.models] or shipped.models(), a.ref or None, a.images)
    except speed.SpeedError as e:
        p.error(str(e))
    if a.out:
        Path(a.out).write_text(json.dumps(result, indent=2))
    print("\n".join(markdown(result)))


if __name__ == "__main__":
    main()
