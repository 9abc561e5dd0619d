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
    assert len(d._contexts) == 7          # a writer and six readers, every context idle again
    assert all(c.task is None and c.run is None and not c.gl.dead for c in d._contexts)


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
    assert len(d._contexts) == 3
    assert all(c.task is None and not c.gl.dead for c in d._contexts)
