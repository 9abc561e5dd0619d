"""Waiting on a bit or a variable (include/linux/wait_bit.h, kernel/sched/wait_bit.c).

``wait_on_bit(word, bit, mode)`` sleeps until the bit is clear;
``wake_up_bit(word, bit)`` wakes such sleepers.  The kernel keeps no queue in
the word: waiters sleep on a queue picked by hashing the address
(``bit_waitqueue()``), and ``wake_up_bit()`` looks at that queue without its
lock - ``if (waitqueue_active(wq)) __wake_up(...)`` - so the caller must
order the clearing of the bit before that look:

    waker                                   sleeper
    clear_bit(bit, word);                   prepare_to_wait(wq, ...)
    smp_mb__after_atomic();   <- needed         (smp_mb() from set_current_state)
    wake_up_bit(word, bit);                 if (test_bit(bit, word)) schedule();

Without the barrier the LKMM lets the waker read an empty queue while the
sleeper still sees the bit set: a lost wake-up (the bug of many kernel
fixes; ``clear_and_wake_up_bit()`` has the barrier).  ``wait_var_event(var,
cond)`` and ``wake_up_var(var)`` are the same on a queue hashed from the
variable's address.

Here the queue of a (word, bit) or of a variable is its own - a hash that
never collides, so no wake-up is spurious - made of words whose ids derive
from the word's (``Loc.keyed``): the same in every run, whichever task asks
first.  The waker's ``test_bit()`` in ``wake_bit_function()`` is left out: a
sleeper woken while the bit is set again tests it and sleeps again.
"""

from __future__ import annotations

from ._core import run, Loc, loc_of
from .locking import spinlock_t
from . import sched as S
from .sched import TASK_UNINTERRUPTIBLE
from . import bitops as B
from .barrier import smp_mb__after_atomic
from .wait import wait_queue_head_t, waitqueue_active, __wake_up, _wait_event, _timeout_wait
from .sched import TASK_NORMAL

_KIND = 5                   # Loc.keyed's range for these queues
_VAR = 1 << 8               # the queue of a variable, apart from its word's 64 bits


def _queue(lid, k, name):
    wq = wait_queue_head_t.__new__(wait_queue_head_t)
    wq._name = name
    wq._loc = Loc.keyed(_KIND, lid, 2 * k, f"{name}.head", ())
    lock = spinlock_t.__new__(spinlock_t)
    lock._loc = Loc.keyed(_KIND, lid, 2 * k + 1, f"{name}.lock")
    lock._kid = ("l", lock._loc.lid)
    wq.lock = lock
    wq._kid = ("Q", wq._loc.lid)
    return wq


def bit_waitqueue(word, bit):
    """The wait queue of ``bit`` of ``word`` (of a bitmap: of its word)."""
    loc, m = B._word(bit, word)
    return _queue(loc.lid, m.bit_length() - 1, f"bit_wait({loc.name()}:{bit})")


def __var_waitqueue(var):
    return var_queue_of(loc_of(var))


def var_queue_of(loc):
    """The wait queue of the variable whose (first) word is ``loc`` (C's
    ``__var_waitqueue()`` too)."""
    return _queue(loc.lid, _VAR, f"var_wait({loc.name()})")


def wait_on_bit(word, bit, mode=TASK_UNINTERRUPTIBLE):
    """Sleep until ``bit`` of ``word`` is clear; returns 0 (signals are not
    modelled).  The bit is read with acquire ordering when it is found clear."""
    S.sleep_check("wait_on_bit")
    if not B.test_bit_acquire(bit, word):
        return 0
    wq = bit_waitqueue(word, bit)
    loc, _ = B._word(bit, word)
    _wait_event(wq, lambda: not B.test_bit(bit, word), mode, False, None, "wait_on_bit",
                label=f"wait_on_bit(&{loc.name()}, {bit})")
    B.test_bit_acquire(bit, word)       # the kernel's loop ends on test_bit_acquire()
    return 0


def wait_on_bit_lock(word, bit, mode=TASK_UNINTERRUPTIBLE):
    """Take ``bit`` of ``word`` as a lock: ``test_and_set_bit()`` (fully ordered),
    and while it was set, sleep as an exclusive waiter on the bit's queue
    (``__wait_on_bit_lock``: ``prepare_to_wait_exclusive``, ``test_bit`` -> sleep,
    then ``test_and_set_bit`` again); returns 0 holding the bit.  Unlock with
    ``clear_and_wake_up_bit()`` (``clear_bit_unlock(); smp_mb__after_atomic();
    wake_up_bit()``): an unlock that does not wake leaves the waiter asleep."""
    from .wait import (wait_queue_entry, WQ_FLAG_EXCLUSIVE, prepare_to_wait_exclusive,
                       finish_wait, _sleep_info, _me)
    S.sleep_check("wait_on_bit_lock")
    if not B.test_and_set_bit(bit, word):
        return 0
    wq = bit_waitqueue(word, bit)
    loc, _ = B._word(bit, word)
    t = _me("wait_on_bit_lock")
    entry = wait_queue_entry(t, WQ_FLAG_EXCLUSIVE)
    label = f"wait_on_bit_lock(&{loc.name()}, {bit})"
    info = _sleep_info(wq, "wait_on_bit_lock", None, label)
    while True:
        prepare_to_wait_exclusive(wq, entry, mode)
        if B.test_bit(bit, word):
            S.schedule(info)            # bit_wait(): schedule(); signals are not modelled
        if not B.test_and_set_bit(bit, word):
            finish_wait(wq, entry)
            return 0


def wake_up_bit(word, bit):
    """Wake the sleepers of ``bit`` of ``word`` - if its queue, read without the
    lock, is not empty: order the bit's clearing before this call
    (``smp_mb__after_atomic()``), or use ``clear_and_wake_up_bit()``."""
    wq = bit_waitqueue(word, bit)
    if waitqueue_active(wq):
        __wake_up(wq, TASK_NORMAL, 1, "wake_up_bit")


def clear_and_wake_up_bit(bit, word):
    """``clear_bit_unlock(); smp_mb__after_atomic(); wake_up_bit()``."""
    B.clear_bit_unlock(bit, word)
    smp_mb__after_atomic()
    wake_up_bit(word, bit)


def wait_var_event(var, condition):
    """Sleep until ``condition()`` is true, woken by ``wake_up_var(var)``."""
    S.sleep_check("wait_var_event")
    if condition():
        return
    _wait_event(__var_waitqueue(var), condition, TASK_UNINTERRUPTIBLE, False, None,
                "wait_var_event")


def wait_var_event_timeout(var, condition, timeout):
    """``wait_var_event()`` with a timeout (an explorer choice, as
    ``wait_event_timeout()``): 0 if ``condition()`` was still false when the
    timer fired, else the jiffies left (at least 1)."""
    return _timeout_wait(__var_waitqueue(var), condition, timeout, "wait_var_event_timeout")


def wait_var_event_interruptible(var, condition):
    """``wait_var_event()`` in TASK_INTERRUPTIBLE: 0, or -ERESTARTSYS in a kthread
    that ``kthread_stop()`` interrupts (the signal kcheck models)."""
    S.sleep_check("wait_var_event_interruptible")
    if condition():
        return 0
    ret = _wait_event(__var_waitqueue(var), condition, S.TASK_INTERRUPTIBLE, False, None,
                      "wait_var_event_interruptible")
    return ret if ret is not None and ret < 0 else 0


def wait_var_event_killable(var, condition):
    """``wait_var_event()`` in TASK_KILLABLE (fatal signals are not modelled): 0."""
    S.sleep_check("wait_var_event_killable")
    if condition():
        return 0
    _wait_event(__var_waitqueue(var), condition, TASK_UNINTERRUPTIBLE, False, None,
                "wait_var_event_killable")
    return 0


def wake_up_var(var):
    """Wake the sleepers on ``var`` - if its queue, read without the lock, is not
    empty: order the store the condition reads before this call (``smp_mb()``)."""
    wake_up_queue_of(loc_of(var))


def wake_up_queue_of(loc):
    """``wake_up_var()`` on the variable whose (first) word is ``loc``."""
    wq = var_queue_of(loc)
    if waitqueue_active(wq):
        __wake_up(wq, TASK_NORMAL, 1, "wake_up_var")


__all__ = ["bit_waitqueue", "wait_on_bit", "wait_on_bit_lock", "wake_up_bit", "clear_and_wake_up_bit",
           "wait_var_event", "wait_var_event_timeout", "wait_var_event_interruptible",
           "wait_var_event_killable", "wake_up_var"]
