"""Tasks whose run would repeat the last one's are not run again (runtime.Run._skip_ended).

The oracle is the replay that runs every task in every execution
(``runtime.SKIP_ENDED = False``): on generated programs, under SC, with the
race detector on and off, both ways must visit the same graphs in the same
order, count the same executions, blocked runs and events, and meet the same
first bug with the same warnings.
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

from kcheck import join, spawn  # noqa: E402
from kcheck.engine import runtime  # noqa: E402
from kcheck.engine.explore import TruSt  # noqa: E402
from kcheck.kernel import KArray, READ_ONCE, WRITE_ONCE, atomic_t, atomic_read, atomic_set  # noqa: E402

SCALE = int(os.environ.get("KCHECK_ORACLE_SCALE", "1"))


def _explore(main, skip, races):
    """Everything a search shows, with skipping on or off; and how many task
    bodies it skipped."""
    saved, orig, after = runtime.SKIP_ENDED, runtime.Run._skip_ended, runtime.SKIP_AFTER
    skipped = [0]

    def counting(run, *plan):
        orig(run, *plan)
        skipped[0] += sum(1 for t in run.tasks if t is not None and t.finished)

    runtime.SKIP_ENDED = skip
    runtime.SKIP_AFTER = 0          # from the first run that can: small programs have few
    runtime.Run._skip_ended = counting
    try:
        shapes = []
        d = TruSt(main, races=races, max_executions=20000,
                  on_complete=lambda run: shapes.append(shape(run.g)))
        d.run()
    finally:
        runtime.SKIP_ENDED, runtime.Run._skip_ended, runtime.SKIP_AFTER = saved, orig, after
    seen = search_outcome(d, shapes)
    return seen, skipped[0]


def _same_both_ways(main, races):
    on, n = _explore(main, True, races)
    off, none = _explore(main, False, races)
    assert none == 0
    assert on == off
    return n


@settings(max_examples=200 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(program(rcu_cb=True, plains=True))
@example([[("w", 0, 1, "once")], [("r", 0, "once"), ("w", 1, 2, "once")], [("r", 1, "once")]])
def test_skipping_ended_tasks_changes_nothing_on_generated_programs(prog):
    for races in ("off", "warn"):
        _same_both_ways(model(prog), races)


@settings(max_examples=150 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(mixed_program(), st.booleans())
@example([[("w", 0, 1, True)], [("r", 0, True), ("w", 1, 1, True)], [("r", 1, False)]], False)
def test_skipping_ended_tasks_changes_nothing_on_marked_and_plain_words(prog, join_first):
    """Tasks of marked accesses to words other tasks access plainly: skipped
    only while the search has made no plain access to their words,
    the race detector taking their accesses from the graph (_seed_racy)."""
    for races in ("warn", "error"):
        _same_both_ways(mixed_model(prog, join_first), races)


@pytest.mark.parametrize("fam,n", [("readers", 6), ("lastzero", 5), ("indexer", 13)])
@pytest.mark.parametrize("races", ["off", "warn"])
def test_skipping_ended_tasks_changes_nothing_on_the_dpor_benchmarks(fam, n, races):
    skipped = _same_both_ways(getattr(programs, fam)(n), races)
    assert skipped > 0              # the oracle above is not vacuous


def _handle_writer():
    """A task that publishes an object main() made and ends: a handle written
    must be the run's own object, so the task is never skipped; the task that
    read it may be (what it read is in the graph)."""
    def writer(b, x):
        WRITE_ONCE(b[0], x)
        atomic_set(x, 1)

    def reader(b):
        q = READ_ONCE(b[0])
        if q is not None:
            atomic_read(q)

    def main():
        b = KArray(1)
        x = atomic_t(0)
        spawn(writer, b, x, name="writer")
        spawn(reader, b, name="reader")
    return main


def test_a_task_writing_a_handle_is_not_skipped():
    on, _ = _explore(_handle_writer(), True, "warn")
    off, _ = _explore(_handle_writer(), False, "warn")
    assert on == off
    # the writer never; the reader may be (what it read is in the graph)
    from kcheck.engine.graph import Graph
    from kcheck.engine.explore import Driver
    run = Driver(_handle_writer(), races="off").execute(Graph())     # one run, no search
    assert run._skippable(0, 2) is None and run._skippable(1, 2) == (2, 2, ())


def test_model_code_that_is_not_deterministic_is_still_caught():
    """The first runs of a search run every task: a task whose code does not
    depend on kcheck's choices alone diverges on its replay there, as it did
    before tasks were skipped (its end is recorded at once: it is made of
    atomics)."""
    import importlib.util
    from kcheck.engine.runtime import ModelError
    path = os.path.join(os.path.dirname(__file__), "bad", "nondeterministic.py")
    spec = importlib.util.spec_from_file_location("nondeterministic", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.raises(ModelError, match="deterministic"):
        TruSt(mod.main, races="off").run()


def _joined_after_a_read(nwriters):
    """A task joined by a task after a read that the writers revisit: each
    revisit runs the joiner again, and its join again, on a task that ended
    long before (the generated programs join first, before any read)."""
    from kcheck.kernel import READ_ONCE, WRITE_ONCE, atomic_t, atomic_set

    def joiner(y, x, a):
        READ_ONCE(y.counter)
        join(a)
        READ_ONCE(x.counter)

    def main():
        x, y = atomic_t(0), atomic_t(0)
        a = spawn(atomic_set, x, 1, name="A")
        spawn(atomic_set, x, 2, name="B")
        spawn(joiner, y, x, a, name="C")
        for i in range(nwriters):
            spawn(atomic_set, y, i + 1, name=f"W{i}")
    return main


@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_task_joined_after_a_revisited_read(n):
    _same_both_ways(_joined_after_a_read(n), "warn")
