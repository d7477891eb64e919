"""The numbers every part of the flow agrees on, defined once."""
from __future__ import annotations

from bwsnn.boards import get_board

MAX_T = 8  # time steps an artifact may have (the RTL's step counter and the HLS loops are sized for it)
ACC_BITS = 32  # width of the per-step input current I; artifact validation guarantees it never overflows
MAX_MEM_BITS = 32  # widest membrane
MAX_FRAC_BITS = 24
PIXEL_BITS = 8  # the input stream carries unsigned 8-bit pixels
DESC_FIELD_BITS = 16  # width of the sizes and bases in a layer descriptor (bwsnn.params)
# the default board's fabric clock (bwsnn/boards.json): the simulators' clock and every cycles -> seconds figure
# of a simulated run (on a board, host.transport reads the real one)
CLOCK_HZ = get_board().clock_hz
CLOCK_PERIOD_NS = 1_000_000_000 // CLOCK_HZ
MAX_MAP = 1 << 22  # values in one conv/pool (H, W, C) map: the file does not back a map's size, this bounds it
