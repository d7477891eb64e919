"""bwsnn.regmap against bwsnn/regmap.json, read here independently, and the test-data file format."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bwsnn import regmap as protocol
from host import data
from host.errors import DataError

SPEC = json.loads((Path(__file__).resolve().parents[1] / "bwsnn" / "regmap.json").read_text())


def test_registers_and_fields_come_from_regmap_json() -> None:
    rm = protocol.REGMAP
    assert rm.id_magic == SPEC["id_magic"]
    assert set(rm.registers) == set(SPEC["registers"])
    for name, r in SPEC["registers"].items():
        assert rm.offset(name) == r["offset"]
        for field, bit in r.get("fields", {}).items():
            assert rm.mask(name, field) == 1 << bit
            assert rm.flags(name, 1 << bit) == [field]


@pytest.mark.parametrize("n_in", [1, 7, 8, 9, 64, 784])
def test_pack_images_follows_the_stream_in_spec(n_in: int) -> None:
    ppb = SPEC["stream_in"]["pixels_per_beat"]
    rng = np.random.default_rng(n_in)
    imgs = rng.integers(0, 256, (3, n_in), dtype=np.uint8)
    imgs[0] = 255  # every bit set: no sign or carry leaks between lanes
    beats = protocol.pack_images(imgs)
    assert beats.dtype == np.uint64 and beats.shape == (3, -(-n_in // ppb))
    for img, row in zip(imgs, beats):
        for b, word in enumerate(row.tolist()):  # pixel k of beat b is pixel ppb*b+k, in bits 8k+7..8k
            want = sum(int(img[ppb * b + k]) << (8 * k) for k in range(ppb) if ppb * b + k < n_in)
            assert word == want
    assert np.array_equal(protocol.unpack_images(beats, n_in), imgs)


def test_unpack_results_sign_extends_scores() -> None:
    c = 10
    scores = np.array([[-(1 << 31), (1 << 31) - 1, -1, 0, 5, -7, 1 << 20, -(1 << 20), 3, 2]], np.int64)
    words = [7] + [s & 0xFFFFFFFF for s in scores[0].tolist()]  # beat 0: class; beats 1..C: int32 scores
    classes, got = protocol.unpack_results(np.array(words, np.uint32), c)
    assert classes.tolist() == [7] and np.array_equal(got, scores)
    assert np.array_equal(protocol.pack_results(classes, got), np.array(words, np.uint32))
    assert protocol.REGMAP.out_words(c) == 1 + c


def test_test_data_round_trip_and_errors(tmp_path: Path) -> None:
    imgs = np.arange(12 * 64, dtype=np.int64).reshape(12, 64).astype(np.uint8)
    labels = np.arange(12) % 10
    data.save(tmp_path / "t.npz", imgs, labels)
    x, y = data.load(tmp_path / "t.npz", limit=5)
    assert np.array_equal(x, imgs[:5]) and np.array_equal(y, labels[:5])
    data.save(tmp_path / "u.npz", imgs)
    assert data.load(tmp_path / "u.npz")[1] is None
    np.savez(tmp_path / "bad.npz", pixels=imgs)
    np.save(tmp_path / "arr.npy", imgs)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    np.savez(tmp_path / "lab.npz", images=imgs, labels=labels[:3])
    for name, msg in [("missing.npz", "no such file"), ("bad.npz", "missing key 'images'"),
                      ("arr.npy", "a single .npy array"), ("junk.npz", "not an .npz archive"),
                      ("lab.npz", "'labels' must")]:
        with pytest.raises(DataError, match=msg) as e:
            data.load(tmp_path / name)
        assert "\n" not in str(e.value)


def test_board_side_needs_only_numpy_and_tqdm(tmp_path: Path) -> None:
    # The PYNQ-Z2's ARM has no torch, sklearn or simulator: the board's modules must import (and the
    # golden backend and hw.gen's parameter image must run) with all of them unavailable.
    code = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"torch", "sklearn", "training", "cocotb", "cocotbext", "cocotb_tools", "pynq"}:
            raise ImportError("unavailable on the board: " + name)
sys.meta_path.insert(0, Block())
import numpy as np
import host.run, host.bench
from host.accelerator import Accelerator
from bwsnn.params import param_image
from bwsnn.planner import plan
from bwsnn.random_artifact import random_artifact
art = random_artifact(seed=0)
assert len(param_image(art, plan(art))) > 0
print(Accelerator(art, backend="golden").predict(np.zeros((2, 64), np.uint8)).classes.shape)
"""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(2,)"
