"""The one safe reader of the torch files the trainer loads (``--teacher`` state_dicts, ``--resume`` states,
the ablation's checkpoints), like :mod:`bwsnn.npz` for arrays.

:func:`read` returns the dict ``torch.save`` wrote, or raises :class:`TorchFileError` with one line naming
the file and what it is instead: no such file, a directory, an empty file, not a torch file (random bytes, a
truncated archive), not a dict, missing keys. Files are unpickled with ``weights_only=True`` (tensors,
containers, numbers; never code), plus numpy's array reconstruction for the random generators' states.
:func:`load_state` loads a state_dict into a module, or names the first key or shape that does not match:
a checkpoint of another architecture.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

import numpy as np
import torch

from bwsnn.cli import shown

# what numpy's random state (np.random.get_state(), in a --resume state) unpickles to: arrays and dtypes
_NUMPY_GLOBALS = [np._core.multiarray._reconstruct, np.ndarray, np.dtype, type(np.dtype(np.uint32))]


class TorchFileError(ValueError):
    """A file that is not the torch.save dict asked for (one line)."""


def _fail(path: str | os.PathLike, what: str) -> NoReturn:
    raise TorchFileError(f"{shown(path, limit=1000)}: {' '.join(what.splitlines())}")


def read(path: str | os.PathLike, what: str, required: Iterable[str] = ()) -> dict:
    """The dict saved at ``path`` (``what`` names it in errors: "teacher state_dict", "training state"),
    with the ``required`` keys."""
    p = Path(path)
    if not str(path).strip():
        _fail(path, f"no file name given, expected a {what}")
    if not p.exists():
        _fail(path, "no such file")
    if p.is_dir():
        _fail(path, f"is a directory, expected a {what} (a torch.save file)")
    if p.stat().st_size == 0:
        _fail(path, f"empty file, expected a {what}")
    try:
        with torch.serialization.safe_globals(_NUMPY_GLOBALS):
            obj = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - unpickling fails in many ways; each is the same one line
        # torch's own messages run to paragraphs (or a bare KeyError of a pickle memo index): its kind suffices
        why = ("holds Python objects other than tensors, containers and numbers (never unpickled)"
               if "Weights only load failed" in str(e) else f"unreadable ({type(e).__name__}): random bytes, "
               "a truncated file or another format")
        _fail(path, f"not a {what} (a torch.save file): {why}")
    if not isinstance(obj, dict):
        _fail(path, f"expected a {what} (a dict), got a {type(obj).__name__}")
    missing = [k for k in required if k not in obj]
    if missing:
        found = ", ".join(repr(k) for k in sorted(map(str, obj))[:8]) or "nothing"
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        _fail(path, f"not a {what}: missing key{'s' if len(missing) > 1 else ''} "
              f"{', '.join(map(repr, missing[:3]))}{more} (found {found})")
    return obj


def load_state(module: torch.nn.Module, state: object, src: str | os.PathLike, what: str) -> None:
    """``module.load_state_dict(state)``, or a :class:`TorchFileError` naming ``src``, the first missing,
    unexpected or differently shaped entry: a checkpoint of another architecture or size."""
    if not isinstance(state, dict):
        _fail(src, f"expected a {what} (a dict of tensors), got a {type(state).__name__}")
    bad = next((k for k, v in state.items() if not isinstance(v, torch.Tensor)), None)
    if bad is not None:
        hint = " (a training checkpoint.pt? its 'teacher' entry is one)" if "teacher" in state else ""
        _fail(src, f"expected a {what} (a dict of tensors), got a dict whose {shown(repr(bad))} is a "
              f"{type(state[bad]).__name__}{hint}")
    want = module.state_dict()
    arch = type(module).__name__
    if "net.0.weight" in state and "net.0.weight" not in want:  # the dense Teacher before there was one model path
        _fail(src, f"not a {what} of this {arch}: an old-layout dense teacher ('net.*' keys, trained without the "
              "shortcuts every teacher has now): train a new one")
    for k, v in want.items():
        if k not in state:
            _fail(src, f"not a {what} of this {arch}: missing {k!r} (found {len(state)} entries; another "
                  "architecture?)")
        if tuple(state[k].shape) != tuple(v.shape):
            _fail(src, f"not a {what} of this {arch}: {k!r} expected shape {list(v.shape)}, got "
                  f"{list(state[k].shape)} (another size?)")
    extra = sorted(set(state) - set(want))
    if extra:
        _fail(src, f"not a {what} of this {arch}: unexpected {extra[0]!r}" + (
            f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""))
    try:
        module.load_state_dict(state)
    except RuntimeError as e:
        _fail(src, f"not a {what} of this {arch}: {shown(str(e).strip().splitlines()[-1].strip(), limit=200)}")
