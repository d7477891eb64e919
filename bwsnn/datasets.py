"""Datasets as uint8 pixels: the embedded default (scikit-learn digits); MNIST, Fashion-MNIST and CIFAR-10 from a
user directory; a user's own dataset as one ``.npz`` file.

Nothing is ever downloaded. Every image is (H*W[*C]) uint8 0..255, the accelerator's input format.

An own dataset (``training.train --dataset FILE.npz``; the artifact records the file's name, and
``host.data``, the benches and ``make`` find it again in ``--data-dir`` / ``DATA_DIR``, else
$BWSNN_DATA_DIR, else the working directory) is an ``np.savez`` archive with the keys of ``mnist.npz``:

``x_train``, ``x_test``
    uint8 ``(N, H, W)`` greyscale or ``(N, H, W, C)`` channels-last images, the same (H, W[, C]) in both;
``y_train``, ``y_test``
    integer ``(N,)`` class indices 0..K-1, one per image;
``classes`` (optional)
    ``(K,)`` strings, the class names (default "0".."K-1", K = the largest label + 1).

Write one with :func:`save_npz`. A file that breaks a rule is one :class:`DataError` line naming the file,
the key, what was expected and what it holds.
"""
from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bwsnn import npz


class DataError(ValueError):
    """A missing or malformed dataset file."""


@dataclass
class Dataset:
    name: str
    x_train: np.ndarray  # uint8 (N, H*W)
    y_train: np.ndarray  # int64 (N,)
    x_test: np.ndarray
    y_test: np.ndarray
    shape: tuple[int, ...]  # (H, W) or (H, W, C)
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
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise DataError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 8:
        raise DataError(f"{path}: expected an IDX file of unsigned bytes (magic 0x0000 08 nn), got {raw[:4]!r}")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise DataError(f"{path}: expected {ndim} dimensions in the IDX header, got a file of {len(raw)} bytes")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims, dtype=object)):
        raise DataError(f"{path}: expected {int(np.prod(dims, dtype=object))} bytes for shape {dims}, got "
                        f"{body.size} (truncated?)")
    return body.reshape(dims)


def _find(data_dir: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (data_dir / name).exists():
            return data_dir / name
    raise DataError(f"{data_dir}: missing MNIST file '{stem}[.gz]' (or mnist.npz); pass --data-dir with the "
                    f"standard files")


def _check_split(split: str, x: np.ndarray, x_src: Path, y: np.ndarray, y_src: Path,
                 shape: tuple[int, ...], n_classes: int) -> None:
    """Images uint8 (N, *shape) and N integer labels in 0..n_classes-1, or a DataError naming the file."""
    if x.dtype != np.uint8 or x.shape[1:] != shape:
        raise DataError(f"{x_src}: {split} images: expected uint8 (N, {', '.join(map(str, shape))}), "
                        f"got {x.dtype}{list(x.shape)}")
    _check_labels(split, len(x), x_src, y, y_src, n_classes)


def _check_labels(split: str, n: int, x_src: Path, y: np.ndarray, y_src: Path, n_classes: int) -> None:
    if n == 0:
        raise DataError(f"{x_src}: {split} images: expected at least one image, got none")
    if y.dtype.kind not in "ui" or y.shape != (n,):
        raise DataError(f"{y_src}: {split} labels: expected {n} integers (one per image), "
                        f"got {y.dtype}{list(y.shape)}")
    if y.min() < 0 or y.max() >= n_classes:
        raise DataError(f"{y_src}: {split} labels: expected classes 0..{n_classes - 1}, "
                        f"got {y.min()}..{y.max()}")


def _read_npz_splits(path: Path) -> dict[str, np.ndarray]:
    """x_train, y_train, x_test, y_test from a Keras-style ``<dataset>.npz`` (mnist.npz, fashion_mnist.npz)."""
    try:
        return npz.read(path, required=("x_train", "y_train", "x_test", "y_test"))
    except npz.NpzError as e:
        raise DataError(str(e)) from None


def _data_dir(data_dir: str | os.PathLike | None, name: str) -> Path:
    """The user's data directory (argument, else $BWSNN_DATA_DIR), which must exist."""
    data_dir = data_dir or os.environ.get("BWSNN_DATA_DIR")
    if not data_dir:
        raise DataError(f"{name}: no data directory; pass --data-dir DIR (or set BWSNN_DATA_DIR) holding "
                        f"{name}.npz or the IDX files - nothing is downloaded")
    d = Path(data_dir)
    if not d.exists():
        raise DataError(f"{d}: data directory does not exist")
    if not d.is_dir():
        raise DataError(f"{d}: expected a data directory, got a file")
    return d


def load_mnist(data_dir: str | os.PathLike | None) -> Dataset:
    """Full MNIST from ``data_dir`` (``mnist.npz`` or the four IDX ``*-ubyte[.gz]`` files)."""
    d = _data_dir(data_dir, "mnist")
    splits: dict[str, tuple[np.ndarray, Path, np.ndarray, Path]] = {}
    if (d / "mnist.npz").exists():
        z = _read_npz_splits(d / "mnist.npz")
        for split in ("train", "test"):
            splits[split] = (z[f"x_{split}"], d / "mnist.npz", z[f"y_{split}"], d / "mnist.npz")
    else:
        for split, prefix in (("train", "train"), ("test", "t10k")):
            x_src, y_src = _find(d, f"{prefix}-images-idx3-ubyte"), _find(d, f"{prefix}-labels-idx1-ubyte")
            splits[split] = (_read_idx(x_src), x_src, _read_idx(y_src), y_src)
    for split, (x, x_src, y, y_src) in splits.items():
        _check_split(split, x, x_src, y, y_src, (28, 28), 10)
    (xtr, _, ytr, _), (xte, _, yte, _) = splits["train"], splits["test"]
    return Dataset("mnist", xtr.reshape(len(xtr), -1), ytr.astype(np.int64), xte.reshape(len(xte), -1),
                   yte.astype(np.int64), (28, 28), [str(i) for i in range(10)],
                   f"MNIST official split ({'mnist.npz' if (d / 'mnist.npz').exists() else 'IDX files'}): "
                   f"{len(xtr)} train / {len(xte)} test")


FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]


def _load_named_npz(data_dir: str | os.PathLike | None, name: str, file: str, shape: tuple[int, ...],
                    classes: list[str], title: str) -> Dataset:
    """A named dataset from ``data_dir``/``file`` (the keys of mnist.npz; images (N, *shape))."""
    d = _data_dir(data_dir, Path(file).stem)
    path = d / file
    if not path.exists():
        raise DataError(f"{d}: missing '{file}' (x_train, y_train, x_test, y_test); pass --data-dir with it")
    z = _read_npz_splits(path)
    for split in ("train", "test"):
        _check_split(split, z[f"x_{split}"], path, z[f"y_{split}"], path, shape, len(classes))
    xtr, ytr, xte, yte = z["x_train"], z["y_train"], z["x_test"], z["y_test"]
    return Dataset(name, xtr.reshape(len(xtr), -1), ytr.astype(np.int64), xte.reshape(len(xte), -1),
                   yte.astype(np.int64), shape, classes,
                   f"{title} official split ({path.name}): {len(xtr)} train / {len(xte)} test")


def load_fashion_mnist(data_dir: str | os.PathLike | None) -> Dataset:
    """Fashion-MNIST from ``data_dir``/``fashion_mnist.npz`` (the keys of mnist.npz)."""
    return _load_named_npz(data_dir, "fashion", "fashion_mnist.npz", (28, 28), FASHION_CLASSES, "Fashion-MNIST")


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def load_cifar10(data_dir: str | os.PathLike | None) -> Dataset:
    """CIFAR-10 from ``data_dir``/``cifar10.npz``: the keys of mnist.npz, (N, 32, 32, 3) uint8 channels-last
    RGB images (Krizhevsky 2009; the official training order, data_batch_1..5)."""
    return _load_named_npz(data_dir, "cifar10", "cifar10.npz", (32, 32, 3), CIFAR10_CLASSES, "CIFAR-10")


OWN_KEYS = ("x_train", "y_train", "x_test", "y_test")


def save_npz(path: str | os.PathLike, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
             y_test: np.ndarray, classes: list[str] | None = None) -> None:
    """Write an own dataset in the format above (checked on the way, so it loads)."""
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    if classes is not None:
        arrays["classes"] = np.asarray(classes, str)
    with open(path, "wb") as f:  # an open file keeps np.savez from appending ".npz"
        np.savez(f, **arrays)
    load_npz(path)


def load_npz(path: str | os.PathLike) -> Dataset:
    """An own dataset from one ``.npz`` file (see the module docstring)."""
    path = Path(path)
    try:
        z = npz.read(path, required=OWN_KEYS)
    except npz.NpzError as e:
        raise DataError(str(e)) from None
    shape = z["x_train"].shape[1:]
    for split in ("train", "test"):
        x = z[f"x_{split}"]
        if x.dtype != np.uint8 or x.ndim not in (3, 4) or (split == "test" and x.shape[1:] != shape):
            want = "(N, H, W) or (N, H, W, C)" if split == "train" else f"(N, {', '.join(map(str, shape))})"
            raise DataError(f"{path}: 'x_{split}': expected uint8 {want} images, got {x.dtype}{list(x.shape)}")
    names = z.get("classes")
    if names is not None and (names.dtype.kind != "U" or names.ndim != 1 or len(set(names.tolist())) != len(names)
                              or len(names) < 2):
        raise DataError(f"{path}: 'classes': expected (K,) distinct strings, K >= 2, got {names.dtype}"
                        f"{list(names.shape)}")
    ints = [y for y in (z["y_train"], z["y_test"]) if y.size and y.dtype.kind in "ui"]
    n_classes = len(names) if names is not None else max([int(y.max()) for y in ints], default=0) + 1
    for split in ("train", "test"):
        _check_labels(split, len(z[f"x_{split}"]), path, z[f"y_{split}"], path, max(n_classes, 2))
    if n_classes < 2:
        raise DataError(f"{path}: 'y_train', 'y_test': expected at least 2 classes, got labels 0..{n_classes - 1}")
    classes = names.tolist() if names is not None else [str(i) for i in range(n_classes)]
    xtr, xte = z["x_train"], z["x_test"]
    return Dataset(path.name, xtr.reshape(len(xtr), -1), z["y_train"].astype(np.int64), xte.reshape(len(xte), -1),
                   z["y_test"].astype(np.int64), tuple(shape), classes,
                   f"own dataset {path.name}: {len(xtr)} train / {len(xte)} test")


def own_path(name: str, data_dir: str | os.PathLike | None = None) -> Path:
    """Where an own dataset named ``name`` (a ``.npz`` file name or path) is: in ``data_dir``, else
    $BWSNN_DATA_DIR, else as given (relative to the working directory)."""
    d = data_dir or os.environ.get("BWSNN_DATA_DIR")
    if d and not Path(name).is_absolute() and (Path(d) / Path(name).name).exists():
        return Path(d) / Path(name).name
    return Path(name)


DATASETS = {"digits": lambda data_dir, seed: load_digits(seed), "mnist": lambda data_dir, seed: load_mnist(data_dir),
            "fashion": lambda data_dir, seed: load_fashion_mnist(data_dir),
            "cifar10": lambda data_dir, seed: load_cifar10(data_dir)}


def is_own(name: str) -> bool:
    return name.endswith(".npz")


def load(name: str, data_dir: str | None = None, seed: int = 0) -> Dataset:
    """A named dataset (:data:`DATASETS`) or an own one (a ``.npz`` file name, see :func:`own_path`)."""
    if is_own(name):
        return load_npz(own_path(name, data_dir))
    if name not in DATASETS:
        raise DataError(f"dataset: expected one of {sorted(DATASETS)} or an own FILE.npz, got {name!r}")
    return DATASETS[name](data_dir, seed)
