"""rcuref_t from C (linux/rcuref.h: lib/rcuref.c written out): the dst-style
lookup under RCU, its buggy twins, and a mutant of the put slow path that
the exhaustive search must catch."""

import pathlib

import pytest

import kcheck
import kcheck.c
from c_twins import check_c_twin

# two readers look the object up under RCU and take a reference; the owner
# unpublishes it and drops its own.  KFREE: the last put frees at once,
# not after a grace period; TWICE: a reader puts its reference twice.
LOOKUP = r"""#include <linux/rcuref.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <pthread.h>

struct obj {
	rcuref_t ref;
	struct rcu_head rcu;
	int val;
};

static struct obj __rcu *gp;

static void obj_put(struct obj *o)
{
	if (rcuref_put(&o->ref)) {
#ifdef KFREE
		kfree(o);
#else
		kfree_rcu(o, rcu);
#endif
	}
}

static void *reader(void *arg)
{
	struct obj *o;

	rcu_read_lock();
	o = rcu_dereference(gp);
	if (o && !rcuref_get(&o->ref))
		o = NULL;
	rcu_read_unlock();
	if (o) {
		BUG_ON(READ_ONCE(o->val) != 1);
		obj_put(o);
#ifdef TWICE
		obj_put(o);
#endif
	}
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	rcuref_init(&o->ref, 1);
	WRITE_ONCE(o->val, 1);
	rcu_assign_pointer(gp, o);
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, reader, NULL);
	rcu_assign_pointer(gp, NULL);
	obj_put(o);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	rcu_barrier();
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("bad", [True, False])
def test_the_last_put_frees_after_a_grace_period(tmp_path, bad, mm):
    check_c_twin(tmp_path, LOOKUP, "KFREE", bad, mm, ("use-after-free",), "obj#0")


@pytest.mark.parametrize("bad", [True, False])
def test_an_imbalanced_put_warns(tmp_path, bad):
    check_c_twin(tmp_path, LOOKUP, "TWICE", bad, "sc", ("warn",), "imbalanced put()")


def test_rcuref_put_rcusafe_outside_rcu_is_suspicious(tmp_path):
    f = tmp_path / "rcusafe.c"
    f.write_text(LOOKUP.replace("if (rcuref_put(&o->ref)) {", "if (rcuref_put_rcusafe(&o->ref)) {"))
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None and res.bug.kind == "suspicious-rcu-usage", res.format()
    assert "suspicious rcuref_put_rcusafe() usage" in res.bug.message


def test_a_put_that_does_not_cmpxchg_to_dead_double_frees(tmp_path):
    """The put that leaves NOREF may have raced with a get()/put() pair that
    already took the count to DEAD: only its cmpxchg says whether it is the
    last.  A mutant that marks it dead unconditionally frees twice: the
    second kfree_rcu() queues the object's rcu_head again (debug-objects'
    "Double-freed CB"), or a plain kfree() would double free."""
    header = (pathlib.Path(kcheck.c.__file__).parent / "include/linux/rcuref.h").read_text()
    cas = "!atomic_try_cmpxchg_release(&ref->refcnt, &old, (int)RCUREF_DEAD)"
    assert cas in header
    (tmp_path / "mutant_rcuref.h").write_text(
        header.replace(cas, "(atomic_set(&ref->refcnt, (int)RCUREF_DEAD), 0)"))
    f = tmp_path / "m.c"
    f.write_text(LOOKUP.replace("#include <linux/rcuref.h>", '#include "mutant_rcuref.h"'))
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None, res.format()
    assert res.bug.kind == "double-free" or "Double-freed CB" in res.bug.message, res.format()
