"""The trainer's speed: images/s of one student epoch (KD on, the preset's batch size), this tree beside another
commit's, measured side by side on the same images and machine state.

``python -m training.speed --ref <commit> --data-dir DIR`` checks ``<commit>`` out into a temporary git worktree
and times both trainers in alternating rounds (fresh processes, the same seeded subset of training images, the
same thread count); each side's figure is its best round, the one least disturbed by other load on the machine.
Two figures per side: images per wall-clock second, and images per CPU second of the (one-thread) process, which
other processes on a shared machine disturb much less; the speed-up is the CPU-second figures' ratio.
Without ``--ref`` only this tree is timed. The training bench times this tree beside :data:`BASELINE`.
"""
from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bwsnn import cli
from training.train import PRESETS

ROOT = Path(__file__).resolve().parents[1]
# The trainer issue 18 set out to speed up (before the LIF scan, the frozen KD teacher and bf16 mixed precision):
# the training bench's reference.
BASELINE = "32d6736"
# Runs inside the timed tree (old or new): only the API both share, training.train.train_models and PRESETS.
# One student epoch on `images` training images with an untrained teacher for KD (teacher_epochs 0: its
# training is not the student loop), a 10-image test set (the test-set accuracies are not the loop either).
_TIMER = """
import json, sys, time, torch
from dataclasses import replace
from bwsnn import datasets
from training import train
preset, data_dir, images, threads = sys.argv[1], sys.argv[2] or None, int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
cfg = replace(train.PRESETS[preset], data_dir=data_dir, epochs=1, teacher_epochs=0, val_size=0,
              train_size=images, export=False)
ds = datasets.load(cfg.dataset, data_dir, cfg.seed)
ds = replace(ds, x_test=ds.x_test[:10], y_test=ds.y_test[:10])
cpu = time.process_time()
trained = train.train_models(cfg, ds)
cpu = time.process_time() - cpu
print(json.dumps({"images_per_s": images / trained.seconds, "images_per_cpu_s": images / cpu,
                  "seconds": trained.seconds, "cpu_seconds": cpu, "batch_size": cfg.batch_size}))
"""


def time_tree(tree: Path, preset: str, data_dir: str | None, images: int, threads: int) -> dict:
    """One timed epoch of the trainer in ``tree`` (a fresh process)."""
    res = subprocess.run([sys.executable, "-c", _TIMER, preset, data_dir or "", str(images), str(threads)],
                         cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
                                        "TQDM_DISABLE": "1"}, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"error: timing the trainer in {tree} failed: {res.stderr.strip().splitlines()[-1:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def compare(trees: dict[str, Path], preset: str, data_dir: str | None, images: int, threads: int,
            rounds: int) -> dict:
    """{name: best round's figures + every round's images/s} for each tree, timed in alternating rounds."""
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(rounds):
        for name, tree in trees.items():
            runs[name].append(time_tree(tree, preset, data_dir, images, threads))
    return {name: {**max(r, key=lambda x: x["images_per_cpu_s"]), "rounds": [x["images_per_cpu_s"] for x in r]}
            for name, r in runs.items()}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


class SpeedError(ValueError):
    """A --ref that is no commit of this repository (one line)."""


def commit(ref: str) -> str | None:
    """The full hash of commit ``ref`` in this repository, or None (no such commit, a shallow clone, no git)."""
    try:
        return git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except (subprocess.CalledProcessError, OSError):
        return None


@contextlib.contextmanager
def trees_with(ref: str | None) -> Iterator[dict[str, Path]]:
    """{name: tree}: this tree, after commit ``ref`` checked out into a temporary worktree (removed on exit) when
    given."""
    with tempfile.TemporaryDirectory() as tmp:
        if not ref:
            yield {"this tree": ROOT}
            return
        if (sha := commit(ref)) is None:
            raise SpeedError(f"--ref: expected a commit of this repository, got {ref!r}")
        git("worktree", "add", "--detach", str(Path(tmp) / "ref"), sha)
        try:
            yield {f"ref {sha[:10]}": Path(tmp) / "ref", "this tree": ROOT}
        finally:
            git("worktree", "remove", "--force", str(Path(tmp) / "ref"))


def measure(preset: str, data_dir: str | None, ref: str | None = None, images: int = 2560, threads: int = 1,
            rounds: int = 3) -> dict:
    """This tree's trainer timed on ``preset`` (beside commit ``ref``'s, checked out into a temporary worktree,
    when given): {preset, images, threads, rounds, trees: {name: figures}, speedup (with ``ref``)}."""
    with trees_with(ref) as trees:
        timed = compare(trees, preset, data_dir, images, threads, rounds)
    result = {"preset": preset, "images": images, "threads": threads, "rounds": rounds, "trees": timed}
    if ref:
        old, new = (v["images_per_cpu_s"] for v in timed.values())
        result["speedup"] = new / old
    return result


def markdown(result: dict) -> list[str]:
    lines = [f"- {name}: {r['images_per_cpu_s']:.0f} images per CPU second, {r['images_per_s']:.0f} per wall second "
             f"(batch {r['batch_size']}; per CPU second in each round: {', '.join(f'{x:.0f}' for x in r['rounds'])})"
             for name, r in result["trees"].items()]
    if "speedup" in result:
        lines.append(f"- speed-up (images per CPU second): {result['speedup']:.2f}x")
    return [f"{result['preset']} ({result['images']} training images, {result['threads']} thread(s), best of "
            f"{result['rounds']} alternating rounds):", "", *lines]


def main(argv: list[str] | None = None) -> None:
    p = cli.Parser(prog="python -m training.speed", description=__doc__.splitlines()[0])
    p.add_argument("--ref", help="a commit to time beside this tree (checked out into a temporary worktree)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="mnist-conv")
    p.add_argument("--data-dir", help="the dataset directory (mnist / fashion presets)")
    p.add_argument("--images", type=cli.positive_int, default=2560, help="training images per timed epoch")
    p.add_argument("--threads", type=cli.positive_int, default=1)
    p.add_argument("--rounds", type=cli.positive_int, default=3)
    p.add_argument("--out", help="write the result as JSON here")
    a = p.parse_args(argv)
    try:
        result = measure(a.preset, a.data_dir, a.ref, a.images, a.threads, a.rounds)
    except SpeedError as e:
        p.error(str(e))
    if a.out:
        Path(a.out).write_text(json.dumps(result, indent=2))
    print("\n".join(markdown(result)))


if __name__ == "__main__":
    main()
