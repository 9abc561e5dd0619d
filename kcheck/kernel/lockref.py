"""``struct lockref`` (include/linux/lockref.h, lib/lockref.c): a spinlock and a
count in one word, so that a get or a put can skip the lock while nobody holds
it (a 64-bit cmpxchg of both) and falls back to taking it otherwise - the
dentry's reference count.

The fast path changes the count only in a state where the lock is free, as one
atomic step; so every operation here takes the lock, changes the count and
drops it, which gives the same orders of counts and lock holders (what the
cmpxchg fast path saves is time, not interleavings).  A count below zero is
"dead" (``lockref_mark_dead``, -128): the ``_not_dead`` forms fail on it.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ONCE, op, anon
from .locking import spinlock_t, _take, _release, lockdep_assert_held

_DEAD = -128


class lockref(KObject):
    """``struct lockref { spinlock_t lock; int count; }``; embed it in a struct."""

    __slots__ = ("lock", "_count", "_owner", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._owner = owner
        self._name = field or anon("lockref")
        self.lock = spinlock_t(owner, f"{self._name}.lock")
        self._count = Loc(0, owner, f"{self._name}.count")
        self._kid = ("L", self._count.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        n = self._count.name()
        return f"&{n[:-6]}" if n.endswith(".count") else f"&{self._name}"


def _under_lock(lr, name, fn):
    """One lockref operation: the count changed with the lock held (the fast
    path's cmpxchg happens only while the lock is free: the same orders)."""
    r = run()
    with op(r, lambda: f"{name}({lr!r})") as g:
        _take(lr.lock, "x", "spin_lock")
        v = fn(r, r.read(lr._count, ONCE, name))
        _release(lr.lock, "x", "spin_unlock")
        g.note = f" = {v}"
    return v


def _set(r, lr, v, name):
    r.write(lr._count, v, ONCE, name)


def lockref_get(lr):
    """Take a reference (the caller has one, or holds what keeps it alive)."""
    def fn(r, c):
        _set(r, lr, c + 1, "lockref_get")
    _under_lock(lr, "lockref_get", fn)


def lockref_get_not_zero(lr):
    """Take a reference unless the count is zero or dead; 1 if it did."""
    def fn(r, c):
        if c <= 0:
            return 0
        _set(r, lr, c + 1, "lockref_get_not_zero")
        return 1
    return _under_lock(lr, "lockref_get_not_zero", fn)


def lockref_get_not_dead(lr):
    """Take a reference unless the lockref is dead; 1 if it did."""
    def fn(r, c):
        if c < 0:
            return 0
        _set(r, lr, c + 1, "lockref_get_not_dead")
        return 1
    return _under_lock(lr, "lockref_get_not_dead", fn)


def lockref_put_not_zero(lr):
    """Drop a reference unless it is the last (or the lockref is dead); 1 if it did."""
    def fn(r, c):
        if c <= 1:
            return 0
        _set(r, lr, c - 1, "lockref_put_not_zero")
        return 1
    return _under_lock(lr, "lockref_put_not_zero", fn)


def lockref_put_return(lr):
    """Drop a reference and return the new count; -1 if it would go to or below
    zero (the caller then takes the lock itself: the kernel's fast path only)."""
    def fn(r, c):
        if c <= 0:
            return -1
        _set(r, lr, c - 1, "lockref_put_return")
        return c - 1
    return _under_lock(lr, "lockref_put_return", fn)


def lockref_put_or_lock(lr):
    """Drop a reference unless it is the last: then take the lock and return 0
    with it held (the caller kills the object); 1 if it dropped one."""
    r = run()
    with op(r, lambda: f"lockref_put_or_lock({lr!r})") as g:
        _take(lr.lock, "x", "spin_lock")
        c = r.read(lr._count, ONCE, "lockref_put_or_lock")
        if c <= 1:
            g.note = " = 0, locked"
            return 0                          # the lock stays held
        _set(r, lr, c - 1, "lockref_put_or_lock")
        _release(lr.lock, "x", "spin_unlock")
        g.note = " = 1"
    return 1


def lockref_mark_dead(lr):
    """With the lock held: the count becomes dead (-128)."""
    lockdep_assert_held(lr.lock)
    r = run()
    r.write(lr._count, _DEAD, ONCE, "lockref_mark_dead")


def __lockref_is_dead(lr):
    return run().read(lr._count, ONCE, "__lockref_is_dead") < 0


__all__ = ["lockref", "lockref_get", "lockref_get_not_zero", "lockref_get_not_dead",
           "lockref_put_not_zero", "lockref_put_return", "lockref_put_or_lock",
           "lockref_mark_dead", "__lockref_is_dead"]
