"""The test-data file the host program reads (``--data test.npz``): numpy only, no pickles.

Keys:

``images``
    uint8 ``(N, n_in)`` or ``(N, *input_shape)``: the accelerator's pixels, 0..255, as they go on the stream.
``labels``
    integer ``(N,)``: class indices, for accuracy. Optional: without it the host only predicts.

Write one with :func:`save` (e.g. from ``bwsnn.datasets.load_digits()``'s ``x_test``/``y_test``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bwsnn import golden, npz
from bwsnn.artifact import Artifact

from .errors import DataError


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
    """(images, labels or None), the first ``limit`` of them; pixels and labels are checked against the
    artifact by :func:`check`."""
    try:
        z = npz.read(path, required=("images",))
    except npz.NpzError as e:
        raise DataError(str(e)) from None
    images, labels = z["images"], z.get("labels")
    if images.ndim < 2:
        raise DataError(f"{path}: 'images' must be (N, n_in), got shape {list(images.shape)}")
    if len(images) == 0:
        raise DataError(f"{path}: 'images' holds no images (shape {list(images.shape)})")
    if labels is not None and (labels.dtype.kind not in "ui" or labels.shape != (len(images),)):
        raise DataError(f"{path}: 'labels' must be integers of shape ({len(images)},), "
                        f"got {labels.dtype}{list(labels.shape)}")
    if limit is not None:
        images, labels = images[:limit], None if labels is None else labels[:limit]
    return images, labels


def check(art: Artifact, path: str | Path, images: np.ndarray,
          labels: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Images as uint8 (N, n_in) for ``art`` and labels within its classes, or one :class:`DataError` line
    naming the file they came from."""
    try:
        x = golden.check_images(art, images, src=f"{path}: 'images'")
    except golden.InputError as e:
        raise DataError(str(e)) from None
    n = len(art.classes)
    if labels is not None and labels.size and (labels.min() < 0 or labels.max() >= n):
        raise DataError(f"{path}: 'labels' must be class indices 0..{n - 1} (the artifact has {n} classes), "
                        f"got {labels.min()}..{labels.max()}")
    return x, labels


def main(argv: list[str] | None = None) -> int:
    """``python -m host.data ARTIFACT OUT.npz``: The test set of the artifact's dataset as a test-data file."""
    from bwsnn import artifact as artifact_mod
    from bwsnn import cli, datasets

    p = cli.Parser(prog=f"python -m {__spec__.name}", description=main.__doc__.split(": ", 1)[1])
    p.add_argument("artifact", type=cli.existing_file, help="deploy artifact (*.bwsnn.npz): its dataset's test set")
    p.add_argument("out", type=cli.output_file, help="test-data file to write (.npz: images, labels)")
    p.add_argument("--data-dir", type=cli.existing_dir, help="dataset directory: mnist.npz / the IDX files, "
                   "fashion_mnist.npz, cifar10.npz or the artifact's own FILE.npz")
    a = p.parse_args(argv)
    try:
        art = artifact_mod.load(a.artifact)
        ds = datasets.load(str(art.info.get("dataset")), a.data_dir)
        x, y = check(art, f"dataset {ds.name}", ds.x_test, ds.y_test)
        save(a.out, x, y)
    except (artifact_mod.ArtifactError, datasets.DataError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{len(x)} test images of {ds.name} -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
