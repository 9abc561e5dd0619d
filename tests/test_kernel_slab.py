"""kfree_rcu, kfree_sensitive and kmem_cache_destroy's checks (kernel/slab.py)."""

import pytest

import kcheck
from kcheck import spawn, join
from kcheck.kernel import (KStruct, rcu_head, container_of, call_rcu, rcu_barrier, kmem_cache_create,
                           kmem_cache_alloc, kmem_cache_zalloc, kmem_cache_free, kmem_cache_destroy,
                           kzalloc, kfree, kfree_rcu, kvfree_rcu, kfree_rcu_mightsleep,
                           kfree_sensitive, rcu_read_lock, rcu_read_unlock, rcu_dereference,
                           rcu_assign_pointer, READ_ONCE, ptr)


class obj(KStruct):
    val: int
    rcu: rcu_head


class mod(KStruct):
    p: obj


CACHE = []


def free_into_cache(head):
    kmem_cache_free(CACHE[0], container_of(head, obj))


def module_exit(m, barrier):
    o = READ_ONCE(ptr(m, "p"))
    if barrier == "kfree_rcu":
        kfree_rcu(o, "rcu")                # kfree() takes a cache's object too
    else:
        call_rcu(o.rcu, free_into_cache)   # the last object goes back after a grace period
    if barrier is True:
        rcu_barrier()
    kmem_cache_destroy(CACHE[0])


def _exit(barrier):
    def main():
        CACHE[:] = [kmem_cache_create("obj_cache", obj)]
        m = mod()

        def init(m):
            m.p = kmem_cache_zalloc(CACHE[0])
        st = spawn(init, m, name="init", setup=True)

        def ex(m):
            join(st)
            module_exit(m, barrier)
        spawn(ex, m, name="exit")
    return main


def test_kmem_cache_destroy_with_an_rcu_free_pending_warns():
    res = kcheck.check(_exit(False))
    assert res.bug.kind == "warn"
    assert res.bug.message.startswith("kmem_cache_destroy obj_cache: Slab cache still has objects")
    assert "Objects remaining in obj_cache on __kmem_cache_shutdown()" in res.bug.message
    assert any(ev["text"] == "kmem_cache_free(obj_cache, obj#0)" for ev in res.bug.events)
    again = kcheck.replay(_exit(False), res.bug.schedule)
    assert again.bug.kind == "warn"


def test_rcu_barrier_before_kmem_cache_destroy_fixes_it():
    res = kcheck.check(_exit(True))
    assert res.verdict == "no-bug" and res.exhaustive


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_kmem_cache_destroy_waits_for_pending_kfree_rcu(mm):
    """v6.12 (6c6c47b063b5): kmem_cache_destroy() calls kvfree_rcu_barrier(), so
    module exit code converted from call_rcu() + kmem_cache_free to kfree_rcu()
    needs no rcu_barrier() (was a false WARN); the call_rcu() form above still
    warns - kvfree_rcu_barrier() waits for kfree_rcu() callbacks only."""
    res = kcheck.check(_exit("kfree_rcu"), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res


def test_objects_never_freed_and_use_after_destroy():
    def leaker(m):
        kmem_cache_alloc(CACHE[0])
        kmem_cache_destroy(CACHE[0])

    def late_alloc(m):
        kmem_cache_destroy(CACHE[0])
        kmem_cache_alloc(CACHE[0])

    for f, kind in ((leaker, "warn"), (late_alloc, "use-after-free")):
        def main(f=f):
            CACHE[:] = [kmem_cache_create("c", obj)]
            spawn(f, mod(), name="t")
        assert kcheck.check(main).bug.kind == kind


def test_a_concurrent_free_is_a_race_with_the_destroy():
    def main():
        CACHE[:] = [kmem_cache_create("c", obj)]
        m = mod()

        def init(m):
            m.p = kmem_cache_alloc(CACHE[0])
        st = spawn(init, m, name="init", setup=True)

        def freer(m):
            join(st)
            kmem_cache_free(CACHE[0], READ_ONCE(ptr(m, "p")))

        def destroyer(m):
            join(st)
            kmem_cache_destroy(CACHE[0])
        spawn(freer, m, name="freer")
        spawn(destroyer, m, name="destroyer")
    res = kcheck.check(main)
    assert res.bug.kind == "warn" and "can come after the destroy" in res.bug.message


class gptr(KStruct):
    p: obj


@pytest.mark.parametrize("free,verdict", [
    (lambda o: kfree_rcu(o, "rcu"), "no-bug"),
    (lambda o: kvfree_rcu(o, "rcu"), "no-bug"),
    (lambda o: kfree_rcu_mightsleep(o), "no-bug"),
    (lambda o: kfree_sensitive(o), "bug"),
    (lambda o: kfree(o), "bug"),
])
def test_rcu_deferred_frees(free, verdict):
    def reader(g):
        rcu_read_lock()
        o = rcu_dereference(ptr(g, "p"))
        if o is not None:
            READ_ONCE(ptr(o, "val"))
        rcu_read_unlock()

    def updater(g):
        o = READ_ONCE(ptr(g, "p"))
        rcu_assign_pointer(ptr(g, "p"), None)
        free(o)

    def main():
        g = gptr(p=kzalloc(obj))
        spawn(reader, g, name="reader")
        spawn(updater, g, name="updater")
    res = kcheck.check(main)
    assert res.verdict == verdict, res.bug and res.bug.trace
    if res.bug:
        assert res.bug.kind == "use-after-free"
    else:
        assert res.exhaustive


def test_kfree_rcu_names_the_rcu_head():
    from kcheck.engine.runtime import ModelError

    def t(g):
        kfree_rcu(READ_ONCE(ptr(g, "p")), "val")

    def main():
        spawn(t, gptr(p=kzalloc(obj)), name="t")
    with pytest.raises(ModelError, match="rcu_head"):
        kcheck.check(main)


def test_slab_flags_that_place_objects_change_nothing_and_typesafe_is_accepted(tmp_path):
    """Flags that only place or account objects change nothing; a
    SLAB_TYPESAFE_BY_RCU cache (a model error until 2026-11-30) is modelled
    (tests/test_kernel_typesafe.py), in Python and in C."""
    import kcheck.c
    from kcheck.kernel import (KStruct, kmem_cache_create, kmem_cache_zalloc, kmem_cache_free,
                               SLAB_TYPESAFE_BY_RCU, SLAB_HWCACHE_ALIGN)

    class obj(KStruct):
        v: int

    def model(flags):
        def t(c):
            kmem_cache_free(c, kmem_cache_zalloc(c))

        def main():
            c = kmem_cache_create("objs", obj, 0, flags)
            kcheck.spawn(t, c, name="t")
        return main
    assert kcheck.check(model(SLAB_HWCACHE_ALIGN)).verdict == "no-bug"
    assert kcheck.check(model(SLAB_TYPESAFE_BY_RCU)).verdict == "no-bug"
    f = tmp_path / "cache.c"
    f.write_text(r"""
#include <linux/slab.h>
#include <pthread.h>
struct obj { int v; };
static struct kmem_cache *cache;
static void *t(void *arg) { kmem_cache_free(cache, kmem_cache_zalloc(cache, GFP_KERNEL)); return NULL; }
int main(void)
{
	pthread_t p;
	cache = kmem_cache_create("objs", sizeof(struct obj), 0, SLAB_TYPESAFE_BY_RCU, NULL);
	pthread_create(&p, NULL, t, NULL);
	return 0;
}
""")
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    assert r.verdict == "no-bug" and r.exhaustive, r.format()
