"""The README's results table is the hardware bench's (flow.readme), and it has every shipped model."""
import json
from pathlib import Path

import pytest

from bwsnn.artifact import load
from bwsnn.params import buildable
from bwsnn.paths import MODELS_DIR
from flow import readme
from sim.hw_bench import markdown, results_table


def test_the_readme_table_is_the_kept_bench_result() -> None:
    rows = readme.rows_of(readme.KEPT)
    text = readme.README.read_text()
    assert readme.with_table(text, results_table(rows)) == text, "rerun python -m flow.readme on the bench result"
    assert readme.KEPT.with_suffix(".md").read_text() == markdown(rows)


def test_the_kept_bench_result_has_every_shipped_model_the_rtl_builds() -> None:
    rows = {r["model"] for r in readme.rows_of(readme.KEPT)}
    shipped = {p.name.removesuffix(".bwsnn.npz") for p in MODELS_DIR.glob("*.bwsnn.npz") if buildable(load(p))}
    assert shipped and shipped <= rows and "default" in rows


@pytest.mark.parametrize("doc, fragment", [
    ({"rows": [{"model": "x"}]}, "rows[0]: expected the fields model, artifact"),
    ({"rows": [3]}, "rows[0]: expected the fields"),
    ({"table": []}, "rows"),
])
def test_a_bad_bench_result_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture, doc: dict,
                                        fragment: str) -> None:
    bad = tmp_path / "hw.json"
    bad.write_text(json.dumps(doc))
    before = readme.README.read_text()
    assert readme.main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and fragment in err, err
    assert readme.README.read_text() == before


def test_a_readme_without_the_markers_is_one_line() -> None:
    with pytest.raises(ValueError, match="expected the lines"):
        readme.with_table("# no table here\n", "| x |\n")


def test_a_remeasured_row_replaces_the_kept_one_in_place(tmp_path: Path) -> None:
    kept = readme.rows_of(readme.KEPT)
    again = {**kept[1], "accuracy": 1.5, "lut": 7}
    (tmp_path / "new.json").write_text(json.dumps({"rows": [again]}))
    rows = readme.merged_rows([readme.KEPT, tmp_path / "new.json"])
    assert [r["model"] for r in rows] == [r["model"] for r in kept]
    assert rows[1]["accuracy"] == 1.5 and rows[1]["lut"] == 7 and rows[0] == kept[0] | {"artifact": rows[0]["artifact"]}
