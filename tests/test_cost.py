"""The planner's cost model (bwsnn.cost) and its fit to bench rows (sim.fit_costs)."""
from __future__ import annotations

import json

import pytest

from bwsnn import params, planner
from bwsnn.artifact import load
from bwsnn.cost import (
    COSTS_PATH,
    FEATURES,
    Budget,
    estimate_bram36,
    estimate_luts,
    layer_features,
    map_tiles,
    ram_tiles,
)
from bwsnn.random_artifact import random_artifact, random_conv_artifact
from flow.readme import KEPT as KEPT_BENCH
from flow.readme import ROOT
from sim import fit_costs


def test_ram_tiles_take_the_cheapest_aspect_ratio() -> None:
    assert ram_tiles(72, 512) == 1 and ram_tiles(36, 1024) == 1 and ram_tiles(18, 1024) == 0.5
    assert ram_tiles(144, 512) == 2 and ram_tiles(32, 4096) == 4
    assert ram_tiles(32, 255) == 0  # under 8 kbit: LUT RAM
    assert ram_tiles(512, 128) == 8 and ram_tiles(576, 128) == 8  # the parity bits only for whole 9-bit bytes
    assert ram_tiles(32, 256) == 0.5 and ram_tiles(32, 256, true_dual_port=True) == 1
    assert map_tiles(64, 96) == 1 and map_tiles(896, 48) == 0  # deeper than a RAM64M: block RAM, whatever the bits


@pytest.mark.parametrize("row", json.loads(KEPT_BENCH.read_text())["rows"], ids=lambda r: r["model"])
def test_the_block_ram_estimate_is_what_yosys_made(row: dict) -> None:
    """On every design of the kept bench (Yosys' RAMB36 + RAMB18 / 2) the estimate is exact."""
    path = ROOT / row["artifact"]
    if not path.is_file():
        pytest.skip(f"{row['artifact']}: not built here (make train)")
    art = load(path)
    assert estimate_bram36(art, fit_costs.row_folding(art, row)) == row["bram36"]


def test_the_shipped_costs_are_a_fit_of_bench_rows() -> None:
    doc = json.loads(COSTS_PATH.read_text())
    assert set(doc["lut"]) == {*FEATURES, "interface"} and all(v >= 0 for v in doc["lut"].values())
    assert doc["rows"] and all(r["estimate"] > 0 and r["lut"] > 0 for r in doc["rows"])


def _row(art, fold, costs: dict[str, float], name: str) -> dict:
    """A bench row whose layers cost exactly ``costs`` per unit."""
    text = " ".join("pool" if l.kind == "pool" else f"{f.pe}x{f.simd}" for l, f in zip(art.layers, fold))
    layer = [round(sum(costs[k] * v for k, v in layer_features(art, i, f).items())) for i, f in enumerate(fold)]
    return {"model": name, "folding": text, "layer_lut": layer, "interface_lut": costs["interface"],
            "lut": sum(layer) + costs["interface"]}


KNOWN = {"engine": 300.0, "popcount": 1.5, "lif": 90.0, "acc": 12.0, "frame": 0.8, "frame_read": 2.5, "window": 2.0,
         "line": 1.1, "read": 1.0, "pool": 1.2, "interface": 700.0}


def _known_rows() -> list:
    rows = []
    for seed in range(6):
        dense = random_artifact((64, 48, 48, 10), T=1 + seed % 3, seed=seed)
        conv = random_conv_artifact(seed=seed)
        for art in (dense, conv):
            for target in (64, 512, 4096):
                fold = planner.plan(art, target, Budget(1e9, 1e9))
                rows.append((art, _row(art, fold, KNOWN, f"m{seed}-{target}")))
    return rows


def test_the_fit_recovers_known_costs() -> None:
    got = fit_costs.fit(_known_rows())
    assert got["max_rel_error"] < 0.01 and got["fixed"] == []
    assert got["lut"]["interface"] == 700.0
    # every unit identified (the rows hold shortcut reads, windows with and without a FIFO, pools)
    assert all(abs(got["lut"][k] - v) <= 0.1 * v for k, v in KNOWN.items()), got["lut"]


def test_a_fixed_price_is_kept_and_the_rest_fitted_around_it() -> None:
    """--fix lif=... (a unit's own measurement): the other units are fitted to what is left; the wrong price
    for it shows in the others' error."""
    right = fit_costs.fit(_known_rows(), {"lif": 90.0})
    assert right["lut"]["lif"] == 90.0 and right["fixed"] == ["lif"] and right["max_rel_error"] < 0.01
    assert abs(right["lut"]["engine"] - 300.0) < 1 and abs(right["lut"]["popcount"] - 1.5) < 0.01
    wrong = fit_costs.fit(_known_rows(), {"lif": 0.0})
    assert wrong["lut"]["lif"] == 0.0 and wrong["lut"] != right["lut"]


@pytest.mark.parametrize("text", ["lif", "lif=", "lif=-1", "luts=3", "lif=nan"])
def test_a_bad_fixed_price_is_one_line(text: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as e:
        fit_costs.main(["--fix", text, "--out", "/dev/null"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1 and "--fix: expected FEATURE=LUTS" in err, err


def test_plan_stays_within_the_budget() -> None:
    art = random_artifact((784, 256, 256, 10), T=2, seed=3)
    least = planner.plan(art, 10**9)  # the smallest foldings
    free = planner.plan(art, 1, Budget(1e9, 1e9))
    lo, hi = estimate_luts(art, least), estimate_luts(art, free)
    for lut in (lo + (hi - lo) / 4, lo + (hi - lo) / 2):
        tight = planner.plan(art, 1, Budget(lut, 1e9))
        assert estimate_luts(art, tight) <= lut < hi
    bram = (estimate_bram36(art, least) + estimate_bram36(art, free)) / 2
    assert estimate_bram36(art, planner.plan(art, 1, Budget(1e9, bram))) <= bram


@pytest.mark.parametrize("text", ["not json", json.dumps({"rows": [{"model": "x"}]}), json.dumps([1])])
def test_bad_bench_files_are_one_line(tmp_path, capsys, text: str) -> None:
    p = tmp_path / "hw.json"
    p.write_text(text)
    assert fit_costs.main([str(p), "--out", str(tmp_path / "c.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {p}") and err.count("\n") == 1 and not (tmp_path / "c.json").exists()


def test_a_shortcut_read_stays_shallow() -> None:
    """A 512-wide layer with a shortcut planned for 512 cycles: PE 8 x SIMD 64 rather than 1 x 512, the same
    lanes, weight rows and cycles, and a 64:1 shortcut read instead of a 512:1 one."""
    art = random_artifact((784, 512, 512, 10), T=2, seed=2)
    assert art.layers[1].skip_from == 0
    free = Budget(1e9, 1e9)
    fold = planner.plan(art, 512, free)
    lay = params.layout(art, fold)
    assert max(ll.cycles for ll in lay.layers) <= 512
    for l, f in zip(art.layers, fold):
        if l.skip_from is not None:
            assert l.n_in <= planner.MAX_SKIP_READ_WAYS * f.pe and f.pe * f.simd == 512


def test_a_resource_the_smallest_design_exceeds_is_not_budgeted() -> None:
    art = random_artifact((784, 256, 256, 10), T=2, seed=3)
    least = planner.plan(art, 10**9)
    free = planner.plan(art, 1, Budget(1e9, 1e9))
    # block RAM below the smallest design's: only the LUTs pick the interval
    assert planner.plan(art, 1, Budget(1e9, estimate_bram36(art, least) / 2)) == free
