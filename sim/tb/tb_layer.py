"""cocotb bench of one layer engine (bwsnn_layer, wrapped with its generated parameters by
hw.gen.write_layer_unit) against the golden model's trace of that layer, frame by frame.

The bench plays both frame buffers: it answers the engine's chunk / group reads one cycle later with the
layer's input (the input.bits bit-planes of x = pixel >> (8 - input.bits), or the previous layer's spikes of
all T steps from ``golden.run(trace=True)``) and
takes its output writes, checking every row: the spikes of each step (0 for padding neurons) or, for the
output layer, the membranes after the last step. The output side frees its banks after random delays, so the
engine must wait for a free bank; every row of a frame must be written exactly once before its commit.

Environment: ``BWSNN_TB_ARTIFACT``, ``BWSNN_TB_FOLDING`` (JSON [[PE, SIMD], ...]), ``BWSNN_TB_LAYER``,
``BWSNN_TB_IMAGES`` (uint8 (N, n_in) .npy).
"""
from __future__ import annotations

import json
import os
import random
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, RisingEdge

from bwsnn import golden
from bwsnn.artifact import load
from bwsnn.params import folding, layout


def pack(bits: np.ndarray) -> int:
    """A bool / 0-1 vector as an integer, element 0 in bit 0."""
    return int.from_bytes(np.packbits(np.asarray(bits, np.uint8), bitorder="little").tobytes(), "little")


@cocotb.test()
async def test_layer(dut: Any) -> None:
    art = load(os.environ["BWSNN_TB_ARTIFACT"])
    i = int(os.environ["BWSNN_TB_LAYER"])
    lay = layout(art, folding(art, json.loads(os.environ["BWSNN_TB_FOLDING"])))
    ll, f, l, T = lay.layers[i], lay.layers[i].fold, art.layers[i], art.T
    x = np.load(os.environ["BWSNN_TB_IMAGES"])
    tr = golden.run(art, x, trace=True)
    # the input frames, padded to whole chunks: (N, planes, chunks * SIMD) bits
    if i == 0:
        b = art.input_bits
        inp = np.zeros((len(x), b, ll.chunks * f.simd), np.uint8)
        inp[:, :, :l.n_in] = (x[:, None, :] >> (8 - b + np.arange(b)[:, None])) & 1
    else:
        inp = np.zeros((len(x), T, max(ll.chunks * f.simd, ll.n_pad)), np.uint8)
        inp[:, :, :l.n_in] = tr.spikes[i - 1]
    rows = ll.n_pad // f.lif
    if l.spiking:
        spk = np.zeros((len(x), T, ll.n_pad), np.uint8)
        spk[:, :, :l.n_out] = tr.spikes[i]
        want = [[pack(spk[n, :, r * f.lif:(r + 1) * f.lif].reshape(-1)) for r in range(rows)] for n in range(len(x))]
    else:
        want = tr.membranes[i][:, -1]

    rng = random.Random(5)
    Clock(dut.clk, 10, unit="ns").start()
    for sig in (dut.in_avail, dut.in_data, dut.skip_data, dut.out_ready, dut.pw_valid):
        sig.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 3)
    dut.rst.value = 0
    frame_in = 0  # the frame the engine reads
    used = 0  # output banks reserved or full
    frees: list[int] = []  # cycles at which full output banks are freed
    written: dict[int, int] = {}  # rows of the frame being written: they come in order (the buffer shifts them in)
    frame_out = 0
    cycle = 0
    while frame_out < len(x):
        cycle += 1
        assert cycle < 200 * len(x) * (ll.cycles + 40), f"stalled at frame {frame_out}"
        dut.in_avail.value = int(frame_in < len(x))
        dut.out_ready.value = int(used < 2)
        await FallingEdge(dut.clk)
        c, g = int(dut.in_idx.value), int(dut.skip_idx.value)
        done, start = int(dut.in_done.value), int(dut.out_start.value)
        if int(dut.out_en.value):
            r = len(written)
            got = int(dut.out_data.value)
            if l.spiking:
                exp = want[frame_out][r]
                assert got == exp, f"frame {frame_out} row {r}: spikes {got:#x}, golden {exp:#x}"
            else:
                for k in range(f.lif):
                    n = r * f.lif + k
                    v = (got >> (32 * k)) & 0xFFFFFFFF
                    v -= (v >> 31) << 32
                    if n < l.n_out:
                        exp = want[frame_out][n]
                        assert v == exp, f"frame {frame_out} neuron {n}: {v}, golden {exp}"
            written[r] = got
            if int(dut.out_commit.value):
                assert len(written) == rows, f"frame {frame_out}: commit after {len(written)} of {rows} rows"
                written = {}
                frame_out += 1
                frees.append(cycle + rng.choice([0, 1, 5, 2 * ll.cycles]))
        await RisingEdge(dut.clk)
        if start:
            assert used < 2, "a frame started without a free output bank"
            used += 1
        used -= sum(1 for t in frees if t <= cycle)
        frees = [t for t in frees if t > cycle]
        if frame_in < len(x):  # the buffers' registered reads: data of the index the engine gave
            planes = inp[frame_in]
            dut.in_data.value = pack(planes[:, c * f.simd:(c + 1) * f.simd].reshape(-1))
            dut.skip_data.value = 0 if i == 0 else pack(planes[:, g * f.pe:(g + 1) * f.pe].reshape(-1))
        if done:
            frame_in += 1
    assert frame_in == len(x)
