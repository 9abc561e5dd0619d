"""Every detector has a buggy model that triggers it and a fixed twin that
does not (examples/detectors), and every reported bug replays from its
schedule to the same kind of bug."""

import runpy
from pathlib import Path

import pytest

import kcheck

EX = Path(__file__).resolve().parent.parent / "examples" / "detectors"

CASES = {
    "use_after_free": "use-after-free",
    "double_free": "double-free",
    "leak": "leak",
    "refcount_warn": "refcount-warn",
    "warn": "warn",
    "deadlock": "deadlock",
    "livelock": "livelock",
    "data_race": "data-race",
    "lockdep": "lockdep",
    "model_error": "model-error",
    "spin_wait": "warn",
}


def _load(name):
    return runpy.run_path(str(EX / f"{name}.py"))


@pytest.mark.parametrize("name,kind", sorted(CASES.items()))
def test_buggy_model_is_caught_and_replays(name, kind):
    m = _load(name)
    races = "error" if kind == "data-race" else "warn"
    res = kcheck.check(m["buggy"], races=races)
    assert res.verdict == "bug"
    assert res.bug.kind == kind, res.bug.message
    again = kcheck.replay(m["buggy"], res.bug.schedule, races=races)
    assert again.bug is not None and again.bug.kind == kind
    assert ">>" in res.bug.trace


@pytest.mark.parametrize("name,kind", sorted(CASES.items()))
def test_fixed_twin_is_clean_and_exhaustive(name, kind):
    m = _load(name)
    races = "error" if kind == "data-race" else "warn"
    res = kcheck.check(m["fixed"], races=races)
    assert res.verdict == "no-bug", res.bug and res.bug.message
    assert res.exhaustive
    assert res.executions >= 1
