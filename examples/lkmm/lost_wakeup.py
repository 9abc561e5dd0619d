"""A lost wakeup that only weak memory allows: store buffering.

The waker sets the condition, then wakes the sleeper only if it sees one
registered; the waiter registers, then sleeps only if the condition is not
set yet.  Under sequential consistency one of the two must see the other's
store.  Without a full barrier between each side's store and load (the
pattern of the kernel's waitqueue_active() comment in include/linux/wait.h),
the LKMM lets both loads read the old values: the waker sees no waiter, the
waiter sees no condition, and the waiter sleeps for ever.

``buggy``: found under ``--memory-model lkmm``, not under SC.
``fixed``: ``smp_mb()`` on the waker's side and ``smp_mb__after_atomic()``
after the waiter's ``atomic_inc()``: clean under both.
"""

from kcheck import spawn
from kcheck.kernel import (KStruct, atomic_t, atomic_inc, atomic_read, READ_ONCE, WRITE_ONCE,
                           smp_mb, smp_mb__after_atomic, smp_cond_load_acquire, ptr)


class wait_state(KStruct):
    cond: int          # the condition the waiter sleeps on
    waiters: atomic_t  # registered sleepers
    woken: int         # the wake-up itself


def waker(q, barrier):
    WRITE_ONCE(ptr(q, "cond"), 1)
    if barrier:
        smp_mb()
    if atomic_read(q.waiters):
        WRITE_ONCE(ptr(q, "woken"), 1)                      # wake_up()


def waiter(q, barrier):
    atomic_inc(q.waiters)
    if barrier:
        smp_mb__after_atomic()
    if READ_ONCE(ptr(q, "cond")) == 0:
        smp_cond_load_acquire(ptr(q, "woken"), lambda v: v != 0)   # schedule() until woken


def _main(barrier):
    q = wait_state()
    spawn(waker, q, barrier, name="waker")
    spawn(waiter, q, barrier, name="waiter")


def buggy():
    _main(False)


def fixed():
    _main(True)


main = buggy
