"""The host's error types: each carries one line that the CLI prints as ``error: <line>``."""
from __future__ import annotations


class HostError(RuntimeError):
    """Base of every host-side failure with a one-line, user-facing message."""


class BitstreamError(HostError):
    """Missing or unusable bitstream / .hwh, or an overlay without the accelerator or the AXI DMA."""


class MismatchError(HostError):
    """The artifact or design record does not fit the bitstream (ID, DESIGN_ID, N_IN, N_CLASSES, T or
    PARAM_WORDS differ, or the artifact is not the record's shape)."""


class DmaTimeout(HostError):
    """A DMA transfer did not finish within the time-out."""


class DmaError(HostError):
    """The DMA engine reported an error or moved the wrong number of bytes."""


class AcceleratorError(HostError):
    """The accelerator flagged an error or did not complete every image it was sent."""


class DataError(HostError):
    """A malformed test-data .npz file."""


def first_line(e: BaseException) -> str:
    """``Type: first line of the message``: a foreign exception (pynq's) as part of one error line."""
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0] if lines else ''}"
