"""Scope-based cleanup in C (linux/cleanup.h): guard(), scoped_guard(), __free().

A local with a cleanup attribute runs it when it goes out of scope - at its
block's end, a return, a break out of a scoped_guard() - last declared first.
kcheck once ignored the attribute: a lock taken with guard() looked held for
ever.  Each case is a twin: the program as written is clean; without the
guard the counter loses an update (WARN); returning a __free() pointer
without return_ptr() frees it on the way out (the caller's kfree is a double
free)."""

import pytest

import kcheck
import kcheck.c

GUARDS = r"""
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <pthread.h>

struct obj { int v; };
static DEFINE_MUTEX(m);
static DEFINE_SPINLOCK(s);
static int n, k;
static struct obj *global;

static struct obj *make(int fail)
{
	struct obj *o __free(kfree) = kzalloc(sizeof(*o), GFP_KERNEL);

	o->v = 1;
	if (fail)
		return NULL;		/* freed on the way out */
#ifdef RETURN_OWNED
	return o;		/* still owned by o: freed on the way out */
#else
	return_ptr(o);
#endif
}

static int bump(int early)
{
#ifndef NO_GUARD
	guard(mutex)(&m);
#endif
	n = n + 1;
	if (early)
		return n;		/* unlocked on the way out */
	n = n + 1;
	return n;
}

static void *t(void *arg)
{
	struct obj *o;

	bump(1);
	bump(0);
	scoped_guard(spinlock, &s) {
		k = k + 1;
		if (n < 0)
			break;		/* leaves the guard's scope: unlocked */
	}
	scoped_guard(spinlock, &s)
		k = k + 1;
	{
		guard(rcu)();
		o = READ_ONCE(global);
	}
	WARN_ON(make(1) != NULL);
	o = make(0);
	kfree(o);
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, t, NULL);
	pthread_create(&b, NULL, t, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	WARN_ON(n != 6 || k != 4);
	return 0;
}
"""


@pytest.mark.parametrize("define,kind", [
    (None, None), ("NO_GUARD", "warn"), ("RETURN_OWNED", "double-free"),
])
def test_guards_and_free_run_at_scope_exit(tmp_path, define, kind):
    f = tmp_path / "guards.c"
    f.write_text(GUARDS)
    prog = kcheck.c.load(str(f), defines=(define,) if define else ())
    for mm in ("sc", "lkmm"):
        res = kcheck.check(prog.entry, memory_model=mm)
        got = res.bug.kind if res.bug else None
        assert got == kind, (mm, res.bug and res.bug.message)


RAW = r"""
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <pthread.h>

static DEFINE_MUTEX(m);
static int n;

static void unlock_it(struct mutex **p) { mutex_unlock(*p); }

static void *t(void *arg)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct mutex *g __attribute__((cleanup(unlock_it))) = &m;

		mutex_lock(g);
		n = n + 1;
		if (i == 1)
			break;		/* unlocked as the loop is left */
	}
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, t, NULL);
	pthread_create(&b, NULL, t, NULL);
	return 0;
}
"""


def test_a_hand_written_cleanup_attribute_runs_each_iteration_and_on_break(tmp_path):
    f = tmp_path / "raw.c"
    f.write_text(RAW)
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message


IRQSAVE = r"""
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/preempt.h>
#include <linux/bug.h>
#include <pthread.h>

static DEFINE_SPINLOCK(s);
static int n;

static void *t(void *arg)
{
	{
		guard(spinlock_irqsave)(&s);
		WARN_ON(!irqs_disabled());
		n = n + 1;
	}
	WARN_ON(irqs_disabled() || CHECK_WRONG);	/* restored as the guard went */
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, t, NULL);
	pthread_create(&b, NULL, t, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	WARN_ON(n != 2);
	return 0;
}
"""


@pytest.mark.parametrize("wrong,verdict", [("0", "no-bug"), ("1", "bug")])
def test_an_irqsave_guard_restores_interrupts_at_scope_exit(tmp_path, wrong, verdict):
    f = tmp_path / "irqsave.c"
    f.write_text(IRQSAVE)
    res = kcheck.check(kcheck.c.load(str(f), defines=(f"CHECK_WRONG={wrong}",)).entry)
    assert res.verdict == verdict, res.bug and res.bug.message


MORE_GUARDS = r"""
#include <linux/kernel.h>
#include <linux/rwsem.h>
#include <linux/rwlock.h>
#include <linux/spinlock.h>
#include <linux/preempt.h>
#include <linux/bug.h>
#include <pthread.h>
static DECLARE_RWSEM(sem);
static DEFINE_RWLOCK(rw);
static DEFINE_SPINLOCK(s);
static DEFINE_RAW_SPINLOCK(raw);
static int n1, n2, n3, n4;
static void *w(void *arg)
{
#ifdef NO_GUARD
	n1 = n1 + 1;
#else
	scoped_guard(rwsem_write, &sem) n1 = n1 + 1;
#endif
	scoped_guard(write_lock, &rw) n2 = n2 + 1;
	scoped_guard(spinlock_irq, &s) n3 = n3 + 1;
	scoped_guard(raw_spinlock, &raw) n4 = n4 + 1;
	{
		guard(preempt)();
		WARN_ON(!in_atomic());
	}
	{
		guard(irq)();
		WARN_ON(!irqs_disabled());
	}
	WARN_ON(in_atomic() || irqs_disabled());
	return NULL;
}
static void *r(void *arg)
{
	int x, y;
	scoped_guard(rwsem_read, &sem) x = n1;
	scoped_guard(read_lock, &rw) y = n2;
	(void)x; (void)y;
	return NULL;
}
int main(void) { pthread_t a, b, c; pthread_create(&a, NULL, w, NULL); pthread_create(&b, NULL, w, NULL); pthread_create(&c, NULL, r, NULL); pthread_join(a, NULL); pthread_join(b, NULL); pthread_join(c, NULL); WARN_ON(n1 != 2 || n2 != 2 || n3 != 2 || n4 != 2); return 0; }
"""


@pytest.mark.parametrize("define,verdict", [(None, "no-bug"), ("NO_GUARD", "bug")])
def test_rwsem_rwlock_irq_raw_and_preempt_guards(tmp_path, define, verdict):
    f = tmp_path / "guards2.c"
    f.write_text(MORE_GUARDS)
    res = kcheck.check(kcheck.c.load(str(f), defines=(define,) if define else ()).entry)
    assert res.verdict == verdict, res.bug and res.bug.message


COND_GUARDS = r"""
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/errno.h>
#include <linux/bug.h>
#include <pthread.h>
static DEFINE_MUTEX(m);
static DEFINE_SPINLOCK(s);
static int n, k, busy;
static int op(void)
{
	scoped_cond_guard(mutex_intr, return -EINTR, &m) {
		n = n + 1;
	}
	return 0;
}
static void *t(void *arg)
{
	op();
	scoped_cond_guard(spinlock_try, busy = busy + 1, &s) {
		k = k + 1;
	}
	return NULL;
}
int main(void) { pthread_t a, b; pthread_create(&a, NULL, t, NULL); pthread_create(&b, NULL, t, NULL); pthread_join(a, NULL); pthread_join(b, NULL); WARN_ON(n != 2 || k + busy != 2 || CHECK_WRONG); return 0; }
"""


@pytest.mark.parametrize("wrong,verdict", [("0", "no-bug"), ("(busy != 0)", "bug")])
def test_conditional_guards_run_their_failure_branch(tmp_path, wrong, verdict):
    # scoped_cond_guard(mutex_intr, return -EINTR, &m), scoped_cond_guard(spinlock_try, ...):
    # the trylock fails when the other task holds the lock, and the twin sees it does
    f = tmp_path / "cond.c"
    f.write_text(COND_GUARDS)
    res = kcheck.check(kcheck.c.load(str(f), defines=(f"CHECK_WRONG={wrong}",)).entry)
    assert res.verdict == verdict, res.bug and res.bug.message
