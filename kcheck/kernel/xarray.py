"""``struct xarray`` (include/linux/xarray.h) and the IDR on top of it
(include/linux/idr.h): index -> pointer maps that readers walk under RCU.

What kcheck keeps of the radix tree is what concurrent code can tell apart:

* each index's slot, one word (``xa_load()`` reads it as ``rcu_dereference()``
  does; a store publishes with ``rcu_assign_pointer()``'s release), and
* the set of occupied indices, one word, which iteration (``xa_for_each``,
  ``xa_find``), ``xa_alloc()`` and ``xa_empty()`` read and every store that
  fills or empties a slot writes - standing for the tree's nodes.

**XArray.** Its own spinlock, ``xa_lock``, serialises the modifying calls
(``xa_store``, ``xa_erase``, ``xa_insert``, ``xa_cmpxchg``, ``xa_alloc``;
the ``__xa_*`` forms expect it held, and lockdep says so); ``xa_load()`` and
``xa_for_each`` take ``rcu_read_lock()`` themselves, so the entry they return
is only safe to use while the caller's own lock, RCU read-side section or
reference keeps it alive - the bug class kcheck looks for.  A store whose
gfp flags allow blocking may have to allocate a node: the kernel then drops
``xa_lock`` around the allocation, so kcheck drops and retakes it there too
(others may change the array meanwhile) and checks ``might_sleep()``.
``xa_store()`` never fails here (no -ENOMEM).

**IDR.** No lock of its own: ``idr_alloc()``, ``idr_remove()`` and
``idr_replace()`` must be serialised by the caller.  Its bookkeeping is read
with plain loads, so two unserialised ``idr_alloc()`` calls are a data race
(and may return the same id); ``idr_find()`` may run under RCU alone.
"""

from __future__ import annotations

from ._core import run, KObject, Loc, ModelError, ONCE, REL, PLAIN, op, anon, loc_of
from .locking import (spinlock_t, spin_lock, spin_unlock, spin_lock_irq, spin_unlock_irq,
                      spin_lock_bh, spin_unlock_bh, spin_lock_irqsave, spin_unlock_irqrestore,
                      lockdep_assert_held)
from .rcu import rcu_read_lock, rcu_read_unlock
from .slab import _may_sleep

_KIND = 12                       # Loc.keyed's range for the slots
_MAX_INDEX = (1 << 40) - 1       # the slots' key range (the kernel's is ULONG_MAX)

XA_FLAGS_LOCK_IRQ = 1
XA_FLAGS_LOCK_BH = 2
XA_FLAGS_ALLOC = 4
XA_FLAGS_ALLOC1 = 8 | XA_FLAGS_ALLOC
XA_PRESENT = 0x8000000
EBUSY = 16
ENOSPC = 28
EINVAL = 22


def XA_LIMIT(lo, hi):
    """``struct xa_limit``: the range ``xa_alloc()`` picks from, both ends included."""
    return (lo, hi)


xa_limit_32b = XA_LIMIT(0, 0xffffffff)
xa_limit_31b = XA_LIMIT(0, 0x7fffffff)
xa_limit_16b = XA_LIMIT(0, 0xffff)


class _Reserved:
    """What ``xa_insert(xa, i, NULL)`` leaves: an index taken, loading as NULL."""
    __slots__ = ()

    def __repr__(self):
        return "XA_ZERO_ENTRY"


XA_ZERO_ENTRY = _Reserved()


class xarray(KObject):
    """``struct xarray``; ``DEFINE_XARRAY()`` or embed it in a struct and
    ``xa_init()`` it."""

    __slots__ = ("xa_lock", "_index", "_flags", "_kid", "_name", "_owner")

    def __init__(self, owner=None, field=None, flags=0):
        self._owner = owner
        self._name = field or anon("xarray")
        self.xa_lock = spinlock_t(owner, f"{self._name}.xa_lock")
        self._index = Loc((), owner, f"{self._name}.xa_head", plain=True)
        self._flags = Loc(flags, owner, f"{self._name}.xa_flags")
        self._kid = ("X", self._index.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        n = self._index.name()
        return f"&{n[:-len('.xa_head')]}" if n.endswith(".xa_head") else f"&{self._name}"

    def _slot(self, index):
        if not isinstance(index, int) or not 0 <= index <= _MAX_INDEX:
            raise ModelError(f"{self!r}: index {index!r} is not one kcheck models "
                             f"(0 to 2^40 - 1)")
        return _slot(self._index, index, repr(self)[1:])


def _slot(head, index, name):
    """Slot ``index`` of the array whose head word is ``head``: one Loc object per
    run and slot, kept on the run (which main()'s recorded state copies), so
    that what main() stores stays its initial value."""
    r = run()
    slots = r.__dict__.get("xa_slots")
    if slots is None:
        slots = r.xa_slots = {}
    key = (head.lid, index)
    loc = slots.get(key)
    if loc is None:
        loc = slots[key] = Loc.keyed(_KIND, head.lid, index, f"{name}[{index}]", None)
    return loc


def DEFINE_XARRAY(flags=0):
    return xarray(flags=flags)


def DEFINE_XARRAY_FLAGS(flags):
    return xarray(flags=flags)


def DEFINE_XARRAY_ALLOC():
    return xarray(flags=XA_FLAGS_ALLOC)


def DEFINE_XARRAY_ALLOC1():
    return xarray(flags=XA_FLAGS_ALLOC1)


def xa_init_flags(xa, flags):
    r = run()
    r.write(xa._flags, flags, ONCE, "xa_init_flags")
    r.write(xa._index, (), ONCE, "xa_init_flags")


def xa_init(xa):
    xa_init_flags(xa, 0)


def _ids(v):
    """The occupied indices a head word holds (C's zeroed struct: none)."""
    return v if v.__class__ is tuple else ()


def _public(v):
    return None if v is XA_ZERO_ENTRY else v


def _reader(r, what):
    """``xa_load()`` and the walks take their own RCU reader - unless they run
    in an RCU callback, which already is one (kcheck's callbacks model none)."""
    t = r.cur
    return t is not None and not t.callback


def xa_load(xa, index):
    """The entry at ``index``, or NULL.  Safe against concurrent stores (RCU),
    but the entry itself lives only as long as the caller makes sure it does."""
    r = run()
    inner = _reader(r, "xa_load")
    with op(r, lambda: f"xa_load({xa!r}, {index})") as g:
        if inner:
            rcu_read_lock()
        v = r.read(xa._slot(index), ONCE, "xa_load")
        if inner:
            rcu_read_unlock()
        g.note = f" = {_public(v)!r}"
    return _public(v)


def _lock(xa, r):
    f = r.read(xa._flags, ONCE, "xa_lock")
    if f & XA_FLAGS_LOCK_IRQ:
        spin_lock_irq(xa.xa_lock)
    elif f & XA_FLAGS_LOCK_BH:
        spin_lock_bh(xa.xa_lock)
    else:
        spin_lock(xa.xa_lock)
    return f


def _unlock(xa, f):
    if f & XA_FLAGS_LOCK_IRQ:
        spin_unlock_irq(xa.xa_lock)
    elif f & XA_FLAGS_LOCK_BH:
        spin_unlock_bh(xa.xa_lock)
    else:
        spin_unlock(xa.xa_lock)


def _nomem(xa, gfp, what, f=None):
    """``__xas_nomem()``: an allocation that may block happens with ``xa_lock``
    dropped (and may sleep there)."""
    if gfp is not None and gfp & 0x400:
        if f is None:
            f = run().read(xa._flags, ONCE, what)
        _unlock(xa, f)
        _may_sleep(gfp, what)
        _lock(xa, run())


def _set_slot(r, xa, index, entry, what):
    """Store ``entry`` (None: erase) and keep the index set; returns the old entry."""
    slot = xa._slot(index)
    old = r.read(slot, ONCE, what)
    r.write(slot, entry, REL, what)             # rcu_assign_pointer()
    if (old is None) != (entry is None):
        s = _ids(r.read(xa._index, ONCE, what))
        s = tuple(sorted(set(s) | {index})) if entry is not None else \
            tuple(i for i in s if i != index)
        r.write(xa._index, s, REL, what)
    return old


def __xa_store(xa, index, entry, gfp=None):
    """``xa_store()`` with ``xa_lock`` held by the caller."""
    r = run()
    lockdep_assert_held(xa.xa_lock)
    if entry is not None:
        _nomem(xa, gfp, "__xa_store")
    return _public(_set_slot(r, xa, index, entry, "__xa_store"))


def xa_store(xa, index, entry, gfp=None):
    """Store ``entry`` at ``index`` (NULL erases); returns the old entry."""
    r = run()
    with op(r, lambda: f"xa_store({xa!r}, {index}, {entry!r})"):
        f = _lock(xa, r)
        if entry is not None:
            # storing NULL (an erase) never makes a node: __xas_nomem() has
            # nothing to allocate, the lock is never dropped, nothing sleeps
            _nomem(xa, gfp, "xa_store", f)
        old = _set_slot(r, xa, index, entry, "xa_store")
        _unlock(xa, f)
    return _public(old)


def __xa_erase(xa, index):
    r = run()
    lockdep_assert_held(xa.xa_lock)
    return _public(_set_slot(r, xa, index, None, "__xa_erase"))


def xa_erase(xa, index):
    """Remove and return the entry at ``index``: readers may still hold it until
    a grace period (free it with kfree_rcu, or wait)."""
    r = run()
    with op(r, lambda: f"xa_erase({xa!r}, {index})") as g:
        f = _lock(xa, r)
        old = _set_slot(r, xa, index, None, "xa_erase")
        _unlock(xa, f)
        g.note = f" = {_public(old)!r}"
    return _public(old)


def xa_insert(xa, index, entry, gfp=None):
    """Store ``entry`` at ``index`` if it is free (NULL reserves it); 0 or -EBUSY."""
    r = run()
    with op(r, lambda: f"xa_insert({xa!r}, {index}, {entry!r})") as g:
        f = _lock(xa, r)
        _nomem(xa, gfp, "xa_insert", f)
        if r.read(xa._slot(index), ONCE, "xa_insert") is not None:
            ret = -EBUSY
        else:
            _set_slot(r, xa, index, XA_ZERO_ENTRY if entry is None else entry, "xa_insert")
            ret = 0
        _unlock(xa, f)
        g.note = f" = {ret}"
    return ret


def xa_cmpxchg(xa, index, old, entry, gfp=None):
    """Store ``entry`` if the slot holds ``old``; returns what it held."""
    r = run()
    with op(r, lambda: f"xa_cmpxchg({xa!r}, {index})"):
        f = _lock(xa, r)
        _nomem(xa, gfp, "xa_cmpxchg", f)
        cur = _public(r.read(xa._slot(index), ONCE, "xa_cmpxchg"))
        if cur is old or (cur is not None and cur == old):
            _set_slot(r, xa, index, entry, "xa_cmpxchg")
        _unlock(xa, f)
    return cur


def _free_index(s, lo, hi):
    taken = set(s)
    i = lo
    while i <= hi and i in taken:
        i += 1
    return i if i <= hi else None


def xa_alloc(xa, id, entry, limit=xa_limit_32b, gfp=None):
    """Store ``entry`` at a free index in ``limit`` (from 1 with
    ``XA_FLAGS_ALLOC1``), writing the index to ``*id`` before the entry is
    visible; 0, or -EBUSY if the range is full.  ``id``: ``ptr(obj, "id")``."""
    return _xa_alloc_at(loc_of(id), xa, entry, limit[0], limit[1], gfp)


def _xa_alloc_at(idloc, xa, entry, lo, hi, gfp=None):
    r = run()
    with op(r, lambda: f"xa_alloc({xa!r}, {entry!r})") as g:
        f = _lock(xa, r)
        if not f & XA_FLAGS_ALLOC:
            _unlock(xa, f)
            raise ModelError(f"xa_alloc({xa!r}): the xarray was not initialised with "
                             "XA_FLAGS_ALLOC (DEFINE_XARRAY_ALLOC, xa_init_flags)")
        _nomem(xa, gfp, "xa_alloc", f)
        if f & (XA_FLAGS_ALLOC1 & ~XA_FLAGS_ALLOC) and lo == 0:
            lo = 1
        i = _free_index(_ids(r.read(xa._index, ONCE, "xa_alloc")), lo, min(hi, _MAX_INDEX))
        if i is None:
            ret = -EBUSY
        else:
            r.write(idloc, i, PLAIN if idloc.plain else ONCE, "xa_alloc")
            _set_slot(r, xa, i, XA_ZERO_ENTRY if entry is None else entry, "xa_alloc")
            ret = 0
        _unlock(xa, f)
        g.note = f" = {ret}" + (f", id {i}" if ret == 0 else "")
    return ret


def _find(r, xa, start, last, what):
    """The first present entry at an index in [start, last]: (index, entry) or None."""
    while True:
        s = _ids(r.read(xa._index, ONCE, what))
        nxt = [i for i in s if start <= i <= last]
        if not nxt:
            return None
        i = nxt[0]
        v = r.read(xa._slot(i), ONCE, what)
        if v is not None and v is not XA_ZERO_ENTRY:
            return i, v
        start = i + 1                # erased (or reserved) meanwhile: go on past it


def _xa_find_at(idxloc, xa, last, after):
    """``xa_find()`` (``after``: ``xa_find_after()``) with the index in ``idxloc``:
    the entry, with the index written back, or NULL."""
    r = run()
    inner = _reader(r, "xa_find")
    start = r.read(idxloc, PLAIN if idxloc.plain else ONCE, "xa_find")
    if after:
        start += 1
    if inner:
        rcu_read_lock()
    hit = _find(r, xa, start, min(last, _MAX_INDEX), "xa_find")
    if inner:
        rcu_read_unlock()
    if hit is None:
        return None
    r.write(idxloc, hit[0], PLAIN if idxloc.plain else ONCE, "xa_find")
    return hit[1]


def xa_for_each(xa):
    """``xa_for_each(xa, index, entry)``: yields (index, entry) in index order,
    one RCU-protected lookup per step, so entries stored or erased meanwhile
    may or may not be seen (not a snapshot)."""
    r = run()
    i = 0
    while True:
        inner = _reader(r, "xa_for_each")
        if inner:
            rcu_read_lock()
        hit = _find(r, xa, i, _MAX_INDEX, "xa_for_each")
        if inner:
            rcu_read_unlock()
        if hit is None:
            return
        yield hit
        i = hit[0] + 1


def xa_empty(xa):
    return not _ids(run().read(xa._index, ONCE, "xa_empty"))


def xa_destroy(xa):
    """Erase every entry (the entries themselves are the caller's to free)."""
    r = run()
    with op(r, lambda: f"xa_destroy({xa!r})"):
        f = _lock(xa, r)
        for i in _ids(r.read(xa._index, ONCE, "xa_destroy")):
            _set_slot(r, xa, i, None, "xa_destroy")
        _unlock(xa, f)


def xa_lock(xa):
    spin_lock(xa.xa_lock)


def xa_unlock(xa):
    spin_unlock(xa.xa_lock)


def xa_lock_irq(xa):
    spin_lock_irq(xa.xa_lock)


def xa_unlock_irq(xa):
    spin_unlock_irq(xa.xa_lock)


def xa_lock_bh(xa):
    spin_lock_bh(xa.xa_lock)


def xa_unlock_bh(xa):
    spin_unlock_bh(xa.xa_lock)


def xa_lock_irqsave(xa):
    return spin_lock_irqsave(xa.xa_lock)


def xa_unlock_irqrestore(xa, flags):
    spin_unlock_irqrestore(xa.xa_lock, flags)


# -- IDR ------------------------------------------------------------------------------

class idr(KObject):
    """``struct idr``: an ID allocator with no lock of its own."""

    __slots__ = ("_index", "_base", "_kid", "_name", "_owner")

    def __init__(self, owner=None, field=None, base=0):
        self._owner = owner
        self._name = field or anon("idr")
        self._index = Loc((), owner, f"{self._name}.idr_rt", plain=True)
        self._base = Loc(base, owner, f"{self._name}.idr_base")
        self._kid = ("I", self._index.lid)

    @classmethod
    def _embed(cls, owner, name, v):
        return cls(owner, name)

    def __repr__(self):
        n = self._index.name()
        return f"&{n[:-len('.idr_rt')]}" if n.endswith(".idr_rt") else f"&{self._name}"

    def _slot(self, id):
        if not isinstance(id, int) or not 0 <= id <= _MAX_INDEX:
            raise ModelError(f"{self!r}: id {id!r} is not one kcheck models (0 to 2^40 - 1)")
        return _slot(self._index, id, repr(self)[1:])


def DEFINE_IDR():
    return idr()


def idr_init(i):
    run().write(i._index, (), PLAIN, "idr_init")


def idr_init_base(i, base):
    """An idr whose ids start at ``base``."""
    r = run()
    r.write(i._base, base, ONCE, "idr_init_base")
    r.write(i._index, (), PLAIN, "idr_init_base")


def idr_alloc(i, p, start, end, gfp=None):
    """A free id in [start, end) (``end`` <= 0: no limit), mapped to ``p``; the
    id, or -ENOSPC.  The caller serialises it with every other change."""
    r = run()
    with op(r, lambda: f"idr_alloc({i!r}, {p!r}, {start}, {end})") as g:
        _may_sleep(gfp, "idr_alloc")
        if start < 0:
            raise ModelError(f"idr_alloc({i!r}): start {start} < 0 (-EINVAL in the kernel)")
        base = r.read(i._base, ONCE, "idr_alloc")
        s = _ids(r.read(i._index, PLAIN, "idr_alloc"))         # the tree, unlocked
        hi = (end - 1) if end > 0 else _MAX_INDEX
        n = _free_index(s, max(start, base), min(hi, _MAX_INDEX))
        if n is None:
            g.note = " = -ENOSPC"
            return -ENOSPC
        r.write(i._slot(n), p, REL, "idr_alloc")            # rcu_assign_pointer()
        r.write(i._index, tuple(sorted(set(s) | {n})), REL, "idr_alloc")
        g.note = f" = {n}"
    return n


def idr_find(i, id):
    """The pointer at ``id`` (or NULL): under RCU or the caller's lock; it takes
    no reference (radix_tree_lookup())."""
    r = run()
    if id < 0 or id > _MAX_INDEX:
        return None
    return r.read(i._slot(id), ONCE, "idr_find")


def idr_remove(i, id):
    """Remove ``id``; returns what it mapped to (readers may still hold it)."""
    r = run()
    with op(r, lambda: f"idr_remove({i!r}, {id})") as g:
        s = _ids(r.read(i._index, PLAIN, "idr_remove"))
        if id not in s:
            g.note = " = NULL"
            return None
        old = r.read(i._slot(id), ONCE, "idr_remove")
        r.write(i._slot(id), None, REL, "idr_remove")
        r.write(i._index, tuple(x for x in s if x != id), REL, "idr_remove")
        g.note = f" = {old!r}"
    return old


def idr_replace(i, p, id):
    """Map ``id`` to ``p``; returns the old pointer (-ENOENT as None if unused)."""
    r = run()
    s = _ids(r.read(i._index, PLAIN, "idr_replace"))
    if id not in s:
        return None
    old = r.read(i._slot(id), ONCE, "idr_replace")
    r.write(i._slot(id), p, REL, "idr_replace")
    return old


def idr_for_each_entry(i):
    """``idr_for_each_entry(idr, entry, id)``: yields (id, entry); safe under RCU
    against concurrent changes (which it may or may not see)."""
    r = run()
    n = 0
    while True:
        s = _ids(r.read(i._index, ONCE, "idr_get_next"))
        nxt = [x for x in s if x >= n]
        if not nxt:
            return
        n = nxt[0]
        v = r.read(i._slot(n), ONCE, "idr_get_next")
        if v is not None:
            yield n, v
        n += 1


def __kcheck_idr_next_id(i, start):
    """The first id in use at or after ``start``, or -1 (C's idr_get_next() walks
    with it and idr_find(): an entry read as a pointer, not through an int)."""
    s = _ids(run().read(i._index, ONCE, "idr_get_next"))
    nxt = [x for x in s if x >= start]
    return nxt[0] if nxt else -1


def idr_is_empty(i):
    return not _ids(run().read(i._index, ONCE, "idr_is_empty"))


def idr_destroy(i):
    """Free the tree (the caller frees the entries); the idr is empty after."""
    r = run()
    for n in _ids(r.read(i._index, PLAIN, "idr_destroy")):
        r.write(i._slot(n), None, REL, "idr_destroy")
    r.write(i._index, (), PLAIN, "idr_destroy")


__all__ = ["xarray", "DEFINE_XARRAY", "DEFINE_XARRAY_FLAGS", "DEFINE_XARRAY_ALLOC",
           "DEFINE_XARRAY_ALLOC1", "xa_init", "xa_init_flags", "xa_load", "xa_store", "__xa_store",
           "xa_erase", "__xa_erase", "xa_insert", "xa_cmpxchg", "xa_alloc", "xa_for_each",
           "xa_empty", "xa_destroy", "xa_lock", "xa_unlock", "xa_lock_irq", "xa_unlock_irq",
           "xa_lock_bh", "xa_unlock_bh", "xa_lock_irqsave", "xa_unlock_irqrestore", "XA_LIMIT",
           "xa_limit_32b", "xa_limit_31b", "xa_limit_16b", "XA_FLAGS_LOCK_IRQ", "XA_FLAGS_LOCK_BH",
           "XA_FLAGS_ALLOC", "XA_FLAGS_ALLOC1", "idr", "DEFINE_IDR", "idr_init",
           "idr_init_base", "idr_alloc", "idr_find", "idr_remove", "idr_replace",
           "idr_for_each_entry", "idr_is_empty", "idr_destroy"]
