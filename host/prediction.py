"""What a batch through any backend returns: classes, scores and the timing figures."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Prediction:
    classes: np.ndarray  # int64 (N,)
    scores: np.ndarray  # int64 (N, C): output membranes after the last time step
    seconds: float  # host wall time of the batch
    cycles: np.ndarray | None = None  # int64 CYCLES_LAST after each DMA transfer (hardware backends; the first
    # transfer holds one image on an idle engine)
    clock_hz: float | None = None
    board_seconds: float | None = None  # the batch on the board: wall time on pynq, simulated time on sim
    stats: dict[str, Any] = field(default_factory=dict)  # backend figures: op counts, host/sim timing
    backend: str = ""  # which backend produced it (pynq, sim, golden): host.accelerator.Accelerator sets it

    @property
    def images_per_s(self) -> float:
        """Throughput of the (simulated) board, or of the golden model on this host."""
        t = self.seconds if self.board_seconds is None else self.board_seconds
        return len(self.classes) / t if t > 0 else float("inf")

    @property
    def latency_s(self) -> float | None:
        """Hardware latency of one image on an idle accelerator; None without hardware.

        The smallest CYCLES_LAST of the batch: the first transfer's one image meets an idle engine, later
        ones also count the time they wait in the input behind the image before (the driver keeps it fed).
        """
        if self.cycles is None or not len(self.cycles) or not self.clock_hz:
            return None
        return float(np.min(self.cycles)) / self.clock_hz

    def accuracy(self, labels: np.ndarray) -> float:
        return float(np.mean(self.classes == np.asarray(labels))) if len(self.classes) else float("nan")
