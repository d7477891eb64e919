"""Command-line checking shared by every tool: a parser whose errors are one line, and argparse ``type``
functions that turn a bad option value into that line before any work starts.

    p = cli.Parser(prog="python -m host.run", description=...)
    p.add_argument("--limit", type=cli.positive_int)
    p.add_argument("--leak-shift", type=cli.int_in_range(0, 7))
    p.add_argument("--hidden", type=cli.int_list)
    p.add_argument("--json", type=cli.output_file)

A bad value prints ``<prog>: error: argument --limit: expected an integer >= 1, got '0'`` and exits with
status 2 (argparse's own convention), without the usage block: exactly one line on stderr. Path checks look
at the file system without changing it: an output path is accepted when it, or the directory it would be
created in, can be written (tried with an anonymous temporary file, which leaves nothing behind).
"""
from __future__ import annotations

import argparse
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

ArgType = Callable[[str], object]


class Parser(argparse.ArgumentParser):
    """An ``argparse.ArgumentParser`` whose errors (bad values, unknown options, a missing required one) are
    one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.splitlines())}\n")


def shown(text: object, limit: int = 60) -> str:
    """``text`` for a one-line message: repr() when it is blank or holds a line break or other unprintable
    character, shortened when very long (a 5,000-digit number)."""
    s = str(text)
    s = s if s.isprintable() and s.strip() else repr(s)
    return s if len(s) <= limit else s[:limit - 3] + "..."


def _path(text: str) -> str:
    return shown(text, limit=1000)


def _bad(expected: str, text: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"expected {expected}, got {shown(repr(text))}")


def _int(text: str, expected: str) -> int:
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise _bad(expected, text) from None


def int_in_range(lo: int | None = None, hi: int | None = None) -> ArgType:
    """An integer in ``lo..hi`` (either end open when None)."""
    if lo is not None and hi is not None:
        expected = f"an integer in {lo}..{hi}"
    else:
        expected = "an integer" + (f" >= {lo}" if lo is not None else f" <= {hi}" if hi is not None else "")

    def check(text: str) -> int:
        v = _int(text, expected)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise _bad(expected, text)
        return v
    return check


positive_int = int_in_range(1)
nonnegative_int = int_in_range(0)


def power_of_two(lo: int = 1) -> ArgType:
    """A power of two >= ``lo``."""
    def check(text: str) -> int:
        v = _int(text, f"a power of two >= {lo}")
        if v < lo or v & (v - 1):
            raise _bad(f"a power of two >= {lo}", text)
        return v
    return check


def float_in_range(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
                   hi_open: bool = False) -> ArgType:
    """A finite float between ``lo`` and ``hi`` (inclusive unless ``lo_open`` / ``hi_open``); never NaN."""
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {hi:g}")
    expected = "a finite number" + (" " + " and ".join(parts) if parts else "")

    def check(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise _bad(expected, text) from None
        if not math.isfinite(v) or (lo is not None and (v <= lo if lo_open else v < lo)) or (
                hi is not None and (v >= hi if hi_open else v > hi)):
            raise _bad(expected, text)
        return v
    return check


positive_float = float_in_range(0.0, lo_open=True)


def int_list(text: str, lo: int = 1) -> list[int]:
    """A comma-separated list of integers >= ``lo`` (positive by default), e.g. ``256,256,256``."""
    items = text.split(",")
    try:
        values = [int(s.strip(), 10) for s in items]
    except ValueError:
        values = []
    if not values or any(v < lo for v in values):
        what = "positive integers (e.g. 256,256)" if lo == 1 else f"integers >= {lo} (e.g. {lo},{lo + 1})"
        raise _bad(f"comma-separated {what}", text)
    return values


def seed_list(text: str) -> list[int]:
    """A comma-separated list of seeds (integers >= 0), e.g. ``0,1,2``."""
    return int_list(text, lo=0)


def _given(text: str) -> Path:
    if not text.strip():  # Path("") is ".": an unset shell variable would silently mean the working directory
        raise _bad("a path", text)
    return Path(text)


def existing_file(text: str) -> Path:
    """A path to a readable regular file."""
    p = _given(text)
    if not p.exists():
        raise argparse.ArgumentTypeError(f"{_path(text)}: no such file")
    if p.is_dir():
        raise argparse.ArgumentTypeError(f"{_path(text)}: is a directory, expected a file")
    if not os.access(p, os.R_OK):
        raise argparse.ArgumentTypeError(f"{_path(text)}: not readable")
    return p


def existing_dir(text: str) -> Path:
    """A path to an existing, readable directory."""
    p = _given(text)
    if not p.exists():
        raise argparse.ArgumentTypeError(f"{_path(text)}: directory does not exist")
    if not p.is_dir():
        raise argparse.ArgumentTypeError(f"{_path(text)}: not a directory")
    if not os.access(p, os.R_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{_path(text)}: directory not readable")
    return p


def _check_writable_dir(d: Path, text: str) -> None:
    """Files can be created in the existing directory ``d``: tried with an anonymous temporary file, since
    permission bits say nothing for root or on /proc, /sys and read-only mounts."""
    try:
        with tempfile.TemporaryFile(dir=d):
            pass
    except OSError as e:
        raise argparse.ArgumentTypeError(f"{_path(text)}: cannot create files in {_path(str(d))} "
                                         f"({e.strerror or e})") from None


def _check_creatable(p: Path, text: str) -> None:
    """``p`` (and its missing parents) can be created: its nearest existing ancestor is a writable directory."""
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{_path(text)}: cannot be created: {_path(str(parent))} is not a directory")
    _check_writable_dir(parent, text)


def output_file(text: str) -> Path:
    """A file path that can be written: an existing writable file, or one that can be created (with its
    missing parent directories)."""
    p = _given(text)
    if text.endswith(("/", os.sep)) or p.is_dir():
        raise argparse.ArgumentTypeError(f"{_path(text)}: is a directory, expected a file name")
    if p.exists():
        if not os.access(p, os.W_OK):
            raise argparse.ArgumentTypeError(f"{_path(text)}: not writable")
    else:
        _check_creatable(p, text)
    return p


def output_dir(text: str) -> Path:
    """A directory that exists and is writable, or can be created."""
    p = _given(text)
    if p.exists():
        if not p.is_dir():
            raise argparse.ArgumentTypeError(f"{_path(text)}: exists and is not a directory")
        _check_writable_dir(p, text)
    else:
        _check_creatable(p, text)
    return p
