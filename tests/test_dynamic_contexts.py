"""Readers in the contexts tasks start: work items, timers, tasklets, interrupt
handlers, kthreads.

rcu_read_lock() in a timer, a tasklet or an interrupt handler, and read_lock()
/ down_read() in any context a task started, were model errors ("not
modelled"): valid kernel code could not be checked.  Now their sections count
(synchronize_rcu() is ordered against them; a writer shuts the readers of
started contexts through one shared counter), and the function of a timer,
tasklet, hrtimer or interrupt handler is an RCU reader as a whole, as softirq
and hardirq context are since the flavours were consolidated (v4.20).  Each
check has its twin: the same reader without the protection is a bug.
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, ptr, READ_ONCE, WRITE_ONCE, WARN_ON, rcu_read_lock,
                           rcu_read_unlock, rcu_dereference, rcu_dereference_bh,
                           rcu_assign_pointer, synchronize_rcu, kzalloc, kfree, timer_list,
                           timer_setup, mod_timer, from_timer, tasklet_struct, tasklet_setup,
                           tasklet_schedule, rwlock_t, read_lock, read_unlock, write_lock_bh,
                           write_unlock_bh, rw_semaphore, down_read, up_read, down_write, up_write,
                           work_struct, INIT_WORK, schedule_work, kthread_run)

MMS = ("sc", "lkmm")


class obj(KStruct):
    v: int


class dev(KStruct):
    p: obj
    t: timer_list
    tl: tasklet_struct


def _reader(d, locked):
    if locked:
        rcu_read_lock()
        o = rcu_dereference(ptr(d, "p"))
    else:
        o = rcu_dereference_bh(ptr(d, "p"))     # softirq context: a reader already
    if o is not None:
        READ_ONCE(ptr(o, "v"))
    if locked:
        rcu_read_unlock()


def _updater(gp):
    def updater(d):
        old = d.p
        rcu_assign_pointer(ptr(d, "p"), None)
        if gp:
            synchronize_rcu()
        kfree(old)
    return updater


def _rcu_model(ctx, locked, gp):
    def timer_fn(t):
        _reader(from_timer(dev, t, "t"), locked)

    def tasklet_fn(tl):
        _reader(tl._owner, locked)

    def main():
        d = dev(p=kzalloc(obj))
        if ctx == "timer":
            timer_setup(d.t, timer_fn)
            spawn(lambda d: mod_timer(d.t, 1), d, name="armer")
        else:
            tasklet_setup(d.tl, tasklet_fn)
            spawn(lambda d: tasklet_schedule(d.tl), d, name="raiser")
        spawn(_updater(gp), d, name="updater")
    return main


@pytest.mark.parametrize("mm", MMS)
@pytest.mark.parametrize("ctx", ["timer", "tasklet"])
@pytest.mark.parametrize("locked", [True, False], ids=["rcu_read_lock", "softirq-context"])
def test_rcu_readers_in_softirq_contexts(mm, ctx, locked):
    res = kcheck.check(_rcu_model(ctx, locked, gp=True), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    res = kcheck.check(_rcu_model(ctx, locked, gp=False), memory_model=mm)
    assert res.verdict == "bug" and res.bug.kind == "use-after-free", res


class rwdev(KStruct):
    lock: rwlock_t
    sem: rw_semaphore
    x: int
    y: int
    work: work_struct
    t: timer_list


def _read_pair(d, how):
    if how == "rwlock":
        read_lock(d.lock)
    elif how == "rwsem":
        down_read(d.sem)
    x = READ_ONCE(ptr(d, "x"))
    y = READ_ONCE(ptr(d, "y"))
    if how == "rwlock":
        read_unlock(d.lock)
    elif how == "rwsem":
        up_read(d.sem)
    WARN_ON(x != y)


def _write_pair(d, how):
    # _bh: a timer reader takes it in softirq context (lockdep's inconsistent state otherwise)
    lock, unlock = ((write_lock_bh, write_unlock_bh) if how != "rwsem" else (down_write, up_write))
    target = d.lock if how != "rwsem" else d.sem
    lock(target)
    WRITE_ONCE(ptr(d, "x"), 1)
    WRITE_ONCE(ptr(d, "y"), 1)
    unlock(target)


def _rw_model(ctx, how, twice=False):
    """A reader in a context a task starts, a writer task; ``how`` "none" reads
    without the lock (the twin)."""
    lock_kind = "rwsem" if how == "rwsem" else ("rwlock" if how == "rwlock" else "none")
    wkind = "rwsem" if how == "rwsem" else "rwlock"

    def work_fn(w):
        _read_pair(w._owner, lock_kind)

    def timer_fn(t):
        _read_pair(from_timer(rwdev, t, "t"), lock_kind)

    def kt(d):
        _read_pair(d, lock_kind)
        return 0

    def starter(d):
        if ctx == "work":
            INIT_WORK(d.work, work_fn)
            schedule_work(d.work)
        elif ctx == "timer":
            timer_setup(d.t, timer_fn)
            mod_timer(d.t, 1)
        else:
            kthread_run(kt, d, "reader")
            if twice:
                kthread_run(kt, d, "reader2")

    def main():
        d = rwdev()
        spawn(starter, d, name="starter")
        spawn(_write_pair, d, wkind, name="writer")
    return main


@pytest.mark.parametrize("mm", MMS)
@pytest.mark.parametrize("ctx,how", [("work", "rwlock"), ("timer", "rwlock"), ("kthread", "rwlock"),
                                     ("work", "rwsem"), ("kthread", "rwsem")])
def test_read_locks_in_started_contexts_exclude_writers(mm, ctx, how):
    res = kcheck.check(_rw_model(ctx, how), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    res = kcheck.check(_rw_model(ctx, "none"), memory_model=mm)
    assert res.verdict == "bug" and res.bug.kind == "warn", res


@pytest.mark.parametrize("how", ["rwlock", "rwsem"])
def test_two_started_readers_share_the_lock(how):
    """Two kthreads reading at once is no deadlock (the shared counter counts them)."""
    res = kcheck.check(_rw_model("kthread", how, twice=True))
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


def _srcu_model(gp):
    from kcheck.kernel import srcu_struct, srcu_read_lock, srcu_read_unlock, srcu_dereference, \
        synchronize_srcu

    class sdev(KStruct):
        p: obj
        t: timer_list
        ss: srcu_struct

    def timer_fn(t):
        d = from_timer(sdev, t, "t")
        i = srcu_read_lock(d.ss)
        o = srcu_dereference(ptr(d, "p"), d.ss)
        if o is not None:
            READ_ONCE(ptr(o, "v"))
        srcu_read_unlock(d.ss, i)

    def updater(d):
        old = d.p
        rcu_assign_pointer(ptr(d, "p"), None)
        if gp:
            synchronize_srcu(d.ss)
        kfree(old)

    def main():
        d = sdev(p=kzalloc(obj))
        timer_setup(d.t, timer_fn)
        spawn(lambda d: mod_timer(d.t, 1), d, name="armer")
        spawn(updater, d, name="updater")
    return main


@pytest.mark.parametrize("mm", MMS)
def test_srcu_reader_in_a_timer(mm):
    res = kcheck.check(_srcu_model(True), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    res = kcheck.check(_srcu_model(False), memory_model=mm)
    assert res.verdict == "bug" and res.bug.kind == "use-after-free", res
