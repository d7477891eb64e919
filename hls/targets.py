"""Build targets: one line each. ``board`` is hls4ml's VivadoAccelerator board (PS + AXI DMA block design,
PYNQ driver); targets without one get the HLS project, C-sim and IP only."""
from __future__ import annotations

from dataclasses import dataclass


class TargetError(ValueError):
    """An unknown target name."""


@dataclass(frozen=True)
class Target:
    name: str
    part: str
    clock_mhz: float
    board: str | None

    @property
    def clock_period_ns(self) -> float:
        return 1000.0 / self.clock_mhz


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("pynq-z2", "xc7z020clg400-1", 100.0, "pynq-z2"),
    Target("zcu102", "xczu9eg-ffvb1156-2-e", 100.0, "zcu102"),
    Target("zcu104", "xczu7ev-ffvc1156-2-e", 100.0, None),
    Target("ultra96", "xczu3eg-sbva484-1-e", 100.0, None),
)}


def get_target(name: str) -> Target:
    """The target called ``name`` or one :class:`TargetError` line listing the known ones."""
    try:
        return TARGETS[name]
    except KeyError:
        raise TargetError(f"unknown target '{name}': expected one of {', '.join(TARGETS)}") from None
