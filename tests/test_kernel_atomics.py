"""The atomic_t / atomic64_t / atomic_long_t API (kernel/atomic.py): values, and
orderings that matter under the LKMM (Documentation/atomic_t.txt)."""

import re

import pytest

import kcheck
from kcheck import spawn
import kcheck.kernel as K
from kcheck.kernel import KStruct, atomic_t, atomic64_t, atomic_long_t, ptr, READ_ONCE, WRITE_ONCE, WARN_ON, refcount_t, kref
from kcheck.engine.runtime import ModelError


PREFIXES = ["atomic", "atomic64", "atomic_long"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_values(prefix):
    f = lambda name: getattr(K, f"{prefix}_{name}")
    out = {}

    def t(v):
        out["dec_if_positive"] = (f("dec_if_positive")(v), f("read")(v))      # 0 -> -1, unchanged
        f("set")(v, 2)
        out["dec_if_positive2"] = (f("dec_if_positive")(v), f("read")(v))     # 2 -> 1
        out["inc_unless_negative"] = f("inc_unless_negative")(v)
        f("set")(v, -1)
        out["inc_unless_negative2"] = (f("inc_unless_negative")(v), f("read")(v))
        out["dec_unless_positive"] = (f("dec_unless_positive")(v), f("read")(v))
        f("set")(v, 0b1100)
        out["fetch_andnot"] = (f("fetch_andnot_release")(0b0100, v), f("read")(v))
        out["add_unless"] = (f("add_unless")(v, 1, 8), f("add_unless")(v, 1, 9), f("read")(v))
        out["add_negative"] = (f("add_negative_relaxed")(-20, v), f("read")(v))
        out["try"] = (f("try_cmpxchg_acquire")(v, -11, 5), f("try_cmpxchg_acquire")(v, -11, 6))
        out["fetch"] = (f("fetch_add_relaxed")(3, v), f("sub_return_release")(1, v),
                        f("fetch_inc_acquire")(v), f("dec_return")(v), f("read_acquire")(v))

    def main():
        spawn(t, getattr(K, f"{prefix}_t" if prefix != "atomic" else "atomic_t")(0), name="t")
    assert kcheck.check(main).verdict == "no-bug"
    assert out == {"dec_if_positive": (-1, 0), "dec_if_positive2": (1, 1), "inc_unless_negative": True,
                   "inc_unless_negative2": (False, -1), "dec_unless_positive": (True, -2),
                   "fetch_andnot": (0b1100, 0b1000), "add_unless": (False, True, 9),
                   "add_negative": (True, -11), "try": ((True, -11), (False, 5)),
                   "fetch": (5, 7, 7, 7, 7)}


class mp(KStruct):
    data: int
    flag: atomic_t


@pytest.mark.parametrize("publish,verdict", [
    (lambda m: K.atomic_set(m.flag, 1), "bug"),
    (lambda m: K.atomic_set_release(m.flag, 1), "no-bug"),
    (lambda m: K.atomic_fetch_add_release(1, m.flag), "no-bug"),
    (lambda m: K.atomic_fetch_add_relaxed(1, m.flag), "bug"),
    (lambda m: K.atomic_long_xchg_release(m.flag, 1), "no-bug"),
    (lambda m: K.atomic_inc(m.flag), "bug"),
    (lambda m: K.atomic_inc_return(m.flag), "no-bug"),
])
def test_message_passing_needs_a_release(publish, verdict):
    def writer(m):
        WRITE_ONCE(ptr(m, "data"), 1)
        publish(m)

    def reader(m):
        if K.atomic_read_acquire(m.flag):
            WARN_ON(READ_ONCE(ptr(m, "data")) != 1)

    def main():
        m = mp()
        spawn(writer, m, name="writer")
        spawn(reader, m, name="reader")
    assert kcheck.check(main).verdict == "no-bug"             # SC orders everything
    res = kcheck.check(main, memory_model="lkmm")
    assert res.verdict == verdict


@pytest.mark.parametrize("take,verdict", [
    (lambda m: K.atomic_cmpxchg_acquire(m.flag, 1, 2), "no-bug"),
    (lambda m: K.atomic_cmpxchg_relaxed(m.flag, 1, 2), "bug"),
    (lambda m: K.atomic_try_cmpxchg_acquire(m.flag, 1, 2)[1], "no-bug"),
    (lambda m: K.atomic_add_unless(m.flag, 1, 0) and 1, "no-bug"),
    (lambda m: K.atomic_dec_if_positive(m.flag) + 1, "no-bug"),
])
def test_the_acquire_side(take, verdict):
    def writer(m):
        WRITE_ONCE(ptr(m, "data"), 1)
        K.atomic_set_release(m.flag, 1)

    def reader(m):
        if take(m) == 1:
            WARN_ON(READ_ONCE(ptr(m, "data")) != 1)

    def main():
        m = mp()
        spawn(writer, m, name="writer")
        spawn(reader, m, name="reader")
    res = kcheck.check(main, memory_model="lkmm")
    assert res.verdict == verdict, res.bug and res.bug.trace


def test_atomic_long_is_atomic64():
    assert issubclass(atomic_long_t, atomic64_t)


@pytest.mark.parametrize("make,expr,accessor", [
    (lambda: atomic_t(0), lambda x: x == 0, "atomic_read()"),
    (lambda: atomic_t(0), lambda x: not x, "atomic_read()"),
    (lambda: atomic64_t(0), lambda x: x != 1, "atomic64_read()"),
    (lambda: refcount_t(1), lambda x: x == 1, "refcount_read()"),
    (lambda: refcount_t(1), lambda x: bool(x), "refcount_read()"),
    (lambda: kref(1), lambda x: x == 1, "kref_read()"),
])
def test_testing_a_value_like_object_instead_of_its_value_is_a_model_error(make, expr, accessor):
    # `WARN_ON(x == 0)` on an atomic_t compared the handle: never equal, so the
    # WARN could never fire and the model passed; C would not compile it.
    def t(x):
        WARN_ON(expr(x))

    def main():
        spawn(t, make(), name="t")
    with pytest.raises(ModelError, match=re.escape(accessor)):
        kcheck.check(main)


def test_handles_still_compare_with_each_other_and_with_none():
    def t(x, y):
        WARN_ON(x == y or x is None or x == None or not (x == x))   # noqa: E711

    def main():
        spawn(t, atomic_t(0), atomic_t(0), name="t")
    assert kcheck.check(main).bug is None
