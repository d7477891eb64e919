"""The boards the flow builds for: ``boards.json`` beside this file, parsed here and nowhere else.

numpy-free and stdlib only (it runs on the board). Part, Yosys family, capacities, fabric clock, PS type,
Vivado board part, hls4ml board and PYNQ's board name are each written once, in the JSON; the HLS targets
(hls.flow, hls.convert), the Yosys estimate and its percentages (hw.synth), the Vivado block design (the Tcl variables
that ``python -m bwsnn.boards tcl NAME`` writes for hw/vivado/build.tcl), the reports and the benches read
them through :func:`get_board`. ``TARGET=`` (make) / ``--target`` picks one.

    python -m bwsnn.boards list | show [NAME] | tcl [NAME] | check NAME    (no NAME: the default board)

``check NAME`` prints nothing for a known board and one error line (exit 2) for an unknown one: the Makefile
runs it before any goal that takes ``TARGET=``.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

BOARDS_PATH = Path(__file__).resolve().parent / "boards.json"
PS_KINDS = ("ps7", "ps8")  # Zynq-7000 processing_system7, Zynq UltraScale+ zynq_ultra_ps_e
RESOURCES = ("lut", "ff", "bram36", "dsp", "lutram")


class BoardError(ValueError):
    """An unknown board name or a bad record in boards.json."""


@dataclass(frozen=True)
class Board:
    name: str
    part: str
    yosys_family: str  # synth_xilinx -family
    ps: str
    clock_mhz: float  # the overlay's fabric clock (PS7 FCLK0 / PS8 pl_clk0)
    capacity: dict[str, int]  # RESOURCES -> count on the device
    vivado_board: str | None  # board part without version; None: part only
    hls4ml_board: str | None  # hls4ml VivadoAccelerator board; None: HLS project, C-sim and IP only
    pynq_board: str  # PYNQ's name of the board (pynq.Device / the image)

    @property
    def clock_hz(self) -> int:
        return round(self.clock_mhz * 1e6)

    @property
    def clock_period_ns(self) -> float:
        return 1000.0 / self.clock_mhz

    def budget(self, share: float) -> dict[str, float]:
        """``share`` (0..1] of every capacity: the resources a planner may spend on the accelerator."""
        if not 0 < share <= 1:
            raise BoardError(f"budget share must be in (0, 1], got {share}")
        return {k: share * v for k, v in self.capacity.items()}

    def percent(self, used: dict[str, float]) -> dict[str, float]:
        """``<resource>_pct`` of this board's capacity for each resource in ``used``."""
        return {f"{k}_pct": 100.0 * used[k] / cap for k, cap in self.capacity.items() if k in used}

    def tcl(self) -> str:
        """Tcl variables for hw/vivado/build.tcl (``source``d by it): the record, never retyped in Tcl."""
        return "".join(f"set {k} {{{v}}}\n" for k, v in (
            ("board_name", self.name), ("part", self.part), ("ps", self.ps),
            ("board_part", self.vivado_board or ""), ("fclk_mhz", f"{self.clock_mhz:g}"),
            ("pynq_board", self.pynq_board)))


def _parse(name: str, r: dict, where: Path) -> Board:
    try:
        board = Board(name, r["part"], r["yosys_family"], r["ps"], float(r["clock_mhz"]),
                      {k: int(r["capacity"][k]) for k in RESOURCES}, r["vivado_board"], r["hls4ml_board"],
                      r["pynq_board"])
    except (KeyError, TypeError, ValueError) as e:
        raise BoardError(f"{where}: board '{name}': missing or bad field {e}") from None
    if board.ps not in PS_KINDS or board.clock_mhz <= 0 or min(board.capacity.values()) <= 0:
        raise BoardError(f"{where}: board '{name}': expected ps in {PS_KINDS}, clock_mhz > 0 and positive "
                         f"capacities, got ps={board.ps!r} clock_mhz={board.clock_mhz} capacity={board.capacity}")
    return board


def load(path: str | Path = BOARDS_PATH) -> tuple[dict[str, Board], str]:
    """All boards of ``path`` and the default board's name."""
    path = Path(path)
    spec = json.loads(path.read_text())
    boards = {n: _parse(n, r, path) for n, r in spec["boards"].items()}
    if spec["default"] not in boards:
        raise BoardError(f"{path}: default board '{spec['default']}' is not among {', '.join(boards)}")
    return boards, spec["default"]


BOARDS, DEFAULT_BOARD = load()


def get_board(name: str | None = None) -> Board:
    """The board called ``name`` (None: the default) or one :class:`BoardError` line listing the known ones."""
    try:
        return BOARDS[name or DEFAULT_BOARD]
    except KeyError:
        raise BoardError(f"unknown target '{name}': expected one of {', '.join(BOARDS)}") from None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if args == ["list"]:
            print("\n".join(BOARDS))
        elif len(args) == 2 and args[0] == "check":
            get_board(args[1])
        elif len(args) in (1, 2) and args[0] in ("show", "tcl"):
            b = get_board(args[1] if len(args) == 2 else None)
            print(b.tcl() if args[0] == "tcl" else json.dumps(b.__dict__, indent=1), end="" if args[0] == "tcl"
                  else "\n")
        else:
            raise BoardError(f"usage: python -m bwsnn.boards list | show [NAME] | tcl [NAME] | check NAME, got "
                             f"{' '.join(args)!r}")
    except BoardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
