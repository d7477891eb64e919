"""The one reader of the JSON files the tools read back (training reports, a flow's saved state): the
object, or :class:`JsonFileError` with one line naming the file and what is wrong (no such file, not JSON,
not an object, a missing or mistyped field)."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from bwsnn.cli import shown


class JsonFileError(ValueError):
    """A file that is not the JSON object asked for (one line)."""


def _fail(path: str | os.PathLike, what: str) -> NoReturn:
    raise JsonFileError(f"{shown(path, limit=1000)}: {' '.join(what.splitlines())}")


NUMBER = (int, float)


def read(path: str | os.PathLike, what: str, required: Mapping[str, type | tuple[type, ...]] | None = None) -> dict:
    """The JSON object in ``path`` (``what`` names it in errors: "training report"), with the ``required``
    fields of their types (dotted names for nested ones: {"accuracy.per_step": list}; a bool is no number)."""
    p = Path(path)
    if not p.exists():
        _fail(path, f"no such file, expected a {what} (JSON)")
    if p.is_dir():
        _fail(path, f"is a directory, expected a {what} (JSON)")
    try:
        doc = json.loads(p.read_bytes().decode())
    except OSError as e:
        _fail(path, f"cannot read: {e.strerror or e}")
    except (ValueError, RecursionError) as e:  # bad UTF-8 or JSON, nesting too deep
        _fail(path, f"not a {what}: expected JSON, got undecodable text ({shown(e, limit=100)})")
    if not isinstance(doc, dict):
        _fail(path, f"not a {what}: expected a JSON object, got {type(doc).__name__}")
    for field, typ in (required or {}).items():
        node: object = doc
        for part in field.split("."):
            if not isinstance(node, dict) or part not in node:
                _fail(path, f"field '{field}': expected present (a {what}), got missing")
            node = node[part]
        types = typ if isinstance(typ, tuple) else (typ,)
        if not isinstance(node, types) or (isinstance(node, bool) and bool not in types):
            names = " or ".join(t.__name__ for t in types)
            _fail(path, f"field '{field}': expected {names}, got {shown(json.dumps(node))}")
    return doc
