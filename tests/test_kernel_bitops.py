"""Bit operations (kernel/bitops.py) with Documentation/atomic_bitops.txt's ordering."""

import pytest

import kcheck
from kcheck import spawn, join
import kcheck.kernel as K
from kcheck.kernel import (KStruct, ptr, READ_ONCE, WARN_ON, cpu_relax, set_bit, clear_bit,
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


def test_failed_test_and_set_bit_is_unordered_in_the_graph():
    """A test_and_set_bit that finds the bit set writes nothing (a failed RMW:
    the LKMM drops its full barrier)."""
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
    assert seen == [[(G.READ, "test_and_set_bit")]]       # no write half (and nobody joins t)
