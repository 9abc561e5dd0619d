"""The XArray and the IDR (kcheck.kernel.xarray; C's linux/xarray.h and
linux/idr.h): the rules lookups and updates live by, each as a buggy/fixed
twin."""

import os

import pytest

import kcheck
import kcheck.c
from kcheck import spawn, join
from kcheck.kernel import (KStruct, rcu_head, DEFINE_XARRAY, DEFINE_XARRAY_ALLOC, DEFINE_IDR,
                           xa_load, xa_store, __xa_store, xa_erase, xa_alloc, xa_insert,
                           xa_for_each, xa_empty, xa_lock, xa_unlock, xa_limit_32b, idr_alloc,
                           idr_find, idr_remove, kzalloc, kfree, kfree_rcu, rcu_read_lock,
                           rcu_read_unlock, ptr, BUG_ON, GFP_KERNEL, GFP_ATOMIC, spin_lock,
                           spin_unlock, DEFINE_SPINLOCK)

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.mark.parametrize("fixed", [0, 1])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_lookup_must_take_its_reference_with_get_unless_zero(mm, fixed):
    """xa_load() under RCU, then kref_get(): the remover's last put may come
    first (refcount_t: addition on 0); kref_get_unless_zero() is the fix.  The
    same C also walks the array (xa_for_each) and allocates ids in an IDR."""
    prog = kcheck.c.load(os.path.join(DATA, "xarray_lookup.c"), defines=[f"FIXED={fixed}"])
    r = kcheck.check(prog.entry, memory_model=mm)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "refcount-warn", r.format()


class obj(KStruct):
    id: int
    rcu: rcu_head


def _two(setup, a, b):
    def after(s, fn, *args):
        join(s)
        fn(*args)

    def main():
        xa = DEFINE_XARRAY_ALLOC()
        o = kzalloc(obj)
        s = spawn(setup, xa, o, setup=True)
        spawn(after, s, a, xa)
        spawn(after, s, b, xa, o)
    return main


@pytest.mark.parametrize("fixed", [0, 1])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_xa_alloc_writes_the_id_before_the_entry_is_visible(mm, fixed):
    """Storing first and filling in the id after lets a reader see the entry
    with no id yet; xa_alloc(xa, &o->id, o, ...) writes it before publishing."""
    def setup(xa, o):
        pass

    def publisher7(xa, o):
        if fixed:
            xa_alloc(xa, ptr(o, "id"), o, (7, 7), GFP_KERNEL)
        else:
            xa_store(xa, 7, o, GFP_KERNEL)
            o.id = 7

    def reader7(xa):
        rcu_read_lock()
        o = xa_load(xa, 7)
        if o is not None:
            BUG_ON(o.id != 7)
        rcu_read_unlock()

    r = kcheck.check(_two(setup, reader7, publisher7), memory_model=mm, ignore=["leak"],
                     races="error")
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind in ("bug-on", "data-race"), r.format()


@pytest.mark.parametrize("fixed", [0, 1])
def test_an_erased_entry_is_freed_after_a_grace_period(fixed):
    def setup(xa, o):
        xa_store(xa, 3, o, GFP_KERNEL)

    def reader(xa):
        rcu_read_lock()
        o = xa_load(xa, 3)
        if o is not None:
            o.id
        rcu_read_unlock()

    def remover(xa, o):
        e = xa_erase(xa, 3)
        if fixed:
            kfree_rcu(e, "rcu")
        else:
            kfree(e)

    r = kcheck.check(_two(setup, reader, remover))
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "use-after-free", r.format()


@pytest.mark.parametrize("locked", [0, 1])
def test_idr_changes_need_the_callers_lock(locked):
    """The IDR has no lock of its own: two idr_alloc() calls unserialised are a
    data race on its tree, and may hand out the same id."""
    class holder(KStruct):
        a: int
        b: int

    def alloc(i, lock, h, field):
        if locked:
            spin_lock(lock)
        n = idr_alloc(i, h, 0, 0, GFP_ATOMIC)
        if locked:
            spin_unlock(lock)
        setattr(h, field, n)

    def check(a, b, h, i):
        join(a)
        join(b)
        BUG_ON(h.a == h.b)
        BUG_ON(idr_find(i, h.a) is None)

    def main():
        i = DEFINE_IDR()
        lock = DEFINE_SPINLOCK()
        h = kzalloc(holder)
        a = spawn(alloc, i, lock, h, "a")
        b = spawn(alloc, i, lock, h, "b")
        spawn(check, a, b, h, i)
    r = kcheck.check(main, ignore=["leak"])
    if locked:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind in ("data-race", "bug-on"), r.format()


@pytest.mark.parametrize("gfp", [GFP_KERNEL, GFP_ATOMIC])
def test_a_blocking_store_under_the_callers_spinlock_may_sleep(gfp):
    """xa_store(GFP_KERNEL) may allocate, and sleep: not under a spinlock of the
    caller's; __xa_store under xa_lock is fine, the kernel drops xa_lock to
    allocate."""
    def body(xa, lock, o):
        xa_lock(xa)
        __xa_store(xa, 1, o, GFP_KERNEL)
        xa_unlock(xa)
        spin_lock(lock)
        xa_store(xa, 2, o, gfp)
        spin_unlock(lock)
        BUG_ON(xa_insert(xa, 2, o, GFP_ATOMIC) != -16)
        BUG_ON([i for i, _ in xa_for_each(xa)] != [1, 2])
        xa_erase(xa, 1)
        xa_erase(xa, 2)
        BUG_ON(not xa_empty(xa))

    def main():
        spawn(body, DEFINE_XARRAY(), DEFINE_SPINLOCK(), kzalloc(obj))
    r = kcheck.check(main, ignore=["leak"])
    if gfp == GFP_KERNEL:
        assert r.bug.kind == "sleep-in-atomic", r.format()
    else:
        assert r.bug is None and r.exhaustive, r.format()


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_the_new_headers_together_and_their_walks_in_c(mm):
    """xa_for_each and idr_for_each_entry give back the stored pointers (the
    walk's entry is a pointer, not an int it went through), with every header
    added on 2026-11-30 included at once."""
    prog = kcheck.c.load(os.path.join(DATA, "all_new_headers.c"))
    r = kcheck.check(prog.entry, memory_model=mm)
    assert r.bug is None and r.exhaustive, r.format()


@pytest.mark.parametrize("entry,bug", [(None, None), ("item", "sleep-in-atomic")])
def test_xa_store_of_null_never_allocates(entry, bug):
    """xa_store(xa, i, NULL, GFP_KERNEL) is an erase: no node to allocate, so
    __xas_nomem() never drops xa_lock or sleeps - legal under the caller's
    spinlock (was a false sleep-in-atomic).  A real store may allocate there."""
    from kcheck.kernel import GFP_KERNEL, KStruct, kzalloc, spin_lock, spin_unlock, spinlock_t, xa_store, xarray

    class S(KStruct):
        lock: spinlock_t
        xa: xarray

    class Item(KStruct):
        v: int

    def t(s):
        it = kzalloc(Item) if entry else None
        spin_lock(s.lock)
        xa_store(s.xa, 1, it, GFP_KERNEL)
        spin_unlock(s.lock)

    def main():
        kcheck.spawn(t, S(), name="t")
    r = kcheck.check(main, ignore=("leak",))
    if bug is None:
        assert r.bug is None and r.exhaustive, r
    else:
        assert r.bug is not None and r.bug.kind == bug, r
