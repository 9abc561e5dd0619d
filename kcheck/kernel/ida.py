"""The IDA (lib/idr.c, include/linux/idr.h): an ID allocator with no pointers.

The kernel keeps an IDA as an XArray of bitmaps, ``ida->xa``, and every call
takes that XArray's lock itself (``xas_lock_irqsave()``): unlike the IDR, the
caller serialises nothing.  kcheck keeps the set of allocated ids in the
XArray's head word, read and written under ``xa_lock`` with plain accesses
(the bitmaps are), so two tasks' ``ida_alloc()`` calls get distinct ids.

* ``ida_alloc_range(ida, min, max, gfp)``: the lowest free id in [min, max];
  -ENOSPC if none (or if ``(int)min < 0``; ``(int)max < 0`` means INT_MAX).
  ``ida_alloc()``, ``ida_alloc_min()``, ``ida_alloc_max()`` are its wrappers.
  With gfp flags that allow blocking (GFP_KERNEL) it may have to allocate a
  bitmap with the lock dropped (``xas_nomem()``): kcheck checks
  ``might_sleep()`` for it before taking the lock.  Memory never runs out.
* ``ida_free(ida, id)``: ``BUG_ON((int)id < 0)``; an id not allocated is the
  kernel's ``WARN(1, "ida_free called for id=%d which is not allocated.\\n")``.
* ``ida_destroy(ida)``: frees every id.
"""

from __future__ import annotations

import os

from ._core import run, KObject, ModelError, PLAIN, op, anon
from .locking import spin_lock_irqsave, spin_unlock_irqrestore
from .slab import _may_sleep
from .xarray import xarray, XA_FLAGS_LOCK_IRQ, XA_FLAGS_ALLOC, _ids

IDA_INIT_FLAGS = XA_FLAGS_LOCK_IRQ | XA_FLAGS_ALLOC
INT_MAX = 0x7fffffff
ENOSPC = 28


class ida(KObject):
    """``struct ida``: ``{ struct xarray xa; }``."""

    __slots__ = ("xa", "_kid", "_name")

    def __init__(self, owner=None, field=None):
        self._name = field or anon("ida")
        self.xa = xarray(owner, f"{self._name}.xa", flags=IDA_INIT_FLAGS)
        self._kid = ("D", self.xa._index.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        return f"&{self._name}"


def DEFINE_IDA():
    return ida()


def ida_init(i):
    """``xa_init_flags(&ida->xa, IDA_INIT_FLAGS)``."""
    r = run()
    r.write(i.xa._flags, IDA_INIT_FLAGS, PLAIN, "ida_init")
    r.write(i.xa._index, (), PLAIN, "ida_init")


def _u32(v, what):
    if not isinstance(v, int) or isinstance(v, bool):
        raise ModelError(f"{what}: {v!r} is not an integer")
    return v & 0xFFFFFFFF


def ida_alloc_range(i, min, max, gfp=None):
    """The lowest free id in [min, max], now allocated; or -ENOSPC."""
    r = run()
    lo, hi = _u32(min, "ida_alloc_range"), _u32(max, "ida_alloc_range")
    with op(r, lambda: f"ida_alloc_range({i!r}, {min}, {max})") as g:
        if lo > INT_MAX:                    # (int)min < 0
            g.note = " = -ENOSPC"
            return -ENOSPC
        if hi > INT_MAX:                    # (int)max < 0
            hi = INT_MAX
        _may_sleep(gfp, "ida_alloc")        # xas_nomem(&xas, gfp) with the lock dropped
        flags = spin_lock_irqsave(i.xa.xa_lock)
        s = _ids(r.read(i.xa._index, PLAIN, "ida_alloc: find a free bit"))
        taken = set(s)
        n = lo
        while n <= hi and n in taken:
            n += 1
        if n > hi:
            spin_unlock_irqrestore(i.xa.xa_lock, flags)
            g.note = " = -ENOSPC"
            return -ENOSPC
        r.write(i.xa._index, tuple(sorted(taken | {n})), PLAIN, "ida_alloc: set the bit")
        spin_unlock_irqrestore(i.xa.xa_lock, flags)
        g.note = f" = {n}"
    return n


def ida_alloc(i, gfp=None):
    """``ida_alloc_range(ida, 0, ~0, gfp)``: ids 0 to INT_MAX."""
    return ida_alloc_range(i, 0, 0xFFFFFFFF, gfp)


def ida_alloc_min(i, min, gfp=None):
    """``ida_alloc_range(ida, min, ~0, gfp)``."""
    return ida_alloc_range(i, min, 0xFFFFFFFF, gfp)


def ida_alloc_max(i, max, gfp=None):
    """``ida_alloc_range(ida, 0, max, gfp)``."""
    return ida_alloc_range(i, 0, max, gfp)


def _at():
    """`` at file:line`` of the model's call, where kcheck knows it."""
    from ..engine.runtime import _model_frame
    if getattr(run(), "_c", None) is not None:
        return ""           # C: the report's own position names the line (known only when tracing)
    f = _model_frame()
    return f" at {os.path.basename(f[0])}:{f[1]}" if f else ""


def ida_free(i, id):
    """Free ``id``; one not allocated WARNs (the kernel's message)."""
    r = run()
    if _u32(id, "ida_free") > INT_MAX:
        r.report("bug-on", f"BUG_ON((int)id < 0) in ida_free({i!r}, {id}){_at()}", fatal=True)
        return
    with op(r, lambda: f"ida_free({i!r}, {id})"):
        flags = spin_lock_irqsave(i.xa.xa_lock)
        s = _ids(r.read(i.xa._index, PLAIN, "ida_free: test the bit"))
        if id in s:
            r.write(i.xa._index, tuple(x for x in s if x != id), PLAIN, "ida_free: clear the bit")
        spin_unlock_irqrestore(i.xa.xa_lock, flags)
    if id not in s:
        r.report("warn", f"WARN{_at()}: ida_free called for id={id} which is not allocated.")


def ida_destroy(i):
    """Free every id (the IDA is empty, and usable, after)."""
    r = run()
    with op(r, lambda: f"ida_destroy({i!r})"):
        flags = spin_lock_irqsave(i.xa.xa_lock)
        if _ids(r.read(i.xa._index, PLAIN, "ida_destroy")):
            r.write(i.xa._index, (), PLAIN, "ida_destroy")
        spin_unlock_irqrestore(i.xa.xa_lock, flags)


__all__ = ["ida", "DEFINE_IDA", "ida_init", "ida_alloc", "ida_alloc_min", "ida_alloc_max",
           "ida_alloc_range", "ida_free", "ida_destroy"]
