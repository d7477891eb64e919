"""Where the board finds its bitstream, and the check that a bitstream was built for this board.

The finn-examples way: the board wheel ships one folder per board, ``bitstreams/<PYNQ board name>/`` (the
name ``pynq.Device.active_device.name`` reports; ``pynq_board`` of bwsnn/boards.json), holding ``bwsnn.bit``,
``bwsnn.hwh``, the design record (``bwsnn.design.json``) and the artifact the bitstream was built with
(``model.bwsnn.npz``). ``make bitstream TARGET=NAME`` writes that folder in host/bitstreams/
(hw/vivado/build.sh), ``make wheel`` packages it, and ``BwsnnOverlay()`` with no argument opens the active
board's. :func:`check` reads the ``.bit`` header, the ``.hwh`` and the record, and refuses a bitstream of
another part, board part or planned board in one line, before anything is downloaded; the DESIGN_ID register
check (the record is this bitstream's) follows in :mod:`host.driver`, before any weight is written.

numpy-free but for bwsnn.design: it runs on the board, and pynq is imported only to ask which board this is.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

from bwsnn import design
from bwsnn.boards import BOARDS, Board

from .errors import BitstreamError, first_line

PACKAGE_DIR = Path(__file__).resolve().parent / "bitstreams"
BITFILE = "bwsnn.bit"  # with bwsnn.hwh beside it: the names pynq.Overlay pairs
ARTIFACT = "model.bwsnn.npz"  # the artifact the bitstream was built with, delivered beside it


def active_board() -> Board:
    """This board's record, by the name pynq gives the device (as finn-examples resolves its bitfiles)."""
    try:
        import pynq

        name = str(pynq.Device.active_device.name)
    except ImportError:
        raise BitstreamError("no board here: the pynq package is not installed (on a PYNQ 3.x image it is "
                             "in PYNQ's venv: run `source /usr/local/share/pynq-venv/bin/activate` first)") from None
    except Exception as e:  # no device: pynq raises many types while probing
        raise BitstreamError(f"no board here: pynq finds no device ({first_line(e)})") from None
    for board in BOARDS.values():
        if board.pynq_board == name:
            return board
    known = ", ".join(f"{b.pynq_board} ({b.name})" for b in BOARDS.values())
    raise BitstreamError(f"this board is '{name}' (pynq.Device.active_device.name), not one bwsnn builds for: "
                         f"expected one of {known}")


def find(board: Board | None = None, root: Path | None = None) -> Path:
    """The shipped ``bwsnn.bit`` of ``board`` (default: the active board) in ``root`` (default: the package's
    folder), or one :class:`BitstreamError`."""
    board = board or active_board()
    bit = (root or PACKAGE_DIR) / board.pynq_board / BITFILE
    if not bit.is_file():
        raise BitstreamError(f"no bwsnn bitstream for {board.pynq_board} in {bit.parent} (build one with `make "
                             f"bitstream TARGET={board.name}`, then `make wheel` and reinstall the wheel; or pass "
                             "the .bit file)")
    return bit


def bit_header(path: Path) -> dict[str, str]:
    """The text fields of a Xilinx ``.bit`` header: ``design`` (with ``;UserID=...;Version=...``), ``part``,
    ``date``, ``time``. The header is a 2-byte-length preamble, then keyed fields a..d (key byte, 2-byte
    big-endian length, NUL-terminated text) before the bitstream data (key e)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    try:
        (n,) = struct.unpack_from(">H", head, 0)
        at = 2 + n + 2  # the preamble, then a 2-byte field (0x0001)
        fields: dict[str, str] = {}
        while head[at] != ord("e"):
            key = chr(head[at])
            (n,) = struct.unpack_from(">H", head, at + 1)
            fields[{"a": "design", "b": "part", "c": "date", "d": "time"}[key]] = \
                head[at + 3:at + 3 + n].rstrip(b"\0").decode("ascii")
            at += 3 + n
    except (struct.error, IndexError, KeyError, UnicodeDecodeError):
        raise BitstreamError(f"{path}: not a Xilinx .bit file (no readable header with the design and part: "
                             "the file Vivado's write_bitstream writes)") from None
    if "part" not in fields:
        raise BitstreamError(f"{path}: the .bit header names no part")
    return fields


def _part_key(part: str) -> str:
    """'xc7z020clg400-1' and the header's '7z020clg400' compare as '7z020clg400...' prefixes."""
    p = part.lower().replace("-", "")
    return p[2:] if p.startswith("xc") else p


def hwh_board(hwh: Path) -> str | None:
    """The Vivado board part the design was built for (SYSTEMINFO's BOARD attribute), if the .hwh names one."""
    m = re.search(r'<SYSTEMINFO\b[^>]*\bBOARD="([^"]*)"', hwh.read_text(errors="replace"))
    return m.group(1) if m and m.group(1) else None


def check(bitfile: str | Path, board: Board) -> None:
    """``bitfile`` (its ``.hwh`` beside it) was built for ``board``'s part and board part, or one line."""
    bit = Path(bitfile)
    if not bit.is_file():
        raise BitstreamError(f"{bit}: no such bitstream file")
    if not bit.with_suffix(".hwh").is_file():
        raise BitstreamError(f"{bit}: missing {bit.with_suffix('.hwh').name} beside it (the hardware handoff "
                             "Vivado writes with the bitstream; pynq needs it to find the IPs)")
    part = bit_header(bit)["part"]
    if not _part_key(board.part).startswith(_part_key(part)):
        raise BitstreamError(f"{bit}: built for part {part}, but this board ({board.pynq_board}) is a {board.part}: "
                             f"rebuild it with `make bitstream TARGET={board.name}`")
    built_for = hwh_board(bit.with_suffix(".hwh"))
    if built_for and board.vivado_board and not built_for.startswith(board.vivado_board):
        raise BitstreamError(f"{bit}: built for board {built_for}, but this board is {board.pynq_board} "
                             f"({board.vivado_board}): rebuild it with `make bitstream TARGET={board.name}`")
    record = design.beside(bit)
    if record.is_file():  # the RTL's design record names the board it was planned for (the HLS IP has none)
        try:
            planned_for = design.load(record).board
        except design.DesignError as e:
            raise BitstreamError(str(e)) from None
        if planned_for != board.name:
            raise BitstreamError(f"{record}: the design was planned for board {planned_for}, but this board is "
                                 f"{board.name}: rebuild it with `make bitstream TARGET={board.name}`")
