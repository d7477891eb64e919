"""Training-time augmentation on batches of flattened uint8 images, greyscale (H, W) or channels-last (H, W, C):
whole-image operations, every channel of a pixel moved together."""
from __future__ import annotations

import torch


def _hwc(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """(H, W, C) of an image shape: greyscale (H, W) is (H, W, 1)."""
    return (*shape, 1) if len(shape) == 2 else tuple(shape)  # type: ignore[return-value]


def random_shift(pixels: torch.Tensor, shape: tuple[int, ...], max_shift: int) -> torch.Tensor:
    """Translate each (flattened) image by up to max_shift pixels in x and y, zero-filled: with a padding of
    max_shift, the random crop of the CIFAR recipes."""
    if max_shift <= 0:
        return pixels
    h, w, c = _hwc(shape)
    pad = torch.nn.functional.pad(pixels.view(-1, h, w, c), [0, 0] + [max_shift] * 4)
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, len(pixels)))
    rows = (dy[:, None] + torch.arange(h)[None])[:, :, None].expand(-1, h, w)
    cols = (dx[:, None] + torch.arange(w)[None])[:, None, :].expand(-1, h, w)
    idx = torch.arange(len(pixels))[:, None, None].expand(-1, h, w)
    return pad[idx, rows, cols].reshape(len(pixels), h * w * c)


def random_flip(pixels: torch.Tensor, shape: tuple[int, ...], enabled: bool) -> torch.Tensor:
    """Mirror each (flattened) image left-right with probability 1/2 (natural images and clothes; never digits)."""
    if not enabled:
        return pixels
    h, w, c = _hwc(shape)
    images = pixels.view(-1, h, w, c)
    flip = torch.rand(len(pixels)) < 0.5
    return torch.where(flip[:, None, None, None], images.flip(2), images).reshape(len(pixels), h * w * c)


def augment(pixels: torch.Tensor, shape: tuple[int, ...], shift: int, flip: bool) -> torch.Tensor:
    """The training step's augmentation: a random shift (crop), then a random horizontal flip."""
    return random_flip(random_shift(pixels, shape, shift), shape, flip)
