"""``smp_store_mb(var, v)`` is ``WRITE_ONCE(var, v); smp_mb();`` (linux-kernel.def,
asm-generic): it orders the store before what follows, not what came before
the store.  kcheck made it a fully ordered xchg (x86's implementation), which
also ordered the earlier accesses: MP with the flag stored by smp_store_mb()
was "no bug" where the LKMM says Sometimes (a helper comparing primitives
against the LKMM's definitions; kcheck's own litmus engine already said
Sometimes).  SB through it stays Never."""

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import KStruct, ptr, READ_ONCE, WRITE_ONCE, WARN_ON, smp_rmb, smp_store_mb


class S(KStruct):
    x: int
    y: int
    r0: int
    r1: int


def _mp():
    s = S()

    def w():
        WRITE_ONCE(ptr(s, "x"), 1)
        smp_store_mb(ptr(s, "y"), 1)

    def r():
        if READ_ONCE(ptr(s, "y")) == 1:
            smp_rmb()
            WARN_ON(READ_ONCE(ptr(s, "x")) != 1)
    spawn(w)
    spawn(r)


def _sb():
    s = S()

    def p0():
        smp_store_mb(ptr(s, "x"), 1)
        WRITE_ONCE(ptr(s, "r0"), READ_ONCE(ptr(s, "y")) + 1)

    def p1():
        smp_store_mb(ptr(s, "y"), 1)
        WRITE_ONCE(ptr(s, "r1"), READ_ONCE(ptr(s, "x")) + 1)

    def check():
        from kcheck import join
        join(a)
        join(b)
        WARN_ON(READ_ONCE(ptr(s, "r0")) == 1 and READ_ONCE(ptr(s, "r1")) == 1)
    a = spawn(p0)
    b = spawn(p1)
    spawn(check)


def test_smp_store_mb_does_not_order_what_came_before_the_store():
    assert kcheck.check(_mp).verdict == "no-bug"
    res = kcheck.check(_mp, memory_model="lkmm")
    assert res.verdict == "bug" and res.bug.kind == "warn", res.bug and res.bug.message


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_store_buffering_through_smp_store_mb_is_forbidden(mm):
    res = kcheck.check(_sb, memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


MP_C = r"""
#include <linux/kernel.h>
#include <asm/barrier.h>
#include <pthread.h>
#include <assert.h>
static int x, y;
static void *w(void *a) { WRITE_ONCE(x, 1); smp_store_mb(y, 1); return NULL; }
static void *r(void *a)
{
	if (READ_ONCE(y) == 1) {
		smp_rmb();
		assert(READ_ONCE(x) == 1);
	}
	return NULL;
}
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, w, NULL);
	pthread_create(&b, NULL, r, NULL);
	return 0;
}
"""


def test_the_c_macro_is_the_same(tmp_path):
    f = tmp_path / "mp.c"
    f.write_text(MP_C)
    prog = kcheck.c.load(str(f))
    assert kcheck.check(prog.entry).verdict == "no-bug"
    res = kcheck.check(prog.entry, memory_model="lkmm")
    assert res.verdict == "bug" and res.bug.kind == "warn", res.bug and res.bug.message
