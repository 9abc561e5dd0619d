"""Sleeping and waking (kernel/sched.py, wait.py, completion.py): the kernel's
own races exist, a task asleep with nobody to wake it is a lost wake-up, and
the fixed twin of each bug is clean and exhaustive."""

import pytest

import kcheck
from kcheck import spawn, current
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, ptr, WARN_ON, wait_queue_head_t, wait_event,
                           wait_event_timeout, wait_event_interruptible, waitqueue_active,
                           wq_has_sleeper, wake_up, wake_up_all, wake_up_interruptible, smp_mb,
                           set_current_state, __set_current_state, schedule, wake_up_process,
                           TASK_UNINTERRUPTIBLE, TASK_RUNNING, DEFINE_WAIT, prepare_to_wait,
                           finish_wait, completion, complete, complete_all, wait_for_completion,
                           try_wait_for_completion, reinit_completion, wait_for_completion_timeout,
                           spinlock_t, spin_lock, spin_unlock, mutex, mutex_lock, mutex_unlock)


class dev(KStruct):
    cond: int
    wq: wait_queue_head_t


def sleeper(d):
    wait_event(d.wq, lambda: READ_ONCE(ptr(d, "cond")))


def waker_waitqueue_active(d):
    WRITE_ONCE(ptr(d, "cond"), 1)
    if waitqueue_active(d.wq):             # no smp_mb() before: include/linux/wait.h's warning
        wake_up(d.wq)


def waker_wq_has_sleeper(d):
    WRITE_ONCE(ptr(d, "cond"), 1)
    if wq_has_sleeper(d.wq):
        wake_up(d.wq)


def waker_mb_waitqueue_active(d):
    WRITE_ONCE(ptr(d, "cond"), 1)
    smp_mb()
    if waitqueue_active(d.wq):
        wake_up(d.wq)


def waker_wake_up(d):
    WRITE_ONCE(ptr(d, "cond"), 1)
    wake_up(d.wq)


def _pair(waker, sleepers=1):
    def main():
        d = dev()
        for i in range(sleepers):
            spawn(sleeper, d, name=f"sleeper{i}" if sleepers > 1 else "sleeper")
        spawn(waker, d, name="waker")
    return main


def test_waitqueue_active_without_barrier_is_a_lost_wakeup_only_under_the_lkmm():
    sc = kcheck.check(_pair(waker_waitqueue_active))
    assert sc.verdict == "no-bug" and sc.exhaustive
    lk = kcheck.check(_pair(waker_waitqueue_active), memory_model="lkmm")
    assert lk.verdict == "bug" and lk.bug.kind == "lost-wakeup"
    msg = lk.bug.message
    assert "sleeper sleeps in wait_event(&dev#0->wq, lambda: READ_ONCE(ptr(d, \"cond\")))" in msg
    assert "waitqueue_active" in msg and "found no sleeper queued" in msg
    assert "waitqueue_active(&dev#0->wq) = false" in lk.bug.trace


@pytest.mark.parametrize("waker", [waker_wq_has_sleeper, waker_mb_waitqueue_active, waker_wake_up])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_the_barrier_fixes_it(waker, mm):
    res = kcheck.check(_pair(waker), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


def test_nobody_wakes_is_a_lost_wakeup_not_a_deadlock():
    def waker(d):
        WRITE_ONCE(ptr(d, "cond"), 1)      # forgets wake_up()
    res = kcheck.check(_pair(waker))
    assert res.bug.kind == "lost-wakeup"
    assert "nobody calls wake_up(&dev#0->wq)" in res.bug.message
    assert "schedule(): sleeps" in res.bug.trace
    again = kcheck.replay(_pair(waker), res.bug.schedule)
    assert again.bug.kind == "lost-wakeup"


def test_wake_up_all_wakes_every_sleeper_and_wake_up_one_exclusive():
    assert kcheck.check(_pair(waker_wake_up, sleepers=2)).verdict == "no-bug"

    def exclusive_sleeper(d):
        from kcheck.kernel import wait_event_exclusive
        wait_event_exclusive(d.wq, lambda: READ_ONCE(ptr(d, "cond")))

    def mk(waker):
        def main():
            d = dev()
            spawn(exclusive_sleeper, d, name="a")
            spawn(exclusive_sleeper, d, name="b")
            spawn(waker, d, name="waker")
        return main

    def one(d):
        WRITE_ONCE(ptr(d, "cond"), 1)
        wake_up(d.wq)

    def all_(d):
        WRITE_ONCE(ptr(d, "cond"), 1)
        wake_up_all(d.wq)
    bad = kcheck.check(mk(one))
    assert bad.bug.kind == "lost-wakeup"     # wake_up() wakes one exclusive waiter
    ok = kcheck.check(mk(all_))
    assert ok.verdict == "no-bug" and ok.exhaustive


def test_wake_up_interruptible_does_not_wake_an_uninterruptible_sleeper():
    def waker(d):
        WRITE_ONCE(ptr(d, "cond"), 1)
        wake_up_interruptible(d.wq)
    assert kcheck.check(_pair(waker)).bug.kind == "lost-wakeup"

    def interruptible_sleeper(d):
        wait_event_interruptible(d.wq, lambda: READ_ONCE(ptr(d, "cond")))

    def main():
        d = dev()
        spawn(interruptible_sleeper, d, name="sleeper")
        spawn(waker, d, name="waker")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive


class task_box(KStruct):
    flag: int
    task: object


def sleeper_tests_before_setting_state(t):
    WRITE_ONCE(ptr(t, "task"), current())
    smp_mb()
    if not READ_ONCE(ptr(t, "flag")):
        set_current_state(TASK_UNINTERRUPTIBLE)      # the state is set after the test
        schedule()
    __set_current_state(TASK_RUNNING)


def sleeper_sets_state_first(t):
    WRITE_ONCE(ptr(t, "task"), current())
    set_current_state(TASK_UNINTERRUPTIBLE)           # store + smp_mb()
    if not READ_ONCE(ptr(t, "flag")):
        schedule()
    __set_current_state(TASK_RUNNING)


def waker_process(t):
    WRITE_ONCE(ptr(t, "flag"), 1)
    smp_mb()
    p = READ_ONCE(ptr(t, "task"))
    if p is not None:
        wake_up_process(p)


def _proc(s):
    def main():
        t = task_box()
        spawn(s, t, name="sleeper")
        spawn(waker_process, t, name="waker")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_set_current_state_before_the_test(mm):
    bad = kcheck.check(_proc(sleeper_tests_before_setting_state), memory_model=mm)
    assert bad.bug.kind == "lost-wakeup"
    assert "wake_up_process(sleeper) found it TASK_RUNNING" in bad.bug.message
    ok = kcheck.check(_proc(sleeper_sets_state_first), memory_model=mm)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.trace


def test_wait_event_timeout_is_an_explorer_choice():
    seen = []

    def t(d):
        ret = wait_event_timeout(d.wq, lambda: READ_ONCE(ptr(d, "cond")), 10)
        seen.append(ret)

    def main():
        d = dev()
        spawn(t, d, name="t")
    res = kcheck.check(main)
    # nobody wakes it: only the timer ends the sleep (the wait that never ends is dropped)
    assert res.verdict == "no-bug" and res.exhaustive and res.executions == 1 and res.blocked == 1
    assert set(seen) == {0}

    seen.clear()

    def main2():
        d = dev()
        spawn(t, d, name="t")
        spawn(waker_wake_up, d, name="waker")
    res = kcheck.check(main2)
    assert res.verdict == "no-bug" and res.exhaustive
    assert 0 in seen and 10 in seen


class comp(KStruct):
    done: completion
    data: int


def comp_waiter(c):
    wait_for_completion(c.done)
    WARN_ON(READ_ONCE(ptr(c, "data")) != 1)


def comp_completer(c):
    WRITE_ONCE(ptr(c, "data"), 1)
    complete(c.done)


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_completion_orders_the_data(mm):
    def main():
        c = comp()
        spawn(comp_waiter, c, name="waiter")
        spawn(comp_completer, c, name="completer")
    res = kcheck.check(main, memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive


def test_one_complete_two_waiters_is_a_lost_wakeup_and_complete_all_fixes_it():
    def mk(signal):
        def main():
            c = comp()
            spawn(comp_waiter, c, name="w1")
            spawn(comp_waiter, c, name="w2")
            spawn(signal, c, name="completer")
        return main

    def signal_all(c):
        WRITE_ONCE(ptr(c, "data"), 1)
        complete_all(c.done)
    bad = kcheck.check(mk(comp_completer))
    assert bad.bug.kind == "lost-wakeup"
    assert "wait_for_completion(&comp#0->done)" in bad.bug.message
    assert "none is left" in bad.bug.message
    ok = kcheck.check(mk(signal_all))
    assert ok.verdict == "no-bug" and ok.exhaustive


def test_try_wait_and_reinit_completion():
    def taker(c):
        if try_wait_for_completion(c.done):
            WARN_ON(READ_ONCE(ptr(c, "data")) != 1)

    def reinit_races(c):
        reinit_completion(c.done)          # a reinit racing with complete() loses it

    def main():
        c = comp()
        spawn(taker, c, name="taker")
        spawn(comp_completer, c, name="completer")
    assert kcheck.check(main).verdict == "no-bug"

    def main2():
        c = comp()
        spawn(comp_waiter, c, name="waiter")
        spawn(comp_completer, c, name="completer")
        spawn(reinit_races, c, name="reinit")
    bad = kcheck.check(main2)
    assert bad.bug.kind == "lost-wakeup" and "reinit_completion() by reinit" in bad.bug.message


def test_completion_timeout_returns_zero_when_the_timer_fires():
    got = []

    def waiter(c):
        got.append(wait_for_completion_timeout(c.done, 5))

    def main():
        c = comp()
        spawn(waiter, c, name="waiter")
        spawn(comp_completer, c, name="completer")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive
    assert 0 in got and any(g >= 1 for g in got)


def test_a_lock_wait_and_a_sleep_are_named_apart():
    class s(KStruct):
        lock: mutex
        wq: wait_queue_head_t
        cond: int

    def holder(x):
        mutex_lock(x.lock)
        wait_event(x.wq, lambda: READ_ONCE(ptr(x, "cond")))   # sleeps holding the mutex
        mutex_unlock(x.lock)

    def other(x):
        mutex_lock(x.lock)                                     # must take it before waking
        WRITE_ONCE(ptr(x, "cond"), 1)
        wake_up(x.wq)
        mutex_unlock(x.lock)

    def main():
        x = s()
        spawn(holder, x, name="holder")
        spawn(other, x, name="other")
    res = kcheck.check(main)
    assert res.bug.kind == "deadlock"
    assert "holder sleeps in wait_event(&s#0->wq" in res.bug.message
    assert "other waits in mutex_lock(s#0->lock), held by holder" in res.bug.message


def test_prepare_to_wait_loop_by_hand():
    def hand_sleeper(d):
        wait = DEFINE_WAIT()
        while True:
            prepare_to_wait(d.wq, wait, TASK_UNINTERRUPTIBLE)
            if READ_ONCE(ptr(d, "cond")):
                break
            schedule()
        finish_wait(d.wq, wait)

    for waker, ok in ((waker_wake_up, True), (waker_waitqueue_active, True)):
        def main(waker=waker):
            d = dev()
            spawn(hand_sleeper, d, name="sleeper")
            spawn(waker, d, name="waker")
        res = kcheck.check(main)
        assert (res.verdict == "no-bug") == ok
    res = kcheck.check(main, memory_model="lkmm")
    assert res.bug.kind == "lost-wakeup"


def test_init_completion_under_a_queued_waiter_is_named():
    """btrfs 190631f1c8cb: init_completion() after the waiter queued empties
    the wait queue, and complete_all() wakes nobody.  The message said "1
    complete() ..., and none is left" (complete_all() leaves plenty)."""
    from kcheck.kernel import init_completion

    def reset_then_complete_all(c):
        init_completion(c.done)
        complete_all(c.done)

    def main():
        c = comp()
        spawn(comp_waiter, c, name="waiter")
        spawn(reset_then_complete_all, c, name="rescan")
    bad = kcheck.check(main)
    assert bad.bug.kind == "lost-wakeup", bad
    assert "1 complete_all() by rescan" in bad.bug.message, bad.bug.message
    assert "init_completion() by rescan resets it and empties its wait queue" in bad.bug.message
    assert "none is left" not in bad.bug.message


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("locked", [True, False])
def test_a_polling_sleep_is_not_an_access_that_races(memory_model, locked):
    """A flag read and written only under a mutex, polled with msleep(): no data
    race - the wait kcheck sets up for the loop stands for its next reads, made
    under the mutex.  Until 2026-11-30 the wait itself raced with the store
    (found by a review on DAMON's stop flag).  Unlocked, the flag's own reads
    still race."""
    from kcheck.kernel import mutex, mutex_lock, mutex_unlock, msleep

    class S(KStruct):
        lock: mutex
        stop: bool

    def poller(o):
        while True:
            if locked:
                mutex_lock(o.lock)
            stop = o.stop
            if locked:
                mutex_unlock(o.lock)
            if stop:
                break
            msleep(10)

    def stopper(o):
        if locked:
            mutex_lock(o.lock)
        o.stop = True
        if locked:
            mutex_unlock(o.lock)

    def main():
        o = S()
        spawn(poller, o)
        spawn(stopper, o)

    r = kcheck.check(main, memory_model=memory_model)
    assert r.verdict == "no-bug", r.format()
    raced = any("data race" in w for w in r.warnings)
    assert raced == (not locked), r.warnings


def test_wq_has_single_sleeper_counts_the_queued_waiters():
    """wq_has_single_sleeper() (rq-qos's wake-up shortcut): true with exactly one
    entry queued, false with none."""
    from kcheck.kernel import (DECLARE_WAIT_QUEUE_HEAD, DEFINE_WAIT, prepare_to_wait, finish_wait,
                               wq_has_single_sleeper, TASK_UNINTERRUPTIBLE)
    seen = []

    def waiter(wq):
        seen.append(wq_has_single_sleeper(wq))
        w = DEFINE_WAIT()
        prepare_to_wait(wq, w, TASK_UNINTERRUPTIBLE)
        seen.append(wq_has_single_sleeper(wq))
        finish_wait(wq, w)
        seen.append(wq_has_single_sleeper(wq))

    def main():
        spawn(waiter, DECLARE_WAIT_QUEUE_HEAD())

    r = kcheck.check(main)
    assert r.verdict == "no-bug", r.format()
    assert seen[-3:] == [False, True, False], seen
