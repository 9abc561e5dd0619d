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
    "null_deref": "null-deref",
    "spin_wait": "warn",
}


def _load(name):
    return runpy.run_path(str(EX / f"{name}.py"))


@pytest.mark.parametrize("name,kind", sorted(CASES.items()))
def test_buggy_model_is_caught_and_replays(name, kind):
    m = _load(name)
    races = "error" if kind == "data-race" else "warn"
    res = kcheck.check(m["buggy"], races=races)
    # an exception in the model is a model error (exit 2), reported with its trace all the same
    assert res.verdict == ("error" if kind == "model-error" else "bug")
    assert res.bug.kind == kind, res.bug.message
    again = kcheck.replay(m["buggy"], res.bug.schedule, races=races)
    assert again.bug is not None and again.bug.kind == kind
    # the replay line a replay prints is the one it was given: a fixed point
    assert again.bug.schedule == res.bug.schedule
    assert again.bug.context_switches == res.bug.context_switches
    assert ">>" in res.bug.trace


@pytest.mark.parametrize("name,kind", sorted(CASES.items()))
def test_fixed_twin_is_clean_and_exhaustive(name, kind):
    m = _load(name)
    races = "error" if kind == "data-race" else "warn"
    res = kcheck.check(m["fixed"], races=races)
    assert res.verdict == "no-bug", res.bug and res.bug.message
    assert res.exhaustive
    assert res.executions >= 1


class _Opaque:
    """Its repr has an address, which differs between processes and runs."""


def test_an_assert_that_pytest_rewrote_still_replays():
    # This module's asserts are rewritten by pytest: the message of a failing
    # assert in model code gains lines of explanation with object addresses.
    # The bug must still replay as the same bug from its schedule.
    from kcheck import spawn, check
    from kcheck.kernel import KStruct, READ_ONCE, WRITE_ONCE, ptr

    class box(KStruct):
        v: int

    def writer(b):
        WRITE_ONCE(ptr(b, "v"), 1)

    def reader(b):
        assert READ_ONCE(ptr(b, "v")) == 0 or _Opaque() is None

    def main():
        b = box()
        spawn(writer, b, name="writer")
        spawn(reader, b, name="reader")

    r = check(main)
    assert r.verdict == "bug" and r.bug.kind == "warn"
    assert "did not replay" not in r.bug.message and "!!" in r.bug.trace


@pytest.mark.parametrize("what", ["warn", "refcount", "model-error"])
def test_a_bare_except_does_not_swallow_what_kcheck_raises(what):
    # `try: ... except: pass` around a WARN_ON made the run "no bug, exhaustive":
    # kcheck's signals are BaseExceptions, which a bare except catches.  The
    # kernel has printed the WARN by then; the run takes it as met.
    from kcheck import spawn
    from kcheck.kernel import (KStruct, atomic_t, atomic_set, refcount_t, refcount_dec, spinlock_t,
                               WARN_ON)
    from kcheck.engine.runtime import ModelError

    class s(KStruct):
        lock: spinlock_t

    def t(x, r, o):
        try:
            if what == "warn":
                WARN_ON(True)
            elif what == "refcount":
                refcount_dec(r)          # 0 -> underflow WARN
            else:
                o.flag = 1               # not a field
        except:                          # noqa: E722
            pass
        atomic_set(x, 1)

    def main():
        spawn(t, atomic_t(0), refcount_t(0), s(), name="t")
    if what == "model-error":
        with pytest.raises(ModelError, match="no field 'flag'"):
            kcheck.check(main)
        return
    r = kcheck.check(main)
    assert r.verdict == "bug" and r.bug.kind in ("warn", "refcount-warn"), r
    again = kcheck.replay(main, r.bug.schedule)
    assert again.bug.kind == r.bug.kind


@pytest.mark.parametrize("kind", ["generator", "coroutine"])
def test_a_task_function_that_runs_nothing_is_a_model_error(kind):
    # `def a(x): atomic_set(x, 1); yield` returns a generator and runs nothing:
    # the WARN in b could never fire, and the check said "no bug, exhaustive".
    from kcheck import spawn
    from kcheck.kernel import atomic_t, atomic_set, atomic_read, WARN_ON
    from kcheck.engine.runtime import ModelError

    def gen(x):
        atomic_set(x, 1)
        yield

    async def coro(x):
        atomic_set(x, 1)

    def b(x):
        WARN_ON(atomic_read(x) == 1)

    def main():
        x = atomic_t(0)
        spawn(gen if kind == "generator" else coro, x, name="a")
        spawn(b, x, name="b")
    with pytest.raises(ModelError, match="none of its body ran"):
        kcheck.check(main)


@pytest.mark.parametrize("index,kind", [(-1, "global-out-of-bounds"), (2, "global-out-of-bounds"),
                                        (5, "slab-out-of-bounds")])
def test_an_array_index_outside_the_array_is_kasans_out_of_bounds(index, kind):
    # a[-1] was Python's last element (silently), a[2] of a 2-array an IndexError
    # reported as a model error; C has neither: both are KASAN out-of-bounds.
    from kcheck import spawn
    from kcheck.kernel import KArray, KStruct, WRITE_ONCE, kzalloc, kfree

    class s(KStruct):
        words: KArray.of(4)

    def t(a, o):
        if kind.startswith("slab"):
            WRITE_ONCE(o.words[index], 1)
        else:
            WRITE_ONCE(a[index], 1)
        kfree(o)

    def main():
        spawn(t, KArray(2), kzalloc(s), name="t")
    r = kcheck.check(main)
    assert r.verdict == "bug" and r.bug.kind == kind, r.bug and r.bug.message
    assert kcheck.replay(main, r.bug.schedule).bug.kind == kind


def test_sc_data_race_warnings_are_the_same_with_jobs():
    """``--jobs 2`` (the default on two cores) once dropped every SC data-race
    warning: they were collected around the serial explorer only."""
    from kcheck.kernel import KStruct

    class S(KStruct):
        a: int

    def t(o):
        o.a = o.a + 1

    def main():
        o = S()
        for i in range(2):
            kcheck.spawn(t, o, name=f"t{i}")
    serial = kcheck.check(main, jobs=1)
    parallel = kcheck.check(main, jobs=2)
    assert serial.warnings and any("data race on" in w for w in serial.warnings)
    assert sorted(parallel.warnings) == sorted(serial.warnings)
    sampled = kcheck.check(main, strategy="random", executions=50)
    assert any("data race on" in w for w in sampled.warnings)
