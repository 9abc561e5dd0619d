"""``assume(cond)``: executions where ``cond`` is false do not count - and the
ones where it is true are all explored.

``assume`` used to stop the whole run, so the tasks that had not run yet
never added their writes, and a read before the ``assume`` was never
revisited to read them: ``assume(flag == 1)`` with the flag set by a task
spawned later was never satisfied, and a WARN after it was reported "no bug,
exhaustive".  Now only the assuming task stops.
"""

import pytest

import kcheck
from kcheck import spawn, assume
from kcheck.kernel import KArray, READ_ONCE, WRITE_ONCE, WARN_ON


def flag_then_warn(main_writes=(1,)):
    def main():
        a = KArray(1)

        def waiter():
            v = READ_ONCE(a[0])
            assume(v == 1)
            WARN_ON(True)

        def setter():
            for v in main_writes:
                WRITE_ONCE(a[0], v)
        spawn(waiter, name="waiter")
        spawn(setter, name="setter")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_an_assume_satisfied_by_a_later_task_is_explored(memory_model):
    res = kcheck.check(flag_then_warn(), memory_model=memory_model)
    assert res.verdict == "bug" and res.bug.kind == "warn", res.format()
    again = kcheck.replay(flag_then_warn(), res.bug.schedule, memory_model=memory_model)
    assert again.bug is not None and again.bug.kind == "warn"


def test_executions_that_fail_the_assume_are_blocked_and_the_rest_counted():
    """The waiter reads 0, 1 or 2: one execution counts, two are blocked."""
    def main():
        a = KArray(1)

        def waiter():
            assume(READ_ONCE(a[0]) == 1)

        def setter():
            WRITE_ONCE(a[0], 1)
            WRITE_ONCE(a[0], 2)
        spawn(waiter, name="waiter")
        spawn(setter, name="setter")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive
    assert (res.executions, res.blocked) == (1, 2)


def test_a_bug_only_discarded_executions_have_is_not_reported():
    """``other`` WARNs when it sees that the waiter read 0 - which is exactly
    when the waiter's assume fails: no counted execution has the WARN, though
    the other task now runs on (and meets it) after the discard."""
    def main():
        x = KArray(1)
        seen = KArray(1)

        def waiter():
            v = READ_ONCE(x[0])
            WRITE_ONCE(seen[0], v + 1)
            assume(v == 1)

        def other():
            WARN_ON(READ_ONCE(seen[0]) == 1)

        def setter():
            WRITE_ONCE(x[0], 1)
        spawn(waiter, name="waiter")
        spawn(other, name="other")
        spawn(setter, name="setter")
    for mm in ("sc", "lkmm"):
        res = kcheck.check(main, memory_model=mm)
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
        assert res.executions == 2 and res.blocked > 0, res.format()


def test_assume_false_in_main_is_a_model_error():
    def main():
        assume(False)
        spawn(lambda: None, name="t")
    from kcheck.engine.runtime import ModelError
    with pytest.raises(ModelError, match="assume\\(\\) is for tasks"):
        kcheck.check(main)
