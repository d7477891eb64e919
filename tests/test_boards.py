"""bwsnn.boards: the one board record, its one-line errors and the Tcl variables the block design sources."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bwsnn import boards
from bwsnn.boards import BOARDS, RESOURCES, BoardError, get_board


def test_records_are_complete() -> None:
    z2 = get_board()
    assert z2.name == "pynq-z2" and z2.part == "xc7z020clg400-1" and z2.ps == "ps7" and z2.clock_hz == 100_000_000
    assert z2.capacity == {"lut": 53200, "ff": 106400, "bram36": 140, "dsp": 220, "lutram": 17400}
    assert any(b.ps == "ps8" and b.yosys_family == "xcup" for b in BOARDS.values())
    for b in BOARDS.values():
        assert set(b.capacity) == set(RESOURCES) and b.part and b.pynq_board


def test_budget_and_percent() -> None:
    z2 = get_board("pynq-z2")
    assert z2.budget(0.5)["lut"] == 26600 and z2.percent({"lut": 5320, "dsp": 22}) == {"lut_pct": 10.0, "dsp_pct": 10.0}
    with pytest.raises(BoardError, match=r"budget share must be in \(0, 1\], got 1.5"):
        z2.budget(1.5)


def test_tcl_variables() -> None:
    tcl = get_board("zcu104").tcl()
    assert "set part {xczu7ev-ffvc1156-2-e}\n" in tcl and "set ps {ps8}\n" in tcl and "set fclk_mhz {100}\n" in tcl


def test_unknown_and_bad_records(tmp_path: Path, capsys) -> None:
    with pytest.raises(BoardError, match="unknown target 'de10': expected one of pynq-z2, zcu104"):
        get_board("de10")
    assert boards.main(["tcl", "de10"]) == 2 and capsys.readouterr().err.startswith("error: unknown target 'de10'")
    spec = json.loads(boards.BOARDS_PATH.read_text())
    spec["boards"]["pynq-z2"]["ps"] = "ps9"
    (tmp_path / "b.json").write_text(json.dumps(spec))
    with pytest.raises(BoardError, match="board 'pynq-z2': expected ps in"):
        boards.load(tmp_path / "b.json")
    del spec["boards"]["pynq-z2"]["capacity"]
    (tmp_path / "b.json").write_text(json.dumps(spec))
    with pytest.raises(BoardError, match="board 'pynq-z2': missing or bad field 'capacity'"):
        boards.load(tmp_path / "b.json")
