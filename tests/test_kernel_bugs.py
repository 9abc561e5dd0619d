"""Real kernel bugs (examples/bugs/): each model's buggy version is found, with
the bug kind its fix was about, under the memory models that allow it; the
fixed version is clean and exhaustive under every memory model listed."""

import runpy
from pathlib import Path

import pytest

import kcheck

BUGS = Path(__file__).resolve().parent.parent / "examples" / "bugs"
MODELS = sorted(p.stem for p in BUGS.glob("*.py"))


def _load(name):
    return runpy.run_path(str(BUGS / f"{name}.py"))


def _cases():
    for name in MODELS:
        m = _load(name)
        for mm in m["MEMORY_MODELS"]:
            yield name, mm


def test_every_model_cites_its_fix():
    import re
    assert len(MODELS) >= 5
    for name in MODELS:
        doc = _load(name)["__doc__"]
        assert re.search(r"\b[0-9a-f]{40}\b", doc), f"{name}: no fix commit in the docstring"


@pytest.mark.parametrize("name,mm", list(_cases()))
def test_buggy_version(name, mm):
    m = _load(name)
    res = kcheck.check(m["buggy"], memory_model=mm)
    kind = m["KIND"].get(mm)
    if kind is None:
        # the bug needs a weaker memory model than this one
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
        return
    assert res.verdict == "bug" and res.bug.kind == kind, res.bug and res.bug.message
    assert res.bug.trace
    if mm == "sc":
        again = kcheck.replay(m["buggy"], res.bug.schedule)
        assert again.bug is not None and again.bug.kind == kind


@pytest.mark.parametrize("name,mm", list(_cases()))
def test_fixed_version_is_clean_and_exhaustive(name, mm):
    m = _load(name)
    res = kcheck.check(m["fixed"], memory_model=mm)
    if m.get("BOUNDED"):
        # contexts that re-arm each other for ever: the result says it was cut
        assert res.verdict == "no-bug" and not res.exhaustive, res.bug and res.bug.trace
        assert "cut at depth" in res.bound
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    assert res.executions >= 1
