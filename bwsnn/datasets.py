"""Datasets as uint8 pixels: the embedded default (scikit-learn digits); MNIST and Fashion-MNIST from a user
directory.

Nothing is ever downloaded. Every image is (H*W) uint8 0..255, the accelerator's input format.
"""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DataError(ValueError):
    """A missing or malformed dataset file."""


@dataclass
class Dataset:
    name: str
    x_train: np.ndarray  # uint8 (N, H*W)
    y_train: np.ndarray  # int64 (N,)
    x_test: np.ndarray
    y_test: np.ndarray
    shape: tuple[int, int]
    classes: list[str]
    split: str  # how train/test were formed, recorded in reports


def load_digits(seed: int = 0, test_fraction: float = 0.2) -> Dataset:
    """scikit-learn's 1,797 8x8 digits (0..16), scaled to 0..255; seeded, stratified split."""
    from sklearn.datasets import load_digits as sk_digits
    from sklearn.model_selection import train_test_split

    d = sk_digits()
    x = ((d.data.astype(np.int64) * 255 + 8) // 16).astype(np.uint8)  # round(v * 255 / 16)
    xtr, xte, ytr, yte = train_test_split(x, d.target.astype(np.int64), test_size=test_fraction,
                                          random_state=seed, stratify=d.target)
    return Dataset("digits", xtr, ytr, xte, yte, (8, 8), [str(i) for i in range(10)],
                   f"sklearn load_digits, stratified train_test_split(test_size={test_fraction}, "
                   f"random_state={seed}): {len(xtr)} train / {len(xte)} test")


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 8:
        raise DataError(f"{path}: expected an IDX file of unsigned bytes (magic 0x0000 08 nn), got {raw[:4]!r}")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path}: expected {int(np.prod(dims))} bytes for shape {dims}, got {body.size} (truncated?)")
    return body.reshape(dims)


def _find(data_dir: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (data_dir / name).exists():
            return data_dir / name
    raise DataError(f"{data_dir}: missing MNIST file '{stem}[.gz]' (or mnist.npz); pass --data-dir with the "
                    f"standard files")


def _data_dir(name: str, data_dir: str | os.PathLike | None, files: str) -> Path:
    data_dir = data_dir or os.environ.get("BWSNN_DATA_DIR")
    if not data_dir:
        raise DataError(f"{name}: no data directory; pass --data-dir DIR (or set BWSNN_DATA_DIR) holding "
                        f"{files} - nothing is downloaded")
    return Path(data_dir)


def _read_npz(path: Path) -> tuple[np.ndarray, ...]:
    """x_train, y_train, x_test, y_test of an .npz (the keys of mnist.npz)."""
    with np.load(path, allow_pickle=False) as z:
        missing = {"x_train", "y_train", "x_test", "y_test"} - set(z.files)
        if missing:
            raise DataError(f"{path}: missing keys {sorted(missing)}")
        return z["x_train"], z["y_train"], z["x_test"], z["y_test"]


def _dataset_28x28(name: str, title: str, src: Path, arrays: tuple[np.ndarray, ...], classes: list[str]) -> Dataset:
    xtr, ytr, xte, yte = arrays
    for split, x, y in (("train", xtr, ytr), ("test", xte, yte)):
        if x.ndim != 3 or x.shape[1:] != (28, 28) or x.dtype != np.uint8 or len(y) != len(x):
            raise DataError(f"{src}: {title} {split} split: expected uint8 (N, 28, 28) images with N labels, "
                            f"got {x.dtype}{x.shape} and {len(y)} labels")
        if len(y) and (y.min() < 0 or y.max() >= len(classes)):
            raise DataError(f"{src}: {title} {split} labels: expected 0..{len(classes) - 1}, "
                            f"got {y.min()}..{y.max()}")
    return Dataset(name, xtr.reshape(len(xtr), -1), ytr.astype(np.int64), xte.reshape(len(xte), -1),
                   yte.astype(np.int64), (28, 28), classes,
                   f"{title} official split from {src}: {len(xtr)} train / {len(xte)} test")


def load_mnist(data_dir: str | os.PathLike | None) -> Dataset:
    """Full MNIST from ``data_dir`` (``mnist.npz`` or the four IDX ``*-ubyte[.gz]`` files)."""
    d = _data_dir("mnist", data_dir, "mnist.npz or the IDX files")
    if (d / "mnist.npz").exists():
        arrays = _read_npz(d / "mnist.npz")
    else:
        xtr, ytr = _read_idx(_find(d, "train-images-idx3-ubyte")), _read_idx(_find(d, "train-labels-idx1-ubyte"))
        xte, yte = _read_idx(_find(d, "t10k-images-idx3-ubyte")), _read_idx(_find(d, "t10k-labels-idx1-ubyte"))
        arrays = (xtr, ytr, xte, yte)
    return _dataset_28x28("mnist", "MNIST", d, arrays, [str(i) for i in range(10)])


FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]


def load_fashion_mnist(data_dir: str | os.PathLike | None) -> Dataset:
    """Fashion-MNIST from ``data_dir``/``fashion_mnist.npz`` (the keys of mnist.npz)."""
    d = _data_dir("fashion", data_dir, "fashion_mnist.npz")
    path = d / "fashion_mnist.npz"
    if not path.exists():
        raise DataError(f"{d}: missing 'fashion_mnist.npz' (x_train, y_train, x_test, y_test); pass --data-dir "
                        f"with it")
    return _dataset_28x28("fashion", "Fashion-MNIST", d, _read_npz(path), FASHION_CLASSES)


DATASETS = {"digits": lambda data_dir, seed: load_digits(seed), "mnist": lambda data_dir, seed: load_mnist(data_dir),
            "fashion": lambda data_dir, seed: load_fashion_mnist(data_dir)}


def load(name: str, data_dir: str | None = None, seed: int = 0) -> Dataset:
    if name not in DATASETS:
        raise DataError(f"dataset: expected one of {sorted(DATASETS)}, got {name!r}")
    return DATASETS[name](data_dir, seed)
