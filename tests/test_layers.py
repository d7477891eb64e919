"""The tree's layers, read from the source: imports run one way (contract <- backends <- flow) and never in a
circle. Read with ``ast`` (every import, at module level or inside a function), so nothing runs."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bwsnn", "training", "hls", "hw", "host", "sim", "flow")
# package -> the project packages it may import (besides itself)
ALLOWED = {
    "bwsnn": set(),  # the contract: numpy only
    "training": {"bwsnn"},
    "hls": {"bwsnn"},
    "hw": {"bwsnn"},
    "host": {"bwsnn"},  # the board has neither torch nor simulators
    "sim": {"bwsnn", "hw", "host"},  # the RTL's benches, and the simulated board the host driver runs on
    "flow": set(PACKAGES),
}
# third-party packages the board-side code may import at module level
# (pynq: host.overlay's pynq.Overlay subclass, which host/__init__ imports only when asked for)
BOARD_THIRD_PARTY = {"bwsnn": {"numpy"}, "host": {"numpy", "tqdm", "pynq"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, package: str | None = None) -> list[tuple[str, bool]]:
    """(imported module, at module level) for every import statement of the file; relative imports resolved
    against ``package`` (the file's package; default: from its place under ROOT)."""
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module
            if node.level:  # host/ imports itself relatively (the board wheel installs it as bwsnn_host)
                pkg = (package or module_name(path.parent)).split(".")
                module = ".".join(pkg[:len(pkg) - node.level + 1] + ([module] if module else []))
            # `from pkg import mod` may name a submodule: count both
            found.append((module, id(node) in top))
            found += [(f"{module}.{a.name}", id(node) in top) for a in node.names]
    return found


def project_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}
    for mod, path in files.items():
        for name, _ in imports(path):
            if name in files and name != mod:
                graph[mod].add(name)
    return graph


def test_no_import_cycles_between_modules() -> None:
    graph = project_graph()
    state: dict[str, int] = {}  # 1 = on the DFS stack, 2 = done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (cycle := visit(n)):
                return cycle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            assert cycle is None, " -> ".join(cycle)


def test_imports_run_one_way() -> None:
    bad = []
    for mod, deps in project_graph().items():
        pkg = mod.split(".")[0]
        bad += [f"{mod} imports {d}" for d in deps if d.split(".")[0] not in ALLOWED[pkg] | {pkg}]
    assert not bad, "\n".join(bad)


def test_board_side_imports_only_numpy_at_module_level() -> None:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    bad = []
    for pkg, allowed in BOARD_THIRD_PARTY.items():
        for path in (ROOT / pkg).rglob("*.py"):
            for name, at_top in imports(path):
                root = name.split(".")[0]
                if at_top and root not in stdlib | allowed | set(PACKAGES):
                    bad.append(f"{module_name(path)} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_checker_sees_imports_inside_functions(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("import os\n\ndef g():\n    from sim import rtl_build\n")
    assert imports(f) == [("os", True), ("sim", False), ("sim.rtl_build", False)]
    f.write_text("from . import data\nfrom .errors import E\n")
    assert imports(f, "host") == [("host", True), ("host.data", True), ("host.errors", True), ("host.errors.E", True)]
