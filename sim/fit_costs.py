"""``python -m sim.fit_costs [HW_JSON ...]``: the planner's per-unit LUT costs (bwsnn.cost), fitted to the
hardware bench's Yosys runs -> ``bwsnn/lut_costs.json``.

Every bench row is one synthesized design with each layer's LUTs (``layer_lut``: its engine or pool, window
generator and input buffer) and the interface's: a layer is one sample of LUTs = sum of per-unit costs x its
features (:func:`bwsnn.cost.layer_features` at the row's folding), fitted by non-negative least squares
(a unit costs >= 0 LUTs); the interface's cost is the mean of the rows'. The file keeps the rows it was
fitted to and each one's estimate next to its measurement, so the next bench shows whether it still holds.

``--fix FEATURE=LUTS`` prices a unit from its own measurement (``python -m hw.units``) instead: the shipped
designs give the LIF chains as many lanes as their engines have PEs, so a fit of layer totals cannot tell a LIF
unit from the PE's accumulators and the engine's fixed cost (it priced the LIF unit at 0 LUTs).
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy.optimize import nnls

from bwsnn import cli, jsonfile
from bwsnn.artifact import Artifact, ArtifactError, load
from bwsnn.cost import COSTS_PATH, FEATURES, estimate_luts, layer_features
from bwsnn.params import MIN_SIMD, Fold, folding
from bwsnn.paths import build_dir

ROOT = Path(__file__).resolve().parents[1]


def row_folding(art: Artifact, row: dict) -> tuple[Fold, ...]:
    """The folding a bench row was built with, from its ``folding`` text (``PExSIMD[x1]`` or ``pool``)."""
    pe_simd = [(1, MIN_SIMD) if t == "pool" else tuple(int(v) for v in t.split("x")[:2])
               for t in row["folding"].split()]
    return folding(art, pe_simd)


def _shown_path(path: str) -> str:
    p = Path(path).resolve()
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)


def fit(rows: list[tuple[Artifact, dict]], fixed: dict[str, float] | None = None) -> dict:
    """Per-unit costs and the fit's report from (artifact, bench row) pairs; ``fixed``: units priced by their
    own measurement, the rest fitted to what is left of each layer."""
    fixed = fixed or {}
    free = [k for k in FEATURES if k not in fixed]
    xs, ys = [], []
    for art, row in rows:
        for i, f in enumerate(row_folding(art, row)):
            feats = layer_features(art, i, f)
            xs.append([feats.get(k, 0) for k in free])
            ys.append(row["layer_lut"][i] - sum(v * feats.get(k, 0) for k, v in fixed.items()))
    coef, _ = nnls(np.array(xs, float), np.array(ys, float))
    fitted = {**dict(zip(free, coef)), **fixed}
    costs = {k: round(float(fitted[k]), 4) for k in FEATURES}
    costs["interface"] = round(float(np.mean([row["interface_lut"] for _, row in rows])), 1)
    # each row with the artifact it was measured on (relative to the tree where it is in it): the test suite
    # re-estimates the rows with the shipped costs
    checked = [{"model": row["model"], **({"artifact": _shown_path(row["artifact"])} if "artifact" in row else {}),
                "folding": row["folding"], "lut": row["lut"],
                "estimate": round(estimate_luts(art, row_folding(art, row), costs))} for art, row in rows]
    worst = max(abs(c["estimate"] - c["lut"]) / c["lut"] for c in checked)
    # rounded up: every row is within the stated error
    return {"lut": costs, "fixed": sorted(fixed), "rows": checked, "max_rel_error": math.ceil(worst * 1000) / 1000}


#: what a bench row needs for the fit (sim.hw_bench writes them)
ROW_FIELDS = ("model", "artifact", "folding", "layer_lut", "interface_lut", "lut")


def read_rows(path: Path) -> list[tuple[Artifact, dict]]:
    """(artifact, row) of every row of a bench result; a :class:`ValueError` line naming the file and row."""
    rows = []
    for k, row in enumerate(jsonfile.read(path, "hardware bench result", {"rows": list})["rows"]):
        if not isinstance(row, dict) or not all(f in row for f in ROW_FIELDS):
            raise ValueError(f"{path}: rows[{k}]: expected the fields {', '.join(ROW_FIELDS)} (a bench older than "
                             "the per-layer table? rerun python -m sim.hw_bench), got "
                             f"{cli.shown(sorted(row) if isinstance(row, dict) else row)}")
        try:
            art = load(row["artifact"])
            row_folding(art, row)
        except (ArtifactError, ValueError) as e:
            raise ValueError(f"{path}: rows[{k}] ({cli.shown(row['model'])}): {e}") from None
        if len(row["layer_lut"]) != len(art.layers):
            raise ValueError(f"{path}: rows[{k}].layer_lut: expected {len(art.layers)} layers, "
                             f"got {len(row['layer_lut'])}")
        rows.append((art, row))
    return rows


def fixed_cost(text: str) -> tuple[str, float]:
    """``FEATURE=LUTS`` (argparse type): a feature of bwsnn.cost.FEATURES and a price >= 0."""
    name, _, value = text.partition("=")
    try:
        price = float(value)
    except ValueError:
        price = -1.0
    if name not in FEATURES or not price >= 0:
        raise argparse.ArgumentTypeError(f"expected FEATURE=LUTS with a feature of {', '.join(FEATURES)} and "
                                         f"LUTS >= 0, got {text!r}")
    return name, price


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m sim.fit_costs", description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    ap.add_argument("bench", nargs="*", type=cli.existing_file,
                    help="hardware bench results (default: $BUILD/bench/hw.json)")
    ap.add_argument("--out", type=Path, default=COSTS_PATH, help="where to write the costs (default: %(default)s)")
    ap.add_argument("--fix", type=fixed_cost, action="append", default=[], metavar="FEATURE=LUTS",
                    help=f"a unit's measured price, not fitted (repeatable; features: {', '.join(FEATURES)})")
    ap.add_argument("--fix-source", default="", help="the command that measured the --fix prices (kept in the file)")
    a = ap.parse_args(argv)
    paths = [Path(p) for p in a.bench] or [build_dir("bench") / "hw.json"]
    try:
        rows = [r for path in paths for r in read_rows(path)]
    except ValueError as e:  # jsonfile.JsonFileError too
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not rows:
        print(f"error: {', '.join(map(str, paths))}: no bench rows to fit", file=sys.stderr)
        return 1
    result = fit(rows, dict(a.fix))
    doc = {"doc": "Per-unit LUT costs of the RTL (bwsnn/cost.py), fitted by python -m sim.fit_costs to the "
                  "hardware bench's Yosys runs listed in rows (estimate: this fit's, lut: Yosys's). Do not edit: "
                  "rerun the bench and the fit.",
           "fitted": datetime.date.today().isoformat(), "bench": [str(p) for p in paths], **result,
           **({"fixed_source": a.fix_source} if a.fix else {})}
    a.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{a.out}: {', '.join(f'{k} {v:g}' for k, v in result['lut'].items())}; "
          f"{len(rows)} designs, worst estimate {100 * result['max_rel_error']:.1f}% off")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
