"""Training-time augmentation on uint8 image tensors."""
from __future__ import annotations

import torch


def random_shift(pixels: torch.Tensor, shape: tuple[int, int], max_shift: int) -> torch.Tensor:
    """Translate each (flattened) image by up to max_shift pixels in x and y, zero-filled."""
    if max_shift <= 0:
        return pixels
    h, w = shape
    pad = torch.nn.functional.pad(pixels.view(-1, 1, h, w), [max_shift] * 4)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, len(pixels)))
    rows = (dy[:, None] + torch.arange(h)[None])[:, :, None].expand(-1, h, w)
    cols = (dx[:, None] + torch.arange(w)[None])[:, None, :].expand(-1, h, w)
    idx = torch.arange(len(pixels))[:, None, None].expand(-1, h, w)
    return pad[idx, 0, rows, cols].reshape(len(pixels), h * w)
