"""``struct kref`` (include/linux/kref.h): a ``refcount_t`` and a release callback.

Every function is the ``refcount_t`` operation the kernel's inline uses, so
the WARNs are refcount_t's (``kref_get`` on a count of 0 is "refcount_t:
addition on 0; use-after-free.", an extra ``kref_put`` is "underflow") and so
is the ordering (the final put is a release decrement with an acquire on
success).  ``release(kref)`` runs in the task that dropped the last
reference, right there, as the kernel calls it: it usually does
``container_of`` and ``kfree``.  ``kref_put_lock``/``kref_put_mutex`` call it
with the lock held (the release function unlocks), and only take the lock
when the count would reach zero (``refcount_dec_and_lock``).
"""

from __future__ import annotations

from ._core import KObject, ModelError, anon, _value_truth
from . import refcount as R


class kref(KObject):
    """``struct kref { refcount_t refcount; }``; embed it in a struct."""

    __slots__ = ("refcount", "_owner", "_kid", "_name")
    _read_with = "kref_read()"
    __bool__ = _value_truth

    def __init__(self, n=0, owner=None, field=None):
        self._owner = owner
        self._name = field or anon("kref")
        self.refcount = R.refcount_t(n, owner, f"{self._name}.refcount")
        self._kid = ("K", self.refcount._loc.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(v or 0, owner, name)

    def __repr__(self):
        return f"&{self.refcount._loc.name().removesuffix('.refcount')}"


def KREF_INIT(n):
    return kref(n)


def kref_init(k):
    """Set the count to 1."""
    R.refcount_set(k.refcount, 1, "kref_init")


def kref_read(k):
    return R.refcount_read(k.refcount, "kref_read")


def kref_get(k):
    """Take a reference you already have a right to (WARNs on 0: use-after-free)."""
    R.refcount_inc(k.refcount, "kref_get")


def kref_get_unless_zero(k):
    """Take a reference unless the count already dropped to 0; true if it did."""
    return R.refcount_inc_not_zero(k.refcount, "kref_get_unless_zero")


def _release(k, release, what):
    if release is None or not callable(release):
        raise ModelError(f"{what}: the release function must be a function (not NULL or kfree)")


def kref_put(k, release):
    """Drop a reference; the last one runs ``release(k)``.  Returns 1 if it did."""
    _release(k, release, "kref_put")
    if R.refcount_dec_and_test(k.refcount, "kref_put"):
        release(k)
        return 1
    return 0


def kref_put_lock(k, release, lock):
    """As ``kref_put``, but the last put takes the spinlock ``lock`` and calls
    ``release(k)`` holding it (``release`` drops it)."""
    _release(k, release, "kref_put_lock")
    if R.refcount_dec_and_lock(k.refcount, lock, "kref_put_lock"):
        release(k)
        return 1
    return 0


def kref_put_mutex(k, release, lock):
    """As ``kref_put_lock`` with a mutex."""
    _release(k, release, "kref_put_mutex")
    if R.refcount_dec_and_mutex_lock(k.refcount, lock, "kref_put_mutex"):
        release(k)
        return 1
    return 0

__all__ = ["kref", "KREF_INIT", "kref_init", "kref_read", "kref_get", "kref_get_unless_zero",
           "kref_put", "kref_put_lock", "kref_put_mutex"]
