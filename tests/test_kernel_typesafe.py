"""SLAB_TYPESAFE_BY_RCU caches: a freed object stays an object of its type (no
use-after-free), and any allocation may hand it back as another object.  The
lookup that forgets to check what it got after taking a reference is found;
the one that checks is clean; under the LKMM the check also needs the new
owner's initialisation published (refcount_set_release /
refcount_inc_not_zero_acquire, v6.15)."""

import os

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (KStruct, refcount_t, kzalloc, kmem_cache_create, kmem_cache_alloc,
                           kmem_cache_zalloc, kmem_cache_free, SLAB_TYPESAFE_BY_RCU, GFP_KERNEL,
                           rcu_read_lock, rcu_read_unlock, rcu_dereference,
                           rcu_dereference_protected, rcu_assign_pointer, refcount_set,
                           refcount_set_release, refcount_inc_not_zero,
                           refcount_inc_not_zero_acquire, refcount_dec_and_test, READ_ONCE,
                           WRITE_ONCE, ptr, BUG_ON)

DATA = os.path.join(os.path.dirname(__file__), "data")

# variant -> {memory model: bug kind or None}
WANT = {0: {"sc": "bug-on", "lkmm": "bug-on"},
        1: {"sc": None, "lkmm": "bug-on"},
        2: {"sc": None, "lkmm": None}}


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("variant", sorted(WANT))
def test_a_typesafe_lookup_in_c(variant, mm):
    prog = kcheck.c.load(os.path.join(DATA, "typesafe_lookup.c"), defines=[f"VARIANT={variant}"])
    r = kcheck.check(prog.entry, memory_model=mm)
    want = WANT[variant][mm]
    assert (r.bug.kind if r.bug else None) == want, r.format()
    if want is None:
        assert r.exhaustive


class sock(KStruct):
    ref: refcount_t
    key: int


class glob(KStruct):
    table: sock


def _model(variant, typesafe=True):
    def put(cache, o):
        if refcount_dec_and_test(o.ref):
            kmem_cache_free(cache, o)

    def reader(g, cache):
        rcu_read_lock()
        o = rcu_dereference(ptr(g, "table"))
        get = refcount_inc_not_zero_acquire if variant >= 2 else refcount_inc_not_zero
        if o is not None and not get(o.ref):
            o = None
        if o is not None and variant >= 1 and READ_ONCE(ptr(o, "key")) != 1:
            put(cache, o)
            o = None
        rcu_read_unlock()
        if o is not None:
            BUG_ON(READ_ONCE(ptr(o, "key")) != 1)
            put(cache, o)

    def remover(g, cache):
        o = rcu_dereference_protected(ptr(g, "table"), True)
        rcu_assign_pointer(ptr(g, "table"), None)
        put(cache, o)

    def other(g, cache):
        n = kmem_cache_alloc(cache, GFP_KERNEL)
        WRITE_ONCE(ptr(n, "key"), 2)
        (refcount_set_release if variant >= 2 else refcount_set)(n.ref, 1)
        put(cache, n)

    def main():
        cache = kmem_cache_create("sock", sock, 0, SLAB_TYPESAFE_BY_RCU if typesafe else 0)
        g = kzalloc(glob)
        o = kmem_cache_alloc(cache, key=1)
        refcount_set(o.ref, 1)
        g.table = o
        spawn(reader, g, cache)
        spawn(remover, g, cache)
        spawn(other, g, cache)
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("variant", sorted(WANT))
def test_a_typesafe_lookup_in_python(variant, mm):
    r = kcheck.check(_model(variant), memory_model=mm, ignore=["leak"])
    want = WANT[variant][mm]
    assert (r.bug.kind if r.bug else None) == want, r.format()


def test_the_reuse_is_what_the_trace_shows():
    r = kcheck.check(_model(0), ignore=["leak"])
    flat = " ".join(r.bug.trace.split())
    assert "kmem_cache_alloc: a freed" in flat and "kmem_cache_alloc(sock): again" in flat, r.bug.trace


def test_without_the_flag_the_same_lookup_is_a_use_after_free():
    """An ordinary cache frees at once: the reader's refcount_inc_not_zero() on
    the freed object is a use-after-free (the cache needs SLAB_TYPESAFE_BY_RCU
    or a grace period before the free)."""
    r = kcheck.check(_model(2, typesafe=False), ignore=["leak"])
    assert r.bug.kind == "use-after-free", r.format()


def test_zalloc_zeroes_an_object_used_before_and_a_second_free_is_double():
    def body(cache):
        a = kmem_cache_alloc(cache, GFP_KERNEL)
        WRITE_ONCE(ptr(a, "key"), 5)
        kmem_cache_free(cache, a)
        b = kmem_cache_zalloc(cache, GFP_KERNEL)
        BUG_ON(READ_ONCE(ptr(b, "key")) != 0)
        kmem_cache_free(cache, b)
        kmem_cache_free(cache, b)

    def main():
        spawn(body, kmem_cache_create("sock", sock, 0, SLAB_TYPESAFE_BY_RCU))
    r = kcheck.check(main, ignore=["leak"], keep_going=True)
    kinds = {b.kind for b in r.bugs}
    assert kinds == {"double-free"}, r.format()
