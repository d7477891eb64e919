"""``--threads N``: one limit for every CPU thread pool a run uses, torch's and the BLAS that numpy calls (the
golden model's products when a run is packaged). OpenBLAS left at its default spins one thread per core: on a
machine whose other cores are busy (a second training, a test run) the golden model then runs 9x slower
(20 CIFAR-sized images: 5.9 s against 0.67 s with one thread, measured beside two busy processes on 2 cores)."""
from __future__ import annotations

import torch
from threadpoolctl import threadpool_limits


def use_threads(n: int) -> None:
    """At most ``n`` threads for torch and for every BLAS / OpenMP pool loaded, for the rest of the process."""
    torch.set_num_threads(n)
    threadpool_limits(limits=n)
