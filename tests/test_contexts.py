"""Task contexts are reused across executions (runtime._Context): a search
makes a context per task once, not per task per execution, and a context
whose task was cut short (a bug stopped the run, a wait never returned)
runs the next execution's task from its start."""

import sys
from pathlib import Path

import kcheck
from kcheck.engine.explore import TruSt
from kcheck.kernel import atomic_t, atomic_read, atomic_set

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import programs  # noqa: E402


def test_a_search_makes_one_context_per_task():
    d = TruSt(programs.readers(6)).run()
    assert d.stats.executions == 64
    # a writer and six readers, each of which runs to its end once started: each
    # next task starts on the context the last one ended on (Run._chain), so one
    # context serves them all, idle again at the end
    assert len(d._contexts) == 1
    assert all(c.task is None and c.run is None and not c.gl.dead for c in d._contexts)
    # tasks that wait for each other need a context each, never more
    d = TruSt(programs.lastzero(5)).run()
    assert d.stats.executions == 64
    assert 1 < len(d._contexts) <= 6
    assert all(c.task is None and c.run is None and not c.gl.dead for c in d._contexts)


def test_chained_tasks_explore_what_separate_contexts_do():
    # the same graphs, in the same order, with a context per task (no chaining)
    from kcheck.engine import runtime
    from kcheck.engine.graph import Graph  # noqa: F401

    def graphs(prog, chain):
        out = []
        d = TruSt(prog, on_complete=lambda run: out.append(
            tuple((e.tid, e.idx, e.kind, e.lid, e.val, None if e.rf is None else (e.rf.tid, e.rf.idx))
                  for e in sorted((e for th in run.g.threads for e in th), key=lambda e: e.stamp))))
        if not chain:
            d.pick = lambda run: TruSt.pick(d, run)     # an instance attribute: not "pure"
        d.run()
        return out
    for prog in (programs.readers(5), programs.lastzero(4), programs.indexer(13)):
        assert graphs(prog, True) == graphs(prog, False)


def test_contexts_of_abandoned_runs_start_the_next_task_afresh():
    # A run that sees x == 1 is discarded inside a reader (assume), and the tasks still
    # running are unwound; the next runs reuse those contexts from a task's start.
    def main():
        x = atomic_t(0)

        def reader():
            v = atomic_read(x)
            kcheck.assume(v == 0)
            atomic_read(x)
        kcheck.spawn(atomic_set, x, 1, name="w")
        kcheck.spawn(reader, name="r1")
        kcheck.spawn(reader, name="r2")
    d = TruSt(main).run()
    # as with a greenlet per task; blocked: r1 sees 1 (with r2 seeing 1, or 0 then 0 or 1)
    # and r2 sees 1 (with r1 seeing 0 then 0 or 1) - the other reader runs on after a discard
    assert (d.stats.executions, d.stats.blocked) == (4, 5)
    assert 1 <= len(d._contexts) <= 3
    assert all(c.task is None and not c.gl.dead for c in d._contexts)


def test_a_task_cut_short_mid_body_leaves_its_context_reusable():
    # r1 waits for r2's store (a context stays inside r1's body) while the writer's
    # WARN stops the run: r1 is unwound with Stop, and the next run reuses its context
    from kcheck.kernel import WARN_ON, smp_cond_load_acquire

    def main():
        x = atomic_t(0)
        y = atomic_t(0)

        def waiter():
            smp_cond_load_acquire(y, lambda v: v == 1)
            atomic_read(x)

        def setter():
            atomic_set(y, 1)

        def warner():
            WARN_ON(atomic_read(x) == 1)
        kcheck.spawn(waiter, name="waiter")
        kcheck.spawn(atomic_set, x, 1, name="w")
        kcheck.spawn(warner, name="warner")
        kcheck.spawn(setter, name="setter")
    d = TruSt(main).run()
    assert d.bug_run is not None and d.bug_run.bug.kind == "warn"
    d2 = TruSt(main, keep_going=True, on_bug=lambda run, bug: False).run()
    assert d2.exhaustive and d2.bugs >= 1
    assert all(c.task is None and not c.gl.dead for c in d2._contexts)
    assert len(d2._contexts) <= 4
