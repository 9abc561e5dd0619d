"""The workqueue's symmetry reduction against the full exploration.

A queue's workers are interchangeable, so kcheck explores only executions in
which they start in index order (kernel/workqueue.py).  The oracle: on
generated programs (tasks queue work items and flush, work functions read,
write, RMW and take locks, WARN), the reduced exploration and the full one
(``SYMMETRIC_WORKERS = False``) must agree on every observable outcome (what
each work function read, the final values) and on every bug, under SC and
the LKMM; the reduced one never explores more.

And a queue made with the kernel's default ``max_active`` has no worker
tasks at all: each queuing gets a worker context of its own (an unbounded
pool).  The oracle for that: the same programs, with cancels among the
queuings, on an unbounded queue and on a queue with a worker for every
queuing (which can never run short of an idle worker) must agree on every
outcome and every bug.
"""

import os

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import kcheck
from kcheck import spawn, join
from kcheck.engine.explore import TruSt
from kcheck.kernel import (
    KStruct, KArray, READ_ONCE, WRITE_ONCE, xchg, cmpxchg, spinlock_t, rwlock_t, spin_lock,
    spin_unlock, read_lock, read_unlock, write_lock, write_unlock, WARN_ON, work_struct,
    INIT_WORK, alloc_workqueue, queue_work, flush_workqueue, ptr, cancel_work, cancel_work_sync,
)
from kcheck.kernel import workqueue

from lkmm_programs_gen import bug_key

SCALE = int(os.environ.get("KCHECK_ORACLE_SCALE", "1"))
NLOC = 2

loc = st.integers(0, NLOC - 1)
leaf = st.one_of(
    st.tuples(st.just("r"), loc),
    st.tuples(st.just("w"), loc, st.integers(1, 2)),
    st.tuples(st.just("xchg"), loc, st.integers(1, 2)),
    st.tuples(st.just("cmpxchg"), loc, st.integers(0, 1), st.integers(1, 2)),
    st.tuples(st.just("warn"), loc, st.integers(1, 2)),
)
body = st.lists(st.one_of(leaf, st.tuples(st.just("lock"), st.sampled_from(["spin", "read", "write"]),
                                          st.lists(leaf, min_size=1, max_size=2))),
                min_size=1, max_size=2)


@st.composite
def program(draw):
    works = draw(st.lists(body, min_size=1, max_size=2))
    queuers = draw(st.lists(st.lists(st.integers(0, len(works) - 1), min_size=1, max_size=2),
                            min_size=1, max_size=2).filter(lambda q: sum(map(len, q)) <= 3))
    flush = draw(st.booleans())
    workers = draw(st.integers(2, 3))
    return works, queuers, flush, workers


class shared(KStruct):
    lk: spinlock_t
    rw: rwlock_t


class item(KStruct):
    work: work_struct


def _run(ops, s, a, log):
    for o in ops:
        k = o[0]
        if k == "r":
            log.append(READ_ONCE(a[o[1]]))
        elif k == "w":
            WRITE_ONCE(a[o[1]], o[2])
        elif k == "xchg":
            log.append(xchg(a[o[1]], o[2]))
        elif k == "cmpxchg":
            log.append(cmpxchg(a[o[1]], o[2], o[3]))
        elif k == "warn":
            WARN_ON(READ_ONCE(a[o[1]]) == o[2])
        else:
            take, drop, lk = {"spin": (spin_lock, spin_unlock, s.lk),
                              "read": (read_lock, read_unlock, s.rw),
                              "write": (write_lock, write_unlock, s.rw)}[o[1]]
            take(lk)
            _run(o[2], s, a, log)
            drop(lk)


def model(prog, seen):
    """``seen["log"]`` is the current execution's observations: one entry per work
    function run (its index and the values it read), and the final values."""
    works, queuers, flush, workers = prog

    def main():
        s = shared()
        a = KArray(NLOC)
        log = seen["log"] = []
        wq = alloc_workqueue("wq", 0, 0, workers=workers)
        items = []
        for w, ops in enumerate(works):
            it = item()

            def fn(work, w=w, ops=ops):
                mine = []
                _run(ops, s, a, mine)
                log.append((w, tuple(mine)))
            INIT_WORK(it.work, fn)
            items.append(it)

        def queuer(which):
            for w in which:
                if isinstance(w, tuple):        # ("c" | "cs", item): a cancel
                    (cancel_work if w[0] == "c" else cancel_work_sync)(items[w[1]].work)
                else:
                    queue_work(wq, items[w].work)
            if flush:
                flush_workqueue(wq)

        tasks = [spawn(queuer, q, name=f"Q{i}") for i, q in enumerate(queuers)]

        def final():
            for t in tasks:
                join(t)
            flush_workqueue(wq)
            log.append(("final", tuple(READ_ONCE(a[i]) for i in range(NLOC))))
        spawn(final, name="final")
    return main


def explore(prog, memory_model, symmetric, limit=3000):
    """(outcomes, bug keys, executions); None if not exhaustive within ``limit``."""
    seen, outcomes, bugs = {}, set(), set()

    def on_bug(run, bug):
        bugs.add(bug_key(bug))
        return False

    def on_complete(run):
        outcomes.add(tuple(sorted(seen["log"], key=repr)))

    old = workqueue.SYMMETRIC_WORKERS
    workqueue.SYMMETRIC_WORKERS = symmetric
    try:
        d = TruSt(model(prog, seen), memory_model=memory_model, races="off", on_bug=on_bug,
                  on_complete=on_complete, max_executions=limit, keep_going=True)
        d.run()
    finally:
        workqueue.SYMMETRIC_WORKERS = old
    if not d.exhaustive:
        return None
    return outcomes, bugs, d.stats.executions


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_symmetry_reduction_loses_no_outcome_and_no_bug(memory_model):
    @settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
    @given(program())
    def check(prog):
        full = explore(prog, memory_model, False)
        assume(full is not None)
        reduced = explore(prog, memory_model, True)
        assert reduced[0] == full[0], "outcomes differ"
        assert reduced[1] == full[1], "bugs differ"
        assert reduced[2] <= full[2]
    check()


def test_one_item_and_two_workers_is_explored_once_not_twice():
    """Who of two idle workers takes the only item is not a difference."""
    prog = ([[("w", 0, 1)]], [[0]], False, 2)
    full = explore(prog, "sc", False)
    reduced = explore(prog, "sc", True)
    assert full[0] == reduced[0]
    assert reduced[2] * 2 == full[2], (reduced[2], full[2])


def test_a_bug_that_needs_both_workers_busy_is_still_found():
    """Item 0 waits (under a lock-free flag) for item 1, which only the second
    worker can run while the first is busy: both workers must run at once."""
    class S(KStruct):
        a: work_struct
        b: work_struct
        x: int

    def wait_for_b(work):
        s = work._owner
        WARN_ON(READ_ONCE(ptr(s, "x")) == 1)

    def set_x(work):
        WRITE_ONCE(ptr(work._owner, "x"), 1)

    def main():
        s = S()
        wq = alloc_workqueue("wq", 0, 2)
        INIT_WORK(s.a, wait_for_b)
        INIT_WORK(s.b, set_x)

        def q():
            queue_work(wq, s.a)
            queue_work(wq, s.b)
        spawn(q, name="q")
    res = kcheck.check(main)
    assert res.verdict == "bug" and res.bug.kind == "warn"
    again = kcheck.replay(main, res.bug.schedule)
    assert again.bug is not None and again.bug.kind == "warn"


@st.composite
def program_with_cancels(draw):
    works = draw(st.lists(body, min_size=1, max_size=2))
    op = st.one_of(st.integers(0, len(works) - 1),
                   st.tuples(st.sampled_from(["c", "cs"]), st.integers(0, len(works) - 1)))
    queuers = draw(st.lists(st.lists(op, min_size=1, max_size=3), min_size=1, max_size=2)
                   .filter(lambda q: sum(map(len, q)) <= 4))
    return works, queuers, draw(st.booleans())


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_unbounded_queue_is_a_queue_with_a_worker_per_queuing(memory_model):
    @settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
    @given(program_with_cancels())
    def check(prog):
        works, queuers, flush = prog
        nq = sum(1 for q in queuers for w in q if not isinstance(w, tuple))
        pool = explore((works, queuers, flush, max(nq, 1)), memory_model, True)
        assume(pool is not None)
        unbounded = explore((works, queuers, flush, None), memory_model, True)
        assert unbounded is not None
        assert unbounded[0] == pool[0], "outcomes differ"
        assert unbounded[1] == pool[1], "bugs differ"
    check()


def test_a_queuing_main_made_can_be_cancelled_before_it_runs():
    """An item main() queued on an unbounded queue starts on the queue: a
    cancel_work() that comes first takes it back and it never runs."""
    class S(KStruct):
        w: work_struct
        ran: int

    def fn(work):
        WRITE_ONCE(ptr(work._owner, "ran"), 1)

    seen = set()

    def main():
        s = S()
        wq = alloc_workqueue("wq", 0, 0)
        INIT_WORK(s.w, fn)
        queue_work(wq, s.w)

        def canceller():
            took = cancel_work_sync(s.w)
            seen.add((took, READ_ONCE(ptr(s, "ran"))))
        spawn(canceller, name="c")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message
    assert seen == {(True, 0), (False, 1)}, seen
