"""The one safe ``.npz`` reader, for artifacts, test data and datasets: numpy only, never a pickle.

:func:`read` returns every array of the archive by name, or raises :class:`NpzError` with one line that
names the file and says what it is instead: no such file, a directory, an empty file, a single ``.npy``
array renamed ``.npz``, something that is not a zip archive at all (random bytes, a pickle), a truncated or
corrupt zip, a member that is not a ``.npy`` array, an array of Python objects, or missing keys (named).

numpy's own ``np.load`` answers some of these with advice to load the file unsafely (``allow_pickle=True``);
this reader opens the zip itself and reads each member with ``numpy.lib.format.read_array`` and
``allow_pickle=False``, so a file can never run code and every failure is one of the lines above.
"""
from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

import numpy as np

from bwsnn.cli import shown

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive's end record


class NpzError(ValueError):
    """A file that is not a readable ``.npz`` archive of numeric arrays with the keys asked for."""


def _fail(path: str | os.PathLike, what: str) -> NoReturn:
    raise NpzError(f"{shown(path, limit=1000)}: {' '.join(what.splitlines())}")


def _head(path: str | os.PathLike) -> bytes:
    """The first bytes of the file; the file-system failures as one line."""
    p = Path(path)
    if not str(path).strip():  # Path("") is the working directory
        _fail(path, "no file name given, expected an .npz file")
    if not p.exists():
        _fail(path, "no such file")
    if p.is_dir():
        _fail(path, "is a directory, expected an .npz file")
    try:
        with open(p, "rb") as f:
            head = f.read(len(NPY_MAGIC))
    except OSError as e:
        _fail(path, f"cannot read: {e.strerror or e}")
    return head


def read(path: str | os.PathLike, required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Every array in the ``.npz`` at ``path`` by key (``np.savez`` names); ``required`` keys must be there."""
    head = _head(path)
    if not head:
        _fail(path, "empty file, expected an .npz archive")
    if head.startswith(NPY_MAGIC):
        _fail(path, "a single .npy array (np.save), expected an .npz archive of named arrays (np.savez)")
    if head[:4] not in ZIP_MAGIC:
        _fail(path, f"not an .npz archive (no zip header; starts with {head[:4]!r})")
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                name = info.filename
                if info.is_dir() or not name.endswith(".npy"):
                    _fail(path, f"not an .npz archive: member {shown(repr(name))} is not a .npy array")
                key = name.removesuffix(".npy")
                if key in arrays:
                    _fail(path, f"not an .npz archive: array {shown(repr(key))} appears twice")
                with zf.open(info) as f:
                    try:
                        arrays[key] = np.lib.format.read_array(f, allow_pickle=False)
                    except ValueError as e:
                        if "Object arrays" in str(e):
                            _fail(path, f"array '{key}' holds Python objects, expected numbers (pickles are "
                                  "never loaded)")
                        _fail(path, f"array '{key}' is not a readable .npy array: {e}")
                    except MemoryError:  # a header declaring more data than the member holds
                        _fail(path, f"array '{key}' is too large to load ({info.file_size} bytes in the archive)")
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        _fail(path, f"not an .npz archive: truncated or corrupt zip ({e or type(e).__name__})")
    except (RuntimeError, NotImplementedError) as e:  # zipfile: encrypted member, unknown compression
        _fail(path, f"not an .npz archive numpy can read: {e}")
    missing = [k for k in required if k not in arrays]
    if missing:
        found = ", ".join(f"'{k}'" for k in sorted(arrays)) or "no arrays"
        _fail(path, f"missing key{'s' if len(missing) > 1 else ''} {', '.join(repr(k) for k in missing)} "
              f"(found {found})")
    return arrays
