"""Bad input, through the real command lines: one line on stderr, a non-zero exit, never a traceback, and
nothing silently wrong. Each table row is an input a user could give and a fragment of the line it must get."""
from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from bwsnn import artifact, cli, npz
from bwsnn.datasets import DataError, load_mnist
from bwsnn.random_artifact import random_artifact, random_conv_artifact, random_images
from host import data

ROOT = Path(__file__).resolve().parents[1]


def _resign(src: Path, dst: Path, meta_bytes: bytes) -> None:
    """A copy of the artifact ``src`` with the meta replaced and a valid checksum (only the meta is wrong)."""
    arrays = npz.read(src)
    arrays.pop("meta"), arrays.pop("checksum")
    meta = np.frombuffer(meta_bytes, np.uint8)
    with open(dst, "wb") as f:
        np.savez(f, meta=meta, checksum=np.frombuffer(artifact._checksum(meta, arrays).encode(), np.uint8),
                 **arrays)


def _mnist_dir(d: Path, **change: np.ndarray | None) -> Path:
    """A tiny mnist.npz in ``d`` (5 train / 3 test images) with some arrays replaced (None: left out)."""
    d.mkdir()
    arrays = {"x_train": np.zeros((5, 28, 28), np.uint8), "y_train": np.arange(5, dtype=np.uint8),
              "x_test": np.zeros((3, 28, 28), np.uint8), "y_test": np.arange(3, dtype=np.uint8), **change}
    np.savez(d / "mnist.npz", **{k: v for k, v in arrays.items() if v is not None})
    return d


def _idx(path: Path, a: np.ndarray) -> None:
    path.write_bytes(bytes([0, 0, 8, a.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in a.shape)
                     + a.astype(np.uint8).tobytes())


@pytest.fixture(scope="module")
def d(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bad (and the few good) input files the tables name."""
    d = tmp_path_factory.mktemp("bad")
    art = random_artifact(seed=4)  # 64 inputs, 10 classes
    art.save(d / "m.bwsnn.npz")
    x = random_images(art, 12, seed=1)
    data.save(d / "t.npz", x, np.arange(12) % 10)
    mnist_art = random_artifact(sizes=(784, 16, 10), seed=5)
    mnist_art.info["dataset"] = "mnist"
    mnist_art.save(d / "mnist_model.bwsnn.npz")
    np.savez(d / "no_images.npz", images=np.zeros((0, 64), np.uint8), labels=np.zeros(0, np.int64))
    np.savez(d / "labels_high.npz", images=x, labels=np.arange(12) + 5)
    np.savez(d / "labels_neg.npz", images=x, labels=-np.ones(12, np.int64))
    np.savez(d / "float_images.npz", images=x.astype(np.float32))
    np.savez(d / "wide.npz", images=np.zeros((4, 65), np.uint8))
    np.savez(d / "pixels_only.npz", pixels=x)
    np.savez(d / "one_dim.npz", images=x[0])
    np.savez(d / "scalar.npz", images=np.uint8(3))
    np.savez(d / "bool_labels.npz", images=x, labels=np.zeros(12, bool))
    np.savez(d / "text_labels.npz", images=x, labels=np.array(list("abcdefghijkl")))
    # files that are not .npz archives at all
    (d / "empty.npz").write_bytes(b"")
    (d / "dir.npz").mkdir()
    with open(d / "renamed.npz", "wb") as f:
        np.save(f, x)
    (d / "random.npz").write_bytes(np.random.default_rng(0).bytes(500))
    raw = (d / "m.bwsnn.npz").read_bytes()
    (d / "truncated.npz").write_bytes(raw[: len(raw) // 2])
    np.savez(d / "objects.npz", images=np.array([{"a": 1}, None], dtype=object))
    with zipfile.ZipFile(d / "text_member.npz", "w") as z:
        z.writestr("images.txt", "1 2 3")
    raw = bytearray((d / "t.npz").read_bytes())  # flag the first member encrypted (local and central header)
    raw[6] |= 1
    raw[raw.find(b"PK\x01\x02") + 8] |= 1
    (d / "encrypted.npz").write_bytes(bytes(raw))
    for name, n in (("huge_header.npz", 10 ** 15), ("short_data.npz", 100)):  # declared size vs 3 bytes of data
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (n, 1)})
        with zipfile.ZipFile(d / name, "w") as z:
            z.writestr("images.npy", header.getvalue() + b"abc")
    (d / "pickle.npz").write_bytes(b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00}\x94.")
    # artifacts whose checksum is right but whose meta is not
    _resign(d / "m.bwsnn.npz", d / "deep.bwsnn.npz", b"[" * 100_000 + b"]" * 100_000)
    meta = art.meta()
    _resign(d / "m.bwsnn.npz", d / "bigint.bwsnn.npz",  # over Python's 4,300-digit int parsing limit
            json.dumps({**meta, "T": 0}).encode().replace(b'"T": 0', b'"T": ' + b"9" * 5000))
    _resign(d / "m.bwsnn.npz", d / "nan.bwsnn.npz", json.dumps({**meta, "T": float("nan")}).encode())
    # MNIST directories
    _mnist_dir(d / "mnist_labels", y_train=np.array([0, 1, 2, 3, 10], np.uint8))
    _mnist_dir(d / "mnist_float", x_test=np.zeros((3, 28, 28), np.float32))
    _mnist_dir(d / "mnist_shape", x_train=np.zeros((5, 8, 8), np.uint8))
    _mnist_dir(d / "mnist_missing", y_test=None)
    _mnist_dir(d / "mnist_labels_float", y_train=np.zeros(5))
    _mnist_dir(d / "mnist_count", y_test=np.arange(2))
    _mnist_dir(d / "mnist_empty", x_test=np.zeros((0, 28, 28), np.uint8), y_test=np.zeros(0, np.uint8))
    (d / "mnist_random").mkdir()
    (d / "mnist_random" / "mnist.npz").write_bytes(np.random.default_rng(1).bytes(300))
    (d / "mnist_renamed").mkdir()
    np.save(d / "mnist_renamed" / "x.npy", np.zeros(3))
    (d / "mnist_renamed" / "x.npy").rename(d / "mnist_renamed" / "mnist.npz")
    (d / "idx").mkdir()
    for split, n in (("train", 4), ("t10k", 3)):
        _idx(d / "idx" / f"{split}-images-idx3-ubyte", np.zeros((n, 28, 28)))
        _idx(d / "idx" / f"{split}-labels-idx1-ubyte", np.array([1, 2, 12, 3][:n]))
    (d / "idx_gz").mkdir()
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (d / "idx_gz" / f"{name}.gz").write_bytes(b"\x1f\x8bnot really gzip")
    (d / "file.txt").write_text("not a directory")
    _bad_artifacts(d, meta)
    _torch_files(d)
    _report_dirs(d, art)
    return d


def _edited(d: Path, src: str, dst: str, edit) -> None:
    """``d/dst``: the artifact ``d/src`` with ``edit(meta)`` applied to its meta, re-signed."""
    meta = json.loads(npz.read(d / src)["meta"].tobytes())
    edit(meta)
    _resign(d / src, d / dst, json.dumps(meta).encode())


#: artifact meta edits the validator must refuse: exact JSON types, fields that do not belong to the kind
DENSE_EDITS = {
    "T_true": lambda m: m.update(T=True), "version_true": lambda m: m.update(version=True),
    "T_float": lambda m: m.update(T=2.0), "bits_float": lambda m: m["input"].update(bits=8.0),
    "shape_true": lambda m: m["input"].update(shape=[True]), "shape_float": lambda m: m["input"].update(shape=[64.0]),
    "shape_scalar": lambda m: m["input"].update(shape=64), "shape_empty": lambda m: m["input"].update(shape=[]),
    "in_float": lambda m: m["layers"][0].update({"in": 64.0}), "in_list": lambda m: m["layers"][0].update({"in": [64]}),
    "out_true": lambda m: m["layers"][0].update(out=True), "spiking_int": lambda m: m["layers"][0].update(spiking=1),
    "mem_bits_text": lambda m: m["layers"][0].update(mem_bits="16"),
    "skip_true": lambda m: m["layers"][1].update(skip_from=True),
    "kernel_on_dense": lambda m: m["layers"][0].update(kernel=3),
    "misspelt": lambda m: m["layers"][0].update(leakshift=1), "top_extra": lambda m: m.update(extra=1),
    "input_extra": lambda m: m["input"].update(channels=1), "classes_ints": lambda m: m.update(classes=list(range(10))),
    "classes_text": lambda m: m.update(classes="0123456789"), "info_list": lambda m: m.update(info=[]),
    "name_int": lambda m: m["layers"][0].update(name=5), "layers_object": lambda m: m.update(layers={}),
}
CONV_EDITS = {
    "pool_padding": lambda m: m["layers"][2].update(padding=0),
    "kernel_true": lambda m: m["layers"][0].update(kernel=True),
    "conv_in_float": lambda m: m["layers"][0].update({"in": [11, 9, 2.0]}),
    "pool_spiking": lambda m: m["layers"][2].update(spiking=True),
    "stride_list": lambda m: m["layers"][0].update(stride=[1]),
}


#: training.train's one line for a --conv stack outside the grammar
STACK_LINE = "argument --conv: expected 'c<channels>' and 'p' entries"
#: the line an artifact the RTL generator cannot build gets (a valid shortcut from two layers back)
FARSKIP = "farskip.bwsnn.npz: layers[2].skip_from: the RTL takes shortcuts from the previous layer"


def _bad_artifacts(d: Path, meta: dict) -> None:
    random_conv_artifact(seed=1).save(d / "conv.bwsnn.npz")
    far = random_artifact(sizes=(20, 8, 8, 8, 5), seed=2)
    far.layers[2].skip_from = 0  # valid, but the RTL takes shortcuts from the previous layer only
    far.save(d / "farskip.bwsnn.npz")
    for name, edit in DENSE_EDITS.items():
        _edited(d, "m.bwsnn.npz", f"{name}.bwsnn.npz", edit)
    for name, edit in CONV_EDITS.items():
        _edited(d, "conv.bwsnn.npz", f"{name}.bwsnn.npz", edit)


def _torch_files(d: Path) -> None:
    """--teacher and --resume inputs that are not what they claim."""
    import torch

    from training.model import SNNConfig, Teacher

    (d / "teacher_empty.pt").write_bytes(b"")
    (d / "teacher_random.pt").write_bytes(np.random.default_rng(2).bytes(400))
    torch.save([1, 2], d / "teacher_list.pt")
    torch.save({"a": torch.zeros(3)}, d / "teacher_other.pt")
    torch.save(Teacher(SNNConfig((64,), 10, hidden=[32, 32, 32])).state_dict(), d / "teacher_small.pt")
    torch.save({"net.0.weight": torch.zeros(256, 64), "net.0.bias": torch.zeros(256)}, d / "teacher_old.pt")
    torch.save({"arch": "BWSNN", "teacher": {}, "student": {}}, d / "teacher_checkpoint.pt")
    raw = (d / "teacher_small.pt").read_bytes()
    (d / "teacher_truncated.pt").write_bytes(raw[: len(raw) // 3])
    for name, content in (("not_dict", [1]), ("missing", {"phase": "bwsnn"}), ("truncated", None),
                          ("bad_config", None)):
        run = d / f"resume_{name}"
        run.mkdir()
        if name == "truncated":
            (run / "train_state.pt").write_bytes(raw[: len(raw) // 2])
        elif name == "bad_config":
            from training.checkpoint import STATE_KEYS

            torch.save({**{k: 0 for k in STATE_KEYS}, "config": [1]}, run / "train_state.pt")
        else:
            torch.save(content, run / "train_state.pt")


def _report_dirs(d: Path, art: artifact.Artifact) -> None:
    """models folders (training.bench --models-dir) whose training reports are not what it reads."""
    good = json.loads((ROOT / "models" / "mnist-fast.json").read_text())
    for name, text in (("not_json", "{"), ("list", "[]"), ("no_accuracy", json.dumps({**good, "accuracy": {}})),
                       ("seconds_text", json.dumps({**good, "seconds": "fast"})),
                       ("epochs_true", json.dumps({**good, "epochs": True})), ("no_report", None),
                       ("no_dataset", json.dumps(good))):
        m = d / f"models_{name}"
        m.mkdir()
        src = d / "m.bwsnn.npz" if name == "no_dataset" else ROOT / "models" / "mnist-fast.bwsnn.npz"
        (m / "x.bwsnn.npz").write_bytes(src.read_bytes())
        if text is not None:
            (m / "x.json").write_text(text)


# -- the one .npz reader ----------------------------------------------------------------------------------

NPZ_CASES = [
    ("none.npz", "none.npz: no such file"),
    ("dir.npz", "dir.npz: is a directory"),
    ("empty.npz", "empty.npz: empty file"),
    ("renamed.npz", "renamed.npz: a single .npy array (np.save), expected an .npz archive"),
    ("random.npz", "random.npz: not an .npz archive (no zip header"),
    ("pickle.npz", "pickle.npz: not an .npz archive (no zip header"),
    ("truncated.npz", "truncated.npz: not an .npz archive: truncated or corrupt zip"),
    ("objects.npz", "objects.npz: array 'images' holds Python objects"),
    ("text_member.npz", "text_member.npz: not an .npz archive: member 'images.txt' is not a .npy array"),
    ("pixels_only.npz", "pixels_only.npz: missing key 'images' (found 'pixels')"),
    ("encrypted.npz", "encrypted.npz: not an .npz archive numpy can read: File"),
    ("huge_header.npz", "huge_header.npz: array 'images' is too large to load"),
    ("short_data.npz", "short_data.npz: array 'images' is not a readable .npy array: EOF"),
]


@pytest.mark.parametrize("name, fragment", NPZ_CASES)
def test_npz_reader_says_what_the_file_is(d: Path, name: str, fragment: str) -> None:
    with pytest.raises(npz.NpzError) as e:
        npz.read(d / name, required=("images",))
    msg = str(e.value)
    assert fragment in msg and "\n" not in msg and "allow_pickle" not in msg


def test_npz_reader_reads_what_numpy_wrote(tmp_path: Path) -> None:
    a, b = np.arange(6, dtype=np.int16).reshape(2, 3), np.array([1.5])
    np.savez_compressed(tmp_path / "c.npz", a=a, b=b)
    got = npz.read(tmp_path / "c.npz", required=("a", "b"))
    assert sorted(got) == ["a", "b"] and np.array_equal(got["a"], a) and got["a"].dtype == np.int16
    assert np.array_equal(got["b"], b)


# -- the command lines ------------------------------------------------------------------------------------

def run_main(module: str, argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    """The exit status and stderr of ``module.main(argv)``, argparse's SystemExit included."""
    try:
        rc = importlib.import_module(module).main(argv)
    except SystemExit as e:
        rc = e.code
        if isinstance(rc, str):  # SystemExit("error: ..."): the interpreter prints it to stderr, status 1
            print(rc, file=sys.stderr)
            rc = 1
    return rc, capsys.readouterr().err


def assert_one_line(rc: int | str | None, err: str, fragment: str) -> None:
    assert rc not in (0, None), f"exit status {rc!r} for a bad input; stderr: {err!r}"
    assert err.count("\n") == 1 and err.endswith("\n"), f"not exactly one line: {err!r}"
    assert "Traceback" not in err and fragment in err, err


GOLDEN = ["--backend", "golden", "--artifact", "{d}/m.bwsnn.npz", "--quiet"]
DATA = ["--data", "{d}/t.npz"]

CLI_CASES = [
    # host.run: test data
    ("host.run", GOLDEN + ["--data", "{d}/no_images.npz"], "no_images.npz: 'images' holds no images"),
    ("host.run", GOLDEN + ["--data", "{d}/labels_high.npz"],
     "labels_high.npz: 'labels' must be class indices 0..9 (the artifact has 10 classes), got 5..16"),
    ("host.run", GOLDEN + ["--data", "{d}/labels_neg.npz"], "labels_neg.npz: 'labels' must be class indices"),
    ("host.run", GOLDEN + ["--data", "{d}/float_images.npz"], "float_images.npz: 'images': expected integer pixels"),
    ("host.run", GOLDEN + ["--data", "{d}/wide.npz"], "wide.npz: 'images': expected shape (N, 64)"),
    ("host.run", GOLDEN + ["--data", "{d}/renamed.npz"], "renamed.npz: a single .npy array"),
    ("host.run", GOLDEN + ["--data", "{d}/random.npz"], "random.npz: not an .npz archive"),
    ("host.run", GOLDEN + ["--data", "{d}"], ": is a directory, expected an .npz file"),
    ("host.run", GOLDEN + ["--data", "{d}/one_dim.npz"], "one_dim.npz: 'images' must be (N, n_in), got shape [64]"),
    ("host.run", GOLDEN + ["--data", "{d}/scalar.npz"], "scalar.npz: 'images' must be (N, n_in), got shape []"),
    ("host.run", GOLDEN + ["--data", "{d}/bool_labels.npz"], "'labels' must be integers of shape (12,), got bool"),
    ("host.run", GOLDEN + ["--data", "{d}/text_labels.npz"], "'labels' must be integers of shape (12,), got <U1"),
    ("host.run", GOLDEN + ["--data", "{d}/pixels_only.npz"], "missing key 'images' (found 'pixels')"),
    ("host.run", GOLDEN + ["--data", "{d}/tést_ü.npz"], "tést_ü.npz: no such file"),
    ("host.run", GOLDEN + ["--data", "{d}/a\nb.npz"], "a\\nb.npz': no such file"),
    # host.run: the artifact (the one reader, then validation)
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/random.npz"] + DATA, "random.npz: not an .npz archive"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/renamed.npz"] + DATA, "renamed.npz: a single .npy array"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/truncated.npz"] + DATA, "truncated or corrupt zip"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/empty.npz"] + DATA, "empty.npz: empty file"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/dir.npz"] + DATA, "dir.npz: is a directory"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/objects.npz"] + DATA, "holds Python objects"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/deep.bwsnn.npz"] + DATA, "field 'meta': expected JSON"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/bigint.bwsnn.npz"] + DATA, "field 'meta': expected JSON"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/nan.bwsnn.npz"] + DATA, "field 'T': expected int, got nan"),
    ("host.run", GOLDEN[:2] + ["--artifact", "{d}/t.npz"] + DATA, "field 'meta': expected present"),
    # host.run: options (checked before any work: the sim backend would build first)
    ("host.run", GOLDEN + DATA + ["--limit", "0"], "argument --limit: expected an integer >= 1, got '0'"),
    ("host.run", GOLDEN + DATA + ["--limit", "-5"], "argument --limit: expected an integer >= 1, got '-5'"),
    ("host.run", GOLDEN + DATA + ["--limit", "abc"], "argument --limit: expected an integer >= 1, got 'abc'"),
    ("host.run", GOLDEN + DATA + ["--limit", "1.5"], "argument --limit: expected an integer >= 1"),
    ("host.run", GOLDEN + DATA + ["--limit", "9" * 5000], "argument --limit: expected an integer >= 1, got '99"),
    ("host.run", GOLDEN + DATA + ["--timeout", "nan"], "argument --timeout: expected a finite number > 0"),
    ("host.run", GOLDEN + DATA + ["--timeout", "inf"], "argument --timeout: expected a finite number > 0"),
    ("host.run", GOLDEN + DATA + ["--timeout", "0"], "argument --timeout: expected a finite number > 0"),
    ("host.run", GOLDEN + DATA + ["--json", "{d}/file.txt/out.json"],
     "argument --json: {d}/file.txt/out.json: cannot be created: {d}/file.txt is not a directory"),
    ("host.run", GOLDEN + DATA + ["--json", "{d}"], "argument --json: {d}: is a directory, expected a file name"),
    ("host.run", GOLDEN + DATA + ["--json", "{d}/new/"], "is a directory, expected a file name"),
    ("host.run", GOLDEN + DATA + ["--json", ""], "argument --json: expected a path, got ''"),
    ("host.run", GOLDEN + DATA + ["--json", "/proc/bwsnn/run.json"], "cannot create files in /proc"),
    ("host.run", GOLDEN[:2] + ["--artifact", ""] + DATA, "'': no file name given"),
    ("host.run", GOLDEN + DATA + ["--backend", "fpga"], "argument --backend: invalid choice: 'fpga'"),
    ("host.run", GOLDEN + DATA + ["--bogus"], "unrecognized arguments: --bogus"),
    ("host.run", DATA, "the following arguments are required: --artifact"),
    ("host.run", ["--backend", "sim", "--artifact", "{d}/m.bwsnn.npz", "--data", "{d}/labels_high.npz"],
     "'labels' must be class indices"),
    # host.bench
    ("host.bench", ["--images", "0"], "argument --images: expected an integer in 1..100000, got '0'"),
    ("host.bench", ["--images", "1000000000"], "argument --images: expected an integer in 1..100000"),
    ("host.bench", ["--out", "{d}/file.txt/host.json"], "argument --out: {d}/file.txt/host.json: cannot be created"),
    ("host.bench", ["--artifact", "{d}/m.bwsnn.npz", "--data", "{d}/none.npz"], "none.npz: no such file"),
    ("host.bench", ["--artifact", "{d}/m.bwsnn.npz", "--data", "{d}/labels_high.npz"], "'labels' must be class"),
    ("host.bench", ["--artifact", "{d}/m.bwsnn.npz", "--data", "{d}/no_images.npz"], "holds no images"),
    # hls.flow / hls.bench (all before hls4ml builds anything)
    ("hls.flow", ["--images", "0", "--out", "{d}/hls"], "argument --images: expected an integer >= 1, got '0'"),
    ("hls.flow", ["--images", "ten", "--out", "{d}/hls"], "argument --images: expected an integer >= 1"),
    ("hls.flow", ["--data-dir", "{d}/nodir", "--out", "{d}/hls"],
     "argument --data-dir: {d}/nodir: directory does not exist"),
    ("hls.flow", ["--data-dir", "{d}/file.txt", "--out", "{d}/hls"], "{d}/file.txt: not a directory"),
    ("hls.flow", ["--data-dir", "", "--out", "{d}/hls"], "argument --data-dir: expected a path, got ''"),
    ("hls.flow", ["--out", "{d}/file.txt"], "argument --out: {d}/file.txt: exists and is not a directory"),
    ("hls.flow", ["--artifact", "{d}/renamed.npz", "--out", "{d}/hls"], "renamed.npz: a single .npy array"),
    ("hls.flow", ["--artifact", "{d}/mnist_model.bwsnn.npz", "--data-dir", "{d}/mnist_labels", "--out", "{d}/hls"],
     "mnist.npz: train labels: expected classes 0..9, got 0..10"),
    ("hls.flow", ["--artifact", "{d}/mnist_model.bwsnn.npz", "--data-dir", "{d}/mnist_random", "--out", "{d}/hls"],
     "mnist.npz: not an .npz archive"),
    ("hls.bench", ["--out", "{d}", "--hls-out", "{d}/hls"], "argument --out: {d}: is a directory"),
    ("hls.bench", ["--images", "-1", "--hls-out", "{d}/hls"], "argument --images: expected an integer >= 1"),
    ("hls.bench", ["--hls-out", "{d}/file.txt"], "argument --hls-out: {d}/file.txt: exists and is not a directory"),
    ("hls.bench", ["--data-dir", "{d}/nodir"], "argument --data-dir: {d}/nodir: directory does not exist"),
    # hw.gen
    ("hw.gen", ["{d}/m.bwsnn.npz", "{d}/gen", "--target-cycles", "0"], "argument --target-cycles: expected"),
    ("hw.gen", ["{d}/m.bwsnn.npz", "{d}/gen", "--lut-budget", "-4"], "argument --lut-budget: expected"),
    ("hw.gen", ["{d}/m.bwsnn.npz", "{d}/gen", "--target-cycles", "0x40"], "argument --target-cycles: expected"),
    ("hw.gen", ["{d}/m.bwsnn.npz", "{d}/file.txt"], "argument out_dir: {d}/file.txt: exists and is not a"),
    ("hw.gen", ["{d}/m.bwsnn.npz", "/sys/bwsnn_gen"], "argument out_dir: /sys/bwsnn_gen: cannot create files in /sys"),
    ("hw.gen", ["{d}/none.bwsnn.npz", "{d}/gen"], "none.bwsnn.npz: no such file"),
    ("hw.gen", ["{d}/random.npz", "{d}/gen"], "random.npz: not an .npz archive"),
    ("hw.gen", ["{d}/m.bwsnn.npz"], "the following arguments are required: out_dir"),
    # sim.run_rtl / sim.hw_bench (before any simulator build)
    ("sim.run_rtl", ["--images", "0"], "argument --images: expected an integer >= 1, got '0'"),
    ("sim.run_rtl", ["--icarus-images", "-2"], "argument --icarus-images: expected an integer >= 1"),
    ("sim.run_rtl", ["--sim", "modelsim"], "argument --sim: invalid choice: 'modelsim'"),
    ("sim.hw_bench", ["--images", "nan"], "argument --images: expected an integer >= 1, got 'nan'"),
    ("sim.hw_bench", ["--icarus-images", "0"], "argument --icarus-images: expected an integer >= 1"),
    ("sim.hw_bench", ["--target-cycles", "-1"], "argument --target-cycles: expected an integer >= 1"),
    ("sim.hw_bench", ["--point", "mnist-512"], "argument --point: expected MODEL@CYCLES (e.g. mnist-512@512), got"),
    ("sim.hw_bench", ["--point", "x@0"], "argument --point: expected MODEL@CYCLES"),
    ("sim.hw_bench", ["--no-shipped", "--only", "nope"], "--only nope: no model 'nope' the RTL builds (have: default)"),
    ("sim.fit_costs", ["{d}/m.bwsnn.npz"], "not a hardware bench result: expected JSON"),
    ("sim.fit_costs", ["{d}/nope.json"], "argument bench: "),
    # artifact fields: exact JSON types, and only the fields of the layer's kind
    *[("host.run", GOLDEN[:2] + ["--artifact", f"{{d}}/{name}.bwsnn.npz"] + DATA, fragment) for name, fragment in (
        ("T_true", "field 'T': expected int, got true"), ("version_true", "field 'version': expected 1 or 2, got true"),
        ("T_float", "field 'T': expected int, got 2.0"), ("bits_float", "field 'input.bits': expected int, got 8.0"),
        ("shape_true", "field 'input.shape': expected a list of positive integers, got [true]"),
        ("shape_float", "field 'input.shape': expected a list of positive integers, got [64.0]"),
        ("shape_scalar", "field 'input.shape': expected list, got 64"),
        ("shape_empty", "field 'input.shape': expected a list of positive integers, got []"),
        ("in_float", "field 'layers[0].in': expected int, got 64.0"),
        ("in_list", "field 'layers[0].in': expected int, got [64]"),
        ("out_true", "field 'layers[0].out': expected int, got true"),
        ("spiking_int", "field 'layers[0].spiking': expected bool, got 1"),
        ("mem_bits_text", "field 'layers[0].mem_bits': expected int, got \"16\""),
        ("skip_true", "field 'layers[1].skip_from': expected null or a layer index, got true"),
        ("kernel_on_dense", "field 'layers[0].kernel': expected only the fields of a dense layer (name, kind, in,"),
        ("misspelt", "field 'layers[0].leakshift': expected only the fields of a dense layer"),
        ("top_extra", "field 'extra': expected only the fields of the meta (format, version, T,"),
        ("input_extra", "field 'input.channels': expected only the fields of the input (shape, bits)"),
        ("classes_ints", "field 'classes': expected a list of names (strings), got [0, 1,"),
        ("classes_text", "field 'classes': expected list, got \"0123456789\""),
        ("info_list", "field 'info': expected an object, got []"),
        ("name_int", "field 'layers[0].name': expected a string, got 5"),
        ("layers_object", "field 'layers': expected list, got {}"))],
    *[("hw.gen", [f"{{d}}/{name}.bwsnn.npz", "{d}/gen"], fragment) for name, fragment in (
        ("pool_padding", "field 'layers[2].padding': expected only the fields of a pool layer (name, kind, in, out, "
                         "kernel, stride), got an unknown field"),
        ("pool_spiking", "field 'layers[2].spiking': expected only the fields of a pool layer"),
        ("kernel_true", "field 'layers[0].kernel': expected int, got true"),
        ("conv_in_float", "field 'layers[0].in': expected 3 positive integers, got [11, 9, 2.0]"),
        ("stride_list", "field 'layers[0].stride': expected int, got [1]"))],
    # the RTL tools: an artifact the generator cannot build is the layout's one line, before the planner
    ("hw.gen", ["{d}/farskip.bwsnn.npz", "{d}/gen"], FARSKIP),
    ("hw.synth", ["{d}/farskip.bwsnn.npz", "{d}/synth"], FARSKIP),
    # training options, checked before any work
    *[("training.train", ["--device", dev, "--out", "{d}/train"], fragment) for dev, fragment in (
        ("xpu", "--device: 'xpu': no xpu device here"), ("foo", "--device: expected auto, cpu or cuda[:i], got 'foo'"),
        ("", "--device: expected auto, cpu or cuda[:i], got ''"), ("cuda:-1", "--device: expected auto, cpu"),
        ("cpu:2", "--device: expected cpu (one CPU device), got 'cpu:2'"),
        ("meta", "--device: 'meta': no meta device"))],
    ("training.train", ["--conv", "c4,p,p,p,p", "--hidden", "", "--out", "{d}/train"],
     "conv: entry 4 ('p') needs a map of at least 2x2, the stack c4,p,p,p,p gives it 1x1 from the 8x8 images"),
    ("training.train", ["--conv", "c4,p,p,p,c4,p", "--hidden", "", "--out", "{d}/train"], "conv: entry 5 ('p') needs"),
    ("training.train", ["--conv", "c99999999", "--out", "{d}/train"],
     "conv: entry 0 ('c99999999') makes a 8x8x99999999 map, the artifact holds at most 4194304 values per map"),
    ("training.train", ["--conv", "p,c4", "--out", "{d}/train"], STACK_LINE),
    ("training.train", ["--precision", "fp16", "--out", "{d}/train"], "--precision: invalid choice: 'fp16'"),
    ("training.train", ["--conv", "c4,x", "--out", "{d}/train"], STACK_LINE),
    ("training.train", ["--hidden", "0", "--out", "{d}/train"], "argument --hidden: expected comma-separated positive"),
    ("training.train", ["--hidden", "", "--conv", "", "--out", "{d}/train"], "--hidden: expected positive widths"),
    # --teacher files: the one torch reader, then the architecture
    *[("training.train", ["--teacher", f"{{d}}/teacher_{name}.pt", "--out", "{d}/train"], fragment)
      for name, fragment in (
        ("empty", "teacher_empty.pt: empty file, expected a teacher state_dict"),
        ("random", "teacher_random.pt: not a teacher state_dict (a torch.save file): "),
        ("truncated", "teacher_truncated.pt: not a teacher state_dict (a torch.save file): unreadable"),
        ("list", "teacher_list.pt: expected a teacher state_dict (a dict), got a list"),
        ("other", "teacher_other.pt: not a teacher state_dict of this Teacher: missing 'blocks.0.1.weight'"),
        ("small", "teacher_small.pt: not a teacher state_dict of this Teacher: 'blocks.0.1.weight' expected shape "
                  "[256, 64], got [32, 64]"),
        ("old", "teacher_old.pt: not a teacher state_dict of this Teacher: an old-layout dense teacher ('net.*' "
                "keys, trained without the shortcuts every teacher has now): train a new one"),
        ("checkpoint", "teacher_checkpoint.pt: expected a teacher state_dict (a dict of tensors), got a dict whose "
                       "'arch' is a str (a training checkpoint.pt?"))],
    ("training.train", ["--teacher", "{d}/none.pt", "--out", "{d}/train"], "--teacher: {d}/none.pt: no such file"),
    ("training.train", ["--teacher", "{d}", "--out", "{d}/train"], "--teacher: {d}: is a directory, expected a file"),
    # --resume states
    ("training.train", ["--resume", "--out", "{d}/resume_not_dict"], "expected a training state (a dict), got a list"),
    ("training.train", ["--resume", "--out", "{d}/resume_missing"],
     "train_state.pt: not a training state: missing keys 'config', 'history', 'selection' and 9 more (found 'phase')"),
    ("training.train", ["--resume", "--out", "{d}/resume_truncated"], "not a training state (a torch.save file)"),
    ("training.train", ["--resume", "--out", "{d}/resume_bad_config"], "field 'config': expected a dict, got list"),
    ("training.train", ["--resume", "--out", "{d}/gen_none"], "--resume: {d}/gen_none/train_state.pt: no such file"),
    # training.bench: its folders, its output, every shipped model and report, before any retraining
    ("training.bench", ["--skip-ablation", "--models-dir", "{d}/nodir"],
     "argument --models-dir: {d}/nodir: directory does not exist"),
    ("training.bench", ["--skip-ablation", "--models-dir", "{d}/file.txt"], "{d}/file.txt: not a directory"),
    ("training.bench", ["--skip-ablation", "--data-dir", "{d}/nodir"], "argument --data-dir: {d}/nodir: directory"),
    ("training.bench", ["--skip-ablation", "--out", "{d}/file.txt"], "argument --out: {d}/file.txt: exists and is not"),
    *[("training.bench", ["--models-dir", f"{{d}}/models_{name}", "--out", "{d}/bench"], fragment)
      for name, fragment in (
        ("not_json", "models_not_json/x.json: not a training report: expected JSON, got undecodable text"),
        ("list", "models_list/x.json: not a training report: expected a JSON object, got list"),
        ("no_accuracy", "x.json: field 'accuracy.per_step': expected present (a training report), got missing"),
        ("seconds_text", "x.json: field 'seconds': expected int or float, got \"fast\""),
        ("epochs_true", "x.json: field 'epochs': expected int, got true"),
        ("no_report", "models_no_report/x.json: missing (every shipped artifact comes with its training report)"),
        ("no_dataset", "x.bwsnn.npz: field 'info.dataset': expected the name of its dataset, got None"))],
    # step ranges that select nothing
    ("flow.demo", ["--build", "{d}/flow", "--start", "report", "--stop", "train"],
     "--start report --stop train: expected a start at or before the stop"),
    ("flow.demo", ["--build", "{d}/flow", "--start", "hls", "--stop", "golden"], "got a range of no steps"),
    ("flow.bench", ["--build", "{d}/flow", "--start", "bench_host", "--stop", "train"],
     "--start bench_host --stop train: expected a start at or before the stop"),
    ("flow.bench", ["--build", "{d}/flow", "--stop", "nope"], "argument --stop: invalid choice: 'nope'"),
]


@pytest.mark.parametrize("module, args, fragment", CLI_CASES,
                         ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(CLI_CASES)])
def test_cli_bad_input_is_one_line(d: Path, module: str, args: list[str], fragment: str,
                                   capsys: pytest.CaptureFixture) -> None:
    rc, err = run_main(module, [a.replace("{d}", str(d)) for a in args], capsys)
    assert_one_line(rc, err, fragment.replace("{d}", str(d)))


@pytest.mark.parametrize("env, module, fragment", [
    ({"BWSNN_SIM_IMAGES": "abc"}, "sim.run_rtl", "argument --images: expected an integer >= 1, got 'abc'"),
    ({"BWSNN_ARTIFACT": "{d}/none.npz"}, "sim.run_rtl", "reference artifact (make train, or $BWSNN_ARTIFACT): "),
    ({"BWSNN_ARTIFACT": "{d}/t.npz"}, "sim.hw_bench", "t.npz: field 'meta': expected present, got missing"),
])
def test_bad_environment_is_one_line(d: Path, env: dict[str, str], module: str, fragment: str,
                                     capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v.replace("{d}", str(d)))
    rc, err = run_main(module, ["--sim", "verilator"] if module == "sim.run_rtl" else [], capsys)
    assert_one_line(rc, err, fragment)


@pytest.mark.parametrize("env, module, fragment", [
    ({"BWSNN_ARTIFACT": "{d}/farskip.bwsnn.npz"}, "sim.run_rtl", FARSKIP),
    ({"BWSNN_ARTIFACT": "{d}/farskip.bwsnn.npz"}, "sim.hw_bench", FARSKIP),
])
def test_unbuildable_reference_artifact_before_any_bench(d: Path, env: dict[str, str], module: str, fragment: str,
                                                         capsys: pytest.CaptureFixture,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # checked before the first build: sim.run_rtl would otherwise run its unit benches first (minutes)
    from sim import rtl_build

    for name in ("build", "build_sources"):
        monkeypatch.setattr(rtl_build, name, lambda *a, **k: pytest.fail("a simulator build started"))
    test_bad_environment_is_one_line(d, env, module, fragment, capsys, monkeypatch)


def _failing_measure(*args: object) -> dict:
    raise artifact.ArtifactError("x.bwsnn.npz: field 'T': expected 1..8, got 9")


def test_a_worker_failure_is_its_one_line(d: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # sim.hw_bench measures rows in worker processes: what one raises comes back as a line, not a traceback
    from sim import hw_bench

    monkeypatch.setenv("BWSNN_ARTIFACT", str(d / "m.bwsnn.npz"))
    monkeypatch.setenv("BWSNN_BUILD", str(tmp_path))
    monkeypatch.setattr(hw_bench, "measure", _failing_measure)
    rc, err = run_main("sim.hw_bench", ["--no-shipped", "--jobs", "2"], capsys)
    assert_one_line(rc, err, "error: hw bench default: ArtifactError: x.bwsnn.npz: field 'T': expected 1..8, got 9")


@pytest.mark.parametrize("flow, state, fragment", [
    ("demo", "{", "demo_state.json: not a demo flow state: expected JSON, got undecodable text"),
    ("demo", '{"results": 3}', "demo_state.json: field 'results': expected dict, got 3"),
    ("bench", "[]", "bench_state.json: not a bench flow state: expected a JSON object, got list"),
])
def test_a_bad_saved_flow_state_is_one_line(tmp_path: Path, flow: str, state: str, fragment: str,
                                             capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BWSNN_BUILD", str(tmp_path))  # the flows point it at --build: restored after the test
    (tmp_path / f"{flow}_state.json").write_text(state)
    start = "report" if flow == "demo" else "bench_host"
    rc, err = run_main(f"flow.{flow}", ["--build", str(tmp_path), "--start", start], capsys)
    assert_one_line(rc, err, fragment)


@pytest.mark.parametrize("args, fragment", [
    (["host.run", "--backend", "golden", "--artifact", "{d}/random.npz", "--data", "{d}/t.npz"],
     "not an .npz archive"),
    (["host.run", "--backend", "golden", "--artifact", "{d}/m.bwsnn.npz", "--data", "{d}/t.npz", "--limit", "-1"],
     "expected an integer >= 1"),
    (["hw.gen", "{d}/deep.bwsnn.npz", "{d}/gen"], "field 'meta': expected JSON"),
])
def test_cli_bad_input_as_a_process(d: Path, args: list[str], fragment: str) -> None:
    # the real entry point (python -m ...): exit status and stderr as a user sees them
    r = subprocess.run([sys.executable, "-m", *(a.replace("{d}", str(d)) for a in args)], capture_output=True,
                       text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert_one_line(r.returncode, r.stderr, fragment)


def test_json_output_checked_before_the_run(d: Path, capsys: pytest.CaptureFixture,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # a bad --json must fail before the backend is even opened (the sim backend's build takes minutes)
    from host import accelerator

    monkeypatch.setattr(accelerator.Accelerator, "__init__", lambda *a, **k: pytest.fail("backend opened"))
    rc, err = run_main("host.run", [a.replace("{d}", str(d)) for a in GOLDEN + DATA]
                       + ["--json", str(d / "file.txt" / "x.json")], capsys)
    assert_one_line(rc, err, "cannot be created")


def test_good_json_output_is_written(d: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "new" / "dir" / "run.json"
    rc, _ = run_main("host.run", [a.replace("{d}", str(d)) for a in GOLDEN + DATA] + ["--json", str(out)], capsys)
    assert rc == 0 and json.loads(out.read_text())["images"] == 12


# -- datasets ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sub, fragment", [
    ("nodir", "nodir: data directory does not exist"),
    ("file.txt", "file.txt: expected a data directory, got a file"),
    ("mnist_labels", "mnist_labels/mnist.npz: train labels: expected classes 0..9, got 0..10"),
    ("mnist_float", "mnist_float/mnist.npz: test images: expected uint8 (N, 28, 28), got float32[3, 28, 28]"),
    ("mnist_shape", "mnist_shape/mnist.npz: train images: expected uint8 (N, 28, 28), got uint8[5, 8, 8]"),
    ("mnist_missing", "mnist_missing/mnist.npz: missing key 'y_test' (found 'x_test', 'x_train', 'y_train')"),
    ("mnist_labels_float", "train labels: expected 5 integers (one per image), got float64[5]"),
    ("mnist_count", "test labels: expected 3 integers (one per image), got int64[2]"),
    ("mnist_empty", "test images: expected at least one image, got none"),
    ("mnist_random", "mnist_random/mnist.npz: not an .npz archive"),
    ("mnist_renamed", "mnist_renamed/mnist.npz: a single .npy array"),
    ("idx", "idx/train-labels-idx1-ubyte: train labels: expected classes 0..9, got 1..12"),
    ("idx_gz", "idx_gz/train-images-idx3-ubyte.gz: cannot read"),
    ("mnist_model.bwsnn.npz", "expected a data directory, got a file"),
])
def test_mnist_bad_files_are_one_line_naming_the_file(d: Path, sub: str, fragment: str) -> None:
    with pytest.raises(DataError) as e:
        load_mnist(d / sub)
    assert fragment in str(e.value) and "\n" not in str(e.value)


# -- the validators themselves: what they accept ------------------------------------------------------------

@pytest.mark.parametrize("check, text, value", [
    (cli.positive_int, "3", 3), (cli.positive_int, " 12 ", 12), (cli.nonnegative_int, "0", 0),
    (cli.int_in_range(0, 7), "7", 7), (cli.int_in_range(-3, 3), "-3", -3), (cli.power_of_two(64), "128", 128),
    (cli.positive_float, "0.5", 0.5), (cli.positive_float, "1e-3", 1e-3), (cli.float_in_range(0, 1), "1", 1.0),
    (cli.int_list, "256,256,256", [256, 256, 256]), (cli.int_list, "64, 32", [64, 32]),
])
def test_validators_accept_good_values(check, text: str, value: object) -> None:
    assert check(text) == value


@pytest.mark.parametrize("check, text", [
    (cli.int_in_range(0, 7), "8"), (cli.int_in_range(0, 7), "-1"), (cli.float_in_range(0, 1), "1.01"),
    (cli.float_in_range(0, 1, hi_open=True), "1"), (cli.positive_float, "-inf"), (cli.positive_float, "NaN"),
    (cli.int_list, ""), (cli.int_list, "256,,256"), (cli.int_list, "256,0"), (cli.int_list, "abc"),
    (cli.int_list, "-5"), (cli.power_of_two(64), "32"), (cli.nonnegative_int, "-1"),
])
def test_validators_reject_bad_values(check, text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError, match="expected"):
        check(text)


def test_output_paths(tmp_path: Path) -> None:
    import argparse

    assert cli.output_file(str(tmp_path / "a" / "b" / "c.json")) == tmp_path / "a" / "b" / "c.json"
    assert not (tmp_path / "a").exists()  # checking creates nothing
    assert cli.output_dir(str(tmp_path / "x" / "y")) == tmp_path / "x" / "y"
    (tmp_path / "f").write_text("")
    for check, path, msg in [(cli.output_file, tmp_path / "f" / "g.json", "f is not a directory"),
                             (cli.output_dir, tmp_path / "f", "exists and is not a directory"),
                             (cli.existing_file, tmp_path / "none", "no such file"),
                             (cli.existing_file, tmp_path, "is a directory"),
                             (cli.existing_dir, tmp_path / "f", "not a directory")]:
        with pytest.raises(argparse.ArgumentTypeError, match=msg):
            check(str(path))
