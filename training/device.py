"""The ``--device`` check: a device torch knows and this machine has, before any work (torch itself only
fails when the first tensor moves there, with a traceback)."""
from __future__ import annotations

import torch

EXPECTED = "auto, cpu or cuda[:i]"


def problem(spec: str) -> str | None:
    """Why ``spec`` cannot be trained on here, or None when it can ("auto": CUDA if present, else the CPU)."""
    if spec == "auto":
        return None
    try:
        dev = torch.device(spec)
    except (RuntimeError, ValueError, TypeError):
        return f"expected {EXPECTED}, got {spec!r}"
    if dev.type == "cpu":
        return None if dev.index in (None, 0) else f"expected cpu (one CPU device), got {spec!r}"
    backend = getattr(torch, dev.type, None)
    available = getattr(backend, "is_available", None)
    if available is None or not available():
        return f"{spec!r}: no {dev.type} device here (torch {torch.__version__}); expected {EXPECTED}"
    count = backend.device_count() if hasattr(backend, "device_count") else 1
    if dev.index is not None and dev.index >= count:
        return f"{spec!r}: this machine has {count} {dev.type} device{'s' if count != 1 else ''} (0..{count - 1})"
    return None
