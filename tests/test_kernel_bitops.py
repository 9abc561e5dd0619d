"""Bit operations (kernel/bitops.py) with Documentation/atomic_bitops.txt's ordering."""

import pytest

import kcheck
from kcheck import spawn, join
import kcheck.kernel as K
from kcheck.kernel import (KStruct, ptr, READ_ONCE, WRITE_ONCE, WARN_ON, cpu_relax, set_bit, clear_bit,
                           change_bit, clear_bit_unlock, __set_bit, __clear_bit, __clear_bit_unlock,
                           DECLARE_BITMAP, find_first_bit, smp_mb__before_atomic)

# (K.test_bit and friends: a name starting with "test_" would be collected as a test)


class dev(KStruct):
    flags: int
    data: int


def locker(d, unlock):
    while K.test_and_set_bit_lock(0, ptr(d, "flags")):
        cpu_relax()
    d.data = d.data + 1                  # plain accesses inside the bit lock
    unlock(0, ptr(d, "flags"))


def _lock_pair(unlock):
    def main():
        d = dev()
        spawn(locker, d, unlock, name="cpu0")
        spawn(locker, d, unlock, name="cpu1")
    return main


def test_bit_lock_released_with_clear_bit_races_under_the_lkmm():
    # clear_bit() has no RELEASE: the critical section's accesses may leak past it
    assert kcheck.check(_lock_pair(clear_bit), races="error").verdict == "no-bug"
    res = kcheck.check(_lock_pair(clear_bit), races="error", memory_model="lkmm")
    assert res.bug.kind == "data-race" and "dev#0->data" in res.bug.message


@pytest.mark.parametrize("unlock", [clear_bit_unlock, __clear_bit_unlock])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_clear_bit_unlock_is_a_release(unlock, mm):
    res = kcheck.check(_lock_pair(unlock), races="error", memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive


def test_smp_mb__before_atomic_makes_clear_bit_a_release():
    def unlock(nr, addr):
        smp_mb__before_atomic()
        clear_bit(nr, addr)
    res = kcheck.check(_lock_pair(unlock), races="error", memory_model="lkmm")
    assert res.verdict == "no-bug" and res.exhaustive


def _two_setters(first):
    def main():
        d = dev()
        a = spawn(first, d, name="a")
        b = spawn(lambda d: set_bit(0, ptr(d, "flags")), d, name="b")

        def check(d):
            join(a)
            join(b)
            WARN_ON(READ_ONCE(ptr(d, "flags")) != 0b11)
        spawn(check, d, name="check")
    return main


def test_non_atomic_set_bit_loses_a_concurrent_update():
    bad = kcheck.check(_two_setters(lambda d: __set_bit(1, ptr(d, "flags"))), races="off")
    assert bad.bug.kind == "warn"
    ok = kcheck.check(_two_setters(lambda d: set_bit(1, ptr(d, "flags"))))
    assert ok.verdict == "no-bug" and ok.exhaustive


def test_return_values_and_bitmaps():
    out = {}

    def t(d, bm):
        out["tas"] = (K.test_and_set_bit(3, ptr(d, "flags")), K.test_and_set_bit(3, ptr(d, "flags")))
        out["tac"] = (K.test_and_clear_bit(3, ptr(d, "flags")), K.test_and_clear_bit(3, ptr(d, "flags")))
        out["tch"] = (K.test_and_change_bit(5, ptr(d, "flags")), K.test_bit(5, ptr(d, "flags")))
        change_bit(5, ptr(d, "flags"))
        set_bit(70, bm)
        __set_bit(2, bm)
        __clear_bit(2, bm)
        out["bm"] = (K.test_bit(70, bm), K.test_bit(6, bm), READ_ONCE(bm[1]), find_first_bit(bm, 128))
        out["flags"] = READ_ONCE(ptr(d, "flags"))

    def main():
        spawn(t, dev(), DECLARE_BITMAP(128), name="t")
    assert kcheck.check(main).verdict == "no-bug"
    assert out == {"tas": (False, True), "tac": (True, False), "tch": (False, True),
                   "bm": (True, False, 1 << 6, 70), "flags": 0}


def test_failed_test_and_set_bit_is_fenced_in_the_graph():
    """A test_and_set_bit that finds the bit set writes nothing (a lone read,
    which the LKMM takes as unordered), between two smp_mb(): conditional RMWs
    are fully ordered on failure since v6.0 (415d83249709)."""
    from kcheck.engine.explore import TruSt
    from kcheck.engine import graph as G
    seen = []

    def t(d):
        K.test_and_set_bit(0, ptr(d, "flags"))

    def main():
        spawn(t, dev(flags=1), name="t")

    def on_complete(run):
        seen.append([(e.kind, e.op) for e in run.g.threads[0]])
    TruSt(main, on_complete=on_complete).run()
    assert seen == [[(G.FENCE, "~test_and_set_bit"), (G.READ, "test_and_set_bit"),
                     (G.FENCE, "~test_and_set_bit")]]

# -- a failed test_and_set_bit() orders like a successful one (v6.0+) --------------
#
# The workqueue/tty idiom 415d83249709 was written for: the producer stores
# data, then finds PENDING already set; the running consumer clears PENDING,
# smp_mb__after_atomic(), then reads the data - it must see it.  kcheck took a
# failed test_and_set_bit as unordered and reported a WARN under the LKMM.  A
# failed test_and_set_bit_lock() is still unordered (the generic code returns
# early on a set bit): the twin.

class work_bits(KStruct):
    pending: int
    data: int


def _pending_model(tas):
    res = {}

    def producer(w):
        WRITE_ONCE(ptr(w, "data"), 1)
        res["queued"] = not tas(0, ptr(w, "pending"))

    def consumer(w):
        K.clear_bit(0, ptr(w, "pending"))
        K.smp_mb__after_atomic()
        res["seen"] = READ_ONCE(ptr(w, "data"))

    def judge(ts):
        for t in ts:
            join(t)
        WARN_ON(not res["queued"] and res["seen"] == 0)

    def main():
        w = work_bits(pending=1)
        a = spawn(producer, w, name="producer")
        b = spawn(consumer, w, name="worker")
        spawn(judge, [a, b], name="judge")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_failed_test_and_set_bit_is_fully_ordered(mm):
    res = kcheck.check(_pending_model(K.test_and_set_bit), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    res = kcheck.check(_pending_model(K.test_and_set_bit_lock), memory_model=mm)
    assert res.verdict == ("bug" if mm == "lkmm" else "no-bug"), res


def test_queue_work_that_finds_the_item_pending_orders_the_data():
    """queue_work() returning false: the pending instance runs after it and sees
    what was stored before the call (the tty flip-buffer pattern)."""
    from kcheck.kernel import work_struct, INIT_WORK, alloc_workqueue, flush_workqueue, queue_work

    class port(KStruct):
        data: int
        seen: int
        work: work_struct

    def flush_to_ldisc(w):
        p = w._owner
        WRITE_ONCE(ptr(p, "seen"), READ_ONCE(ptr(p, "data")))

    def producer(p, wq):
        queue_work(wq, p.work)
        WRITE_ONCE(ptr(p, "data"), 1)
        queue_work(wq, p.work)
        flush_workqueue(wq)
        WARN_ON(READ_ONCE(ptr(p, "seen")) != 1)

    def main():
        wq = alloc_workqueue("tty", workers=1)
        p = port()
        INIT_WORK(p.work, flush_to_ldisc)
        spawn(producer, p, wq, name="producer")
    res = kcheck.check(main, memory_model="lkmm")
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("unlock,lost", [("__clear_bit_unlock", True), ("clear_bit_unlock", False),
                                         ("__bit_spin_unlock", True), ("bit_spin_unlock", False)])
def test_non_atomic_bit_unlock_loses_a_concurrent_set_bit(mm, unlock, lost):
    """__clear_bit_unlock() is READ_ONCE + a release store of the word
    (asm-generic/bitops/lock.h): legal only when the lock guards every bit."""
    class obj(KStruct):
        flags: int

    spin = "spin" in unlock

    def locker(o):
        if spin:
            K.bit_spin_lock(0, ptr(o, "flags"))
            getattr(K, unlock)(0, ptr(o, "flags"))
        elif not K.test_and_set_bit_lock(0, ptr(o, "flags")):
            getattr(K, unlock)(0, ptr(o, "flags"))

    def other(o):
        K.set_bit(1, ptr(o, "flags"))

    def judge(ts, o):
        for t in ts:
            join(t)
        WARN_ON(not K.test_bit(1, ptr(o, "flags")))

    def main():
        o = obj()
        a = spawn(locker, o, name="locker")
        b = spawn(other, o, name="other")
        spawn(judge, [a, b], o, name="judge")
    res = kcheck.check(main, memory_model=mm)
    assert res.verdict == ("bug" if lost else "no-bug"), res


def test_declare_bitmap_as_a_struct_field():
    """``flags: DECLARE_BITMAP(70)`` in a struct, as C declares it (was a model
    error at import: kernel functions only work while kcheck runs)."""
    from kcheck.kernel import KStruct, DECLARE_BITMAP, set_bit, test_bit, WARN_ON

    class S(KStruct):
        flags: DECLARE_BITMAP(70)

    def t(s):
        set_bit(65, s.flags)
        WARN_ON(not test_bit(65, s.flags) or test_bit(1, s.flags))

    def main():
        kcheck.spawn(t, S(), name="t")
    r = kcheck.check(main)
    assert r.bug is None and r.exhaustive


def test_trace_shows_the_bit_test_bit_answered_not_the_word():
    """A C review: ``test_bit(2, &flags) = 4`` where the code saw 1 - the trace
    printed the word the load read.  It shows the bit, then the word."""
    def t(d):
        K.BUG_ON(K.test_bit(2, ptr(d, "flags")))

    def main():
        d = dev(flags=4)
        spawn(t, d, name="t")
    r = kcheck.check(main)
    assert r.verdict == "bug" and r.bug.kind == "bug-on"
    assert "test_bit(2, &dev#0->flags) = 1  (word 4)" in r.bug.trace, r.bug.trace
