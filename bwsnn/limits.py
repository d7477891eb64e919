"""The numbers every part of the flow agrees on, defined once."""
from __future__ import annotations

from bwsnn.boards import get_board

MAX_T = 8  # time steps an artifact may have (the RTL's step counter and the HLS loops are sized for it)
ACC_BITS = 32  # width of the per-step input current I; artifact validation guarantees it never overflows
MIN_MEM_BITS, MAX_MEM_BITS = 2, 32  # membrane widths an artifact may have (bwsnn.artifact validates them)
MAX_FRAC_BITS = 24  # fraction bits of the gain / bias fixed point
# the default board's fabric clock (bwsnn/boards.json): the simulators' clock and every cycles -> seconds figure
# of a simulated run (on a board, host.transport reads the real one)
CLOCK_HZ = get_board().clock_hz
CLOCK_PERIOD_NS = 1_000_000_000 // CLOCK_HZ
BRAM_MIN_BITS = 8192  # memories from this size on are block RAM, smaller ones LUT RAM (hw/rtl/bwsnn_pmem.v)
MAX_MAP = 1 << 22  # values in one conv/pool (H, W, C) map: the file does not back a map's size, this bounds it
