"""Every module of the flow imports (a name moved between modules fails here, not in a user's first run of a
tool no other test calls), but the board overlay, which needs pynq."""
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bwsnn", "hw", "sim", "training", "host", "flow", "hls")
NEEDS_PYNQ = {"host.overlay"}  # tests/test_host_pynq.py imports it against tests/fake_pynq.py
MODULES = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for pkg in PACKAGES
                 for p in (ROOT / pkg).rglob("*.py") if p.name != "__main__.py")


@pytest.mark.parametrize("module", [m for m in MODULES if m not in NEEDS_PYNQ])
def test_the_module_imports(module: str) -> None:
    importlib.import_module(module)
