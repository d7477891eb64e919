"""Where a run executes: one process (CPU or CUDA) or a torchrun/DDP job, and the shuffled batches it reads."""
from __future__ import annotations

import os

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


class Dist:
    """torchrun/DDP context; a no-op in a single process."""

    def __init__(self, device: str) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if device == "auto":
            device = f"cuda:{local}" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if self.world > 1:
            torch.distributed.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
            if self.device.type == "cuda":
                torch.cuda.set_device(self.device)

    @property
    def main(self) -> bool:
        return self.rank == 0

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        model = model.to(self.device)
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
        return model

    def loader(self, x: np.ndarray, y: np.ndarray, batch: int, seed: int):
        """Shuffled (images, labels) batches of uint8 / int64 tensors. One process: slices of one seeded
        permutation (the batches DataLoader(shuffle=True) with that generator gives, without its per-image
        indexing and collation); torchrun: DataLoader with a DistributedSampler."""
        if self.world > 1:
            ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
            sampler = DistributedSampler(ds, self.world, self.rank, shuffle=True, seed=seed)
            return DataLoader(ds, batch_size=batch, sampler=sampler)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        gen = torch.Generator().manual_seed(seed)
        torch.empty((), dtype=torch.int64).random_(generator=gen)  # DataLoader draws its base seed first
        perm = torch.randperm(len(x), generator=gen)
        return ((xt[idx], yt[idx]) for idx in perm.split(batch))


def unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if hasattr(model, "module") else model
