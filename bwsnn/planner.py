"""The planner: the folding (PE x SIMD per layer) of an artifact's accelerator, picked once for a target
interval and a budget of LUTs and block RAM (:mod:`bwsnn.cost` estimates them).

FINN's SetFolding: the shortest interval, no shorter than the target, that fits the budget, each layer at its
smallest folding that meets it (:func:`_folds` enumerates a layer's candidates). The parameter image
(:mod:`bwsnn.params`) is laid out from the folding this module picks; numpy only, like it.
"""
from __future__ import annotations

import math

from bwsnn.artifact import AnyLayer, Artifact, Layer
from bwsnn.boards import get_board
from bwsnn.cost import Budget, cost_model_version, default_budget, estimate_bram36, estimate_luts, load_costs
from bwsnn.design import Design
from bwsnn.params import MIN_SIMD, SIMD_STEP, Fold, LayoutError, _ceil_pow2, _fold, _pow2, fan, layer_cycles

DEFAULT_TARGET_CYCLES = 128  # the default bitstream's planned interval (hw/vivado builds it; the host relies on it)


def _pe_limit(l: AnyLayer) -> int:
    """The largest PE of a layer: a conv writes whole positions (C' channels), so PE divides C'."""
    n_out = fan(l)[1]
    return _ceil_pow2(n_out) if l.window is None else n_out & -n_out


def _folds(l: AnyLayer) -> list[Fold]:
    """A layer's foldings from the smallest on, each doubling SIMD (up to the fan-in) and then PE, as long as
    that shortens the layer (a conv layer bound by its window generator gains nothing from more lanes; a pool
    is not folded: one window per few cycles, bwsnn_window); among them, by their lanes (PE x the SIMD inputs
    that can see a 1), the foldings whose SIMD divides the fan-in without being a power of two (a multiple of
    :data:`bwsnn.params.SIMD_STEP`, PE x SIMD whole words) where they give an interval the doublings do not:
    mnist-conv's 3 x 784 and 12 x 196 rows (PE 16 x SIMD 48 for 144 inputs) between the doublings' 4 x and 2 x."""
    n_in, n_out = fan(l)
    out = [_fold(1, MIN_SIMD, n_in, n_out)]
    while isinstance(l, Layer):
        f = out[-1]
        if f.simd < _ceil_pow2(n_in):
            nxt = _fold(f.pe, 2 * f.simd, n_in, n_out)
        elif f.pe < _pe_limit(l):
            nxt = _fold(2 * f.pe, f.simd, n_in, n_out)
        else:
            break
        if layer_cycles(l, nxt) >= layer_cycles(l, f):
            break
        out.append(nxt)
    if not isinstance(l, Layer):
        return out
    have = {layer_cycles(l, f) for f in out}
    pes = [1 << k for k in range(_pe_limit(l).bit_length())]
    extra = {}
    for simd in range(MIN_SIMD, n_in, SIMD_STEP):
        for pe in pes:
            f = _fold(pe, simd, n_in, n_out)
            c = layer_cycles(l, f)
            if n_in % simd or _pow2(simd) or pe * simd % 32 or c in have or c < layer_cycles(l, out[-1]):
                continue
            if c not in extra or pe * simd < extra[c].pe * extra[c].simd:
                extra[c] = f
    lanes = lambda f: f.pe * min(f.simd, n_in)  # noqa: E731
    return sorted([*out, *extra.values()], key=lambda f: (lanes(f), -layer_cycles(l, f)))


def plan(art: Artifact, target_cycles: int = DEFAULT_TARGET_CYCLES, budget: Budget | None = None) -> tuple[Fold, ...]:
    """PE x SIMD per layer for the shortest interval, no shorter than ``target_cycles``, whose design fits
    ``budget`` (default: :func:`bwsnn.cost.default_budget`, the default board's share: the LUTs and RAMB36 tiles
    :mod:`bwsnn.cost` estimates): each layer gets its smallest folding that meets the interval (FINN's
    SetFolding, SIMD before PE), so no layer holds lanes the slowest one leaves idle. A resource that even
    the smallest foldings exceed (the weights of a large model fill more block RAM than the budget) is not
    budgeted: folding cannot make it smaller, and the other one still picks the interval."""
    if target_cycles < 1:
        raise LayoutError(f"plan: expected target_cycles >= 1, got {target_cycles}")
    budget, costs = budget or default_budget(), load_costs()
    options = [_folds(l) for l in art.layers]
    least = tuple(fs[0] for fs in options)
    lut_cap = budget.lut if estimate_luts(art, least, costs) <= budget.lut else math.inf
    bram_cap = budget.bram36 if estimate_bram36(art, least) <= budget.bram36 else math.inf
    intervals = sorted({c for l, fs in zip(art.layers, options) for c in (layer_cycles(l, f) for f in fs)
                        if c >= target_cycles} | {target_cycles})
    fold = least
    for interval in intervals:
        # budgeted as built: the shallow shortcut read's extra PEs cost accumulators and LIF lanes
        fold = tuple(_shallow_skip_read(l, next((f for f in fs if layer_cycles(l, f) <= interval), fs[-1]))
                     for l, fs in zip(art.layers, options))
        if estimate_luts(art, fold, costs) <= lut_cap and estimate_bram36(art, fold) <= bram_cap:
            break
    return fold


#: the widest multiplexer a dense layer's shortcut read may be (its frame buffer's second port picks PE of
#: the n_in spikes of each plane per group): a 64:1 mux is two LUT levels (LUT6 + MUXF7 + MUXF8)
MAX_SKIP_READ_WAYS = 64


def _shallow_skip_read(l: AnyLayer, f: Fold) -> Fold:
    """The same lanes, PE doubled for SIMD halved, until the shortcut read is at most
    :data:`MAX_SKIP_READ_WAYS` wide (the weight rows keep their PE x SIMD bits, the cycles stay): a PE 1 layer of
    512 neurons would read its shortcut through a 512:1 multiplexer, the design's longest path."""
    if l.window is not None or l.skip_from is None:
        return f
    n_in, n_out = fan(l)
    while n_in > MAX_SKIP_READ_WAYS * f.pe and f.simd > MIN_SIMD and _pow2(f.simd) and f.pe < _pe_limit(l):
        nxt = _fold(2 * f.pe, f.simd // 2, n_in, n_out)
        if layer_cycles(l, nxt) > layer_cycles(l, f):
            break
        f = nxt
    return f


def design(art: Artifact, board: str | None = None, target_cycles: int = DEFAULT_TARGET_CYCLES,
           budget: Budget | None = None) -> Design:
    """The design record of ``art`` planned for ``board`` (default: the record's default board): :func:`plan`
    at ``target_cycles`` within ``budget`` (default: that board's share, :func:`bwsnn.cost.default_budget`)."""
    name = get_board(board).name
    budget = budget or default_budget(name)
    return Design.of(art, plan(art, target_cycles, budget), name, target_cycles,
                     {"lut": budget.lut, "bram36": budget.bram36}, cost_model_version())


def main(argv: list[str] | None = None) -> int:
    """``python -m bwsnn.planner ARTIFACT ... [--target BOARD] [--target-cycles N]``: each artifact's design
    record, planned for the board, written beside it as ``<name>.design.json`` (models/ ships them: the
    plans the test suite pins)."""
    import sys

    from bwsnn import cli
    from bwsnn.artifact import ArtifactError, load
    from bwsnn.boards import BOARDS, DEFAULT_BOARD
    from bwsnn.design import SUFFIX
    from bwsnn.params import check_buildable

    ap = cli.Parser(prog="python -m bwsnn.planner", description=main.__doc__.split(": ", 1)[1].split("\n")[0])
    ap.add_argument("artifacts", nargs="+", type=cli.existing_file, help="deploy artifacts (*.bwsnn.npz)")
    ap.add_argument("--target", choices=list(BOARDS), default=DEFAULT_BOARD, help="board (default: %(default)s)")
    ap.add_argument("--target-cycles", type=cli.positive_int, default=DEFAULT_TARGET_CYCLES,
                    help="planned cycles per image (default: %(default)s)")
    a = ap.parse_args(argv)
    for path in a.artifacts:
        try:
            art = load(path)
            check_buildable(art, str(path))
        except ArtifactError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        d = design(art, a.target, a.target_cycles)
        out = d.save(path.with_name(path.name.removesuffix(".npz").removesuffix(".bwsnn") + SUFFIX))
        print(f"{out}: design 0x{d.id:08x} for {d.board}, {d.interval} cycles per image")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
