"""The recipe's ingredients beyond the SEI-BWSNN parts: an EMA of the weights (evaluated, selected, resumed),
label smoothing, the oscillation dampening, the two-stage start (real weights, then 1-bit; resumed in either
stage); the augmentation on channels is in tests/test_rgb.py."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from bwsnn import artifact, datasets
from training import checkpoint, loop, train
from training.model import BWSNN

TINY = replace(train.PRESETS["digits"], hidden=(16, 16), epochs=3, teacher_epochs=1, val_size=200, export=False,
               ema=0.9, shift=1)


class Killed(Exception):
    """Stands for the process being killed right after an epoch's state was written."""


def test_averaged_swaps_the_ema_weights_in_and_out() -> None:
    model = torch.nn.Linear(2, 1, bias=False)
    ema = loop.weight_ema(model, 0.1)
    with torch.no_grad():
        ema.update_parameters(model)  # the first update copies: ema = w0
        w0 = model.weight.clone()
        model.weight.add_(2.0)
        ema.update_parameters(model)  # 0.1 * w0 + 0.9 * (w0 + 2) (0.1 < the warm-up's 2 / 11)
    with loop.averaged(model, ema):
        torch.testing.assert_close(model.weight, w0 + 1.8)
    torch.testing.assert_close(model.weight, w0 + 2.0)
    assert loop.weight_ema(model, 0.0) is None
    with loop.averaged(model, None):
        torch.testing.assert_close(model.weight, w0 + 2.0)


def test_the_ema_forgets_the_initial_weights_within_its_warm_up() -> None:
    """An EMA of the running BatchNorm variance: after 80 steps of 0.02 the random init's 1 is all but gone."""
    bn = torch.nn.BatchNorm1d(1)
    ema = loop.weight_ema(bn, 0.99)
    with torch.no_grad():
        ema.update_parameters(bn)  # the init: running_var 1
        bn.running_var.fill_(0.02)
        for _ in range(80):
            ema.update_parameters(bn)
    share_of_init = (ema.module.running_var.item() - 0.02) / (1 - 0.02)
    assert share_of_init < 0.05 and 0.99 ** 80 > 0.4  # a fixed decay would keep 45 % of it
    assert loop.warmed_up_decay(0.99, 10_000) == 0.99 and loop.warmed_up_decay(0.99, 0) == 0.1


@pytest.mark.parametrize("cfg, phase", [(TINY, "bwsnn"),
                                        (replace(TINY, ema=0.0, real_epochs=2, dampen=1e-4), "real")])
def test_a_run_resumed_equals_the_uninterrupted_run(cfg: train.TrainConfig, phase: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """An EMA run, and a two-stage run killed in its real-weight stage, go on exactly where they stopped."""
    whole = train.run(cfg, tmp_path / "whole")
    real_save, count = checkpoint.save, [0]

    def save_then_die(where, state) -> None:
        real_save(where, state)
        count[0] += 1
        if count[0] == 2:  # after the teacher and the student's first epoch (of its real stage, if it has one)
            raise Killed

    with monkeypatch.context() as m:
        m.setattr(checkpoint, "save", save_then_die)
        with pytest.raises(Killed):
            train.run(cfg, tmp_path / "killed")
    state = torch.load(tmp_path / "killed" / checkpoint.STATE_FILE, weights_only=False)
    assert state["phase"] == phase and ("ema" in state) == bool(cfg.ema)
    resumed = train.run(cfg, tmp_path / "killed", resume=True)
    a, b = (artifact.load(tmp_path / d / "model.bwsnn.npz") for d in ("whole", "killed"))
    for la, lb in zip(a.layers, b.layers, strict=True):
        np.testing.assert_array_equal(la.weights, lb.weights)
    assert resumed["history"] == whole["history"] and resumed["selection"] == whole["selection"]


def test_the_selected_student_is_the_average_not_the_last_step(tmp_path: Path, monkeypatch) -> None:
    """With an EMA the artifact is folded from the averaged weights: it differs from the run without one only
    in that (same seed, same steps)."""
    states = {}
    real_fit = loop.fit

    def keep(model, *args, **kwargs):
        hist, sel = real_fit(model, *args, **kwargs)
        states[args[3].ema, args[5]] = {k: v.clone() for k, v in loop.unwrap(model).state_dict().items()}
        return hist, sel

    monkeypatch.setattr(train, "fit", keep)
    for ema in (0.0, 0.9):
        train.run(replace(TINY, ema=ema, val_size=0), tmp_path / str(ema))
    plain, averaged = states[0.0, "bwsnn"], states[0.9, "bwsnn"]
    assert any(not torch.equal(plain[k], averaged[k]) for k in plain if plain[k].is_floating_point())


def test_label_smoothing_reaches_both_losses() -> None:
    cfg = replace(TINY, label_smoothing=0.2, kd=False)
    logits, y = torch.randn(8, 10), torch.randint(0, 10, (8,))
    expected = F.cross_entropy(logits, y, label_smoothing=0.2)
    torch.testing.assert_close(loop.teacher_loss(cfg)(lambda x: logits, None, y), expected)
    torch.testing.assert_close(loop.student_loss(None, cfg)(lambda x: logits[None], None, y), expected)
    assert F.cross_entropy(logits, y) != expected


def tiny_student() -> BWSNN:
    torch.manual_seed(0)
    return replace(TINY, conv=("c4",), hidden=()).student(datasets.load_digits())


def test_dampening_pulls_each_latent_weight_towards_its_sign_and_vanishes_there() -> None:
    model = tiny_student()
    w = [layer.weight for layer in model.binary_layers()]
    scales = [layer.quant_weight().value.abs().amax().item() for layer in model.binary_layers()]
    before = [p.detach().clone() for p in w]
    model.dampening().backward()
    with torch.no_grad():
        for p in w:
            p.sub_(1e-4 * p.grad)
    for p, b, s in zip(w, before, scales, strict=True):
        inner = b.abs() < 0.9 * s  # inside the clip range [-s, s]; outside it the clip has no gradient
        assert inner.any() and torch.all((p.abs() > b.abs())[inner]) and torch.equal(p.sign(), b.sign())
    with torch.no_grad():
        for layer in model.binary_layers():
            layer.weight.copy_(layer.quant_weight().value)  # on the grid: nothing left to dampen
    assert model.dampening().item() == pytest.approx(0.0, abs=1e-9)


def test_the_real_weight_stage_computes_with_the_latent_weights() -> None:
    model = tiny_student().eval()
    conv = model.syn[0]
    x = torch.rand(2, 3, 8, 8)[:, :1]
    model.real_weights(True)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.weight, padding=1))
    model.real_weights(False)
    torch.testing.assert_close(conv(x), F.conv2d(x, conv.weight.sign(), padding=1))
