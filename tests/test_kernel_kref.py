"""kref (kernel/kref.py): refcount_t's WARNs, the release callback run where the
kernel runs it, and the get-after-last-put race with its two fixes."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.engine.runtime import ModelError
from kcheck.kernel import (KStruct, kref, kref_init, kref_get, kref_get_unless_zero, kref_put,
                           kref_put_lock, kref_put_mutex, kref_read, container_of, kzalloc, kfree,
                           spinlock_t, spin_lock, spin_unlock, mutex, mutex_lock, mutex_unlock,
                           READ_ONCE, WRITE_ONCE, ptr, lockdep_assert_held, WARN_ON)


class obj(KStruct):
    ref: kref
    val: int


class cache(KStruct):
    lock: spinlock_t
    mlock: mutex
    cur: obj


def release_unlocked(k):
    o = container_of(k, obj)
    c = o.c
    spin_lock(c.lock)
    WRITE_ONCE(ptr(c, "cur"), None)
    spin_unlock(c.lock)
    kfree(o)


def release_locked(k):
    o = container_of(k, obj)
    c = o.c
    lockdep_assert_held(c.lock)            # kref_put_lock calls release with the lock held
    WRITE_ONCE(ptr(c, "cur"), None)
    spin_unlock(c.lock)
    kfree(o)


class obj_c(obj):
    c: object


def lookup_get(c):
    spin_lock(c.lock)
    o = READ_ONCE(ptr(c, "cur"))
    if o is not None:
        kref_get(o.ref)                    # the count may already be 0
    spin_unlock(c.lock)
    if o is not None:
        o.val = 1
        kref_put_lock(o.ref, release_locked, c.lock)


def lookup_get_unless_zero(c):
    spin_lock(c.lock)
    o = READ_ONCE(ptr(c, "cur"))
    if o is not None and not kref_get_unless_zero(o.ref):
        o = None
    spin_unlock(c.lock)
    if o is not None:
        o.val = 1
        kref_put_lock(o.ref, release_locked, c.lock)


def owner_put(c):
    o = READ_ONCE(ptr(c, "cur"))
    kref_put(o.ref, release_unlocked)       # last put outside the lock lookups take


def owner_put_lock(c):
    o = READ_ONCE(ptr(c, "cur"))
    kref_put_lock(o.ref, release_locked, c.lock)


def _main(lookup, put):
    def main():
        c = cache()
        c.cur = kzalloc(obj_c, ref=1, c=c)
        spawn(lookup, c, name="lookup")
        spawn(put, c, name="owner")
    return main


def test_get_after_last_put_warns_like_refcount_t():
    res = kcheck.check(_main(lookup_get, owner_put))
    assert res.bug.kind == "refcount-warn"
    assert res.bug.message.startswith("refcount_t: addition on 0; use-after-free. (kref_get on obj_c#0->ref.refcount)")
    assert "kref_put(&obj_c#0->ref.refcount)  1 -> 0" in res.bug.trace


@pytest.mark.parametrize("lookup,put", [(lookup_get_unless_zero, owner_put),
                                        (lookup_get, owner_put_lock)])
def test_both_kernel_fixes_are_clean(lookup, put):
    res = kcheck.check(_main(lookup, put))
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


def test_a_put_after_the_release_is_a_use_after_free():
    def release(k):
        kfree(container_of(k, obj))

    def t(o):
        kref_put(o.ref, release)
        kref_put(o.ref, release)

    def main():
        o = kzalloc(obj, ref=1)
        spawn(t, o, name="t")
    res = kcheck.check(main)
    assert res.bug.kind == "use-after-free" and "kref_put" in res.bug.message


def test_kref_init_read_and_put_mutex():
    def release(k):
        o = container_of(k, obj_c)
        WRITE_ONCE(ptr(o.c, "cur"), None)
        mutex_unlock(o.c.mlock)
        kfree(o)

    def t(c):
        o = READ_ONCE(ptr(c, "cur"))
        WARN_ON(kref_read(o.ref) != 2)
        kref_put_mutex(o.ref, release, c.mlock)

    def main():
        c = cache()
        o = kzalloc(obj_c, c=c)
        c.cur = o

        def init(c):
            kref_init(o.ref)
            kref_get(o.ref)
        from kcheck import join
        s = spawn(init, c, name="init")

        def user(c):
            join(s)
            t(c)
        spawn(user, c, name="a")

        def user2(c):
            join(s)
            o2 = READ_ONCE(ptr(c, "cur"))
            kref_put_mutex(o2.ref, release, c.mlock)
        spawn(user2, c, name="b")
    res = kcheck.check(main)
    # a's WARN_ON(kref_read != 2) fires when b put first: the read is not a snapshot
    assert res.bug.kind == "warn"


def test_release_must_be_a_function():
    def t(o):
        kref_put(o.ref, None)

    def main():
        o = kzalloc(obj, ref=1)
        spawn(t, o, name="t")
    with pytest.raises(ModelError, match="release function"):
        kcheck.check(main)
