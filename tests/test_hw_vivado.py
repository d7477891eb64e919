"""hw/vivado: the PYNQ-Z2 build script, checked without Vivado.

tclsh runs build.tcl with every Vivado command stubbed and recorded, so argument handling and the Tcl itself
execute for both accelerator kinds; the recorded calls must name the part, the 100 MHz clock, the DMA and
the accelerator's interfaces. The wrapper must skip cleanly (one line, exit 0) where Vivado is missing.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TCL = ROOT / "hw" / "vivado" / "build.tcl"
STUBS = r"""
set ::calls {}
proc unknown {args} { lappend ::calls $args; return "" }
proc get_property {name args} { lappend ::calls [list get_property $name {*}$args]
    if {$name eq "PROGRESS"} { return 100% }; return "" }
proc get_files {args} { lappend ::calls [list get_files {*}$args]; return $::fake_bd }
proc get_board_parts {args} { return {tul.com.tw:pynq-z2:part0:1.0} }
proc get_bd_intf_pins {args} { return [lindex $args end] }
proc get_bd_pins {args} { return [lindex $args end] }
"""


def run_stubbed(tmp: Path, *args: str) -> list[str]:
    out = tmp / "out"
    for f in ("proj/bwsnn.runs/impl_1/bwsnn_wrapper.bit", "proj/bwsnn.gen/sources_1/bd/bwsnn/hw_handoff/bwsnn.hwh",
              "bd/hdl/bwsnn_wrapper.v"):
        (out / f).parent.mkdir(parents=True, exist_ok=True)
        (out / f).write_text("")
    script = (STUBS + f"set ::fake_bd {out / 'bd' / 'bwsnn.bd'}\n"
              + "set argv [list " + " ".join(f"{{{a}}}" for a in (*args, f"out={out}")) + "]\n"
              + f"source {{{TCL}}}\nforeach c $::calls {{ puts $c }}\n")
    r = tclsh(tmp, script)
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
    calls = run_stubbed(tmp_path, "kind=rtl", f"params={params}")
    assert has(calls, "create_project", "bwsnn", "-part xc7z020clg400-1")
    assert has(calls, "ipx::package_project")
    assert has(calls, "set_property file_type SystemVerilog")
    for busif in ("s_axil", "s_axis", "m_axis"):
        assert has(calls, "ipx::associate_bus_interfaces", f"-busif {busif}", "-clock clk")
    assert has(calls, "set_property", "board_part", "pynq-z2")
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
def test_bad_argument_is_one_error(tmp_path: Path) -> None:
    r = tclsh(tmp_path, STUBS + f"set argv {{kind=vhdl out={tmp_path}}}\nsource {{{TCL}}}\n")
    assert r.returncode != 0 and "kind must be rtl or hls" in r.stderr


def test_wrapper_skips_without_vivado(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    assert shutil.which("vivado", path=env["PATH"]) is None
    r = subprocess.run([str(ROOT / "hw" / "vivado" / "build.sh")], capture_output=True, text=True, env=env)
    assert r.returncode == 0
    assert r.stdout.splitlines() == [r.stdout.strip()] and "skipped" in r.stdout and "vivado" in r.stdout
