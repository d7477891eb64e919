"""The build engine: an ordered list of named steps over a typed state, as FINN's builder does it.

A step is ``fn(state, cfg) -> state``. :func:`run` runs the steps from ``start`` to ``stop`` (names), in
order, and after each one writes the state to ``BUILD/<flow>_state.json`` and the step's own figures to
``BUILD/steps/<flow>/<step>.json``, so every step's outputs can be inspected and a later run can start at any
named step from what is on disk. A step whose tool is missing raises :class:`StepSkipped` (one line: what
and why); any other error marks the step failed with its one-line message (the traceback goes to
``BUILD/steps/<flow>/<step>.log``, never to the terminal); steps that need a failed or skipped step are skipped.
"""
from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bwsnn import jsonfile


class StepSkipped(Exception):
    """The step cannot run here (a missing tool or input); the message says what and why in one line."""


@dataclass
class BuildState:
    """What the steps have produced so far. ``results`` holds each step's JSON-able figures; ``status`` is
    "ok", "skipped: <why>" or "failed: <error>" per step that was reached."""

    build: Path
    flow: str = "demo"  # names the state file and the steps folder: flows share a build folder
    artifact: Path | None = None
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # in-memory only (datasets, references)

    @property
    def path(self) -> Path:
        return self.build / f"{self.flow}_state.json"

    @property
    def steps_dir(self) -> Path:
        return self.build / "steps" / self.flow

    def ok(self, step: str) -> bool:
        return self.status.get(step) == "ok"

    def save(self) -> None:
        self.build.mkdir(parents=True, exist_ok=True)
        doc = {"artifact": None if self.artifact is None else str(self.artifact), "results": self.results,
               "status": self.status, "seconds": self.seconds}
        self.path.write_text(json.dumps(doc, indent=2, default=str) + "\n")

    @classmethod
    def load(cls, build: Path, flow: str = "demo") -> BuildState:
        """The state a previous run of ``flow`` left in ``build`` (an empty one if there is none)."""
        state = cls(build, flow)
        if state.path.exists():  # a bad one is a jsonfile.JsonFileError naming it
            doc = jsonfile.read(state.path, f"{flow} flow state", {"results": dict, "status": dict,
                                                                    "seconds": dict})
            state.artifact = Path(doc["artifact"]) if doc.get("artifact") else None
            state.results, state.status, state.seconds = doc["results"], doc["status"], doc["seconds"]
        return state


@dataclass(frozen=True)
class Step:
    name: str
    fn: Callable[[BuildState, Any], BuildState]
    needs: tuple[str, ...] = ()  # steps whose success this one depends on
    always: bool = False  # runs even when something it needs did not succeed (the report)


def step_names(steps: list[Step]) -> list[str]:
    return [s.name for s in steps]


class StepRangeError(ValueError):
    """A --start / --stop range that names an unknown step or selects none (one line)."""


def select(steps: list[Step], start: str | None, stop: str | None) -> list[Step]:
    """The steps from ``start`` to ``stop`` (names, both included); a range that selects nothing is an error,
    never a run that does nothing and succeeds."""
    names = step_names(steps)
    for what, name in (("start", start), ("stop", stop)):
        if name is not None and name not in names:
            raise StepRangeError(f"--{what}: expected one of {', '.join(names)}, got {name!r}")
    lo = names.index(start) if start else 0
    hi = names.index(stop) + 1 if stop else len(names)
    if lo >= hi:
        raise StepRangeError(f"--start {start} --stop {stop}: expected a start at or before the stop (steps in "
                             f"order: {', '.join(names)}), got a range of no steps")
    return steps[lo:hi]


def check_range(parser: Any, steps: list[Step], start: str | None, stop: str | None) -> None:
    """A command line's --start / --stop checked before any work: a bad range is the parser's one-line error."""
    try:
        select(steps, start, stop)
    except StepRangeError as e:
        parser.error(str(e))


def run(steps: list[Step], cfg: Any, state: BuildState, start: str | None = None, stop: str | None = None,
        log: Callable[[str], None] = print) -> BuildState:
    """Run the selected steps in order; returns the final state (also saved in ``state.build``)."""
    state.steps_dir.mkdir(parents=True, exist_ok=True)
    for step in select(steps, start, stop):
        missing = [n for n in step.needs if not state.ok(n)]
        log(f"== step {step.name}")
        t0 = time.perf_counter()
        if missing and not step.always:
            why = "; ".join(f"{n} {state.status.get(n, 'did not run')}" for n in missing)
            state.status[step.name] = f"skipped: needs {why}"
        else:
            try:
                state = step.fn(state, cfg)
                state.status[step.name] = "ok"
            except StepSkipped as e:
                state.status[step.name] = f"skipped: {e}"
            except Exception as e:  # noqa: BLE001 - one line here, the traceback in the step's log
                (state.steps_dir / f"{step.name}.log").write_text(traceback.format_exc())
                first = (str(e).strip().splitlines() or [""])[0]
                state.status[step.name] = f"failed: {type(e).__name__}: {first}"
        state.seconds[step.name] = time.perf_counter() - t0
        if state.status[step.name] != "ok":
            log(f"   {step.name}: {state.status[step.name]}")
        (state.steps_dir / f"{step.name}.json").write_text(
            json.dumps({"status": state.status[step.name], "seconds": state.seconds[step.name],
                        "results": state.results.get(step.name, {})}, indent=2, default=str) + "\n")
        state.save()
    return state
