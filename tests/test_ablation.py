"""The shortcuts x KD ablation (training.ablation): every variant x seed kept as an artifact + report, one
teacher per seed shared by its variants, the table re-measured by the golden model, a rerun retrains nothing."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bwsnn import artifact, datasets, golden
from training import ablation, train

TINY = replace(train.PRESETS["digits"], hidden=(16, 16), epochs=1, teacher_epochs=1, export=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ablation")
    ablation.run(TINY, [0, 3], out, command="tiny", work=out.parent / f"{out.name}-work")
    return out


def test_every_variant_and_seed_is_kept_with_its_switches(runs: Path) -> None:
    for variant, switches in ablation.VARIANTS.items():
        for seed in (0, 3):
            report = json.loads((runs / f"{ablation.run_name(variant, seed)}.json").read_text())
            cfg = report["train_config"]
            assert (cfg["kd"], cfg["shortcuts"], cfg["seed"]) == (switches.get("kd", True),
                                                                  switches.get("shortcuts", True), seed)
            # the full recipe trains the seed's teacher, the other variants load it: same teacher accuracy
            full = json.loads((runs / f"{ablation.run_name('shortcuts+kd', seed)}.json").read_text())
            assert report["accuracy"]["teacher"] == full["accuracy"]["teacher"]
            assert (cfg["teacher"] is None) == (variant == "shortcuts+kd")


def test_summary_is_remeasured_by_the_golden_model(runs: Path) -> None:
    summary = ablation.summarize(runs, None)
    assert list(summary) == list(ablation.VARIANTS)
    accs = []
    for seed in (0, 3):
        ds = datasets.load_digits(seed)  # the digits split is the run's seed's
        art = artifact.load(runs / f"{ablation.run_name('plain', seed)}.bwsnn.npz")
        steps = golden.run(art, ds.x_test).step_scores
        accs.append([100.0 * np.mean(steps[:, t].argmax(-1) == ds.y_test) for t in range(art.T)])
    assert summary["plain"]["per_step_mean"] == pytest.approx(np.mean(accs, 0).tolist())
    assert summary["plain"]["deploy_std"] == pytest.approx(np.std(np.array(accs)[:, -1]))
    table = "\n".join(ablation.markdown(summary))
    assert "| plain | 2 |" in table and "deploy % t=2" in table


def test_a_rerun_keeps_the_finished_runs(runs: Path, monkeypatch) -> None:
    monkeypatch.setattr(train, "run", lambda *a, **k: pytest.fail("finished runs must not be retrained"))
    assert len(ablation.run(TINY, [0, 3], runs, work=runs.parent / f"{runs.name}-work")) == 8


def test_a_conv_teacher_is_the_same_network_for_every_variant() -> None:
    # the KD teacher must not lose its shortcuts with the student's: the variants share one teacher's weights
    ds = datasets.load_digits()
    for shortcuts in (True, False):
        cfg = replace(train.PRESETS["digits-conv"], shortcuts=shortcuts)
        teacher = cfg.teacher_model(ds)
        assert teacher.cfg.shortcuts and any(teacher.cfg.skip_from(i) is not None
                                             for i in range(len(teacher.cfg.layers())))


def test_a_study_shares_the_teacher_only_with_student_side_variants(tmp_path: Path) -> None:
    """A variant of the KD weight loads the seed's teacher; one that changes the data (a shift) trains its own."""
    table = {"preset": {}, "kd-weight-0.5": {"kd_weight": 0.5}, "shifted": {"shift": 1}}
    assert set(ablation.RECIPE["no-crop"]) - ablation.STUDENT_FIELDS  # the recipe's data variants train teachers
    ablation.run(TINY, [1], tmp_path / "runs", "tiny", work=tmp_path / "work", variants=table)
    cfg = {v: json.loads((tmp_path / "runs" / f"{ablation.run_name(v, 1)}.json").read_text())["train_config"]
           for v in table}
    assert cfg["preset"]["teacher"] is None and cfg["shifted"]["teacher"] is None
    assert cfg["kd-weight-0.5"]["teacher"] == str(tmp_path / "runs" / "teacher-seed1.pt")  # kept with the runs
    assert cfg["kd-weight-0.5"]["kd_weight"] == 0.5
    assert cfg["shifted"]["shift"] == 1
    assert list(ablation.summarize(tmp_path / "runs", None, table)) == list(table)
