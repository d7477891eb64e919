"""The test-data file the host program reads (``--data test.npz``): numpy only, no pickles.

Keys:

``images``
    uint8 ``(N, n_in)`` or ``(N, *input_shape)``: the accelerator's pixels, 0..255, as they go on the stream.
``labels``
    integer ``(N,)``: class indices, for accuracy. Optional: without it the host only predicts.

Write one with :func:`save` (e.g. from ``bwsnn.datasets.load_digits()``'s ``x_test``/``y_test``).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from host.errors import DataError


def save(path: str | Path, images: np.ndarray, labels: np.ndarray | None = None) -> None:
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim < 2:
        raise DataError(f"{path}: images must be uint8 (N, n_in), got {images.dtype}{list(images.shape)}")
    arrays = {"images": images}
    if labels is not None:
        arrays["labels"] = np.asarray(labels, np.int64)
        if arrays["labels"].shape != (len(images),):
            raise DataError(f"{path}: labels must be ({len(images)},), got {list(arrays['labels'].shape)}")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:  # an open file keeps np.savez from appending ".npz"
        np.savez(f, **arrays)


def load(path: str | Path, limit: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(images, labels or None), the first ``limit`` of them; pixel range is checked against the artifact later."""
    try:
        z = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise DataError(f"{path}: not a readable .npz archive: {e}") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise DataError(f"{path}: expected an .npz archive with key 'images', got a single array")
    with z:
        if "images" not in z.files:
            raise DataError(f"{path}: missing key 'images' (found {sorted(z.files)})")
        images = z["images"]
        labels = z["labels"] if "labels" in z.files else None
    if images.ndim < 2:
        raise DataError(f"{path}: 'images' must be (N, n_in), got shape {list(images.shape)}")
    if labels is not None and (labels.dtype.kind not in "ui" or labels.shape != (len(images),)):
        raise DataError(f"{path}: 'labels' must be integers of shape ({len(images)},), "
                        f"got {labels.dtype}{list(labels.shape)}")
    if limit is not None:
        images, labels = images[:limit], None if labels is None else labels[:limit]
    return images, labels
