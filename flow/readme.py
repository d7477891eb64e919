"""``python -m flow.readme [HW_JSON ...]``: the README's results table, regenerated from a hardware bench result
(``python -m sim.hw_bench`` / ``make bench``, default ``$BUILD/bench/hw.json``); with several, their rows merged
by model, a later file's row replacing an earlier one's (``sim.hw_bench --only MODEL`` re-measures one). The
result is kept as ``docs/bench/hw.json`` (artifact paths relative to the tree) with the bench's full tables
(per-layer cycles and LUTs) as ``docs/bench/hw.md``, and its table replaces the README's lines between the
:data:`BEGIN` and :data:`END` markers, so no figure is typed in (tests/test_readme.py compares them).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from bwsnn import cli, jsonfile
from bwsnn.paths import build_dir
from sim.hw_bench import markdown, results_table

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
KEPT = ROOT / "docs" / "bench" / "hw.json"
BEGIN, END = "<!-- results: python -m flow.readme -->", "<!-- results end -->"


#: what the table reads of a bench row
ROW_FIELDS = ("model", "artifact", "dataset", "accuracy", "cycles_per_image", "images_per_s_100mhz", "lut", "bram36",
              "logic_depth")


def rows_of(path: Path) -> list[dict]:
    """The bench's rows; a :class:`ValueError` line naming the file and the row that lacks a field."""
    rows = jsonfile.read(path, "hardware bench result", {"rows": list})["rows"]
    for k, row in enumerate(rows):
        missing = [f for f in ROW_FIELDS if not isinstance(row, dict) or f not in row]
        if missing:
            raise ValueError(f"{path}: rows[{k}]: expected the fields {', '.join(ROW_FIELDS)}, missing "
                             f"{', '.join(missing)} (a bench of another version? rerun python -m sim.hw_bench)")
    return rows


def with_table(readme: str, table: str) -> str:
    """``readme`` with its marked block replaced by ``table``; a :class:`ValueError` line without both markers."""
    head, sep, rest = readme.partition(BEGIN + "\n")
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        raise ValueError(f"{README.name}: expected the lines {BEGIN!r} and {END!r} around the results table")
    return head + sep + table + sep2 + tail


def _relative(row: dict) -> dict:
    p = Path(row["artifact"]).resolve()
    return {**row, "artifact": str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)}


def merged_rows(paths: list[Path]) -> list[dict]:
    """The rows of several bench results by model, in the order they first appear; a later file's row of a model
    replaces an earlier one's."""
    merged: dict[str, dict] = {}
    for path in paths:
        merged |= {r["model"]: _relative(r) for r in rows_of(path)}
    return list(merged.values())


def main(argv: list[str] | None = None) -> int:
    ap = cli.Parser(prog="python -m flow.readme", description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    ap.add_argument("bench", nargs="*", type=cli.existing_file,
                    help="hardware bench results, later rows replacing earlier ones of the same model (default: "
                         "$BUILD/bench/hw.json)")
    a = ap.parse_args(argv)
    paths = [Path(p) for p in a.bench] or [build_dir("bench") / "hw.json"]
    try:
        rows = merged_rows(paths)
        text = with_table(README.read_text(), results_table(rows))
    except ValueError as e:  # jsonfile.JsonFileError is one
        print(f"error: {e}", file=sys.stderr)
        return 1
    KEPT.parent.mkdir(parents=True, exist_ok=True)
    KEPT.write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    KEPT.with_suffix(".md").write_text(markdown(rows))
    README.write_text(text)
    print(f"{README.relative_to(ROOT)}: {len(rows)} rows from {', '.join(map(str, paths))} (kept as "
          f"{KEPT.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
