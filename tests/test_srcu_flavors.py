"""SRCU's other readers (srcu_read_lock_fast/_lite/_nmisafe): sections as
srcu_read_lock()'s for the grace periods, and one kind of reader per
srcu_struct (__srcu_check_read_flavor) - Python and C twins."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (DEFINE_SRCU, srcu_read_lock, srcu_read_unlock, srcu_read_lock_fast,
                           srcu_read_unlock_fast, srcu_read_lock_lite, srcu_read_unlock_lite,
                           srcu_read_lock_nmisafe, srcu_read_unlock_nmisafe)
from c_twins import check_c_twin

# a fast reader against an updater that waits with synchronize_srcu() before
# the free (NOSYNC: it does not); MIXED: another reader of the same
# srcu_struct uses srcu_read_lock()
FAST = r"""#include <linux/srcu.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <pthread.h>

DEFINE_STATIC_SRCU(ss);
struct foo { int a; };
static struct foo __rcu *gp;

static void *reader(void *arg)
{
	struct srcu_ctr *scp = srcu_read_lock_fast(&ss);
	struct foo *p = srcu_dereference(gp, &ss);

	if (p)
		BUG_ON(READ_ONCE(p->a) != 1);
	srcu_read_unlock_fast(&ss, scp);
	return NULL;
}

static void *other(void *arg)
{
#ifdef MIXED
	int idx = srcu_read_lock(&ss);
	srcu_read_unlock(&ss, idx);
#else
	struct srcu_ctr *scp = srcu_read_lock_fast(&ss);
	srcu_read_unlock_fast(&ss, scp);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	struct foo *p = kzalloc(sizeof(*p), GFP_KERNEL);

	WRITE_ONCE(p->a, 1);
	rcu_assign_pointer(gp, p);
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, other, NULL);
	rcu_assign_pointer(gp, NULL);
#ifndef NOSYNC
	synchronize_srcu(&ss);
#endif
	kfree(p);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
"""

PAIRS = {"normal": (srcu_read_lock, srcu_read_unlock),
         "lite": (srcu_read_lock_lite, srcu_read_unlock_lite),
         "nmisafe": (srcu_read_lock_nmisafe, srcu_read_unlock_nmisafe)}


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("define", ["NOSYNC", "MIXED"])
@pytest.mark.parametrize("bad", [True, False])
def test_a_fast_reader_is_a_section_and_the_kinds_do_not_mix(tmp_path, bad, define, mm):
    kinds, text = (("use-after-free",), "foo#0") if define == "NOSYNC" else \
        (("warn",), "must all be of one kind")
    check_c_twin(tmp_path, FAST, define, bad, mm, kinds, text)


@pytest.mark.parametrize("second", ["normal", "lite", "nmisafe"])
@pytest.mark.parametrize("first", ["normal", "lite", "nmisafe"])
def test_readers_of_two_kinds_on_one_srcu_struct_warn(first, second):
    def main():
        ss = DEFINE_SRCU()

        def reader(kind):
            lock, unlock = PAIRS[kind]
            unlock(ss, lock(ss))
        spawn(reader, first, name="a")
        spawn(reader, second, name="b")
    res = kcheck.check(main)
    if first == second:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    else:
        assert res.bug.kind == "warn" and "one kind" in res.bug.message, res.format()


def test_srcu_read_unlock_fast_wants_the_counter_its_lock_returned():
    def main():
        ss, other = DEFINE_SRCU(), DEFINE_SRCU()

        def reader():
            srcu_read_lock_fast(other)
            scp = srcu_read_lock_fast(ss)
            srcu_read_unlock_fast(other, scp)
        spawn(reader, name="r")
    res = kcheck.check(main)
    assert res.bug.kind == "warn" and "not the counter" in res.bug.message, res.format()
