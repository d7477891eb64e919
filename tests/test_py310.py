"""The board side (bwsnn/ and host/: what the board wheel installs) runs on Python 3.10, the PYNQ 3.x images'
Python: vermin's static minimum-version check over it, as the suite runs on 3.11. ruff's py310 target for
those folders (pyproject.toml's per-file-target-version) covers the syntax; vermin also the standard library
(tomllib, typing.Self, datetime.UTC, ExceptionGroup...)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("vermin")  # the dev extra pins it


def vermin(*paths: Path) -> subprocess.CompletedProcess:
    args = ["-t=3.10-", "--no-tips", "--violations", "--no-parse-comments", *map(str, paths)]
    return subprocess.run([sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())", *args],
                          capture_output=True, text=True, timeout=300)


def test_board_side_runs_on_python_3_10() -> None:
    r = vermin(ROOT / "bwsnn", ROOT / "host")
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_check_sees_a_python_3_11_module(tmp_path: Path) -> None:
    """The guard bites: host/errors.py with a 3.11 module is refused (vermin names it)."""
    shutil.copyfile(ROOT / "host" / "errors.py", tmp_path / "errors.py")
    with open(tmp_path / "errors.py", "a") as f:
        f.write("\nimport tomllib  # 3.11\n")
    r = vermin(tmp_path)
    assert r.returncode != 0 and "tomllib" in r.stdout, r.stdout + r.stderr
