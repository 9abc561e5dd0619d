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
from lkmm_programs_gen import mixed_model, mixed_program, model, program, search_outcome, shape  # noqa: E402

from kcheck import spawn  # noqa: E402
from kcheck.engine import runtime  # noqa: E402
from kcheck.engine.explore import TruSt  # noqa: E402
from kcheck.kernel import KStruct, READ_ONCE, WRITE_ONCE, ptr, spin_lock, spin_unlock, spinlock_t  # noqa: E402


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
    seen = search_outcome(d, shapes)
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


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(mixed_program(), st.booleans())
@example([[("w", 0, 1, True), ("r", 0, False)], [("w", 0, 2, False)], [("acq", 0)]], False)
def test_keeping_marked_accesses_late_changes_nothing_on_mixed_words(prog, join_first):
    """Marked and plain accesses to the same words, RMWs, release/acquire and
    lock regions that order some of them, a join: the seed is exercised."""
    for races in ("warn", "error"):
        _same_both_ways(mixed_model(prog, join_first), races)


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
