"""The ``--conv`` stack's shapes, checked before torch builds anything: the artifact's own sliding-window
arithmetic (:class:`bwsnn.artifact.Window`) and map limit, so a stack that trains also folds and saves."""
from __future__ import annotations

from bwsnn.artifact import Window
from bwsnn.limits import MAX_MAP

CONV = (3, 1, 1)  # kernel, stride, padding of a "c<N>" entry (training.model.SNNConfig)
POOL = (2, 2, 0)  # of a "p" entry


def stack_problem(stack: tuple[str, ...] | list[str], image: tuple[int, ...]) -> str | None:
    """Why ``stack`` (entries "c<N>" / "p") cannot run on images of ``image`` ((H, W) or (H, W, C)) shape, or
    None: a window larger than its (padded) input, a map below 1x1 or over the artifact's limit."""
    shape = tuple(image) if len(image) == 3 else (*image, 1)
    for i, entry in enumerate(stack):
        k, s, p = POOL if entry == "p" else CONV
        h, w, c = shape
        if min(h, w) + 2 * p < k:
            return (f"entry {i} ({entry!r}) needs a map of at least {k - 2 * p}x{k - 2 * p}, the stack "
                    f"{','.join(stack)} gives it {h}x{w} from the {image[0]}x{image[1]} images (pooled below 1x1)")
        oh, ow = Window(shape, k, s, p).out_hw
        shape = (oh, ow, c if entry == "p" else int(entry[1:]))
        if oh * ow * shape[2] > MAX_MAP:
            return (f"entry {i} ({entry!r}) makes a {oh}x{ow}x{shape[2]} map, the artifact holds at most "
                    f"{MAX_MAP} values per map")
    return None
