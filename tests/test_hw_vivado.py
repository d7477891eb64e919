"""hw/vivado: the overlay build script, checked without Vivado.

tclsh runs build.tcl with every Vivado command stubbed and recorded, so argument handling and the Tcl itself
execute for both accelerator kinds and both PS types (the PYNQ-Z2's PS7, the ZCU104's PS8); the recorded calls
must name the board record's part, clock and board part, the DMA and the accelerator's interfaces. Missing board
files stop it with one line. The wrapper must skip cleanly (one line, exit 0) where Vivado is missing.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bwsnn.boards import get_board
from bwsnn.cost import LUT_SHARE
from bwsnn.design import beside
from bwsnn.design import load as load_design
from bwsnn.random_artifact import random_artifact
from bwsnn.regmap import REGMAP

ROOT = Path(__file__).resolve().parents[1]
TCL = ROOT / "hw" / "vivado" / "build.tcl"
STUBS = r"""
set ::calls {}
proc unknown {args} { lappend ::calls $args; return "" }
proc get_property {name args} { lappend ::calls [list get_property $name {*}$args]
    if {$name eq "PROGRESS"} { return 100% }; return "" }
proc get_files {args} { lappend ::calls [list get_files {*}$args]; return $::fake_bd }
proc get_board_parts {args} { return $::fake_board_parts }
proc get_bd_intf_pins {args} { return [lindex $args end] }
proc get_bd_pins {args} { return [lindex $args end] }
"""


INSTALLED = "tul.com.tw:pynq-z2:part0:1.0 xilinx.com:zcu104:part0:1.0 xilinx.com:zcu104:part0:1.1"


def script(tmp: Path, args: tuple[str, ...], board: str = "pynq-z2", installed: str = INSTALLED) -> str:
    (tmp / "board.tcl").write_text(get_board(board).tcl())
    return (STUBS + f"set ::fake_board_parts {{{installed}}}\n"
            + "set argv [list " + " ".join(f"{{{a}}}" for a in (f"board={tmp / 'board.tcl'}", *args)) + "]\n"
            + f"source {{{TCL}}}\n")


def run_stubbed(tmp: Path, *args: str, board: str = "pynq-z2") -> list[str]:
    out = tmp / "out"
    for f in ("proj/bwsnn.runs/impl_1/bwsnn_wrapper.bit", "proj/bwsnn.gen/sources_1/bd/bwsnn/hw_handoff/bwsnn.hwh",
              "bd/hdl/bwsnn_wrapper.v"):
        (out / f).parent.mkdir(parents=True, exist_ok=True)
        (out / f).write_text("")
    r = tclsh(tmp, f"set ::fake_bd {out / 'bd' / 'bwsnn.bd'}\n" + script(tmp, (*args, f"out={out}"), board)
              + "foreach c $::calls { puts $c }\n")
    assert r.returncode == 0, r.stderr
    assert (out / "bwsnn.bit").exists() and (out / "bwsnn.hwh").exists()
    return r.stdout.splitlines()


def tclsh(tmp: Path, script: str) -> subprocess.CompletedProcess:
    (tmp / "run.tcl").write_text(script)  # from a file: tclsh exits non-zero on an error
    return subprocess.run(["tclsh", str(tmp / "run.tcl")], capture_output=True, text=True)


def has(calls: list[str], *words: str) -> bool:
    return any(all(w in c for w in words) for c in calls)


needs_tclsh = pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh not installed (apt package tcl)")


@needs_tclsh
def test_rtl_kind(tmp_path: Path) -> None:
    params = tmp_path / "params"
    params.mkdir()
    for f in ("bwsnn_params.vh", "bwsnn_regmap.vh", "weights.mem"):
        (params / f).write_text("")
    (params / "bwsnn.design.json").write_text('{"design_id": "0x1"}')
    calls = run_stubbed(tmp_path, "kind=rtl", f"params={params}")
    # the record travels next to the .bit / .hwh, as the host looks for it (bwsnn.design.beside)
    assert (tmp_path / "out" / "bwsnn.design.json").read_text() == '{"design_id": "0x1"}'
    assert beside(tmp_path / "out" / "bwsnn.bit") == tmp_path / "out" / "bwsnn.design.json"
    assert has(calls, "create_project", "bwsnn", "-part xc7z020clg400-1")
    assert has(calls, "ipx::package_project")
    assert has(calls, "set_property file_type SystemVerilog")
    for busif in ("s_axil", "s_axis", "m_axis"):
        assert has(calls, "ipx::associate_bus_interfaces", f"-busif {busif}", "-clock clk")
    assert has(calls, "set_property", "board_part", "tul.com.tw:pynq-z2:part0:1.0")
    assert has(calls, "processing_system7", "ps7")
    assert has(calls, "CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 100")
    assert has(calls, "create_bd_cell", "bwsnn:accel:bwsnn_top:1.0", "bwsnn_0")
    assert has(calls, "connect_bd_intf_net", "dma/M_AXIS_MM2S", "bwsnn_0/s_axis")
    assert has(calls, "connect_bd_intf_net", "bwsnn_0/m_axis", "dma/S_AXIS_S2MM")
    assert has(calls, "apply_bd_automation", "M_AXI_GP0", "bwsnn_0/s_axil")
    assert has(calls, "connect_bd_net", "ps7/FCLK_CLK0", "bwsnn_0/clk")
    assert has(calls, "connect_bd_net", "peripheral_aresetn", "bwsnn_0/rst_n")
    assert has(calls, "launch_runs impl_1 -to_step write_bitstream")


@needs_tclsh
def test_hls_kind(tmp_path: Path) -> None:
    calls = run_stubbed(tmp_path, "kind=hls", f"ip_repo={tmp_path}", "vlnv=x:hls:top:1.0", "s_axil=s_axi_control",
                        "s_axis=in_r", "m_axis=out_r", "clk=ap_clk")
    assert not has(calls, "ipx::package_project")
    assert has(calls, "create_bd_cell", "x:hls:top:1.0")
    assert has(calls, "connect_bd_intf_net", "bwsnn_0/in_r")
    assert has(calls, "apply_bd_automation", "bwsnn_0/s_axi_control")


@needs_tclsh
def test_hls_kind_without_axi_lite(tmp_path: Path) -> None:
    """The hls4ml IP (hls/flow.py's arguments): no AXI-Lite slave, reset pin ap_rst_n."""
    calls = run_stubbed(tmp_path, "kind=hls", f"ip_repo={tmp_path}", "vlnv=x:hls:top:1.0", "s_axil=",
                        "s_axis=in_r", "m_axis=out_r", "clk=ap_clk", "rst=ap_rst_n")
    assert has(calls, "apply_bd_automation", "M_AXI_GP0", "dma/S_AXI_LITE")
    assert not has(calls, "apply_bd_automation", "M_AXI_GP0", "bwsnn_0/")
    assert has(calls, "connect_bd_net", "bwsnn_0/ap_rst_n")


@needs_tclsh
def test_ultrascale_ps8_branch(tmp_path: Path) -> None:
    """The ZCU104's record: zynq_ultra_ps_e with its preset, HPM0_FPD -> AXI-Lite, DMA -> HP0_FPD, pl_clk0 at
    the record's clock, the newest installed board part."""
    board = get_board("zcu104")
    calls = run_stubbed(tmp_path, "kind=hls", f"ip_repo={tmp_path}", "vlnv=x:hls:top:1.0", "s_axil=",
                        "s_axis=in_r", "m_axis=out_r", "clk=ap_clk", "rst=ap_rst_n", board="zcu104")
    assert board.ps == "ps8" and has(calls, "create_project", "bwsnn", f"-part {board.part}")
    assert has(calls, "set_property", "board_part", "xilinx.com:zcu104:part0:1.1")
    assert has(calls, "zynq_ultra_ps_e", "ps8") and not has(calls, "processing_system7")
    assert has(calls, "bd_rule:zynq_ultra_ps_e", "apply_board_preset")
    assert has(calls, f"CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ {board.clock_mhz:g}", "CONFIG.PSU__USE__S_AXI_GP2 1",
               "CONFIG.PSU__USE__M_AXI_GP1 0")
    assert has(calls, "apply_bd_automation", "/ps8/M_AXI_HPM0_FPD", "dma/S_AXI_LITE")
    for master in ("dma/M_AXI_MM2S", "dma/M_AXI_S2MM"):
        assert has(calls, "apply_bd_automation", "/ps8/S_AXI_HP0_FPD", "Clk_master /ps8/pl_clk0", master)
    assert has(calls, "connect_bd_net", "ps8/pl_clk0", "bwsnn_0/ap_clk")


@needs_tclsh
@pytest.mark.parametrize("board", ["pynq-z2", "zcu104"])
def test_missing_board_files_stop_with_one_line(tmp_path: Path, board: str) -> None:
    r = tclsh(tmp_path, script(tmp_path, ("kind=hls", f"ip_repo={tmp_path}", "vlnv=x:y:z:1.0", f"out={tmp_path}"),
                               board, installed="xilinx.com:zcu102:part0:3.4"))
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1
    assert f"no Vivado board files for {board}" in r.stderr and "Vivado 2022.1" in r.stderr
    assert not (tmp_path / "pkg").exists() and "create_project" not in r.stdout


@needs_tclsh
def test_rtl_kind_without_a_design_record_stops_with_one_line(tmp_path: Path) -> None:
    params = tmp_path / "params"
    params.mkdir()
    (params / "bwsnn_params.vh").write_text("")
    r = tclsh(tmp_path, script(tmp_path, ("kind=rtl", f"params={params}", f"out={tmp_path / 'out'}")))
    assert r.returncode != 0 and "bwsnn.design.json: no design record" in r.stderr
    assert "create_project" not in r.stdout


@needs_tclsh
def test_bad_argument_is_one_error(tmp_path: Path) -> None:
    r = tclsh(tmp_path, script(tmp_path, ("kind=vhdl", f"out={tmp_path}")))
    assert r.returncode != 0 and "kind must be rtl or hls" in r.stderr


def test_wrapper_skips_without_vivado(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    assert shutil.which("vivado", path=env["PATH"]) is None
    r = subprocess.run([str(ROOT / "hw" / "vivado" / "build.sh")], capture_output=True, text=True, env=env)
    assert r.returncode == 0
    assert r.stdout.splitlines() == [r.stdout.strip()] and "skipped" in r.stdout and "vivado" in r.stdout


@needs_tclsh
@pytest.mark.parametrize("board", ["pynq-z2", "zcu104"])
def test_dma_memory_maps_are_as_wide_as_their_streams(tmp_path: Path, board: str) -> None:
    """PG022: a stream wider than its memory map is not a valid AXI DMA (the memory map defaults to 32 bits);
    the MM2S stream carries the regmap's 64-bit beats."""
    calls = run_stubbed(tmp_path, "kind=hls", f"ip_repo={tmp_path}", "vlnv=x:hls:top:1.0", "s_axil=", board=board)
    (dma,) = [c for c in calls if c.startswith("set_property") and "c_m_axis_mm2s_tdata_width" in c]
    cfg = dict(re.findall(r"CONFIG\.(\w+) (\S+)", dma))
    assert int(cfg["c_m_axis_mm2s_tdata_width"]) == REGMAP.in_bits
    for side, stream in (("mm2s", "c_m_axis_mm2s_tdata_width"), ("s2mm", "c_s_axis_s2mm_tdata_width")):
        assert int(cfg[f"c_m_axi_{side}_data_width"]) >= int(cfg[stream]), cfg


@needs_tclsh
@pytest.mark.parametrize("board,folder", [("pynq-z2", "Pynq-Z2"), ("zcu104", "ZCU104")])
def test_bitstream_delivered_to_the_boards_folder(tmp_path: Path, board: str, folder: str) -> None:
    """deliver=DIR: the .bit + .hwh also land in DIR/<PYNQ board name>/, where host.bitstreams.find looks."""
    run_stubbed(tmp_path, "kind=hls", f"ip_repo={tmp_path}", "vlnv=x:hls:top:1.0", f"deliver={tmp_path / 'd'}",
                board=board)
    assert sorted(p.name for p in (tmp_path / "d" / folder).iterdir()) == ["bwsnn.bit", "bwsnn.hwh"]
    assert get_board(board).pynq_board == folder


def test_wrapper_refuses_an_unknown_board_first(tmp_path: Path) -> None:
    """Before the Vivado check: `make bitstream TARGET=zcu999` must not say it skipped."""
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    r = subprocess.run([str(ROOT / "hw" / "vivado" / "build.sh"), "target=zcu999"], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines() == ["error: unknown target 'zcu999': expected one of pynq-z2, zcu104, zcu102, "
                                     "ultra96-v2"]


@pytest.mark.parametrize("board", ["pynq-z2", "zcu104"])
def test_wrapper_plans_for_the_target_board(tmp_path: Path, board: str) -> None:
    """build.sh with a stand-in vivado on PATH: hw.gen plans the design for target=BOARD at cycles=N (the
    record says so), and Vivado is handed the board's variables and the generated params folder."""
    art = random_artifact((64, 128, 128, 10), seed=1)
    art.save(tmp_path / "m.bwsnn.npz")
    (tmp_path / "bin").mkdir()
    fake = tmp_path / "bin" / "vivado"
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "vivado.args"}\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "BWSNN_BUILD": str(tmp_path / "b")}
    r = subprocess.run([str(ROOT / "hw" / "vivado" / "build.sh"), str(tmp_path / "m.bwsnn.npz"), f"target={board}",
                        "cycles=64", f"deliver={tmp_path / 'd'}"], capture_output=True, text=True, env=env,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    design = load_design(tmp_path / "b" / "hw" / "params" / "bwsnn.design.json")
    cap = get_board(board).capacity
    assert design.board == board and design.target_cycles == 64 and design.budget["lut"] == LUT_SHARE * cap["lut"]
    args = (tmp_path / "vivado.args").read_text()
    assert f"params={tmp_path / 'b' / 'hw' / 'params'}" in args and f"board-{board}.tcl" in args
    assert f"set part {{{get_board(board).part}}}" in (tmp_path / "b" / "hw" / f"board-{board}.tcl").read_text()
    assert (tmp_path / "d" / get_board(board).pynq_board / "model.bwsnn.npz").is_file()
