"""Where generated files go: ``$BWSNN_BUILD`` (the Makefile's ``BUILD=``), else ``build`` in the working
directory. Every default output path of every tool derives from :func:`build_dir`, so ``BUILD=/tmp/x make ...``
writes under /tmp/x only."""
from __future__ import annotations

import os
from pathlib import Path


def build_dir(*parts: str) -> Path:
    return Path(os.environ.get("BWSNN_BUILD") or "build", *parts)


#: The trained models that ship with the code (``<name>.bwsnn.npz`` + its training report ``<name>.json``).
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
