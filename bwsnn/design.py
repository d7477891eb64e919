"""The design record: what one accelerator was built as, planned once and carried with its bitstream.

A :class:`Design` holds the board, the target interval and budget it was planned for, the cost model's
version, the artifact shape it takes (sizes, time steps, input bits, the layers' configuration words: all
fixed at synthesis), each layer's folding and the parameter image's layout. ``python -m hw.gen`` plans it
(:func:`bwsnn.planner.design`) and writes it as ``bwsnn.design.json`` beside the RTL headers; the Vivado
script copies it next to ``bwsnn.bit`` / ``bwsnn.hwh`` as ``bwsnn.design.json`` (:func:`beside`). Its hash,
:attr:`Design.id`, is the bitstream's DESIGN_ID register (bwsnn/regmap.json), so the host packs an
artifact's parameter image from the record (:meth:`Design.image`), never re-planning it, and refuses a
record that is not the bitstream's before any weight is written.

numpy only (the board reads it); no cost table is needed to read or use a record.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bwsnn import jsonfile
from bwsnn.artifact import Artifact, ArtifactError, Layer
from bwsnn.boards import DEFAULT_BOARD
from bwsnn.params import Fold, descriptor_values, layout, param_image

FORMAT, VERSION = "bwsnn-design", 1
#: a bitstream X.bit's record is X.design.json; hw.gen writes it into its output folder under this name
SUFFIX = ".design.json"
FILE_NAME = "bwsnn" + SUFFIX
#: what each layer's layout entry records (bwsnn.params.LayerLayout's fields the engines are built with)
LAYOUT_FIELDS = ("wbase", "bbase", "thbase", "gbase", "cycles", "neuron_bram")


class DesignError(ArtifactError):
    """A design record that is unreadable, or does not fit the artifact or this tree's parameter layout (one
    line): an :class:`ArtifactError`, so every command that reports bad artifacts reports it."""


def shape_of(art: Artifact) -> dict[str, Any]:
    """What of an artifact the bitstream is built for (its weights and neuron parameters reload): pixels per
    image (not the input's shape: a dense net reads them flat, a conv's first window has its geometry), time
    steps, input bits, classes, each layer's kind, shapes, window, shortcut and configuration word."""
    cfg = descriptor_values(art)
    layers = []
    for i, l in enumerate(art.layers):
        w = l.window
        layers.append({"kind": l.kind, "in_shape": list(l.in_shape), "out_shape": list(l.out_shape),
                       "window": None if w is None else [w.kernel, w.stride, w.padding],
                       "skip_from": l.skip_from if isinstance(l, Layer) else None,
                       "spiking": l.spiking if isinstance(l, Layer) else None, "config": cfg[i]})
    return {"n_in": art.n_in, "input_bits": art.input_bits, "T": art.T,
            "classes": len(art.classes), "layers": layers}


def _first_difference(want: Any, got: Any, where: str = "") -> str | None:
    """The first path at which two JSON values differ, with both values ('layers[1].out_shape [128] vs [64]')."""
    if isinstance(want, dict) and isinstance(got, dict) and want.keys() == got.keys():
        return next((d for k in want if (d := _first_difference(want[k], got[k], f"{where}.{k}" if where else k))),
                    None)
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return next((d for i, (a, b) in enumerate(zip(want, got)) if (d := _first_difference(a, b, f"{where}[{i}]"))),
                    None)
    return None if want == got else f"{where or 'value'} {json.dumps(want)} vs {json.dumps(got)}"


@dataclass(frozen=True)
class Design:
    """One accelerator design. ``target_cycles`` / ``budget`` / ``cost_model``: what the planner was given
    (None for a folding given by hand); ``layers``: per layer its :data:`LAYOUT_FIELDS`; ``source``: the file it
    was read from (for messages; not part of the record)."""

    board: str
    target_cycles: int | None
    budget: dict[str, float] | None  # {"lut": ..., "bram36": ...}
    cost_model: str | None
    shape: dict[str, Any]
    folding: tuple[Fold, ...]
    layers: tuple[dict[str, int], ...]
    param_words: int
    source: str = field(default="", compare=False)

    @classmethod
    def of(cls, art: Artifact, folding: tuple[Fold, ...], board: str | None = None, target_cycles: int | None = None,
           budget: dict[str, float] | None = None, cost_model: str | None = None) -> Design:
        """The record of ``art`` built at ``folding`` for ``board`` (default: the default board)."""
        lay = layout(art, folding)
        return cls(board or DEFAULT_BOARD, target_cycles, budget, cost_model, shape_of(art), tuple(folding),
                   tuple({k: int(getattr(ll, k)) for k in LAYOUT_FIELDS} for ll in lay.layers), lay.words)

    @property
    def interval(self) -> int:
        """The planned cycles per image: the slowest layer's."""
        return max(ll["cycles"] for ll in self.layers)

    def record(self) -> dict[str, Any]:
        """The record as JSON values (what :attr:`id` hashes)."""
        return {"format": FORMAT, "version": VERSION, "board": self.board, "target_cycles": self.target_cycles,
                "budget": self.budget, "cost_model": self.cost_model, "shape": self.shape,
                "folding": [{"pe": f.pe, "simd": f.simd, "lif": f.lif, "bram": f.bram} for f in self.folding],
                "layers": list(self.layers), "param_words": self.param_words, "interval": self.interval}

    @property
    def id(self) -> int:
        """DESIGN_ID: the first 32 bits of the SHA-256 of the canonical record, never 0 (what a bitstream
        without the register reads)."""
        text = json.dumps(self.record(), sort_keys=True, separators=(",", ":"))
        return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) or 1

    def to_json(self) -> str:
        return json.dumps({"design_id": f"0x{self.id:08x}", **self.record()}, indent=1) + "\n"

    def save(self, path: str | os.PathLike) -> Path:
        """Write the record to ``path`` unless it already holds it (unchanged files keep their time, as the
        generator's other outputs); returns the path."""
        p, text = Path(path), self.to_json()
        if not p.is_file() or p.read_text() != text:
            p.write_text(text)
        return p

    def check(self, art: Artifact) -> None:
        """``art`` has the shape this design was built for and this tree lays its image out as the record
        does; else one :class:`DesignError` line naming the first field that differs (record vs artifact)."""
        where = f"{self.source}: " if self.source else ""
        if (diff := _first_difference(self.shape, shape_of(art))) is not None:
            raise DesignError(f"{where}the artifact does not fit the design record (record vs artifact): {diff}")
        mine = Design.of(art, self.folding, self.board)
        diff = (_first_difference(list(self.layers), list(mine.layers), "layers")
                or _first_difference(self.param_words, mine.param_words, "param_words"))
        if diff is not None:
            raise DesignError(f"{where}the record's parameter layout is not this tree's at its folding (record "
                              f"vs here): {diff}")

    def image(self, art: Artifact) -> np.ndarray:
        """``art``'s parameter image for this design (:meth:`check` first): the words PARAM_DATA loads."""
        self.check(art)
        return param_image(art, self.folding)


def _fold(f: Any, where: str) -> Fold:
    keys = {"pe": int, "simd": int, "lif": int, "bram": bool}
    if not isinstance(f, dict) or any(not isinstance(f.get(k), t) or (t is int and isinstance(f[k], bool))
                                      for k, t in keys.items()):
        raise DesignError(f"{where}: expected {{pe: int, simd: int, lif: int, bram: bool}}, got {json.dumps(f)[:80]}")
    return Fold(f["pe"], f["simd"], f["lif"], f["bram"])


def from_record(doc: dict[str, Any], source: str = "") -> Design:
    """A :class:`Design` from its JSON object; a bad field or a ``design_id`` that is not the record's hash
    (an edited record) is one :class:`DesignError` line naming ``source``."""
    where = source or "design record"
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise DesignError(f"{where}: expected format {FORMAT!r} version {VERSION}, got "
                          f"{json.dumps(doc.get('format'))} version {json.dumps(doc.get('version'))}")
    try:
        design = Design(str(doc["board"]), doc["target_cycles"], doc["budget"], doc["cost_model"], doc["shape"],
                        tuple(_fold(f, f"{where}: folding[{i}]") for i, f in enumerate(doc["folding"])),
                        tuple({k: int(ll[k]) for k in LAYOUT_FIELDS} for ll in doc["layers"]),
                        int(doc["param_words"]), source)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, DesignError):
            raise
        raise DesignError(f"{where}: missing or bad field {e}") from None
    if len(design.folding) != len(design.layers):
        raise DesignError(f"{where}: expected one layout entry per folded layer ({len(design.folding)}), got "
                          f"{len(design.layers)}")
    if doc.get("design_id") != f"0x{design.id:08x}":
        raise DesignError(f"{where}: design_id {json.dumps(doc.get('design_id'))} is not the record's hash "
                          f"0x{design.id:08x} (an edited record: regenerate it with python -m hw.gen)")
    return design


def load(path: str | os.PathLike) -> Design:
    """The record in ``path`` (one :class:`DesignError` line if it is missing or bad)."""
    try:
        doc = jsonfile.read(path, "design record", {"folding": list, "layers": list, "shape": dict})
    except jsonfile.JsonFileError as e:
        raise DesignError(str(e)) from None
    return from_record(doc, str(path))


def beside(bitfile: str | os.PathLike) -> Path:
    """Where a bitstream's record lies: ``X.design.json`` beside ``X.bit``."""
    p = Path(bitfile)
    return p.with_name(p.name.removesuffix(p.suffix) + SUFFIX)
