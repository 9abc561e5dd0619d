"""hlist_nulls (kcheck.kernel.list_nulls; C's linux/list_nulls.h and
linux/rculist_nulls.h) with a SLAB_TYPESAFE_BY_RCU cache: the lookup that
does not check the marker its walk ended on misses a key that is there
(Documentation/RCU/rculist_nulls.rst); the one that starts again finds it."""

import os

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (KStruct, hlist_nulls_head, hlist_nulls_node, refcount_t,
                           INIT_HLIST_NULLS_HEAD, hlist_nulls_add_head_rcu, hlist_nulls_del_init_rcu,
                           hlist_nulls_for_each_entry_rcu, get_nulls_value, is_a_nulls,
                           hlist_nulls_empty, kmem_cache_create, kmem_cache_alloc, kmem_cache_free,
                           SLAB_TYPESAFE_BY_RCU, GFP_KERNEL, kzalloc, rcu_read_lock,
                           rcu_read_unlock, refcount_set, refcount_inc_not_zero, refcount_dec,
                           refcount_dec_and_test, READ_ONCE, WRITE_ONCE, ptr, BUG_ON, cpu_relax,
                           spin_lock, spin_unlock, DEFINE_SPINLOCK)

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("fixed", [0, 1])
def test_a_nulls_lookup_in_c(fixed, mm):
    prog = kcheck.c.load(os.path.join(DATA, "nulls_lookup.c"), defines=[f"FIXED={fixed}"])
    r = kcheck.check(prog.entry, memory_model=mm, ignore=["leak"])
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "bug-on", r.format()


class sock(KStruct):
    node: hlist_nulls_node
    ref: refcount_t
    key: int


class table(KStruct):
    b0: hlist_nulls_head
    b1: hlist_nulls_head


def _model(fixed):
    def lookup(t, key):
        rcu_read_lock()
        while True:
            found = None
            it = hlist_nulls_for_each_entry_rcu(t.b0)
            for s in it:
                if READ_ONCE(ptr(s, "key")) == key and refcount_inc_not_zero(s.ref):
                    if READ_ONCE(ptr(s, "key")) == key:
                        found = s
                        break
                    refcount_dec(s.ref)
            if found is None and fixed and get_nulls_value(it.pos) != 0:
                cpu_relax()               # (kcheck: a retry is a busy-wait)
                continue                  # ended on another chain: start again
            break
        rcu_read_unlock()
        return found

    def reader(t, cache):
        s = lookup(t, 7)
        BUG_ON(s is None)                 # key 7 is never removed
        if refcount_dec_and_test(s.ref):
            kmem_cache_free(cache, s)

    def mover(t, cache, lock, x):
        spin_lock(lock)
        hlist_nulls_del_init_rcu(x.node)
        spin_unlock(lock)
        if refcount_dec_and_test(x.ref):
            kmem_cache_free(cache, x)
        y = kmem_cache_alloc(cache, GFP_KERNEL)
        WRITE_ONCE(ptr(y, "key"), 8)      # hashes to chain 1
        refcount_set(y.ref, 1)
        spin_lock(lock)
        hlist_nulls_add_head_rcu(y.node, t.b1)
        spin_unlock(lock)

    def main():
        cache = kmem_cache_create("sock", sock, 0, SLAB_TYPESAFE_BY_RCU)
        t = kzalloc(table)
        INIT_HLIST_NULLS_HEAD(t.b0, 0)
        INIT_HLIST_NULLS_HEAD(t.b1, 1)
        k = kmem_cache_alloc(cache, key=7)
        refcount_set(k.ref, 1)
        x = kmem_cache_alloc(cache, key=3)
        refcount_set(x.ref, 1)
        hlist_nulls_add_head_rcu(k.node, t.b0)
        hlist_nulls_add_head_rcu(x.node, t.b0)     # chain 0: x, k
        spawn(reader, t, cache)
        spawn(mover, t, cache, DEFINE_SPINLOCK(), x)
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("fixed", [0, 1])
def test_a_nulls_lookup_in_python(fixed, mm):
    r = kcheck.check(_model(fixed), memory_model=mm, ignore=["leak"])
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "bug-on", r.format()


def test_markers_and_emptiness():
    def body(t):
        BUG_ON(not hlist_nulls_empty(t.b1))
        it = hlist_nulls_for_each_entry_rcu(t.b1, cond=True)
        BUG_ON(list(it) != [])
        BUG_ON(not is_a_nulls(it.pos) or get_nulls_value(it.pos) != 1)

    def main():
        t = kzalloc(table)
        INIT_HLIST_NULLS_HEAD(t.b0, 0)
        INIT_HLIST_NULLS_HEAD(t.b1, 1)
        spawn(body, t)
    r = kcheck.check(main, ignore=["leak"])
    assert r.bug is None and r.exhaustive, r.format()
