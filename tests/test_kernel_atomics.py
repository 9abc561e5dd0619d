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


def test_atomic_arithmetic_wraps_as_the_kernels_does():
    """atomic_t is a C int and atomic64_t / atomic_long_t 64-bit: + and - wrap in
    two's complement.  Python's integers do not, so an atomic_t counter pushed
    past INT_MAX never went negative - the overflow refcount_t exists to catch."""
    from kcheck.kernel import (KStruct, atomic_t, atomic64_t, atomic_set, atomic_inc, atomic_read,
                               atomic_dec_return, atomic64_set, atomic64_inc_return, atomic_add_negative,
                               atomic_cmpxchg, atomic_inc_and_test, refcount_t, refcount_inc,
                               refcount_read, REFCOUNT_SATURATED, WARN_ON)

    class S(KStruct):
        a: atomic_t
        b: atomic64_t
        r: refcount_t

    def t(o):
        atomic_set(o.a, 2**31 - 1)
        atomic_inc(o.a)
        WARN_ON(atomic_read(o.a) != -2**31)
        WARN_ON(atomic_dec_return(o.a) != 2**31 - 1)             # and back
        WARN_ON(not atomic_add_negative(1, o.a))
        atomic_set(o.a, 2**32 - 1)                                  # C's int conversion: -1
        WARN_ON(atomic_read(o.a) != -1)
        WARN_ON(not atomic_inc_and_test(o.a))
        WARN_ON(atomic_cmpxchg(o.a, 2**32, 5) != 0)                 # 2**32 is 0 as an int
        WARN_ON(atomic_read(o.a) != 5)
        atomic64_set(o.b, 2**63 - 1)
        WARN_ON(atomic64_inc_return(o.b) != -2**63)

    def main():
        o = S(r=2**31 - 1)
        kcheck.spawn(t, o, name="t")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()

    def over(o):
        refcount_inc(o.r)                           # INT_MAX + 1: saturate and WARN

    def main2():
        o = S(r=2**31 - 1)
        kcheck.spawn(over, o, name="t")
    res = kcheck.check(main2)
    assert res.bug is not None and res.bug.kind == "refcount-warn", res.format()
    assert "saturated" in res.bug.message


def test_c_integers_and_atomics_wrap_and_linux_limits_is_there(tmp_path):
    import kcheck.c
    f = tmp_path / "wrap.c"
    f.write_text(r"""
#include <linux/limits.h>
#include <linux/atomic.h>
#include <linux/bug.h>
#include <pthread.h>
static atomic_t a = ATOMIC_INIT(0);
static void *t(void *arg)
{
	int x = INT_MAX;
	unsigned int u = 0;
	x++;
	u--;
	WARN_ON(x != INT_MIN);
	WARN_ON(u != UINT_MAX || S8_MIN != -128 || SIZE_MAX == 0);
	atomic_set(&a, INT_MAX);
	atomic_inc(&a);
	WARN_ON(atomic_read(&a) != INT_MIN);
	return NULL;
}
int main(void)
{
	pthread_t p;
	pthread_create(&p, NULL, t, NULL);
	return 0;
}
""")
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    assert r.verdict == "no-bug" and r.exhaustive, r.format()
