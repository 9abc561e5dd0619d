"""lockdep and trylocks (kernel/locking/lockdep.c, v5.8 to v6.18).

``mark_usage()``: a trylock in hardirq or softirq context marks no
LOCK_USED_IN_* (it cannot spin there), but a lock trylocked with interrupts
or softirqs on is held with them on: LOCK_ENABLED_*.  ``validate_chain()``: a
trylock adds no lock-order dependency ("trylock can be done in any order").
kcheck had the usages the other way round until 2026-11-30 (found by a
review against lockdep.c): each case below with its twin.
"""

import re

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (IRQ_HANDLED, KStruct, del_timer_sync, from_timer, mod_timer,
                           request_irq, rwlock_t, spin_lock, spin_lock_bh, spin_trylock,
                           spin_unlock, spin_unlock_bh, spinlock_t, timer_list, timer_setup,
                           write_lock, write_trylock, write_unlock, read_lock, read_unlock,
                           read_trylock, WARN_ON, write_lock_bh, write_unlock_bh, local_bh_disable, local_bh_enable)


class dev(KStruct):
    lock: spinlock_t
    rw: rwlock_t
    count: int


def _irq(take):
    def handler(irq, d):
        take(d)
        return IRQ_HANDLED
    return handler


def lock(d):
    spin_lock(d.lock)
    d.count += 1
    spin_unlock(d.lock)


def trylock(d):
    if spin_trylock(d.lock):
        d.count += 1
        spin_unlock(d.lock)


def wlock(d):
    write_lock(d.rw)
    d.count += 1
    write_unlock(d.rw)


def wtrylock(d):
    if write_trylock(d.rw):
        d.count += 1
        write_unlock(d.rw)


def rtrylock(d):
    if read_trylock(d.rw):
        d.count += 0
        read_unlock(d.rw)


def _main(in_handler, in_task):
    def main():
        d = dev()
        request_irq(3, _irq(in_handler), 0, "dev", d)
        spawn(in_task, d, name="task")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("in_handler,in_task,bug", [
    (lock, trylock, True),        # held with interrupts on after a trylock: the irq spins
    (wlock, wtrylock, True),
    (wlock, rtrylock, True),      # a reader held with interrupts on blocks the handler's writer
    (trylock, lock, False),       # the handler only tries: it never spins
    (wtrylock, wlock, False),
    (lock, lock, True),           # the control
])
def test_trylock_irq_usage(in_handler, in_task, bug, mm):
    r = kcheck.check(_main(in_handler, in_task), memory_model=mm)
    if bug:
        assert r.bug is not None and r.bug.kind == "lockdep", r
        assert re.search(r"\{HARDIRQ-ON-[RW]\} -> \{IN-HARDIRQ-W\}", r.bug.message), r.bug.message
    else:
        assert r.bug is None and r.exhaustive, r


class D(KStruct):
    a: spinlock_t
    b: spinlock_t
    t: timer_list
    n: int


def tick(t):
    d = from_timer(D, t, "t")
    spin_lock(d.a)
    d.n += 1
    spin_unlock(d.a)


def _holder(try_b):
    def holder(d):
        mod_timer(d.t, 0)
        spin_lock_bh(d.a)
        if try_b:
            if spin_trylock(d.b):
                spin_unlock(d.b)
        else:
            spin_lock(d.b)
            spin_unlock(d.b)
        spin_unlock_bh(d.a)
        del_timer_sync(d.t)
    return holder


def other(d):
    spin_lock(d.b)
    spin_unlock(d.b)


@pytest.mark.parametrize("try_b", [True, False])
def test_a_trylock_adds_no_lock_order(try_b):
    """A is softirq-safe (a timer takes it), B softirq-unsafe; B only trylocked
    under A cannot deadlock (the holder of A fails instead of spinning)."""
    def main():
        d = D()
        timer_setup(d.t, tick)
        spawn(_holder(try_b), d, name="cpu1")
        spawn(other, d, name="cpu0")
    r = kcheck.check(main)
    if try_b:
        assert r.bug is None and r.exhaustive, r
    else:
        assert r.bug is not None and r.bug.kind == "lockdep"
        assert "SOFTIRQ-safe -> SOFTIRQ-unsafe lock order" in r.bug.message


def test_a_trylock_with_softirqs_on_of_a_lock_a_timer_takes():
    """A trylock in task context with softirqs on is still a SOFTIRQ-ON usage of
    a lock a timer takes: the timer may fire on this CPU while it is held."""
    def holder(d):
        mod_timer(d.t, 0)
        local = spin_trylock(d.a)   # with softirqs on: A is also SOFTIRQ-ON
        if local:
            spin_lock(d.b)
            spin_unlock(d.b)
            spin_unlock(d.a)
        del_timer_sync(d.t)

    def main():
        d = D()
        timer_setup(d.t, tick)
        spawn(holder, d, name="cpu1")
    r = kcheck.check(main)
    # A taken in softirq context (the timer) and trylocked with softirqs on:
    # the inconsistent usage lockdep prints for it
    assert r.bug is not None and r.bug.kind == "lockdep"
    assert "{SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}" in r.bug.message, r.bug.message


# -- nested read_lock() in interrupt context ------------------------------------

class R(KStruct):
    rw: rwlock_t
    t: timer_list
    n: int


def _lookup(d):
    read_lock(d.rw)
    v = d.n
    read_unlock(d.rw)
    return v


def _nested_reader(d):
    read_lock(d.rw)
    _lookup(d)                  # the same rwlock again
    WARN_ON(d.n != 0)           # still inside the outer read section
    read_unlock(d.rw)


def _writer(d):
    write_lock_bh(d.rw)         # the timer reads it: bottom halves off here
    d.n = 1
    d.n = 0
    write_unlock_bh(d.rw)


@pytest.mark.parametrize("where,bug", [("timer", None), ("bh", None), ("task", "deadlock")])
def test_nested_read_lock_is_legal_in_interrupt_context(where, bug):
    """qrwlock readers in interrupt context (a softirq, bottom halves off) do
    not queue behind a waiting writer (queued_read_lock_slowpath()), and
    lockdep's read_lock_is_recursive() is true there: a nested read_lock() is
    legal.  In task context it can deadlock behind a queued writer.  The outer
    hold still keeps the writer out after the inner unlock (the WARN)."""
    def tick(t):
        _nested_reader(from_timer(R, t, "t"))

    def arm(d):
        mod_timer(d.t, 0)
        del_timer_sync(d.t)

    def bh(d):
        local_bh_disable()
        _nested_reader(d)
        local_bh_enable()

    def main():
        d = R()
        timer_setup(d.t, tick)
        body = {"timer": arm, "bh": bh, "task": _nested_reader}[where]
        spawn(body, d, name="cpu0")
        spawn(_writer, d, name="cpu1")
    r = kcheck.check(main)
    if bug is None:
        assert r.bug is None and r.exhaustive, r
    else:
        assert r.bug is not None and r.bug.kind == bug and "recursive locking" in r.bug.message
