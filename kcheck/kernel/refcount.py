"""refcount_t with saturation and the exact WARNs of include/linux/refcount.h.

On overflow or underflow the counter is set to ``REFCOUNT_SATURATED``
(``INT_MIN / 2``) and a ``WARN_ONCE`` fires with the kernel's message; kcheck
reports that WARN as a bug of kind ``refcount-warn``.  Note the function the
seed thread tripped on: ``refcount_dec_not_one`` is "decrement unless the
value is 1, and say whether it decremented" (true, without a change, when
saturated; true with an underflow WARN at 0).
"""

from __future__ import annotations

from ._core import run, KObject, Loc, NO_WRITE, ONCE, ACQ, REL, FULL, anon, _value_truth
from . import atomic as _a
from .atomic import _s32

REFCOUNT_SATURATED = -(2 ** 31) // 2

ADD_UAF = "refcount_t: addition on 0; use-after-free."
SUB_UAF = "refcount_t: underflow; use-after-free."
DEC_LEAK = "refcount_t: decrement hit 0; leaking memory."
SATURATED = "refcount_t: saturated; leaking memory."


class refcount_t(KObject):
    __slots__ = ("_loc", "_kid")
    _read_with = "refcount_read()"
    __bool__ = _value_truth

    def __init__(self, n=0, owner=None, field=None):
        self._loc = Loc(n, owner, field or anon("refcount_t"))
        self._kid = ("r", self._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(v or 0, owner, name)

    def __repr__(self):
        return f"&{self._loc.name()}"


def REFCOUNT_INIT(n):
    return refcount_t(n)


def _warn_saturate(r, msg, op):
    rt = run()
    ev = rt.last_event()
    rt.write(r._loc, REFCOUNT_SATURATED, ONCE, "refcount_warn_saturate")
    rt.report("refcount-warn", f"{msg} ({op} on {r._loc.name()})", event=ev)


def refcount_set(r, n, _op="refcount_set"):
    run().write(r._loc, n, ONCE, _op)


def refcount_set_release(r, n):
    """``refcount_set()`` with release ordering (v6.15): for a
    SLAB_TYPESAFE_BY_RCU object, the stores that initialise it are seen by a
    reader whose ``refcount_inc_not_zero_acquire()`` takes the new count."""
    run().write(r._loc, n, REL, "refcount_set_release")


def refcount_read(r, _op="refcount_read"):
    return run().read(r._loc, ONCE, _op)


def refcount_add_not_zero(i, r):
    old = run().rmw(r._loc, lambda o: NO_WRITE if o == 0 else _s32(o + i), ONCE, "refcount_add_not_zero")
    if old < 0 or _s32(old + i) < 0:
        _warn_saturate(r, SATURATED, "refcount_add_not_zero")
    return old != 0


def refcount_inc_not_zero(r, _op="refcount_inc_not_zero"):
    old = run().rmw(r._loc, lambda o: NO_WRITE if o == 0 else _s32(o + 1), ONCE, _op)
    if old < 0 or _s32(old + 1) < 0:
        _warn_saturate(r, SATURATED, _op)
    return old != 0


def refcount_add_not_zero_acquire(i, r):
    """``refcount_add_not_zero()`` with acquire ordering on success (v6.15)."""
    old = run().rmw(r._loc, lambda o: NO_WRITE if o == 0 else _s32(o + i), ACQ,
                    "refcount_add_not_zero_acquire")
    if old < 0 or _s32(old + i) < 0:
        _warn_saturate(r, SATURATED, "refcount_add_not_zero_acquire")
    return old != 0


def refcount_inc_not_zero_acquire(r):
    """``refcount_inc_not_zero()`` with acquire ordering on success (v6.15): it
    pairs with ``refcount_set_release()`` on a SLAB_TYPESAFE_BY_RCU object, so
    the reader that got the reference sees the object as it was initialised."""
    return refcount_add_not_zero_acquire(1, r)


def refcount_add(i, r):
    old = run().rmw(r._loc, lambda o: _s32(o + i), ONCE, "refcount_add")
    if old == 0:
        _warn_saturate(r, ADD_UAF, "refcount_add")
    elif old < 0 or _s32(old + i) < 0:
        _warn_saturate(r, SATURATED, "refcount_add")


def refcount_inc(r, _op="refcount_inc"):
    old = run().rmw(r._loc, lambda o: _s32(o + 1), ONCE, _op)
    if old == 0:
        _warn_saturate(r, ADD_UAF, _op)
    elif old < 0 or _s32(old + 1) < 0:
        _warn_saturate(r, SATURATED, _op)


def refcount_sub_and_test(i, r, _op="refcount_sub_and_test"):
    # release fetch-sub; the acquire on success is smp_acquire__after_ctrl_dep()
    old = run().rmw(r._loc, lambda o: _s32(o - i), REL, _op)
    if old == i:
        run().fence("smp_acquire__after_ctrl_dep", "~acquire after " + _op)
        return True
    if old < 0 or _s32(old - i) < 0:
        _warn_saturate(r, SUB_UAF, _op)
    return False


def refcount_dec_and_test(r, _op="refcount_dec_and_test"):
    return refcount_sub_and_test(1, r, _op)


def refcount_dec(r):
    old = run().rmw(r._loc, lambda o: _s32(o - 1), REL, "refcount_dec")
    if old <= 1:
        _warn_saturate(r, DEC_LEAK, "refcount_dec")


def refcount_dec_not_one(r, _op="refcount_dec_not_one"):
    def fn(v):
        if v == REFCOUNT_SATURATED or v == 1 or v == 0:
            return NO_WRITE
        return v - 1
    old = run().rmw(r._loc, fn, REL, _op)
    if old == REFCOUNT_SATURATED:
        return True
    if old == 1:
        return False
    if old == 0:
        run().report("refcount-warn", f"{SUB_UAF} ({_op} on {r._loc.name()})")
    return True


def refcount_dec_if_one(r):
    old = run().rmw(r._loc, lambda o: 0 if o == 1 else NO_WRITE, REL, "refcount_dec_if_one")
    return old == 1


def refcount_dec_and_lock(r, lock, _op="refcount_dec_and_lock"):
    """Decrement; if that would reach 0, take ``lock`` first and return true holding it."""
    from .locking import spin_lock, spin_unlock
    if refcount_dec_not_one(r, _op):
        return False
    spin_lock(lock)
    if not refcount_dec_and_test(r, _op):
        spin_unlock(lock)
        return False
    return True


def refcount_dec_and_mutex_lock(r, lock, _op="refcount_dec_and_mutex_lock"):
    from .locking import mutex_lock, mutex_unlock
    if refcount_dec_not_one(r, _op):
        return False
    mutex_lock(lock)
    if not refcount_dec_and_test(r, _op):
        mutex_unlock(lock)
        return False
    return True

def refcount_dec_and_lock_irqsave(r, lock):
    """``refcount_dec_and_lock()`` taking the spinlock with interrupts off:
    (true, flags) holding it if the count reached 0, else (false, None)."""
    from .locking import spin_lock_irqsave, spin_unlock_irqrestore
    if refcount_dec_not_one(r, "refcount_dec_and_lock_irqsave"):
        return False, None
    flags = spin_lock_irqsave(lock)
    if not refcount_dec_and_test(r, "refcount_dec_and_lock_irqsave"):
        spin_unlock_irqrestore(lock, flags)
        return False, None
    return True, flags


__all__ = ["refcount_dec_and_lock_irqsave", "refcount_t", "REFCOUNT_INIT", "REFCOUNT_SATURATED", "refcount_set", "refcount_read",
           "refcount_inc", "refcount_add", "refcount_inc_not_zero", "refcount_add_not_zero",
           "refcount_dec", "refcount_dec_and_test", "refcount_sub_and_test",
           "refcount_dec_not_one", "refcount_dec_if_one", "refcount_dec_and_lock",
           "refcount_dec_and_mutex_lock", "refcount_set_release", "refcount_add_not_zero_acquire",
           "refcount_inc_not_zero_acquire"]
