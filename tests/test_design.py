"""The design record (bwsnn.design) and the planner it pins (bwsnn.planner): the record round-trips and is
refused when edited, hw.gen writes it with its hash as DESIGN_ID, each board plans with its own budget, the
shipped models' plans are the records shipped beside them (models/*.design.json), and the shipped cost fit
(bwsnn/lut_costs.json) still estimates its own rows as it says it does."""
from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bwsnn import design, planner
from bwsnn.artifact import load
from bwsnn.boards import get_board
from bwsnn.cost import COSTS_PATH, default_budget, estimate_bram36, estimate_luts
from bwsnn.design import DesignError
from bwsnn.paths import MODELS_DIR
from bwsnn.random_artifact import random_artifact, random_conv_artifact
from hw import gen
from sim.fit_costs import row_folding

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(MODELS_DIR.glob("*.bwsnn.npz"))


@pytest.mark.parametrize("make", [lambda: random_artifact((64, 128, 128, 10), seed=1),
                                  lambda: random_conv_artifact(seed=2)], ids=["dense", "conv"])
def test_the_record_round_trips(tmp_path: Path, make) -> None:
    art = make()
    d = planner.design(art)
    path = d.save(tmp_path / "x.design.json")
    back = design.load(path)
    assert back == d and back.id == d.id and back.source == str(path)
    assert json.loads(path.read_text())["design_id"] == f"0x{d.id:08x}"
    assert back.param_words == len(back.image(art)) and d.interval == max(ll["cycles"] for ll in d.layers)
    # the id is the record's: any other folding is another id
    other = planner.design(art, target_cycles=1)
    assert other.folding != d.folding and other.id != d.id


def test_two_foldings_with_the_same_word_count_are_two_ids() -> None:
    """The issue's demonstration: plan(art, 64) of a random 64-128-128-10 artifact has the default plan's
    1,609 words (PARAM_WORDS cannot tell them apart) but another image; the ids differ."""
    art = random_artifact((64, 128, 128, 10), seed=1)
    a, b = planner.design(art), planner.design(art, target_cycles=64)
    assert a.param_words == b.param_words == 1609 and a.folding != b.folding and a.id != b.id
    assert (a.image(art) != b.image(art)).any()


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["folding"][0].update(pe=2 * r["folding"][0]["pe"]), "is not the record's hash"),
    (lambda r: r.update(format="x"), "expected format 'bwsnn-design' version 1"),
    (lambda r: r["folding"][1].update(simd="64"), r"folding\[1\]: expected \{pe: int"),
    (lambda r: r.pop("param_words"), "missing or bad field 'param_words'"),
    (lambda r: r.update(layers=r["layers"][:-1]), "expected one layout entry per folded layer"),
])
def test_a_bad_or_edited_record_is_one_line(tmp_path: Path, edit, message: str) -> None:
    d = planner.design(random_artifact((64, 128, 128, 10), seed=1))
    record = json.loads(d.to_json())
    edit(record)
    (tmp_path / "x.json").write_text(json.dumps(record))
    with pytest.raises(DesignError, match=message) as e:
        design.load(tmp_path / "x.json")
    assert "\n" not in str(e.value) and str(e.value).startswith(str(tmp_path / "x.json"))
    (tmp_path / "y.json").write_text("not json")
    with pytest.raises(DesignError, match="expected JSON"):
        design.load(tmp_path / "y.json")


def test_a_layout_other_than_this_trees_is_refused() -> None:
    """A record written by a tree that lays the image out differently (a wheel older or newer than the
    bitstream): packed here it would be wrong, so it is refused, naming the field."""
    art = random_artifact((64, 128, 128, 10), seed=1)
    d = planner.design(art)
    moved = dataclasses.replace(d, layers=(d.layers[0], {**d.layers[1], "bbase": d.layers[1]["bbase"] + 1},
                                           *d.layers[2:]))
    with pytest.raises(DesignError, match=r"layout is not this tree's .*: layers\[1\]\.bbase \d+ vs \d+$"):
        moved.image(art)


def test_hw_gen_writes_the_record_and_its_hash(tmp_path: Path) -> None:
    art = random_artifact((64, 128, 128, 10), seed=1)
    d = planner.design(art, target_cycles=64)
    out = gen.write_params(art, tmp_path / "p", d)
    assert design.load(out / design.FILE_NAME) == d
    assert f"localparam [31:0] DESIGN_ID = 32'h{d.id:08x};" in (out / "bwsnn_params.vh").read_text()
    path = tmp_path / "m.bwsnn.npz"
    art.save(path)
    r = subprocess.run([sys.executable, "-m", "hw.gen", str(path), str(tmp_path / "cli"), "--target", "zcu104",
                        "--target-cycles", "64"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    cli = design.load(tmp_path / "cli" / design.FILE_NAME)
    assert cli.board == "zcu104" and cli.target_cycles == 64 and cli.budget == dataclasses.asdict(
        default_budget("zcu104"))
    assert r.stdout == f"{tmp_path / 'cli'}: design 0x{cli.id:08x} for zcu104, {cli.interval} cycles per image\n"


def test_each_board_plans_with_its_own_budget() -> None:
    """mnist-conv for the ZCU104: its budget (half of 230,400 LUTs) holds the lanes the PYNQ-Z2's (half of
    53,200) does not, so the folding differs and the interval is shorter; each fits its own board's budget."""
    art = load(MODELS_DIR / "mnist-conv.bwsnn.npz")
    z2, zcu = planner.design(art, "pynq-z2"), planner.design(art, "zcu104")
    assert (z2.board, zcu.board) == ("pynq-z2", "zcu104") and z2.folding != zcu.folding
    assert zcu.interval < z2.interval
    for d in (z2, zcu):
        assert estimate_luts(art, d.folding) <= d.budget["lut"]
        assert estimate_bram36(art, d.folding) <= d.budget["bram36"]
    assert estimate_luts(art, zcu.folding) > z2.budget["lut"]  # the ZCU104's design does not fit the PYNQ-Z2
    assert z2.budget["lut"] == default_budget("pynq-z2").lut and get_board("zcu104").capacity["lut"] == 230400


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name.removesuffix(".bwsnn.npz") for p in SHIPPED])
def test_the_shipped_models_plans_are_pinned(path: Path) -> None:
    """Each shipped model's default-board plan is the record shipped beside it (python -m bwsnn.planner
    models/*.bwsnn.npz writes them): a change of the planner or the cost model shows here, layer by layer."""
    pinned = design.load(MODELS_DIR / path.name.replace(".bwsnn.npz", design.SUFFIX))
    art = load(path)
    now = planner.design(art)
    assert [ll["cycles"] for ll in now.layers] == [ll["cycles"] for ll in pinned.layers], "planned layer cycles"
    assert now.interval == pinned.interval <= max(pinned.target_cycles, pinned.interval)
    assert [(f.pe, f.simd, f.lif) for f in now.folding] == [(f.pe, f.simd, f.lif) for f in pinned.folding]
    assert now == pinned, "the record (budget, cost-model version, layout): rerun python -m bwsnn.planner"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_plan_is_estimated_within_its_budget_as_built(path: Path) -> None:
    """The plan is budgeted with the PEs the shallow shortcut read adds (mnist-wide: budgeted before it, 16x32
    became 16x64 after the check, 27,261 LUT estimated against 26,600, 29,331 by Yosys)."""
    art = load(path)
    d, least = planner.design(art), planner.plan(art, 10**9)  # least: the smallest foldings
    if estimate_luts(art, least) <= d.budget["lut"]:  # else LUTs are not budgeted (the plan's docstring)
        assert estimate_luts(art, d.folding) <= d.budget["lut"]


def test_the_shipped_planned_intervals_meet_their_targets_where_the_budget_allows() -> None:
    """mnist-fast and mnist-512 fit their 128- and 512-cycle plans within half the PYNQ-Z2 (the dense points
    of the hardware table): a planner that spends lanes badly misses them."""
    assert planner.design(load(MODELS_DIR / "mnist-fast.bwsnn.npz")).interval == 128
    assert planner.design(load(MODELS_DIR / "mnist-512.bwsnn.npz"), target_cycles=512).interval == 512


def _row_artifact(row: dict, reference: Path) -> Path:
    """The artifact a fit row was measured on: its ``artifact`` (the fit writes it), else by the bench's row
    name (the first fit predates it): ``default`` the reference artifact, ``NAME[-lanes]`` models/NAME."""
    name = row["model"].removesuffix("-lanes")
    if name == "default":  # the build's own (CI trains it again: the features do not depend on the weights)
        return reference
    return ROOT / row["artifact"] if "artifact" in row else MODELS_DIR / f"{name}.bwsnn.npz"


def test_the_shipped_fit_estimates_its_own_rows(trained_artifact_path: Path) -> None:
    """bwsnn/lut_costs.json lists the designs it was fitted to with the estimate it gave each and its worst
    error against Yosys: re-estimated with the shipped costs, every row gives that estimate again and is
    within that error of its Yosys count."""
    doc = json.loads(COSTS_PATH.read_text())
    assert doc["rows"] and 0 < doc["max_rel_error"] < 0.25
    for row in doc["rows"]:
        art = load(_row_artifact(row, trained_artifact_path))
        est = estimate_luts(art, row_folding(art, row))
        assert round(est) == row["estimate"], row["model"]
        assert abs(est - row["lut"]) <= doc["max_rel_error"] * row["lut"] + 0.5, row["model"]


def test_the_planner_cli_writes_records_beside_the_artifacts(tmp_path: Path) -> None:
    art = random_conv_artifact(seed=2)
    art.save(tmp_path / "c.bwsnn.npz")
    r = subprocess.run([sys.executable, "-m", "bwsnn.planner", str(tmp_path / "c.bwsnn.npz"), "--target", "zcu104"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert design.load(tmp_path / "c.design.json") == planner.design(art, "zcu104")
    assert re.fullmatch(r".*c\.design\.json: design 0x[0-9a-f]{8} for zcu104, \d+ cycles per image\n", r.stdout)
