"""The Makefile's targets use what they are given: an existing ARTIFACT= is never retrained (whatever its
mtime), DATA_DIR= reaches every target that measures accuracy, `make train` reuses the --data-dir of ARGS."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "models" / "mnist-fast.bwsnn.npz"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not on PATH")


def make(tmp_path: Path, *args: str, dry: bool = True) -> subprocess.CompletedProcess:
    # -o .venv/.stamp: the venv counts as up to date (a test never rebuilds it), whatever pyproject's mtime
    cmd = ["make", "--no-print-directory", "-C", str(ROOT), "-o", ".venv/.stamp", f"BUILD={tmp_path / 'b'}",
           *(["-n"] if dry else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def old_artifact(tmp_path: Path) -> Path:
    """A shipped model, older than everything (the venv, pyproject.toml): mtimes must not trigger training."""
    art = tmp_path / "given.bwsnn.npz"
    shutil.copyfile(SHIPPED, art)
    os.utime(art, (0, 0))
    return art


@pytest.mark.parametrize("target", ["hls", "sim", "demo", "bitstream"])
def test_given_artifact_is_not_retrained(tmp_path: Path, old_artifact: Path, target: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    r = make(tmp_path, target, f"ARTIFACT={old_artifact}", f"DATA_DIR={data}", "ACCEL=hls")
    assert r.returncode == 0, r.stderr
    assert "training.train" not in r.stdout, r.stdout
    assert str(old_artifact) in r.stdout, r.stdout
    assert f"--data-dir {data}" in r.stdout, r.stdout


def test_bench_gets_data_dir(tmp_path: Path) -> None:
    r = make(tmp_path, "bench", f"DATA_DIR={tmp_path}")
    assert r.returncode == 0 and f"flow.bench --build {tmp_path / 'b'} --target pynq-z2 --data-dir {tmp_path}" \
        in r.stdout, r.stdout + r.stderr


def test_default_artifact_trained_only_when_missing(tmp_path: Path) -> None:
    """The venv is an order-only prerequisite of the default artifact: an artifact older than the venv is
    kept. Checked without `-o`, on a copy of the Makefile beside a fresh venv stamp (newer than pyproject.toml
    and the artifact), so the rule itself decides."""
    tree = tmp_path / "tree"
    (tree / ".venv").mkdir(parents=True)
    shutil.copyfile(ROOT / "Makefile", tree / "Makefile")
    shutil.copyfile(ROOT / "pyproject.toml", tree / "pyproject.toml")
    (tree / "bwsnn").symlink_to(ROOT / "bwsnn")  # the TARGET= check reads the board record
    (tree / ".venv" / ".stamp").write_text("")
    os.utime(tree / "pyproject.toml", (1000, 1000))

    def dry(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["make", "--no-print-directory", "-C", str(tree), "-n", *args], capture_output=True,
                              text=True, timeout=60)

    r = dry("hls")
    assert r.returncode == 0 and "training.train" in r.stdout, r.stdout + r.stderr  # missing: trained
    assert "-m venv" not in r.stdout, r.stdout  # the stamp is newer than pyproject.toml: the venv is kept
    (tree / "build").mkdir()
    art = tree / "build" / "model.bwsnn.npz"
    shutil.copyfile(SHIPPED, art)
    os.utime(art, (0, 0))  # older than the venv stamp
    r = dry("hls")
    assert r.returncode == 0 and "training.train" not in r.stdout, r.stdout


@pytest.mark.parametrize("goal", ["", "demo", "hls", "bitstream", "bench"])
def test_unknown_target_is_one_line_before_anything(tmp_path: Path, goal: str) -> None:
    r = make(tmp_path, *([goal] if goal else []), "TARGET=zcu999", dry=False)
    assert r.returncode != 0 and r.stdout == "", r.stdout
    assert r.stderr.count("\n") == 1 and "unknown target 'zcu999': expected one of pynq-z2, zcu104" in r.stderr
    assert not (tmp_path / "b").exists()  # nothing ran, nothing was trained


def test_missing_given_artifact_is_one_line(tmp_path: Path) -> None:
    r = make(tmp_path, "hls", f"ARTIFACT={tmp_path / 'nope.bwsnn.npz'}", dry=False)
    assert r.returncode != 0
    assert f"error: ARTIFACT={tmp_path / 'nope.bwsnn.npz'}: no such file" in r.stderr, r.stderr
    assert not (tmp_path / "b").exists()  # nothing ran, nothing was trained


@pytest.mark.parametrize("args", ["--preset mnist-fast --data-dir {d}", "--data-dir={d} --epochs 1"])
def test_train_reuses_data_dir_of_args(tmp_path: Path, args: str) -> None:
    """The test images come from the data directory the training read: a real run with PY=echo shows the
    commands the recipe runs (nothing is trained)."""
    d = tmp_path / "mydata"
    r = make(tmp_path, "train", f"ARGS={args.format(d=d)}", "PY=echo", dry=False)
    assert r.returncode == 0, r.stderr
    ran = [line.split() for line in r.stdout.splitlines() if line.startswith("-m ")]
    assert ran[-1] == ["-m", "host.data", f"{tmp_path / 'b'}/model.bwsnn.npz", f"{tmp_path / 'b'}/test_images.npz",
                       "--data-dir", str(d)], r.stdout


def test_demo_uses_given_artifact(tmp_path: Path, old_artifact: Path) -> None:
    """The demo's train step with a given artifact: its report beside it, no training into the build."""
    from flow import demo
    from flow.build import BuildState

    shutil.copyfile(SHIPPED.with_suffix("").with_suffix(".json"), tmp_path / "given.json")
    assert demo.main(["--build", str(tmp_path / "b"), "--artifact", str(old_artifact), "--stop", "train"]) == 0
    state = BuildState.load(tmp_path / "b")
    assert state.artifact == old_artifact and state.results["train"]["preset"] == "mnist-fast"
    assert not (tmp_path / "b" / "model.bwsnn.npz").exists()
