"""Every kind of wait or blocking read, in both spawn orders, under both memory models.

Each case has a *signaller* and a *waiter*.  The waiter looks at ``x`` before
it waits (or in its critical section) and WARNs if it sees the signaller's
store: a bug that needs the signaller to go first.  The explorer starts with
the task spawned first, so in one of the two spawn orders the bug is only
reached by revisiting a read around the wait - the kind of execution the
LKMM explorer once lost for spinlocks and mutexes (both critical sections
explored in spawn order only).  Every case must be found in both orders,
under SC and under the LKMM.
"""

import pytest

import kcheck
from kcheck import spawn, join
from c_twins import load_kthread_loop
from kcheck.kernel import (
    KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, ptr, spinlock_t, mutex, rwlock_t, rw_semaphore,
    spin_lock, spin_unlock, spin_trylock, spin_is_locked, mutex_lock, mutex_unlock, read_lock,
    read_unlock, write_lock, write_unlock, down_read, up_read, down_write, up_write,
    rcu_read_lock, rcu_read_unlock, synchronize_rcu, call_rcu, rcu_barrier, rcu_head,
    smp_cond_load_acquire, smp_cond_load_relaxed, cpu_relax, smp_store_release,
    alloc_workqueue, work_struct, INIT_WORK, queue_work, flush_workqueue, flush_work,
    cancel_work_sync, completion,
    init_completion, complete, wait_for_completion, wait_queue_head_t, init_waitqueue_head,
    wait_event, wake_up, msleep, udelay, cond_resched,
)


class S(KStruct):
    x: int
    flag: int
    lk: spinlock_t
    mx: mutex
    rw: rwlock_t
    sem: rw_semaphore
    head: rcu_head
    work: work_struct
    done: completion
    wq: wait_queue_head_t


def _x(s):
    return ptr(s, "x")


def _flag(s):
    return ptr(s, "flag")


# -- each case: (signaller, waiter); the waiter WARNs when the signaller went first

def lock_pair(take, drop, field):
    def signaller(s):
        take(getattr(s, field))
        WRITE_ONCE(_x(s), 1)
        drop(getattr(s, field))

    def waiter(s):
        take(getattr(s, field))
        WARN_ON(READ_ONCE(_x(s)) == 1)
        drop(getattr(s, field))
    return signaller, waiter


def rw_pair(wtake, wdrop, rtake, rdrop, field):
    def signaller(s):
        wtake(getattr(s, field))
        WRITE_ONCE(_x(s), 1)
        wdrop(getattr(s, field))

    def waiter(s):
        rtake(getattr(s, field))
        WARN_ON(READ_ONCE(_x(s)) == 1)
        rdrop(getattr(s, field))
    return signaller, waiter


def trylock_pair():
    def signaller(s):
        spin_lock(s.lk)
        WRITE_ONCE(_x(s), 1)
        spin_unlock(s.lk)

    def waiter(s):
        if spin_trylock(s.lk):
            WARN_ON(READ_ONCE(_x(s)) == 1)
            spin_unlock(s.lk)
    return signaller, waiter


def is_locked_pair():
    def signaller(s):
        spin_lock(s.lk)
        WRITE_ONCE(_x(s), 1)
        spin_unlock(s.lk)

    def waiter(s):
        if not spin_is_locked(s.lk):
            WARN_ON(READ_ONCE(_x(s)) == 1)
    return signaller, waiter


def release_then_wait(wait):
    """The waiter reads x, then waits for the signaller's flag."""
    def signaller(s):
        WRITE_ONCE(_x(s), 1)
        smp_store_release(_flag(s), 1)

    def waiter(s):
        seen = READ_ONCE(_x(s))
        wait(s)
        WARN_ON(seen == 1)
    return signaller, waiter


def relax_wait(s):
    while READ_ONCE(_flag(s)) == 0:
        cpu_relax()


def poll_wait(delay):
    """``while (!READ_ONCE(flag)) msleep(10);`` - a polling sleep (kernel/sched.py poll)."""
    def wait(s):
        while READ_ONCE(_flag(s)) == 0:
            delay()
    return wait


def synchronize_rcu_pair():
    def signaller(s):
        synchronize_rcu()
        WRITE_ONCE(_x(s), 1)

    def waiter(s):
        rcu_read_lock()
        WARN_ON(READ_ONCE(_x(s)) == 1)
        rcu_read_unlock()
    return signaller, waiter


def _set_x(head):
    WRITE_ONCE(_x(head._owner), 1)


def rcu_barrier_pair():
    def signaller(s):
        call_rcu(s.head, _set_x)
        rcu_barrier()
        WRITE_ONCE(_flag(s), 1)

    def waiter(s):
        WARN_ON(READ_ONCE(_flag(s)) == 1 and READ_ONCE(_x(s)) == 1)
    return signaller, waiter


def _work_fn(work):
    WRITE_ONCE(_x(work._owner), 1)


def flush_workqueue_pair():
    def signaller(s):
        INIT_WORK(s.work, _work_fn)
        queue_work(s._wq, s.work)
        flush_workqueue(s._wq)
        WRITE_ONCE(_flag(s), 1)

    def waiter(s):
        WARN_ON(READ_ONCE(_flag(s)) == 1 and READ_ONCE(_x(s)) == 1)
    return signaller, waiter


def flush_work_pair(flush):
    """flush_work / cancel_work_sync: the item's function has returned when the
    flush returns (a queued item that cancel takes back never runs: x stays 0)."""
    def signaller(s):
        INIT_WORK(s.work, _work_fn)
        queue_work(s._wq, s.work)
        flush(s.work)
        WRITE_ONCE(_flag(s), 1)

    def waiter(s):
        WARN_ON(READ_ONCE(_flag(s)) == 1 and READ_ONCE(_x(s)) == 1)
    return signaller, waiter


def completion_pair():
    def signaller(s):
        WRITE_ONCE(_x(s), 1)
        complete(s.done)

    def waiter(s):
        seen = READ_ONCE(_x(s))
        wait_for_completion(s.done)
        WARN_ON(seen == 1)
    return signaller, waiter


def wait_event_pair():
    def signaller(s):
        WRITE_ONCE(_x(s), 1)
        smp_store_release(_flag(s), 1)
        wake_up(s.wq)

    def waiter(s):
        seen = READ_ONCE(_x(s))
        wait_event(s.wq, lambda: READ_ONCE(_flag(s)) == 1)
        WARN_ON(seen == 1)
    return signaller, waiter


def join_pair():
    """The waiter joins the signaller (a task handle from main)."""
    def signaller(s):
        WRITE_ONCE(_x(s), 1)

    def waiter(s):
        seen = READ_ONCE(_x(s))
        join(s._tasks["signaller"])
        WARN_ON(seen == 1)
    return signaller, waiter


CASES = {
    "spin_lock": lambda: lock_pair(spin_lock, spin_unlock, "lk"),
    "mutex_lock": lambda: lock_pair(mutex_lock, mutex_unlock, "mx"),
    "write_lock": lambda: lock_pair(write_lock, write_unlock, "rw"),
    "read_lock": lambda: rw_pair(write_lock, write_unlock, read_lock, read_unlock, "rw"),
    "down_write": lambda: lock_pair(down_write, up_write, "sem"),
    "down_read": lambda: rw_pair(down_write, up_write, down_read, up_read, "sem"),
    "spin_trylock": trylock_pair,
    "spin_is_locked": is_locked_pair,
    "smp_cond_load_acquire": lambda: release_then_wait(
        lambda s: smp_cond_load_acquire(_flag(s), lambda v: v != 0)),
    "smp_cond_load_relaxed": lambda: release_then_wait(
        lambda s: smp_cond_load_relaxed(_flag(s), lambda v: v != 0)),
    "cpu_relax loop": lambda: release_then_wait(relax_wait),
    "msleep loop": lambda: release_then_wait(poll_wait(lambda: msleep(10))),
    "udelay loop": lambda: release_then_wait(poll_wait(lambda: udelay(5))),
    "cond_resched loop": lambda: release_then_wait(poll_wait(cond_resched)),
    "synchronize_rcu": synchronize_rcu_pair,
    "rcu_barrier": rcu_barrier_pair,
    "flush_workqueue": flush_workqueue_pair,
    "flush_work": lambda: flush_work_pair(flush_work),
    "cancel_work_sync": lambda: flush_work_pair(cancel_work_sync),
    "completion": completion_pair,
    "wait_event": wait_event_pair,
    "join": join_pair,
}


def model(case, waiter_first):
    signaller, waiter = CASES[case]()

    def main():
        s = S()
        init_completion(s.done)
        init_waitqueue_head(s.wq)
        tasks = {}
        object.__setattr__(s, "_tasks", tasks)
        object.__setattr__(s, "_wq", alloc_workqueue("kcheck_wq"))
        order = [("waiter", waiter), ("signaller", signaller)]
        if not waiter_first:
            order.reverse()
        for name, fn in order:
            tasks[name] = spawn(fn, s, name=name)
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("waiter_first", [False, True], ids=["signaller-first", "waiter-first"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_order_that_needs_a_revisit_is_explored(case, waiter_first, memory_model):
    res = kcheck.check(model(case, waiter_first), memory_model=memory_model)
    assert res.verdict == "bug", (case, res.executions)
    assert res.bug.kind == "warn", res.bug.message
    again = kcheck.replay(model(case, waiter_first), res.bug.schedule, memory_model=memory_model)
    assert again.bug is not None and again.bug.kind == "warn"


# -- the exclusive and idle forms (2026-12-02) ----------------------------------

def _two_exclusive_waiters(wait, wake_all):
    from kcheck.kernel import KStruct, wait_queue_head_t, READ_ONCE, WRITE_ONCE, ptr, wake_up, \
        wake_up_all

    class dev(KStruct):
        wq: wait_queue_head_t
        flag: int

    def waiter(d):
        wait(d.wq, lambda: READ_ONCE(ptr(d, "flag")))

    def waker(d):
        WRITE_ONCE(ptr(d, "flag"), 1)
        (wake_up_all if wake_all else wake_up)(d.wq)

    def main():
        d = dev()
        spawn(waiter, d, name="w1")
        spawn(waiter, d, name="w2")
        spawn(waker, d, name="waker")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("form", ["wait_event_exclusive", "wait_event_interruptible_exclusive",
                                  "wait_event_idle_exclusive"])
def test_wake_up_wakes_one_exclusive_waiter(form, memory_model):
    """wake_up() stops after the first exclusive waiter it wakes: the second
    sleeps on with its condition true (a hang); wake_up_all() wakes both."""
    import kcheck.kernel
    wait = getattr(kcheck.kernel, form)
    res = kcheck.check(_two_exclusive_waiters(wait, False), memory_model=memory_model)
    assert res.bug is not None and res.bug.kind in ("deadlock", "lost-wakeup"), res.format()
    ok = kcheck.check(_two_exclusive_waiters(wait, True), memory_model=memory_model)
    assert ok.bug is None and ok.exhaustive, ok.format()


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_wait_event_idle_timeout_returns_zero_when_the_timer_fires(memory_model):
    from kcheck.kernel import KStruct, wait_queue_head_t, READ_ONCE, ptr, WARN_ON, \
        wait_event_idle_timeout

    class dev(KStruct):
        wq: wait_queue_head_t
        flag: int

    def waiter(d):
        WARN_ON(wait_event_idle_timeout(d.wq, lambda: READ_ONCE(ptr(d, "flag")), 10) == 0)

    def main():
        spawn(waiter, dev(), name="w")
    res = kcheck.check(main, memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "warn", res.format()


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("wait", [
    "wait_event_interruptible_exclusive(wq, READ_ONCE(work) || kthread_should_stop())",
    "wait_event_idle_exclusive(wq, READ_ONCE(work) || kthread_should_stop())",
    "wait_event_idle_timeout(wq, READ_ONCE(work) || kthread_should_stop(), HZ)"])
def test_the_exclusive_and_idle_forms_in_c(tmp_path, wait, memory_model):
    r = kcheck.check(load_kthread_loop(tmp_path, wait), memory_model=memory_model)
    assert r.bug is None and r.exhaustive, r.format()
