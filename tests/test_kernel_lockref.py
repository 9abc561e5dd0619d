"""struct lockref (kcheck.kernel.lockref; C's linux/lockref.h): a dentry-like
lookup under RCU must not revive a dead count."""

import os

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (KStruct, lockref, lockref_get, lockref_get_not_zero,
                           lockref_get_not_dead, lockref_put_not_zero, lockref_put_return,
                           lockref_put_or_lock, lockref_mark_dead, __lockref_is_dead, spin_unlock,
                           BUG_ON)

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("fixed", [0, 1])
def test_a_lookup_must_not_revive_a_dead_lockref(fixed, mm):
    prog = kcheck.c.load(os.path.join(DATA, "lockref_dput.c"), defines=[f"FIXED={fixed}"])
    r = kcheck.check(prog.entry, memory_model=mm)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug is not None and r.bug.kind in ("warn", "double-free", "use-after-free"), \
            r.format()


def test_the_operations_count_as_the_kernel_does():
    class d(KStruct):
        ref: lockref

    def body(o):
        lockref_get(o.ref)                        # 1
        BUG_ON(not lockref_get_not_zero(o.ref))   # 2
        BUG_ON(lockref_put_return(o.ref) != 1)
        BUG_ON(lockref_put_not_zero(o.ref))       # the last one: not dropped
        BUG_ON(lockref_put_or_lock(o.ref))        # the last one: lock taken, 0
        lockref_mark_dead(o.ref)
        spin_unlock(o.ref.lock)
        BUG_ON(not __lockref_is_dead(o.ref))
        BUG_ON(lockref_get_not_dead(o.ref) or lockref_get_not_zero(o.ref))

    def main():
        spawn(body, d())
    r = kcheck.check(main)
    assert r.bug is None and r.exhaustive, r.format()
