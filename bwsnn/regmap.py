"""The accelerator's wire protocol: ``regmap.json`` beside this file, parsed here and nowhere else.

numpy only: runs on the PYNQ-Z2's ARM. No offset, bit or width is written in code; they all come from the
JSON, which the RTL header generator (hw.gen), the HLS top (hls.axi), the testbenches and the host driver all
read through :class:`Regmap`, so none of them can drift apart.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REGMAP_PATH = Path(__file__).resolve().parent / "regmap.json"


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    access: str
    fields: dict[str, int]  # field name -> bit index
    doc: str = ""


class Regmap:
    """Register offsets, field masks and the stream geometry of bwsnn/regmap.json."""

    def __init__(self, path: str | Path = REGMAP_PATH) -> None:
        self.path = Path(path)
        spec = json.loads(self.path.read_text())
        self.id_magic: int = spec["id_magic"]
        self.registers = {name: Register(name, r["offset"], r["access"], dict(r.get("fields", {})), r.get("doc", ""))
                          for name, r in spec["registers"].items()}
        self.in_bits: int = spec["stream_in"]["tdata_bits"]
        self.pixels_per_beat: int = spec["stream_in"]["pixels_per_beat"]
        self.out_bits: int = spec["stream_out"]["tdata_bits"]
        if self.in_bits != 8 * self.pixels_per_beat or self.out_bits != 32:
            # pack_images / unpack_results below assume 8-bit pixels and 32-bit result words
            raise ValueError(f"{path}: unsupported stream geometry: {self.in_bits}-bit input with "
                             f"{self.pixels_per_beat} pixels/beat, {self.out_bits}-bit output")

    def offset(self, reg: str) -> int:
        return self.registers[reg].offset

    def mask(self, reg: str, *fields: str) -> int:
        bits = self.registers[reg].fields
        return sum(1 << bits[f] for f in fields)

    def flags(self, reg: str, value: int) -> list[str]:
        """Names of the fields of ``reg`` that are set in ``value``."""
        return [f for f, b in self.registers[reg].fields.items() if value >> b & 1]

    def beats_per_image(self, n_in: int) -> int:
        return -(-n_in // self.pixels_per_beat)

    def in_bytes(self, n_in: int) -> int:
        """Bytes of one image on the input stream (one DMA transfer)."""
        return self.beats_per_image(n_in) * self.in_bits // 8

    def out_words(self, n_classes: int) -> int:
        """32-bit words of one result on the output stream: the class, then the scores."""
        return 1 + n_classes


REGMAP = Regmap()


def pack_images(images: np.ndarray, regmap: Regmap = REGMAP) -> np.ndarray:
    """uint8 (N, n_in) -> uint64 (N, beats): pixel k of beat b in bits 8k+7..8k, last beat zero-padded."""
    images = np.asarray(images, np.uint8)
    n, n_in = images.shape
    padded = np.zeros((n, regmap.beats_per_image(n_in) * regmap.pixels_per_beat), np.uint8)
    padded[:, :n_in] = images
    return padded.view("<u8")


def unpack_images(beats: np.ndarray, n_in: int, regmap: Regmap = REGMAP) -> np.ndarray:
    """The inverse of :func:`pack_images` (what the accelerator sees)."""
    b = np.ascontiguousarray(beats, "<u8").reshape(-1, regmap.beats_per_image(n_in))
    return b.view(np.uint8)[:, :n_in]


def unpack_results(words: np.ndarray, n_classes: int, regmap: Regmap = REGMAP) -> tuple[np.ndarray, np.ndarray]:
    """Output-stream words (N * (1 + C),) -> classes int64 (N,), scores int64 (N, C) (sign-extended)."""
    w = np.ascontiguousarray(words, "<u4").reshape(-1, regmap.out_words(n_classes))
    return w[:, 0].astype(np.int64), w[:, 1:].view("<i4").astype(np.int64)


def pack_results(classes: np.ndarray, scores: np.ndarray, regmap: Regmap = REGMAP) -> np.ndarray:
    """The inverse of :func:`unpack_results` (what the accelerator sends), uint32 (N * (1 + C),)."""
    scores = np.asarray(scores, np.int64)
    w = np.empty((len(scores), regmap.out_words(scores.shape[1])), "<u4")
    w[:, 0] = classes
    w[:, 1:] = scores.astype("<i4").view("<u4")
    return w.reshape(-1)

