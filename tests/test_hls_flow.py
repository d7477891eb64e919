"""Targets, one-line errors and the generated TCL / AXI top (no compiler, no vendor tools needed)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bwsnn.boards import BOARDS, BoardError, get_board
from bwsnn.random_artifact import random_artifact
from hls.axi import regmap_streams
from hls.convert import PROJECT, convert
from hls.flow import FlowError, vendor_hls


def test_target_table() -> None:
    assert get_board("pynq-z2").part == "xc7z020clg400-1"
    assert get_board("pynq-z2").clock_period_ns == 10.0
    for t in BOARDS.values():
        assert t.part and t.clock_mhz > 0
    with pytest.raises(BoardError, match="unknown target 'nope': expected one of pynq-z2, zcu104"):
        get_board("nope")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hls.flow", *args], capture_output=True, text=True)


@pytest.mark.parametrize("args, message", [
    (("--target", "de10"), "error: unknown target 'de10'"),
    (("--artifact", "/nonexistent/m.bwsnn.npz"), "error: /nonexistent/m.bwsnn.npz: no such file"),
])
def test_cli_errors_are_one_line(args, message, tmp_path) -> None:
    r = _cli(*args, "--out", str(tmp_path))
    assert r.returncode == 2
    assert r.stderr.startswith(message) and r.stderr.count("\n") == 1


def test_cli_corrupt_artifact(tmp_path) -> None:
    path = tmp_path / "bad.bwsnn.npz"
    random_artifact(seed=0).save(path)
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data[: len(data) // 2]))  # truncated
    r = _cli("--artifact", str(path), "--out", str(tmp_path / "hls"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "not an .npz archive: truncated or corrupt zip" in r.stderr


@pytest.fixture(scope="module")
def written_model(tmp_path_factory):
    prj = tmp_path_factory.mktemp("tcl") / "pynq-z2"
    model = convert(random_artifact(sizes=(64, 16, 10), seed=1), get_board("pynq-z2"), prj)
    model.write()
    return model


@pytest.fixture(scope="module")
def written(written_model) -> Path:
    return Path(written_model.config.get_output_dir())


def test_tcl_part_clock_ports(written) -> None:
    in_bits, _, out_bits = regmap_streams()
    project = (written / "project.tcl").read_text()
    assert 'set part "xc7z020clg400-1"' in project
    assert re.search(r"set clock_period 10(\.0)?\n", project)
    # the DMA's stream widths are the regmap's (hls4ml 1.3.0 swaps them; the writer pass fixes that)
    assert f"set bit_width_hls_input {in_bits}\n" in project and f"set bit_width_hls_output {out_bits}\n" in project
    design = (written / "design.tcl").read_text()
    assert "-part xc7z020clg400-1" in design and "processing_system7" in design and "axi_dma" in design
    assert "FCLK_CLK0 (100 MHz)" in design and "Freq {100}" in design
    assert "[get_bd_intf_pins axi_dma_0/M_AXIS_MM2S] [get_bd_intf_pins ${project_name}_axi_0/in_r]" in design
    assert "[get_bd_intf_pins ${project_name}_axi_0/out_r] [get_bd_intf_pins axi_dma_0/S_AXIS_S2MM]" in design
    assert "set_top ${project_name}_axi\n" in (written / "build_prj.tcl").read_text()  # the stream top
    assert not (written / "axi_stream_driver.py").exists()  # hls4ml's driver does not speak the regmap packing


def test_boardless_target_part(tmp_path) -> None:
    """Targets without a VivadoAccelerator board get the HLS project for their own part and clock."""
    t = get_board("zcu104")
    convert(random_artifact(sizes=(64, 16, 10), seed=1), t, tmp_path).write()
    project = (tmp_path / "project.tcl").read_text()
    assert f'set part "{t.part}"' in project and re.search(r"set clock_period 10(\.0)?\n", project)


def test_axi_top_matches_regmap(written) -> None:
    in_bits, ppb, out_bits = regmap_streams()
    header = (written / "firmware" / f"{PROJECT}_axi.h").read_text()
    top = (written / "firmware" / f"{PROJECT}_axi.cpp").read_text()
    assert f"ap_axiu<{in_bits}, 0, 0, 0> bwsnn_in_beat" in header
    assert f"ap_axiu<{out_bits}, 0, 0, 0> bwsnn_out_beat" in header
    assert "N_BEATS = 8;" in header and "N_WORDS = 11;" in header  # 64 pixels / 8 per beat; class + 10
    assert "#pragma HLS INTERFACE axis port=in" in top and "#pragma HLS INTERFACE axis port=out" in top
    assert f"for (unsigned k = 0; k < {ppb}; k++)" in top and "word.last = last && i == N_WORDS - 1;" in top


def test_failed_vendor_run_is_an_error(written_model, written, tmp_path, monkeypatch) -> None:
    """A vivado_hls that produces no report must fail the flow, never pass as synthesised."""
    fake = tmp_path / "vivado_hls"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    with pytest.raises(FlowError, match="no C-synthesis report after the vendor run"):
        vendor_hls(written_model, written)


def test_bitstream_uses_hw_vivado_interface(written, tmp_path, monkeypatch) -> None:
    """The bitstream step calls hw/vivado with keys its build.tcl accepts and the HLS IP's real names."""
    from hls import flow

    tcl = flow.HW_VIVADO / "build.tcl"
    if not tcl.exists():
        pytest.skip("hw/vivado/build.tcl is not there")
    opts = re.search(r"array set opt \[list (.*?)\]", tcl.read_text(), re.S).group(1).replace("\\\n", " ")
    keys = set(opts.split()[::2])
    prj = tmp_path / "pynq-z2"
    shutil.copytree(written, prj)
    (prj / f"{PROJECT}_prj" / "solution1" / "impl" / "ip").mkdir(parents=True)  # as if exported
    calls = []
    monkeypatch.setattr(flow.shutil, "which", lambda name: f"/opt/{name}")
    monkeypatch.setattr(flow.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    flow.vendor_bitstream(get_board("pynq-z2"), prj, "a.bwsnn.npz")
    (cmd,) = calls
    assert cmd[0] == str(flow.HW_VIVADO / "build.sh") and cmd[1] == "a.bwsnn.npz"
    args = dict(a.split("=", 1) for a in cmd[2:])
    # target= is build.sh's own (it writes the board's Tcl variables and passes board=FILE)
    assert set(args) <= keys | {"target"} and args["kind"] == "hls" and args["target"] == "pynq-z2"
    # the same IP name hls4ml's own block design instantiates, and the ports it connects to the DMA
    design = (prj / "design.tcl").read_text()
    assert args["vlnv"].replace(PROJECT, "${project_name}") in design
    assert f"_axi_0/{args['s_axis']}]" in design and f"_axi_0/{args['m_axis']}]" in design
    calls.clear()
    flow.vendor_bitstream(get_board("zcu104"), prj, "a.bwsnn.npz")
    assert "target=zcu104" in calls[0]
