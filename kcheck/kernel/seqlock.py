"""Sequence counters and sequential locks (include/linux/seqlock.h).

A writer makes the sequence odd (``write_seqcount_begin``: increment, then
``smp_wmb()``), writes, and makes it even again (``smp_wmb()``, increment).
A reader waits for an even sequence (``read_seqcount_begin``: the kernel
spins with ``cpu_relax()``; here it is a blocking wait), ``smp_rmb()``,
reads, then ``read_seqcount_retry``: ``smp_rmb()`` and "did the sequence
change?".  The reader's loop is the model's own code, as in C::

    while True:
        seq = read_seqbegin(&sl)
        ... read ...
        if not read_seqretry(&sl, seq):
            break

Under the LKMM the barriers carry the guarantee; under SC they are
no-ops and the retry alone does.  Using what was read before the retry
says it is consistent is the classic seqcount reader bug.

The writer's increment is a plain ``s->sequence++`` in the kernel, which
KCSAN excuses (``kcsan_nestable_atomic_begin``); here it is a marked load
and store so that kcheck's race checks do not flag it.

The data a seqcount protects is read and written with plain C accesses
(``u64_stats_sync``, ``struct timekeeper``, ``d_seq``), and the kernel's
tools take those sections as correct: KCSAN marks every access between
``read_seqcount_begin()`` and ``read_seqcount_retry()``
(``kcsan_atomic_next(KCSAN_SEQLOCK_REGION_MAX)``, ended by
``kcsan_atomic_next(0)``) and between ``write_seqcount_begin()`` and
``write_seqcount_end()`` (``kcsan_nestable_atomic_begin()``/``_end()``) as
atomic.  kcheck does the same: in those sections a task's plain accesses are
marked ones (``READ_ONCE``/``WRITE_ONCE``), so they are not data races and,
under the LKMM, the section's ``smp_rmb()``/``smp_wmb()`` order them - a
reader whose retry passes saw a whole write.  (The LKMM's formal model makes
such plain accesses a data race, with any outcome allowed; a kernel
developer and KCSAN do not.)  What a reader does with the data *after* a
retry that said "retry", or without asking, is outside the section and
checked as it is.  ``seqlock_t`` adds a
spinlock that serializes writers (``write_seqlock``); a plain ``seqcount_t``
writer must be serialized by the caller and, as lockdep asserts in
``write_seqcount_begin``, run with preemption disabled (a spinlock held,
bottom halves or interrupts off); ``seqcount_spinlock_t`` names its lock and
``write_seqcount_begin`` asserts that lock is held.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, NO_WRITE, BLOCK, ONCE, WAIT, op, anon, KCSAN_ATOMIC
from .locking import spinlock_t, _take, _release, _held
from . import sched as _sched


class seqcount_t(KObject):
    __slots__ = ("_loc", "_kid", "lock", "preemptible")

    def __init__(self, owner=None, field=None, lock=None):
        self._loc = Loc(0, owner, f"{field or anon('seqcount_t')}.sequence")
        self._kid = ("s", self._loc.lid)
        self.lock = lock            # seqcount_spinlock_t / seqcount_mutex_t: the writer's lock
        # seqcount_mutex_t: its writers hold a sleeping lock, so write_seqcount_begin()
        # disables preemption itself (seqprop_preemptible) and _end() enables it
        self.preemptible = False

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._loc.name().removesuffix('.sequence')}"


def SEQCNT_ZERO():
    return seqcount_t()


def seqcount_init(s):
    run().write(s._loc, 0, ONCE, "seqcount_init")


def seqcount_spinlock_init(s, lock):
    """``seqcount_spinlock_init(s, lock)``: writers must hold ``lock``."""
    s.lock = lock
    run().write(s._loc, 0, ONCE, "seqcount_init")


def seqcount_mutex_init(s, lock):
    """``seqcount_mutex_init(s, lock)``: writers hold the mutex ``lock``; the write
    section itself runs with preemption disabled (write_seqcount_begin() does
    it), so sleeping inside it is "sleeping function called from invalid
    context"."""
    seqcount_spinlock_init(s, lock)
    s.preemptible = True


def _even(v):
    return BLOCK if v & 1 else NO_WRITE


# KCSAN's view of seqcount sections: while a task is in a reader section or
# in writer sections (nested), the runtime makes its plain accesses marked
# ones (engine.runtime.KCSAN_ATOMIC holds (reader, writer depth)).

def _kcsan(r, reader=None, writer=0):
    t = r.cur
    if t is None:
        return
    rd, wd = t.tls.get(KCSAN_ATOMIC, (False, 0))
    if reader is not None:
        rd = reader
    wd += writer
    if rd or wd > 0:
        t.tls[KCSAN_ATOMIC] = (rd, wd)
    else:
        t.tls.pop(KCSAN_ATOMIC, None)


def raw_read_seqcount_begin(s):
    r = run()
    with op(r, lambda: f"read_seqcount_begin({s!r})") as g:
        v = r.rmw(s._loc, _even, WAIT, "read_seqcount_begin")
        r.fence("smp_rmb", "~read_seqcount_begin")
        _kcsan(r, reader=True)
        g.note = f" = {v}"
    return v


read_seqcount_begin = raw_read_seqcount_begin


def raw_seqcount_begin(s):
    """Do not wait for a writer: the sequence with its low bit cleared (a retry
    will fail if a writer was active)."""
    r = run()
    with op(r, lambda: f"raw_seqcount_begin({s!r})") as g:
        v = r.read(s._loc, ONCE, "raw_seqcount_begin")
        r.fence("smp_rmb", "~raw_seqcount_begin")
        _kcsan(r, reader=True)
        g.note = f" = {v & ~1}"
    return v & ~1


def raw_read_seqcount(s):
    r = run()
    v = r.read(s._loc, ONCE, "raw_read_seqcount")
    r.fence("smp_rmb", "~raw_read_seqcount")
    _kcsan(r, reader=True)
    return v


def read_seqcount_retry(s, start):
    """True if a writer ran since ``start``: the caller must retry."""
    r = run()
    with op(r, lambda: f"read_seqcount_retry({s!r}, {start})") as g:
        _kcsan(r, reader=False)
        r.fence("smp_rmb", "~read_seqcount_retry")
        v = r.read(s._loc, ONCE, "read_seqcount_retry")
        g.note = f" = {'true' if v != start else 'false'}"
    return v != start


def _writer_check(r, s, what):
    t = r.cur
    if t is None:
        return
    if s.lock is not None:
        if not _held(t, s.lock):
            r.report("lockdep", f"lockdep_assert_held({s.lock._loc.name()}) failed in {t.name}: "
                     f"{what}({s!r}) without the seqcount's lock")
    elif _sched.atomic_reason(t) is None:
        r.report("lockdep", f"{what}({s!r}) in {t.name} with preemption enabled "
                 "(lockdep_assert_preemption_disabled): a preempted writer would stall every reader")


def _inc(r, s, what):
    v = r.read(s._loc, ONCE, what)
    r.write(s._loc, v + 1, ONCE, what)
    return v + 1


def raw_write_seqcount_begin(s):
    r = run()
    if s.preemptible:
        _sched.preempt_disable()
    with op(r, lambda: f"write_seqcount_begin({s!r})"):
        _kcsan(r, writer=1)
        _inc(r, s, "write_seqcount_begin")
        r.fence("smp_wmb", "~write_seqcount_begin")


def write_seqcount_begin(s):
    r = run()
    _writer_check(r, s, "write_seqcount_begin")
    raw_write_seqcount_begin(s)


def raw_write_seqcount_end(s):
    r = run()
    with op(r, lambda: f"write_seqcount_end({s!r})"):
        r.fence("smp_wmb", "~write_seqcount_end")
        _inc(r, s, "write_seqcount_end")
        _kcsan(r, writer=-1)
    if s.preemptible:
        _sched.preempt_enable()


write_seqcount_end = raw_write_seqcount_end


def write_seqcount_invalidate(s):
    """Bump the sequence by 2: readers that began before retry."""
    r = run()
    with op(r, lambda: f"write_seqcount_invalidate({s!r})"):
        r.fence("smp_wmb", "~write_seqcount_invalidate")
        v = r.read(s._loc, ONCE, "write_seqcount_invalidate")
        r.write(s._loc, v + 2, ONCE, "write_seqcount_invalidate")


def raw_write_seqcount_barrier(s):
    """``raw_write_seqcount_barrier(s)`` (``do_raw_write_seqcount_barrier``): two
    increments around an ``smp_wmb()``, KCSAN-atomic - a reader that began before
    it retries, and the stores before it are ordered before those after it for
    any reader whose retry passes."""
    r = run()
    with op(r, lambda: f"raw_write_seqcount_barrier({s!r})"):
        _kcsan(r, writer=1)
        _inc(r, s, "raw_write_seqcount_barrier")
        r.fence("smp_wmb", "~raw_write_seqcount_barrier")
        _inc(r, s, "raw_write_seqcount_barrier")
        _kcsan(r, writer=-1)


# -- seqcount_latch_t ---------------------------------------------------------------
#
# The latch (include/linux/seqlock.h, "Latch sequence counters"): the data is
# kept twice, data[0] and data[1].  The writer (serialized by its caller) runs
#
#     raw_write_seqcount_latch(&l->seq);     smp_wmb(); seq++; smp_wmb()
#     modify(l->data[0]);
#     raw_write_seqcount_latch(&l->seq);
#     modify(l->data[1]);
#
# and a reader, which may interrupt the writer (an NMI), picks the copy the low
# bit of the sequence names - the one the writer is not modifying - and retries
# if the sequence moved:
#
#     do {
#         seq = raw_read_seqcount_latch(&l->seq);        READ_ONCE
#         entry = query(l->data[seq & 1]);               (an address dependency)
#     } while (raw_read_seqcount_latch_retry(&l->seq, seq));   smp_rmb(); changed?
#
# raw_read_seqcount_latch() is a plain READ_ONCE with no smp_rmb(): the
# reader's loads of data[seq & 1] depend on it by address, which orders them
# under the LKMM (C tracks the dependency; a Python model says it with
# ``address_from(seq, copy)``).  read_seqcount_latch() / _retry() and
# write_seqcount_latch_begin() / _end() (v6.13, the KCSAN-instrumented forms)
# make the section's plain accesses marked ones, as seqcount_t's do.

class seqcount_latch_t(KObject):
    """``seqcount_latch_t``: a ``seqcount_t`` (``.seqcount``) used as a latch."""

    __slots__ = ("seqcount", "_kid")

    def __init__(self, owner=None, field=None):
        name = field or anon("seqcount_latch_t")
        self.seqcount = seqcount_t(owner, f"{name}.seqcount")
        self._kid = ("s", self.seqcount._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return repr(self.seqcount).removesuffix(".seqcount")


def SEQCNT_LATCH_ZERO():
    return seqcount_latch_t()


def seqcount_latch_init(s):
    run().write(s.seqcount._loc, 0, ONCE, "seqcount_latch_init")


def raw_read_seqcount_latch(s):
    """``READ_ONCE(s->seqcount.sequence)``: the copy to read is ``seq & 1``."""
    r = run()
    with op(r, lambda: f"raw_read_seqcount_latch({s!r})") as g:
        v = r.read(s.seqcount._loc, ONCE, "raw_read_seqcount_latch")
        g.note = f" = {v}"
    return v


def read_seqcount_latch(s):
    """``raw_read_seqcount_latch()`` opening a KCSAN reader section."""
    v = raw_read_seqcount_latch(s)
    _kcsan(run(), reader=True)
    return v


def raw_read_seqcount_latch_retry(s, start):
    """``smp_rmb()``, then true if the sequence is no longer ``start``: retry."""
    r = run()
    with op(r, lambda: f"read_seqcount_latch_retry({s!r}, {start})") as g:
        r.fence("smp_rmb", "~read_seqcount_latch_retry")
        v = r.read(s.seqcount._loc, ONCE, "read_seqcount_latch_retry")
        g.note = f" = {'true' if v != start else 'false'}"
    return v != start


def read_seqcount_latch_retry(s, start):
    """``raw_read_seqcount_latch_retry()`` closing the KCSAN reader section."""
    _kcsan(run(), reader=False)
    return raw_read_seqcount_latch_retry(s, start)


def raw_write_seqcount_latch(s):
    """``smp_wmb(); s->seqcount.sequence++; smp_wmb();``: readers switch copy."""
    r = run()
    with op(r, lambda: f"raw_write_seqcount_latch({s!r})"):
        r.fence("smp_wmb", "~raw_write_seqcount_latch")
        _inc(r, s.seqcount, "raw_write_seqcount_latch")
        r.fence("smp_wmb", "~raw_write_seqcount_latch")


def write_seqcount_latch_begin(s):
    """``kcsan_nestable_atomic_begin(); raw_write_seqcount_latch(s)`` (v6.13)."""
    _kcsan(run(), writer=1)
    raw_write_seqcount_latch(s)


def write_seqcount_latch(s):
    """The second switch, between the two copies' updates (v6.13)."""
    raw_write_seqcount_latch(s)


def write_seqcount_latch_end(s):
    """``kcsan_nestable_atomic_end()`` (v6.13)."""
    _kcsan(run(), writer=-1)


# -- seqlock_t -----------------------------------------------------------------

class seqlock_t(KObject):
    """``seqlock_t``: a sequence counter and the spinlock its writers take."""

    __slots__ = ("seqcount", "lock", "_kid")

    def __init__(self, owner=None, field=None):
        name = field or anon("seqlock_t")
        self.lock = spinlock_t(owner, f"{name}.lock")
        self.seqcount = seqcount_t(owner, f"{name}.seqcount", lock=self.lock)
        self._kid = ("S", self.seqcount._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return repr(self.seqcount).removesuffix(".seqcount")


def DEFINE_SEQLOCK():
    return seqlock_t()


def seqlock_init(sl):
    r = run()
    r.write(sl.seqcount._loc, 0, ONCE, "seqlock_init")
    r.write(sl.lock._loc, 0, ONCE, "spin_lock_init")


def read_seqbegin(sl):
    return read_seqcount_begin(sl.seqcount)


def read_seqretry(sl, start):
    return read_seqcount_retry(sl.seqcount, start)


def write_seqlock(sl):
    r = run()
    with op(r, lambda: f"write_seqlock({sl!r})"):
        _take(sl.lock, "x", "spin_lock")
        raw_write_seqcount_begin(sl.seqcount)


def write_sequnlock(sl):
    r = run()
    with op(r, lambda: f"write_sequnlock({sl!r})"):
        raw_write_seqcount_end(sl.seqcount)
        _release(sl.lock, "x", "spin_unlock")


def write_seqlock_bh(sl):
    r = run()
    with op(r, lambda: f"write_seqlock_bh({sl!r})"):
        _sched.local_bh_disable()
        _take(sl.lock, "x", "spin_lock")
        raw_write_seqcount_begin(sl.seqcount)


def write_sequnlock_bh(sl):
    r = run()
    with op(r, lambda: f"write_sequnlock_bh({sl!r})"):
        raw_write_seqcount_end(sl.seqcount)
        _release(sl.lock, "x", "spin_unlock")
        _sched.local_bh_enable()


def write_seqlock_irqsave(sl):
    r = run()
    with op(r, lambda: f"write_seqlock_irqsave({sl!r})"):
        flags = _sched.local_irq_save()
        _take(sl.lock, "x", "spin_lock")
        raw_write_seqcount_begin(sl.seqcount)
    return flags


def write_sequnlock_irqrestore(sl, flags):
    r = run()
    with op(r, lambda: f"write_sequnlock_irqrestore({sl!r})"):
        raw_write_seqcount_end(sl.seqcount)
        _release(sl.lock, "x", "spin_unlock")
        _sched.local_irq_restore(flags)


def read_seqlock_excl(sl):
    """A reader that locks out writers (and other such readers): the spinlock only."""
    r = run()
    with op(r, lambda: f"read_seqlock_excl({sl!r})"):
        _take(sl.lock, "x", "spin_lock")


def read_sequnlock_excl(sl):
    r = run()
    with op(r, lambda: f"read_sequnlock_excl({sl!r})"):
        _release(sl.lock, "x", "spin_unlock")

# The lockless-first reader of fs/dcache.c and friends: with an even ``seq``
# (0 the first time) a lockless pass, with an odd one the exclusive reader
# lock - so the retry after a failed lockless pass (the caller sets seq = 1)
# cannot fail again.  Python has no int *: the new seq is returned.

def read_seqbegin_or_lock(sl, seq):
    if not seq & 1:
        return read_seqbegin(sl)
    read_seqlock_excl(sl)
    return seq


def need_seqretry(sl, seq):
    return not seq & 1 and bool(read_seqretry(sl, seq))


def done_seqretry(sl, seq):
    if seq & 1:
        read_sequnlock_excl(sl)


__all__ = ["seqcount_t", "SEQCNT_ZERO", "seqcount_init", "seqcount_spinlock_init",
           "seqcount_mutex_init", "read_seqcount_begin", "raw_read_seqcount_begin",
           "raw_seqcount_begin", "raw_read_seqcount", "read_seqcount_retry",
           "write_seqcount_begin", "raw_write_seqcount_begin", "write_seqcount_end",
           "raw_write_seqcount_end", "write_seqcount_invalidate", "seqlock_t", "DEFINE_SEQLOCK",
           "seqlock_init", "read_seqbegin", "read_seqretry", "write_seqlock", "write_sequnlock",
           "write_seqlock_bh", "write_sequnlock_bh", "write_seqlock_irqsave",
           "write_sequnlock_irqrestore", "read_seqlock_excl", "read_sequnlock_excl",
           "read_seqbegin_or_lock", "need_seqretry", "done_seqretry",
           "raw_write_seqcount_barrier", "seqcount_latch_t", "SEQCNT_LATCH_ZERO",
           "seqcount_latch_init", "raw_read_seqcount_latch", "read_seqcount_latch",
           "raw_read_seqcount_latch_retry", "read_seqcount_latch_retry",
           "raw_write_seqcount_latch", "write_seqcount_latch_begin", "write_seqcount_latch",
           "write_seqcount_latch_end"]
