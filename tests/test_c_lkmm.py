"""LKMM dependencies from the C data flow: an address dependency through
rcu_dereference() (through locals, function arguments and return values - a
lookup helper that returns rcu_dereference(), a call through a function
pointer - and a struct local whose address is taken) orders the dependent load as herd7
does; the same reader without the dependency may see the old value.  Data
and control dependencies follow the same register rules (dep+plain, in
test_c_litmus.py, needs both)."""

from pathlib import Path

import pytest

import kcheck
import kcheck.c

MP_DEP = r"""
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <pthread.h>

struct foo { int a; };
struct holder { struct foo *p; };
static struct foo init_foo, new_foo;
static struct foo *gp = &init_foo;

static void *writer(void *arg)
{
	WRITE_ONCE(new_foo.a, 1);
	rcu_assign_pointer(gp, &new_foo);
	return NULL;
}

static struct foo *pass(struct foo *p) { return p; }
static int peek(struct holder *h) { return READ_ONCE(h->p->a); }
static struct foo *lookup(void) { return rcu_dereference(gp); }
static int get_a(struct foo *p) { return READ_ONCE(p->a); }
static int (*get_a_ptr)(struct foo *) = get_a;
static int ignore(struct foo *p) { return READ_ONCE(new_foo.a); }

static void *reader(void *arg)
{
	struct foo *p;
	struct holder h;
	int v;

	rcu_read_lock();
#if HOW == 4		/* a lookup helper returns rcu_dereference() */
	p = lookup();
#else
	p = rcu_dereference(gp);
#endif
#if HOW == 0 || HOW == 4	/* the dependent load */
	v = READ_ONCE(p->a);
#elif HOW == 1		/* through a function's argument and return value */
	v = READ_ONCE(pass(p)->a);
#elif HOW == 2		/* through a struct local whose address is taken */
	h.p = p;
	v = peek(&h);
#elif HOW == 3		/* no dependency: the address does not come from the load */
	v = READ_ONCE(new_foo.a);
#elif HOW == 5		/* the dependent load in a helper called through a pointer */
	v = get_a_ptr(p);
#elif HOW == 6		/* a helper given the pointer that does not use it: no dependency */
	v = ignore(p);
#endif
	rcu_read_unlock();
	BUG_ON(p == &new_foo && v == 0);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, writer, NULL);
	pthread_create(&b, NULL, reader, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("how,want", [(0, "no-bug"), (1, "no-bug"), (2, "no-bug"), (3, "bug-on"),
                                      (4, "no-bug"), (5, "no-bug"), (6, "bug-on")])
def test_address_dependency(tmp_path, how, want):
    f = tmp_path / "mp.c"
    f.write_text(MP_DEP)
    prog = kcheck.c.load(str(f), defines=[f"HOW={how}"])
    r = kcheck.check(prog.entry, memory_model="lkmm")
    got = r.bug.kind if r.bug else "no-bug"
    assert got == want, r.format()
    if want == "no-bug":
        assert r.exhaustive
    # under SC there is nothing to see either way
    assert kcheck.check(prog.entry).bug is None


CTRL = r"""
#include <linux/kernel.h>
#include <pthread.h>

static int x, y, z;

static void *p0(void *arg)
{
	int r = READ_ONCE(x);

	if (r)
		WRITE_ONCE(z, 1);
#if AFTER
	WRITE_ONCE(y, 1);	/* po-after the branch: herd7 counts it control dependent too */
#endif
	return NULL;
}

static void *p1(void *arg)
{
	int r = READ_ONCE(y);

	smp_mb();
	WRITE_ONCE(x, r);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, p0, NULL);
	pthread_create(&b, NULL, p1, NULL);
	return 0;
}
"""


def test_control_dependencies_reach_the_runtime(tmp_path):
    """The store after the if depends on the load that decided it (set_deps is
    called with it as a control source)."""
    from kcheck.engine import runtime as rt
    f = tmp_path / "ctrl.c"
    f.write_text(CTRL)
    prog = kcheck.c.load(str(f), defines=["AFTER=1"])
    seen = []
    orig = rt.Run.set_deps

    def spy(self, addr=(), data=(), ctrl=()):
        seen.append((self.cur.name if self.cur else None, tuple(e.op for e in ctrl)))
        return orig(self, addr, data, ctrl)
    rt.Run.set_deps = spy
    try:
        kcheck.check(prog.entry, memory_model="lkmm")
    finally:
        rt.Run.set_deps = orig
    assert ("p0", ("READ_ONCE",)) in seen
    assert all(not c for name, c in seen if name == "p1"), "p1 has no branch"


TRY = r"""
#include <linux/atomic.h>
#include <pthread.h>

atomic_t x;
int y, z, w;

void *p0(void *arg)
{
	int r = READ_ONCE(y);
	int old = 5, o2 = 5;

	atomic_try_cmpxchg_relaxed(&x, &old, r);
	try_cmpxchg_relaxed(&z, &o2, r);
	WRITE_ONCE(w, old + o2);
	return NULL;
}

int main(void)
{
	pthread_t a;

	pthread_create(&a, NULL, p0, NULL);
	return 0;
}
"""


def test_try_cmpxchg_dependencies(tmp_path):
    """atomic_try_cmpxchg() and try_cmpxchg(): the new value is the RMW's data
    dependency, and the expected value they store back on failure carries the
    RMW's read on to the next store."""
    from kcheck.engine import runtime as rt
    f = tmp_path / "try.c"
    f.write_text(TRY)
    prog = kcheck.c.load(str(f))
    seen = []
    orig = rt.Run.set_deps

    def spy(self, addr=(), data=(), ctrl=()):
        if self.cur is not None and self.cur.name == "p0" and data:
            seen.append(tuple(sorted(e.op for e in data)))
        return orig(self, addr, data, ctrl)
    rt.Run.set_deps = spy
    try:
        kcheck.check(prog.entry, memory_model="lkmm")
    finally:
        rt.Run.set_deps = orig
    assert ("READ_ONCE",) in seen                       # the two RMWs' new value
    ops = {op for s in seen for op in s}
    assert {"atomic_try_cmpxchg_relaxed", "try_cmpxchg_relaxed"} <= ops, seen   # WRITE_ONCE(w, ...)


# A release store to a variable only p1 touches, then smp_wmb(): p1's read of
# x is ordered before its write of y (R ->po-rel-> W mine ->wmb-> W y), so p2
# cannot see y=1 and then x=0 once p1 saw x=1 (herd7: Never).  The bridge to
# the LKMM used to leave p1's private store out and report the BUG_ON; without
# the wmb the outcome is allowed.
RELEASE_WMB_PRIVATE = r"""
#include <linux/compiler.h>
#include <asm/barrier.h>
#include <linux/bug.h>
#include <pthread.h>

static int x, y;
static int p1_saw_x, p2_saw_y, p2_saw_x;

static void *p0(void *arg)
{
	WRITE_ONCE(x, 1);
	return NULL;
}

static void *p1(void *arg)
{
	static int mine;
	int r = READ_ONCE(x);

	smp_store_release(&mine, 1);
#ifndef NO_WMB
	smp_wmb();
#endif
	WRITE_ONCE(y, 1);
	p1_saw_x = r;
	return NULL;
}

static void *p2(void *arg)
{
	int ry = READ_ONCE(y);
	int rx;

	smp_rmb();
	rx = READ_ONCE(x);
	p2_saw_y = ry;
	p2_saw_x = rx;
	return NULL;
}

int main(void)
{
	pthread_t a, b, c;
	pthread_create(&a, NULL, p0, NULL);
	pthread_create(&b, NULL, p1, NULL);
	pthread_create(&c, NULL, p2, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	BUG_ON(p1_saw_x && p2_saw_y && !p2_saw_x);
	return 0;
}
"""


# smp_mb__after_srcu_read_unlock() makes the unlock before it a full barrier
# (linux-kernel.def's after-srcu-read-unlock): store buffering is forbidden
# with it and allowed without (herd7 agrees: paulmckrcu/litmus C-srcu-mb-*).
SRCU_MB = r"""
#include <linux/srcu.h>
#include <linux/bug.h>
#include <pthread.h>

DEFINE_STATIC_SRCU(ss);
static int x, y, r0, r1;

static void *p0(void *arg)
{
	int idx = srcu_read_lock(&ss);

	WRITE_ONCE(x, 1);
	srcu_read_unlock(&ss, idx);
#ifndef NO_MB
	smp_mb__after_srcu_read_unlock();
#endif
	r0 = READ_ONCE(y);
	return NULL;
}

static void *p1(void *arg)
{
	WRITE_ONCE(y, 1);
	smp_mb();
	r1 = READ_ONCE(x);
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, p0, NULL);
	pthread_create(&b, NULL, p1, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	BUG_ON(r0 == 0 && r1 == 0);
	return 0;
}
"""


@pytest.mark.parametrize("source,defines,want", [
    (RELEASE_WMB_PRIVATE, (), "no-bug"), (RELEASE_WMB_PRIVATE, ("NO_WMB",), "bug-on"),
    (SRCU_MB, (), "no-bug"), (SRCU_MB, ("NO_MB",), "bug-on"),
], ids=["release-wmb", "release-no-wmb", "srcu-mb", "srcu-no-mb"])
def test_barrier_twins_under_the_lkmm(tmp_path, source, defines, want):
    """Each program with its barrier (no bug, exhaustively) and without it
    (the BUG_ON fires); under SC neither has anything to see."""
    f = tmp_path / "twin.c"
    f.write_text(source)
    prog = kcheck.c.load(str(f), defines=list(defines))
    r = kcheck.check(prog.entry, memory_model="lkmm")
    assert (r.bug.kind if r.bug else "no-bug") == want, r.format()
    assert r.exhaustive or r.bug is not None
    assert kcheck.check(prog.entry).bug is None


# -- a kfree() under a branch on a load is control dependent on it --------------
# netdev_wait_allrefs()-style: the last reference is dropped with a plain
# atomic_dec(); the waiter frees once it reads the count it waits for.  The
# kfree was given no dependencies, so the LKMM saw nothing between the read and
# the free and reported the decrement itself as a use-after-free.  What the
# putter does *before* the unordered atomic_dec is still unordered - the twin.

CTRL_FREE_C = r"""
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <pthread.h>

struct obj { atomic_t refcnt; int stats; };

static void *putter(void *arg)
{
	struct obj *o = arg;

	WRITE_ONCE(o->stats, 1);
	BEFORE
	atomic_dec(&o->refcnt);
	return NULL;
}

static void *waiter(void *arg)
{
	struct obj *o = arg;

	while (atomic_read(&o->refcnt) != 1)
		msleep(250);
	kfree(o);
	return NULL;
}

int main(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);
	pthread_t a, b;

	atomic_set(&o->refcnt, 2);
	pthread_create(&a, NULL, putter, o);
	pthread_create(&b, NULL, waiter, o);
	return 0;
}
"""


@pytest.mark.parametrize("before,bug", [("", True), ("smp_mb__before_atomic();", False)])
def test_kfree_is_control_dependent_on_the_loop_that_waits(tmp_path, before, bug):
    f = tmp_path / "ctrl_free.c"
    f.write_text(CTRL_FREE_C.replace("BEFORE", before))
    entry = kcheck.c.load(str(f)).entry
    assert kcheck.check(entry).verdict == "no-bug"
    res = kcheck.check(entry, memory_model="lkmm")
    if bug:
        assert res.verdict == "bug" and res.bug.kind == "use-after-free", res
        assert "WRITE_ONCE" in res.bug.message or "stats" in res.bug.message, res.bug.message
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


REPORTS = Path(__file__).parent / "data" / "lkmm_reports"


def test_a_read_of_the_coherence_latest_write_is_not_called_weak():
    """2+2W with smp_wmb()s (allowed): after joining both writers, main() reads
    x == 1, the coherence-last write of x - the trace shows p0's store as
    "2 -> 1" - yet the note said "[not p1's newer 2: a weak-memory read]": it
    took the write shown last for the newest (an LKMM review)."""
    res = kcheck.check(kcheck.c.load(str(REPORTS / "w02_2p2w_wmb.c")).entry, memory_model="lkmm")
    assert res.bug is not None and res.bug.kind == "warn", res.format()
    assert "weak-memory read" not in res.bug.trace, res.bug.trace


def test_kmsan_says_the_store_was_not_ordered_not_that_there_was_none():
    """MP published with WRITE_ONCE (no release): the reader's plain load of the
    kmalloc()ed field reads it uninitialised - the LKMM allows it.  The report
    said "never written", pointing at a missing initialisation instead of the
    missing rcu_assign_pointer()."""
    res = kcheck.check(kcheck.c.load(str(REPORTS / "rcu02_mp_write_once.c")).entry,
                       memory_model="lkmm")
    assert res.bug is not None and res.bug.kind == "uninit-value", res.format()
    assert "writer's store to it is not ordered before this load" in res.bug.message, \
        res.bug.message


C_SB_PLAIN = r"""
#include <linux/kernel.h>
#include <pthread.h>
static int x, y, r0, r1;
static void *p0(void *a) { WRITE_ONCE(x, 1); smp_mb(); r0 = READ_ONCE(y); return NULL; }
static void *p1(void *a)
{
	WRITE_ONCE(y, 1);
	smp_mb();
#ifdef MARKED
	r1 = READ_ONCE(x);
#else
	r1 = x;
#endif
	return NULL;
}
int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, p0, NULL);
	pthread_create(&b, NULL, p1, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	WARN_ON(r0 == 0 && r1 == 0);
	return 0;
}
"""


def test_a_bug_whose_execution_races_says_so_under_its_headline(tmp_path):
    """Store buffering with smp_mb() on both sides and one plain load: the LKMM
    allows the WARN because the program races (a C review, 2026-12-03, found
    this in a faithful copy of v4.20's percpu-rwsem, which only a warning after
    the replay line explained); marked, it is clean."""
    f = tmp_path / "sb.c"
    f.write_text(C_SB_PLAIN)
    res = kcheck.check(kcheck.c.load(str(f)).entry, memory_model="lkmm")
    assert res.bug is not None and res.bug.kind == "warn", res.format()
    assert res.bug.races and "data race (LKMM) on x" in res.bug.races[0]
    text = res.format()
    assert "this execution has a data race (LKMM) on x" in text.split("\n\n")[0]
    ok = kcheck.check(kcheck.c.load(str(f), defines=["MARKED"]).entry, memory_model="lkmm")
    assert ok.bug is None
    sc = kcheck.check(kcheck.c.load(str(f)).entry)
    assert sc.bug is None
