"""lockdep's irq-safe -> irq-unsafe lock order (check_irq_usage()).

A lock taken in softirq (hardirq) context, held while a lock taken elsewhere
with softirqs (interrupts) enabled is acquired: CPU0 holds B with softirqs on
and a softirq there spins on A, while CPU1 holds A and spins on B.  kcheck
runs a softirq or an interrupt handler as a context of its own, never on top
of the task it interrupts, so the deadlock is not an interleaving it
explores; before 2026-11-30 such a program was "no bug, exhaustive" (found by
a helper porting iwlwifi's f1a0898b5d6a to C, whose lockdep splat was this
one).  Each case has a twin that is clean.

Also the two real bugs written in C by that helper (tests/data/c_bugs): the
iwlwifi pers.lock fix and sctp's "use call_rcu to free endpoint"
(CVE-2021-46929), each found before its fix and clean after it.
"""

from pathlib import Path

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (DEFINE_SPINLOCK, WRITE_ONCE, KStruct, ptr, request_irq,
                           spin_lock, spin_lock_bh, spin_lock_irq, spin_lock_irqsave,
                           spin_unlock, spin_unlock_bh, spin_unlock_irq, spin_unlock_irqrestore,
                           tasklet_schedule, tasklet_setup, tasklet_struct)

DATA = Path(__file__).resolve().parent / "data" / "c_bugs"


class st(KStruct):
    x: int
    tl: tasklet_struct


def _softirq_model(unsafe_b, chain=False):
    """A tasklet takes A; task1 takes B under A with bh off (with ``chain``: C
    under A, and task3 B under C, C always with bh off); task2 takes B, with
    softirqs enabled if ``unsafe_b``."""
    L = {}

    def sirq(t):
        spin_lock(L["A"])
        spin_unlock(L["A"])

    def task1(s):
        A, B, C = L["A"], L["B"], L["C"]
        spin_lock_bh(A)
        inner = C if chain else B
        spin_lock(inner)
        WRITE_ONCE(ptr(s, "x"), 1)
        spin_unlock(inner)
        spin_unlock_bh(A)

    def task3(s):
        spin_lock_bh(L["C"])
        spin_lock(L["B"])
        WRITE_ONCE(ptr(s, "x"), 3)
        spin_unlock(L["B"])
        spin_unlock_bh(L["C"])

    def task2(s):
        B = L["B"]
        (spin_lock if unsafe_b else spin_lock_bh)(B)
        WRITE_ONCE(ptr(s, "x"), 2)
        (spin_unlock if unsafe_b else spin_unlock_bh)(B)

    def kick(s):
        tasklet_schedule(s.tl)

    def main():
        L.update(A=DEFINE_SPINLOCK(), B=DEFINE_SPINLOCK(), C=DEFINE_SPINLOCK())
        s = st()
        tasklet_setup(s.tl, sirq)
        spawn(task1, s)
        spawn(task2, s)
        if chain:
            spawn(task3, s)
        spawn(kick, s)
    return main


@pytest.mark.parametrize("chain", [False, True])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_softirq_safe_to_softirq_unsafe(mm, chain):
    res = kcheck.check(_softirq_model(True, chain), memory_model=mm)
    assert res.verdict == "bug" and res.bug.kind == "lockdep", res.bug and res.bug.message
    assert "SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected" in res.bug.message
    assert ("through" in res.bug.message) == chain, res.bug.message
    ok = kcheck.check(_softirq_model(False, chain), memory_model=mm)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.message


def _hardirq_model(unsafe_b):
    L = {}

    def handler(irq, dev):
        spin_lock(L["A"])
        spin_unlock(L["A"])
        return 1

    def task1(s):
        A, B = L["A"], L["B"]
        spin_lock_irq(A)
        spin_lock(B)
        WRITE_ONCE(ptr(s, "x"), 1)
        spin_unlock(B)
        spin_unlock_irq(A)

    def task2(s):
        B = L["B"]
        if unsafe_b:
            spin_lock(B)
            spin_unlock(B)
        else:
            f = spin_lock_irqsave(B)
            spin_unlock_irqrestore(B, f)

    def main():
        L.update(A=DEFINE_SPINLOCK(), B=DEFINE_SPINLOCK())
        s = st()
        request_irq(1, handler, 0, "dev", s)
        spawn(task1, s)
        spawn(task2, s)
    return main


def test_hardirq_safe_to_hardirq_unsafe():
    res = kcheck.check(_hardirq_model(True))
    assert res.verdict == "bug" and res.bug.kind == "lockdep", res.bug and res.bug.message
    assert "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected" in res.bug.message
    ok = kcheck.check(_hardirq_model(False))
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.message


@pytest.mark.parametrize("name,kind", [("iwlwifi_pers_lock_bh", "lockdep"),
                                       ("sctp_ep_call_rcu", "use-after-free")])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_real_bugs_in_c(name, kind, mm):
    path = str(DATA / f"{name}.c")
    res = kcheck.check(kcheck.c.load(path).entry, memory_model=mm)
    assert res.verdict == "bug" and res.bug.kind == kind, res.bug and res.bug.message
    ok = kcheck.check(kcheck.c.load(path, defines=["FIXED"]).entry, memory_model=mm)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.message


# -- interrupts or bottom halves enabled again with an irq-safe lock held ------------
#
# lockdep_hardirqs_on()/lockdep_softirqs_on() mark every lock held at that point
# as taken with them on: a local_irq_enable(), an inner spin_unlock_irq() or
# unlocks in the wrong order under spin_lock_irqsave(), or a local_bh_enable()
# while still holding a lock a handler takes, is "inconsistent ... usage" - and
# a real self-deadlock, the interrupt arriving right there.  kcheck judged only
# acquisitions and said no bug (a hostile-review helper).

def _irq_on_with_a_held(how):
    L = {}

    def handler(irq, s):
        spin_lock(L["a"])
        spin_unlock(L["a"])
        return 1

    def body(s):
        a, b = L["a"], L["b"]
        if how == "local_irq_enable":
            f = spin_lock_irqsave(a)
            from kcheck.kernel import local_irq_enable
            local_irq_enable()
            spin_unlock_irqrestore(a, f)
        elif how == "inner_unlock_irq":
            f = spin_lock_irqsave(a)
            spin_lock_irq(b)
            spin_unlock_irq(b)
            spin_unlock_irqrestore(a, f)
        elif how == "wrong_order":
            f1 = spin_lock_irqsave(b)
            f2 = spin_lock_irqsave(a)
            spin_unlock_irqrestore(b, f1)
            spin_unlock_irqrestore(a, f2)
        else:                               # the right order: clean
            f1 = spin_lock_irqsave(b)
            f2 = spin_lock_irqsave(a)
            spin_unlock_irqrestore(a, f2)
            spin_unlock_irqrestore(b, f1)

    def main():
        L.update(a=DEFINE_SPINLOCK(), b=DEFINE_SPINLOCK())
        s = st()
        request_irq(1, handler, 0, "dev", s)
        spawn(body, s)
    return main


@pytest.mark.parametrize("how", ["local_irq_enable", "inner_unlock_irq", "wrong_order"])
def test_interrupts_enabled_again_with_a_hardirq_safe_lock_held(how):
    res = kcheck.check(_irq_on_with_a_held(how))
    assert res.verdict == "bug" and res.bug.kind == "lockdep", res.bug and res.bug.message
    assert "{HARDIRQ-ON-W} -> {IN-HARDIRQ-W}" in res.bug.message
    # the report names the call that turned interrupts back on, not the
    # acquisition (taken with spin_lock_irqsave(): "take it with
    # spin_lock_irqsave() there" sent a review to what was already right)
    if how == "inner_unlock_irq":
        assert "spin_unlock_irq(" in res.bug.message and "turned interrupts back on" in \
            res.bug.message, res.bug.message
    if how == "local_irq_enable":
        assert "local_irq_enable() turned interrupts back on" in res.bug.message, res.bug.message
    ok = kcheck.check(_irq_on_with_a_held("right_order"))
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.message


def _bh_on_with_a_held(bad):
    from kcheck.kernel import local_bh_disable, local_bh_enable
    L = {}

    def sirq(t):
        spin_lock(L["a"])
        spin_unlock(L["a"])

    def body(s):
        a = L["a"]
        if bad:
            local_bh_disable()
            spin_lock(a)
            local_bh_enable()           # softirqs on, a still held
            spin_unlock(a)
        else:
            spin_lock_bh(a)
            spin_unlock_bh(a)

    def kick(s):
        tasklet_schedule(s.tl)

    def main():
        L.update(a=DEFINE_SPINLOCK())
        s = st()
        tasklet_setup(s.tl, sirq)
        spawn(body, s)
        spawn(kick, s)
    return main


def test_bottom_halves_enabled_again_with_a_softirq_safe_lock_held():
    res = kcheck.check(_bh_on_with_a_held(True))
    assert res.verdict == "bug" and res.bug.kind == "lockdep", res.bug and res.bug.message
    assert "{SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W}" in res.bug.message
    ok = kcheck.check(_bh_on_with_a_held(False))
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.message
