"""The per-epoch training state behind ``--resume``: ``<out>/train_state.pt``.

Written atomically after every epoch of each phase (teacher, the student's real-weight start if any, then the
student): the phase, epochs done, the model, optimizer and LR-schedule states, the best epoch so far (validation
selection), the history, the elapsed seconds, the trained teacher (student phases) and every random generator's
state. A run resumed from
it goes on exactly where the killed one stopped: on the same machine and thread count the result is the same
as an uninterrupted run's (tests/test_training_resume.py checks that bit for bit).
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from training import torchfile

STATE_FILE = "train_state.pt"
# fields of the training config that do not change the result: a resumed run may differ in them
RESUME_FREE = ("device", "data_dir", "export")
# config fields newer than some saved states, as those runs had them (every run before bf16 computed in fp32)
BEFORE_FIELD = {"precision": "fp32", "flip": False, "label_smoothing": 0.0, "ema": 0.0, "dampen": 0.0,
                "real_epochs": 0}
# what every saved state holds (train.train_models' context and fit's phase, see their on_epoch; a run with an
# EMA of the weights holds "ema" too)
STATE_KEYS = ("config", "history", "selection", "teacher", "phase", "epoch", "model", "opt", "sched",
              "phase_history", "best", "rng", "seconds")


class ResumeError(ValueError):
    """No usable state to resume from (one line)."""


def rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(out: str | Path, state: dict) -> None:
    """Write ``state`` to ``out``/train_state.pt; a kill mid-write leaves the previous epoch's file intact."""
    path = Path(out) / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load(out: str | Path, config: dict) -> dict:
    """The state saved in ``out`` by a run of the same ``config`` (its fields but :data:`RESUME_FREE`)."""
    path = Path(out) / STATE_FILE
    if not path.is_file():
        raise ResumeError(f"--resume: {path}: no such file (no epoch of a run in {out} has finished)")
    try:
        state = torchfile.read(path, "training state", STATE_KEYS)
    except torchfile.TorchFileError as e:
        raise ResumeError(f"--resume: {e}") from None
    saved = state["config"]
    if not isinstance(saved, dict):
        raise ResumeError(f"--resume: {path}: field 'config': expected a dict, got {type(saved).__name__}")
    saved = {**BEFORE_FIELD, **saved}
    diff = sorted(k for k in set(saved) | set(config)
                  if k not in RESUME_FREE and saved.get(k) != config.get(k))
    if diff:
        k = diff[0]
        raise ResumeError(f"--resume: {path} was written by another configuration: {k} expected "
                          f"{saved.get(k)!r}, got {config.get(k)!r}" + (f" (and {len(diff) - 1} more)"
                                                                        if len(diff) > 1 else ""))
    return state
