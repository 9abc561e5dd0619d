"""A Python model that dereferences a pointer field it loaded as NULL has met
the kernel's NULL pointer dereference, as the same C code does (a review:
92ee3c60ec9f's hw_free race was a model error, exit 2, in Python and a
null-deref in C).  A None that did not come from a load stays a model error."""

import kcheck
from kcheck import spawn
from kcheck.kernel import KStruct, kzalloc, kfree, spinlock_t, spin_lock, spin_unlock


class buf(KStruct):
    area: int


class rt(KStruct):
    p: buf


def freer(r):
    b = r.p
    if b is not None:
        r.p = None
        kfree(b)


def user(r):
    if r.p is not None:        # checked, then loaded again: NULL after freer's store
        r.p.area


def racy():
    r = rt(p=kzalloc(buf))
    spawn(freer, r, name="freer")
    spawn(user, r, name="user")


class rt_locked(KStruct):
    lock: spinlock_t
    p: buf


def freer_locked(r):
    spin_lock(r.lock)
    b = r.p
    r.p = None
    spin_unlock(r.lock)
    if b is not None:
        kfree(b)


def user_locked(r):
    spin_lock(r.lock)
    if r.p is not None:        # the check and the use under the lock the store takes
        r.p.area
    spin_unlock(r.lock)


def fixed():
    r = rt_locked(p=kzalloc(buf))
    spawn(freer_locked, r, name="freer")
    spawn(user_locked, r, name="user")


def test_a_race_to_a_null_pointer_is_the_kernels_null_deref():
    res = kcheck.check(racy)
    assert res.verdict == "bug" and res.bug.kind == "null-deref", res.bug
    assert "->area through rt#0->p" in res.bug.message
    again = kcheck.replay(racy, res.bug.schedule)
    assert again.bug is not None and again.bug.kind == "null-deref"


def test_the_fixed_twin_is_clean():
    res = kcheck.check(fixed)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug


def test_a_none_that_no_load_gave_is_still_a_model_error():
    def t():
        x = None
        x.area

    def main():
        spawn(t, name="t")
    res = kcheck.check(main)
    assert res.verdict == "error" and res.bug.kind == "model-error", res.bug
