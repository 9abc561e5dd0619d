"""Whole programs under the LKMM: the classic shapes, written as models.

Each model WARNs when the litmus test's "exists" outcome happens, so a bug
means "Sometimes" and no bug "Never".  The expected verdicts are those of
the kernel's litmus tests (tools/memory-model/litmus-tests) with the same
shape; under SC every one of them is "Never".
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, ptr, WARN_ON, BUG_ON, smp_mb, smp_wmb, smp_rmb,
                           smp_store_release, smp_load_acquire, atomic_t, atomic_inc, atomic_read,
                           atomic_set, smp_mb__after_atomic, xchg, rcu_read_lock, rcu_read_unlock,
                           synchronize_rcu, kzalloc, rcu_assign_pointer, rcu_dereference,
                           kmemleak_not_leak, address_from)


class xy(KStruct):
    x: int
    y: int
    r0: int
    r1: int


def _pair(p0, p1, check):
    def main():
        s = xy()
        t0 = spawn(p0, s, name="P0")
        t1 = spawn(p1, s, name="P1")
        spawn(check, s, t0, t1, name="exists")
    return main


def _exists(cond):
    def check(s, t0, t1):
        kcheck.join(t0)
        kcheck.join(t1)
        WARN_ON(cond(READ_ONCE(ptr(s, "r0")), READ_ONCE(ptr(s, "r1"))))
    return check


def mp(wfence, rfence, acqrel=False):
    def p0(s):
        WRITE_ONCE(ptr(s, "x"), 1)
        wfence()
        (smp_store_release if acqrel else WRITE_ONCE)(ptr(s, "y"), 1)

    def p1(s):
        r0 = (smp_load_acquire if acqrel else READ_ONCE)(ptr(s, "y"))
        rfence()
        r1 = READ_ONCE(ptr(s, "x"))
        WRITE_ONCE(ptr(s, "r0"), r0)
        WRITE_ONCE(ptr(s, "r1"), r1)
    return _pair(p0, p1, _exists(lambda r0, r1: r0 == 1 and r1 == 0))


def sb(fence):
    def p0(s):
        WRITE_ONCE(ptr(s, "x"), 1)
        fence()
        WRITE_ONCE(ptr(s, "r0"), READ_ONCE(ptr(s, "y")))

    def p1(s):
        WRITE_ONCE(ptr(s, "y"), 1)
        fence()
        WRITE_ONCE(ptr(s, "r1"), READ_ONCE(ptr(s, "x")))
    return _pair(p0, p1, _exists(lambda r0, r1: r0 == 0 and r1 == 0))


def nothing():
    pass


CASES = [
    ("MP+poonceonces", mp(nothing, nothing), "Sometimes"),
    ("MP+fencewmbonceonce+fencermbonceonce", mp(smp_wmb, smp_rmb), "Never"),
    ("MP+pooncerelease+poacquireonce", mp(nothing, nothing, acqrel=True), "Never"),
    ("MP+wmb-only", mp(smp_wmb, nothing), "Sometimes"),
    ("SB+poonceonces", sb(nothing), "Sometimes"),
    ("SB+fencembonceonces", sb(smp_mb), "Never"),
    ("SB+wmb (not enough)", sb(smp_wmb), "Sometimes"),
]


@pytest.mark.parametrize("name,main,expected", CASES, ids=[c[0] for c in CASES])
def test_litmus_shapes_under_lkmm(name, main, expected):
    res = kcheck.check(main, memory_model="lkmm", races="off")
    got = "Sometimes" if res.verdict == "bug" else "Never"
    assert got == expected, res.bug and res.bug.trace
    assert res.verdict == "bug" or res.exhaustive


@pytest.mark.parametrize("name,main,expected", CASES, ids=[c[0] for c in CASES])
def test_same_shapes_never_under_sc(name, main, expected):
    assert kcheck.check(main, races="off").verdict == "no-bug"


class ab(KStruct):
    a: atomic_t
    b: atomic_t
    r0: int
    r1: int


def _sb_after_atomic(op):
    """SB where each side does op(its atomic); smp_mb__after_atomic(); then reads the other."""
    def p0(s):
        op(s.a)
        smp_mb__after_atomic()
        WRITE_ONCE(ptr(s, "r0"), atomic_read(s.b))

    def p1(s):
        op(s.b)
        smp_mb__after_atomic()
        WRITE_ONCE(ptr(s, "r1"), atomic_read(s.a))

    def main():
        s = ab()
        t0 = spawn(p0, s, name="P0")
        t1 = spawn(p1, s, name="P1")
        spawn(_exists(lambda r0, r1: r0 == 0 and r1 == 0), s, t0, t1, name="exists")
    return main


def test_mb_after_atomic_orders_only_around_an_rmw():
    """smp_mb__after_atomic() after atomic_inc() is a full barrier (SB forbidden);
    after atomic_set() (not an RMW) it orders nothing (SB allowed)."""
    rmw = kcheck.check(_sb_after_atomic(atomic_inc), memory_model="lkmm", races="off")
    plain = kcheck.check(_sb_after_atomic(lambda v: atomic_set(v, 1)), memory_model="lkmm", races="off")
    assert rmw.verdict == "no-bug" and rmw.exhaustive
    assert plain.verdict == "bug"


def test_rcu_grace_period_protects_a_reader_under_lkmm():
    """Unpublish, synchronize_rcu(), free: a reader in an RCU read-side
    section never touches freed memory, under the LKMM too."""
    from kcheck.kernel import kfree

    class node(KStruct):
        val: int

    class head(KStruct):
        p: node

    def reader(h):
        rcu_read_lock()
        n = rcu_dereference(ptr(h, "p"))
        if n is not None:
            READ_ONCE(ptr(n, "val"))
        rcu_read_unlock()

    def updater(h, n):
        rcu_assign_pointer(ptr(h, "p"), None)
        synchronize_rcu()
        kfree(n)

    def updater_no_gp(h, n):
        rcu_assign_pointer(ptr(h, "p"), None)
        kfree(n)

    def mk(upd):
        def main():
            n = kzalloc(node, val=1)
            h = head(p=n)
            spawn(reader, h, name="reader")
            spawn(upd, h, n, name="updater")
        return main

    ok = kcheck.check(mk(updater), memory_model="lkmm")
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.trace
    bad = kcheck.check(mk(updater_no_gp), memory_model="lkmm")
    assert bad.verdict == "bug" and bad.bug.kind == "use-after-free"


@pytest.mark.parametrize("publish", ["rcu_assign_pointer", "smp_store_release", "smp_wmb",
                                     "WRITE_ONCE"])
def test_kfree_of_what_a_task_got_through_a_pointer_load_depends_on_that_load(publish):
    """A consumer that frees what it read from a published pointer: its kfree()
    reaches the object through the pointer, an address dependency, so the
    publisher's initialising store (release, or smp_wmb() before the store)
    is ordered before the free.  A Python model's kfree() carried no
    dependency, and every such model was a use-after-free under the LKMM (a
    review's ptr_ring twin; the C front end had it right).  Published with a
    plain WRITE_ONCE(), the store is not ordered, as herd7 says of MP without
    the write barrier."""
    from kcheck.kernel import kfree, smp_store_release

    class obj(KStruct):
        len: int

    class box(KStruct):
        slot: obj

    def producer(b):
        o = kzalloc(obj)
        o.len = 42
        if publish == "rcu_assign_pointer":
            rcu_assign_pointer(ptr(b, "slot"), o)
        elif publish == "smp_store_release":
            smp_store_release(ptr(b, "slot"), o)
        else:
            if publish == "smp_wmb":
                smp_wmb()
            WRITE_ONCE(ptr(b, "slot"), o)

    def consumer(b):
        rcu_read_lock()
        p = rcu_dereference(ptr(b, "slot"))
        rcu_read_unlock()
        if p is not None:
            kfree(p)

    def main():
        b = box()
        spawn(producer, b, name="P0")
        spawn(consumer, b, name="P1")
    res = kcheck.check(main, memory_model="lkmm")
    if publish == "WRITE_ONCE":
        assert res.verdict == "bug" and res.bug.kind == "use-after-free", res.format()
        assert "not ordered before P1's kfree" in res.bug.message, res.bug.message
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()


def test_rcu_publication_relies_on_the_address_dependency():
    """MP+onceassign+derefonce as a program: initialise, rcu_assign_pointer(),
    and a reader that rcu_dereference()s and reads a field sees the
    initialisation (the address dependency orders the two loads)."""
    class node(KStruct):
        val: int

    class head(KStruct):
        p: node

    def writer(h):
        n = kzalloc(node)
        kmemleak_not_leak(n)
        WRITE_ONCE(ptr(n, "val"), 1)
        rcu_assign_pointer(ptr(h, "p"), n)

    def reader(h):
        rcu_read_lock()                     # lockdep wants rcu_dereference() in a reader
        n = rcu_dereference(ptr(h, "p"))
        if n is not None:
            WARN_ON(READ_ONCE(ptr(n, "val")) != 1)
        rcu_read_unlock()

    def writer_plain_publish(h):
        n = kzalloc(node)
        kmemleak_not_leak(n)
        WRITE_ONCE(ptr(n, "val"), 1)
        WRITE_ONCE(ptr(h, "p"), n)          # no release: the reader may see the pointer first

    def mk(w):
        def main():
            h = head()
            spawn(w, h, name="writer")
            spawn(reader, h, name="reader")
        return main

    res = kcheck.check(mk(writer), memory_model="lkmm", races="off")
    assert res.verdict == "no-bug", res.bug and res.bug.trace
    res = kcheck.check(mk(writer_plain_publish), memory_model="lkmm", races="off")
    assert res.verdict == "bug" and res.bug.kind == "warn"


@pytest.mark.parametrize("via_pointer", [True, False], ids=["through-the-pointer", "held-already"])
def test_no_address_dependency_on_an_object_the_task_holds(via_pointer):
    """MP+wmb with the reader reaching the object through the pointer it read
    (an address dependency: never) or through its own closure variable after
    reading the pointer (C's ``r0 = READ_ONCE(p); r1 = READ_ONCE(x.v)``: no
    dependency, herd7 says Sometimes).  A Python task cannot say which way it
    went, so an object it holds without reading memory gets no guessed
    dependency (engine/handles.py): before, the second was a missed bug."""
    class cell(KStruct):
        v: int

    class glob(KStruct):
        p: cell

    def main():
        g = glob()
        x = kzalloc(cell)
        kmemleak_not_leak(x)

        def writer():
            WRITE_ONCE(ptr(x, "v"), 1)
            smp_wmb()
            WRITE_ONCE(ptr(g, "p"), x)

        def reader_through_pointer():
            r0 = READ_ONCE(ptr(g, "p"))
            if r0 is not None:
                BUG_ON(READ_ONCE(ptr(r0, "v")) == 0)

        def reader_held():
            r0 = READ_ONCE(ptr(g, "p"))
            if r0 is x:
                BUG_ON(READ_ONCE(ptr(x, "v")) == 0)
        spawn(writer, name="P0")
        spawn(reader_through_pointer if via_pointer else reader_held, name="P1")

    res = kcheck.check(main, memory_model="lkmm", races="off")
    assert res.exhaustive or res.verdict == "bug", res.bug and res.bug.message
    assert res.verdict == ("no-bug" if via_pointer else "bug"), res.bug and res.bug.trace
    assert kcheck.check(main, races="off").verdict == "no-bug"      # under SC neither


def test_address_from_carries_a_dependency_through_a_number():
    """A page-table-like publication: the writer initialises a page, then
    publishes its frame *number* with a release store; the reader loads the
    number with READ_ONCE and finds the page by it (``__va(pfn)`` in C).  The
    LKMM orders the reader's two loads by the address dependency - but only
    if the model says the page's address came from the number."""
    class page(KStruct):
        val: int

    class table(KStruct):
        pfn: int

    frames = {}

    def writer(t):
        pg = frames[7]
        WRITE_ONCE(ptr(pg, "val"), 1)
        smp_store_release(ptr(t, "pfn"), 7)

    def reader(say_it):
        def body(t):
            pfn = READ_ONCE(ptr(t, "pfn"))
            if pfn:
                pg = address_from(pfn, frames[pfn]) if say_it else frames[pfn]
                WARN_ON(READ_ONCE(ptr(pg, "val")) != 1)
        return body

    def mk(say_it):
        def main():
            frames[7] = page()
            t = table()
            spawn(writer, t, name="writer")
            spawn(reader(say_it), t, name="reader")
        return main

    res = kcheck.check(mk(True), memory_model="lkmm", races="off")
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    res = kcheck.check(mk(False), memory_model="lkmm", races="off")
    assert res.verdict == "bug" and res.bug.kind == "warn"
    res = kcheck.check(mk(True), memory_model="sc")
    assert res.verdict == "no-bug"


def test_drop_barrier_shows_which_barrier_matters():
    main = mp(smp_wmb, smp_rmb)
    assert kcheck.check(main, memory_model="lkmm", races="off").verdict == "no-bug"
    for name in ("smp_wmb", "smp_rmb"):
        res = kcheck.check(main, memory_model="lkmm", races="off", drop_barriers=[name])
        assert res.verdict == "bug", name
    # under SC no barrier matters
    assert kcheck.check(main, races="off", drop_barriers=["smp_wmb", "smp_rmb"]).verdict == "no-bug"
