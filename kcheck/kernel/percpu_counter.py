"""percpu_counter (include/linux/percpu_counter.h, lib/percpu_counter.c):
``percpu_counter_init``, ``percpu_counter_add{,_batch}``, ``_sub``, ``_inc``,
``_dec``, ``percpu_counter_sum{,_positive}``, ``percpu_counter_read{,_positive}``,
``percpu_counter_set``, ``percpu_counter_compare``, ``percpu_counter_destroy``.

The kernel's structure over kcheck's raw spinlock and per-CPU data: a
central ``count`` under ``lock`` and an s32 delta per CPU.  An add changes
its CPU's delta, with interrupts off; once the delta's magnitude would
reach the batch (``max(32, 2 * nr_cpu_ids)``, the kernel's
``percpu_counter_batch``) it is folded into ``count`` under the lock.  So:

* ``percpu_counter_read()`` is ``count`` alone - off by up to batch times
  the number of CPUs either way, negative for a counter that never is.
  Code that trusts it to be exact (a free when it reads 0 while a CPU's
  delta still holds the +1 of a user) is the bug kcheck finds.
* ``percpu_counter_sum()`` adds every CPU's delta under the lock: exact
  when no one adds meanwhile (adds on the fast path do not take the lock).
* ``__percpu_counter_compare()`` decides from ``read()`` when it is more
  than batch * CPUs away from the value, else from ``sum()``.
* The counter orders nothing: the fast path is a ``this_cpu_add()``, no
  release, so seeing a decrement in a ``sum()`` does not make what the
  decrementer did before it visible (under the LKMM).

``percpu_counter_add_batch()`` is lib/percpu_counter.c's version without
CONFIG_HAVE_CMPXCHG_LOCAL (``local_irq_save()`` around the per-CPU step;
x86's ``this_cpu_try_cmpxchg()`` loop has the same outcomes).  The kernel
reads ``count`` without the lock on purpose, and the other CPUs' deltas
under it while their owners add: both sides of those intended races are
marked accesses here, so that they are not data races.  Allocation does not
fail in kcheck (``percpu_counter_init()`` returns 0) and CPU hotplug is not
modelled.  C: linux/percpu_counter.h, the same code in C.
"""

from __future__ import annotations

from ._core import run, ModelError
from .struct import KStruct, ptr
from .locking import spinlock_t


class percpu_counter(KStruct):
    """``struct percpu_counter``: ``lock`` (a raw spinlock), ``count`` and the
    per-CPU ``counters`` (``alloc_percpu(s32)``; None before init and after
    destroy)."""
    lock: spinlock_t
    count: int
    counters: object


def _batch():
    from .percpu import nr_cpu_ids
    return max(32, nr_cpu_ids() * 2)


def _counters(fbc, what):
    """``fbc->counters``.  NULL after ``percpu_counter_destroy()`` (or before
    init): the kernel's per-CPU access then lands on this CPU's per-CPU base,
    memory of someone else's - a use of a freed counter, reported as such."""
    c = fbc.counters
    if c is None or c == 0:
        run().report("use-after-free", f"{what}({fbc!r}) with fbc->counters NULL: the counter was "
                     "destroyed (or never initialised) - the per-CPU access corrupts this CPU's "
                     "per-CPU area", fatal=True)
    return c


def percpu_counter_init(fbc, amount=0, gfp=None):
    """Allocate the per-CPU deltas (zero), init the lock, ``count = amount``; 0
    (allocation does not fail in kcheck)."""
    from .percpu import alloc_percpu
    from .locking import spin_lock_init
    from .slab import _may_sleep
    if not isinstance(fbc, percpu_counter):
        raise ModelError(f"percpu_counter_init({fbc!r}): not a struct percpu_counter")
    _may_sleep(gfp, "percpu_counter_init")
    counters = alloc_percpu(int)
    spin_lock_init(fbc.lock)
    fbc.count = amount
    fbc.counters = counters
    return 0


def percpu_counter_initialized(fbc):
    c = fbc.counters
    return not (c is None or c == 0)


def percpu_counter_destroy(fbc):
    """Free the per-CPU deltas (a destroyed or never initialised counter: nothing)."""
    from .percpu import free_percpu
    c = fbc.counters
    if c is None or c == 0:
        return
    free_percpu(c)
    fbc.counters = None


def percpu_counter_set(fbc, amount):
    """Under the lock: every CPU's delta 0, ``count = amount`` (an add running on
    another CPU's fast path meanwhile is lost or kept, as in the kernel)."""
    from .atomic import WRITE_ONCE
    from .percpu import per_cpu, for_each_possible_cpu
    from .locking import raw_spin_lock_irqsave, raw_spin_unlock_irqrestore
    c = _counters(fbc, "percpu_counter_set")
    flags = raw_spin_lock_irqsave(fbc.lock)
    for cpu in for_each_possible_cpu():
        WRITE_ONCE(per_cpu(c, cpu), 0)
    WRITE_ONCE(ptr(fbc, "count"), amount)
    raw_spin_unlock_irqrestore(fbc.lock, flags)


def percpu_counter_add_batch(fbc, amount, batch):
    """Add to this CPU's delta; if its magnitude reaches ``batch``, fold it into
    ``count`` under the lock instead."""
    from .atomic import WRITE_ONCE
    from .percpu import __this_cpu_read, __this_cpu_sub, this_cpu_add
    from .sched import local_irq_save, local_irq_restore
    from .locking import raw_spin_lock, raw_spin_unlock
    c = _counters(fbc, "percpu_counter_add_batch")
    flags = local_irq_save()
    count = __this_cpu_read(c) + amount
    if abs(count) >= batch:
        raw_spin_lock(fbc.lock)
        WRITE_ONCE(ptr(fbc, "count"), fbc.count + count)
        __this_cpu_sub(c, count - amount)
        raw_spin_unlock(fbc.lock)
    else:
        this_cpu_add(c, amount)
    local_irq_restore(flags)


def percpu_counter_add(fbc, amount):
    percpu_counter_add_batch(fbc, amount, _batch())


def percpu_counter_sub(fbc, amount):
    percpu_counter_add(fbc, -amount)


def percpu_counter_inc(fbc):
    percpu_counter_add(fbc, 1)


def percpu_counter_dec(fbc):
    percpu_counter_add(fbc, -1)


def __percpu_counter_sum(fbc):
    """``count`` plus every CPU's delta, under the lock."""
    from .atomic import READ_ONCE
    from .percpu import per_cpu, for_each_possible_cpu
    from .locking import raw_spin_lock_irqsave, raw_spin_unlock_irqrestore
    c = _counters(fbc, "percpu_counter_sum")
    flags = raw_spin_lock_irqsave(fbc.lock)
    ret = fbc.count
    for cpu in for_each_possible_cpu():
        ret += READ_ONCE(per_cpu(c, cpu))
    raw_spin_unlock_irqrestore(fbc.lock, flags)
    return ret


def percpu_counter_sum(fbc):
    return __percpu_counter_sum(fbc)


def percpu_counter_sum_positive(fbc):
    ret = __percpu_counter_sum(fbc)
    return 0 if ret < 0 else ret


def percpu_counter_read(fbc):
    """``count`` alone, without the lock: approximate."""
    from .atomic import READ_ONCE
    return READ_ONCE(ptr(fbc, "count"))


def percpu_counter_read_positive(fbc):
    """``percpu_counter_read()``, 0 if it is negative."""
    ret = percpu_counter_read(fbc)
    return ret if ret >= 0 else 0


def __percpu_counter_compare(fbc, rhs, batch):
    """1, 0 or -1 as the counter is greater than, equal to or less than ``rhs``:
    from ``read()`` if it is more than ``batch`` times the CPUs away, else from
    ``sum()``."""
    from .percpu import num_online_cpus
    count = percpu_counter_read(fbc)
    if abs(count - rhs) > batch * num_online_cpus():
        return 1 if count > rhs else -1
    count = percpu_counter_sum(fbc)
    return 1 if count > rhs else (-1 if count < rhs else 0)


def percpu_counter_compare(fbc, rhs):
    return __percpu_counter_compare(fbc, rhs, _batch())


__all__ = ["percpu_counter", "percpu_counter_init", "percpu_counter_initialized",
           "percpu_counter_destroy", "percpu_counter_set", "percpu_counter_add_batch",
           "percpu_counter_add", "percpu_counter_sub", "percpu_counter_inc", "percpu_counter_dec",
           "__percpu_counter_sum", "percpu_counter_sum", "percpu_counter_sum_positive",
           "percpu_counter_read", "percpu_counter_read_positive", "__percpu_counter_compare",
           "percpu_counter_compare"]
