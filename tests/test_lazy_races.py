"""The race detector keeps a word's marked accesses only once it has seen a
plain access to it in the run (runtime.Run._seed_racy).

The oracle is the detector that keeps every access to a plain-capable word as
it happens (``runtime.LAZY_RACES = False``): on generated programs with plain
and marked accesses, locks, RCU and callbacks, with the race detector warning
and with it stopping the search, both ways must visit the same graphs in the
same order, count the same executions and events, and meet the same first
bug with the same warnings (the same pair of accesses named in each).
"""

import os
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))

import programs  # noqa: E402  (benchmarks/programs.py)
from lkmm_programs_gen import bug_key, model, program, shape  # noqa: E402

from kcheck import join, spawn  # noqa: E402
from kcheck.engine import runtime  # noqa: E402
from kcheck.engine.explore import TruSt  # noqa: E402
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, cmpxchg, ptr, smp_load_acquire,  # noqa: E402
                           smp_store_release, spin_lock, spin_unlock, spinlock_t, xchg)


class Box(KStruct):
    v: int

SCALE = int(os.environ.get("KCHECK_ORACLE_SCALE", "1"))


def _explore(main, lazy, races, keep_going=False):
    saved, orig = runtime.LAZY_RACES, runtime.Run._seed_racy
    seeded = [0]

    def counting(run, lid, e):
        orig(run, lid, e)
        seeded[0] += len(run.racy.get(lid, ()))

    runtime.LAZY_RACES = lazy
    runtime.Run._seed_racy = counting
    try:
        shapes = []
        d = TruSt(main, races=races, max_executions=20000, keep_going=keep_going,
                  on_complete=lambda run: shapes.append(shape(run.g)))
        d.run()
    finally:
        runtime.LAZY_RACES, runtime.Run._seed_racy = saved, orig
    bug = None
    if d.bug_run is not None:
        bug = (bug_key(d.bug_run.bug), d.bug_run.bug.message, shape(d.bug_run.g))
    seen = (d.stats.executions, d.stats.blocked, d.stats.events, d.exhaustive, shapes, bug,
            d.__dict__.get("_warnings", []))
    return seen, seeded[0]


def _same_both_ways(main, races, keep_going=False):
    lazy, seeded = _explore(main, True, races, keep_going)
    eager, none = _explore(main, False, races, keep_going)
    assert none == 0
    assert lazy == eager
    return lazy, seeded


@settings(max_examples=100 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(program(rcu_cb=True, plains=True))
def test_keeping_marked_accesses_late_changes_nothing_on_generated_programs(prog):
    for races in ("warn", "error"):
        _same_both_ways(model(prog), races)


class Pair(KStruct):
    f0: int
    f1: int
    lk: spinlock_t


_access = st.one_of(
    st.tuples(st.just("r"), st.integers(0, 1), st.booleans()),          # READ_ONCE or plain load
    st.tuples(st.just("w"), st.integers(0, 1), st.integers(1, 2), st.booleans()),
    st.tuples(st.just("xchg"), st.integers(0, 1), st.integers(1, 2)),
    st.tuples(st.just("cmpxchg"), st.integers(0, 1), st.integers(0, 2), st.integers(1, 2)),
    st.tuples(st.just("acq"), st.integers(0, 1)),                         # smp_load_acquire
    st.tuples(st.just("rel"), st.integers(0, 1), st.integers(1, 2)),     # smp_store_release
    st.tuples(st.just("ifr"), st.integers(0, 1)),                         # skip the next op if set
)
_op = st.one_of(_access, st.tuples(st.just("lock"), st.lists(_access, min_size=1, max_size=2)))
_threads = st.lists(st.lists(_op, min_size=1, max_size=4), min_size=2, max_size=3)


def _do(ops_, s):
    skip = False
    for o in ops_:
        if skip:
            skip = False
            continue
        k, f = o[0], (f"f{o[1]}" if o[0] != "lock" else None)
        if k == "r":
            READ_ONCE(ptr(s, f)) if o[2] else getattr(s, f)
        elif k == "w":
            WRITE_ONCE(ptr(s, f), o[2]) if o[3] else setattr(s, f, o[2])
        elif k == "xchg":
            xchg(ptr(s, f), o[2])
        elif k == "cmpxchg":
            cmpxchg(ptr(s, f), o[2], o[3])
        elif k == "acq":
            smp_load_acquire(ptr(s, f))
        elif k == "rel":
            smp_store_release(ptr(s, f), o[2])
        elif k == "ifr":
            skip = READ_ONCE(ptr(s, f)) != 0
        else:
            spin_lock(s.lk)
            _do(o[1], s)
            spin_unlock(s.lk)


def _mixed(prog, join_first):
    def main():
        s = Pair()
        first = spawn(_do, prog[0], s, name="T0")
        for i, body in enumerate(prog[1:], 1):
            if join_first and i == 1:
                spawn(lambda b, s: (join(first), _do(b, s)), body, s, name=f"T{i}")
            else:
                spawn(_do, body, s, name=f"T{i}")
    return main


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(_threads, st.booleans())
@example([[("w", 0, 1, True), ("r", 0, False)], [("w", 0, 2, False)], [("acq", 0)]], False)
def test_keeping_marked_accesses_late_changes_nothing_on_mixed_words(prog, join_first):
    """Marked and plain accesses to the same words, RMWs, release/acquire and
    lock regions that order some of them, a join: the seed is exercised."""
    for races in ("warn", "error"):
        _same_both_ways(_mixed(prog, join_first), races)


def _marked_then_plain():
    """Marked accesses from three tasks before the first plain one, some
    ordered before it by a lock and some not: the seed must hold them all, in
    the order the run made them, for the race found to name the same pair."""
    def marked(a, lk, v):
        WRITE_ONCE(ptr(a, "v"), v)
        spin_lock(lk)
        READ_ONCE(ptr(a, "v"))
        spin_unlock(lk)

    def plain(a, lk):
        spin_lock(lk)
        a.v = 9         # a plain store: races with the marked stores outside the lock
        spin_unlock(lk)

    def main():
        a = Box()
        lk = spinlock_t()
        spawn(marked, a, lk, 1, name="m1")
        spawn(marked, a, lk, 2, name="m2")
        spawn(plain, a, lk, name="p")
    return main


@pytest.mark.parametrize("races", ["warn", "error"])
def test_the_first_plain_access_finds_the_marked_ones_before_it(races):
    seen, seeded = _same_both_ways(_marked_then_plain(), races)
    assert seeded > 0                  # the seed was used: the oracle is not vacuous
    if races == "warn":
        assert any("data race on" in w for w in seen[6])
    else:
        assert seen[5] is not None and seen[5][0][0] == "data-race"


def test_keep_going_sees_the_same_races():
    seen, _ = _same_both_ways(_marked_then_plain(), "error", keep_going=True)
    assert seen[5] is not None


@pytest.mark.parametrize("fam,n", [("lastzero", 5), ("indexer", 12), ("filesystem", 8)])
def test_the_dpor_benchmarks_race_the_same(fam, n):
    _same_both_ways(getattr(programs, fam)(n), "warn")
