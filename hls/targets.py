"""Build targets: the boards of the one board record (bwsnn/boards.json via :mod:`bwsnn.boards`). A board's
``hls4ml_board`` is hls4ml's VivadoAccelerator board (PS + AXI DMA block design, PYNQ driver); boards without
one get the HLS project, C-sim and IP only (the bitstream comes from hw/vivado's block design either way)."""
from __future__ import annotations

from bwsnn.boards import BOARDS, DEFAULT_BOARD, Board, BoardError, get_board

Target = Board
TargetError = BoardError  # an unknown target name
TARGETS = BOARDS
DEFAULT_TARGET = DEFAULT_BOARD


def get_target(name: str) -> Target:
    """The target called ``name`` or one :class:`TargetError` line listing the known ones."""
    return get_board(name)
