"""The frame buffers between the engines of a planned design: what each holds and how it is read (the RTL
generator instantiates them, :mod:`bwsnn.cost` counts the block RAM of those that are RAMs)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from bwsnn.artifact import Artifact
from bwsnn.params import Layout

PIXELS_PER_BEAT = 8  # bwsnn_rx: a 64-bit AXI4-Stream beat carries 8 pixels


def idx_bits(n: int) -> int:
    """Verilog ``n > 1 ? $clog2(n) : 1``: the width of an index into n things."""
    return max(1, (n - 1).bit_length())


@dataclass(frozen=True)
class Buffer:
    """A frame buffer of the chain: ``fill`` bits per plane written in order. With ``pixels`` a RAM read by
    pixel, ``rw`` bits of every plane (bwsnn_mapbuf): the input of a window generator (a pixel: the channels),
    or of a dense engine that reads whole chunks and no shortcut spikes (a pixel: a chunk); else a shift
    register read in slices, ``nb`` bits (the rest 0; bwsnn_framebuf)."""

    planes: int
    nb: int
    fill: int
    ww: int
    rw: int
    rw2: int
    banks: int = 2
    port2: bool = True  # the second read port (the reader's shortcut spikes)
    pixels: int = 0

    @property
    def pixels_per_word(self) -> int:
        """A map's RAM word: a whole number of writes and of pixels (bwsnn_mapbuf's PPW)."""
        return math.lcm(self.ww, self.rw) // self.rw

    @property
    def ram(self) -> tuple[int, int] | None:
        """(width, depth) of a map's RAM (bwsnn_mapbuf's mem: PLANES x PPW x C bits, BANKS x ceil(PIX / PPW)
        words); None for a shift register (bwsnn_framebuf: flip-flops)."""
        if not self.pixels:
            return None
        ppw = self.pixels_per_word
        return self.planes * ppw * self.rw, self.banks * -(-self.pixels // ppw)

    @staticmethod
    def sized(planes: int, fill: int, need: int, ww: int, rw: int, rw2: int, banks: int = 2,
              port2: bool = True) -> Buffer:
        step = math.lcm(rw, rw2)  # whole slices of both ports
        return Buffer(planes, -(-max(fill, need) // step) * step, fill, ww, rw, rw2, banks, port2)

    @property
    def ri(self) -> int:
        return idx_bits(self.nb // self.rw)

    @property
    def r2i(self) -> int:
        return idx_bits(self.nb // self.rw2)


def written(art: Artifact, lay: Layout, i: int) -> tuple[int, int]:
    """(bits per write, bits per plane per frame) that layer ``i``'s engine writes into buffer i + 1 (i = -1:
    bwsnn_rx, a beat's 8 pixels). Engines write in order: neurons (dense), or position-major and the channels
    of each position (conv2d, pool: the channels-last raster a dense reader flattens and a window reads)."""
    if i < 0:
        return PIXELS_PER_BEAT, -(-art.n_in // PIXELS_PER_BEAT) * PIXELS_PER_BEAT
    ll = lay.layers[i]
    if ll.pool:
        return ll.n_in, ll.positions * ll.n_in
    return ll.fold.lif, ll.positions * ll.n_pad  # a conv2d has no padding neurons (PE divides C')


def buffers(art: Artifact, lay: Layout) -> list[Buffer]:
    """Buffer l feeds layer l (0: the pixels); buffer L holds the scores for the sender. The pixel buffer
    holds the input.bits bit-planes of x = pixel >> (8 - input.bits): bwsnn_rx writes a beat's 8 pixels of
    each. The buffers between engines have three banks: an engine holds its output bank from frame start to
    its LIF chains' last write (its pipeline latency), which with two banks would lengthen the interval by
    half that latency. The input of a conv2d or pool layer is a map read pixel by pixel (C bits of every
    plane at pixel y W + x) by its window generator."""
    out = []
    for i, (l, ll) in enumerate(zip(art.layers, lay.layers)):
        planes, banks = (art.input_bits, 2) if i == 0 else (art.T, 3)
        ww, fill = written(art, lay, i - 1)
        if l.window is not None:
            h, w, c = l.in_shape
            out.append(Buffer(planes, fill, fill, ww, c, c, banks, port2=False, pixels=h * w))
        else:
            f, port2 = ll.fold, i > 0 and l.skip_from is not None
            if not port2 and fill == ll.chunks * f.simd:  # a map of whole chunks: a RAM, not flip-flops
                out.append(Buffer(planes, fill, fill, ww, f.simd, f.pe, banks, port2=False, pixels=ll.chunks))
            else:
                out.append(Buffer.sized(planes, fill, max(ll.chunks * f.simd, ll.n_pad), ww, f.simd, f.pe, banks,
                                        port2))
    nb = lay.layers[-1].n_pad * 32
    out.append(Buffer(1, nb, nb, 32 * lay.layers[-1].fold.lif, nb, 32, port2=False))
    return out
