"""kthread_run / kthread_should_stop / kthread_stop: the thread loop that tests
kthread_should_stop() after set_current_state() stops; the one that tests it
before sleeps through kthread_stop()'s wake-up, and kthread_stop() waits for
ever - a twin under both memory models."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, ptr, kthread_run, kthread_stop,
                           kthread_should_stop, set_current_state, schedule, TASK_INTERRUPTIBLE,
                           TASK_RUNNING, WARN_ON)


class dev(KStruct):
    work: int


def good(d):
    while True:
        set_current_state(TASK_INTERRUPTIBLE)
        if kthread_should_stop():
            break
        if READ_ONCE(ptr(d, "work")):
            set_current_state(TASK_RUNNING)
            WRITE_ONCE(ptr(d, "work"), 0)
            continue
        schedule()
    set_current_state(TASK_RUNNING)
    return 7


def bad(d):
    while not kthread_should_stop():
        set_current_state(TASK_INTERRUPTIBLE)
        schedule()
    return 7


def model(threadfn, from_task=False):
    def stopper(kt, d):
        WRITE_ONCE(ptr(d, "work"), 1)
        WARN_ON(kthread_stop(kt) != 7)

    def starter(d):
        stopper(kthread_run(threadfn, d, "mythread"), d)

    def main():
        d = dev()
        if from_task:
            spawn(starter, d, name="starter")
        else:
            spawn(stopper, kthread_run(threadfn, d, "mythread"), d, name="stopper")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("from_task", [False, True], ids=["from-main", "from-a-task"])
def test_a_thread_loop_and_kthread_stop(memory_model, from_task):
    ok = kcheck.check(model(good, from_task), memory_model=memory_model)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()
    res = kcheck.check(model(bad, from_task), memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "deadlock", res.format()
    assert "kthread_stop" in res.bug.message
    again = kcheck.replay(model(bad, from_task), res.bug.schedule, memory_model=memory_model)
    assert again.bug is not None and again.bug.kind == "deadlock"


def test_should_stop_outside_a_kthread_is_a_model_error():
    from kcheck.engine.runtime import ModelError

    def main():
        spawn(kthread_should_stop, name="t")
    with pytest.raises(ModelError, match="outside a thread started by kthread_run"):
        kcheck.check(main)
