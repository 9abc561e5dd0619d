"""Small kernel names added on 2026-11-30: their semantics in Python and in C."""

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (KStruct, atomic_t, atomic_set, atomic_inc, atomic_dec_and_mutex_lock,
                           mutex, mutex_unlock, refcount_t, refcount_set, refcount_inc_not_zero,
                           refcount_dec_and_lock_irqsave, spinlock_t, spin_unlock_irqrestore,
                           spin_lock, spin_unlock, time_after, time_before, time_after_eq,
                           time_before_eq, kzalloc, kfree, BUG_ON, ptr, READ_ONCE, WRITE_ONCE,
                           wait_queue_head_t, init_waitqueue_head, wait_event_idle,
                           wait_event_freezable, wake_up)


def test_jiffies_comparisons_wrap():
    big = (1 << 64) - 5                       # just before jiffies wraps
    assert time_after(3, big) and time_before(big, 3)
    assert time_after_eq(3, 3) and time_before_eq(3, 3)
    assert not time_after(3, 3)


class obj(KStruct):
    count: atomic_t
    ref: refcount_t
    m: mutex
    lock: spinlock_t
    table: int


@pytest.mark.parametrize("locked", [0, 1])
def test_dec_and_lock_keeps_a_lookup_from_reviving_the_count(locked):
    """The lookup takes its reference under the lock; the last put takes the
    lock before reaching zero (atomic_dec_and_mutex_lock), so the lookup never
    finds a count of zero - unless the put does not lock (a plain dec)."""
    from kcheck.kernel import mutex_lock, atomic_read, atomic_dec_and_test

    def lookup(o):
        mutex_lock(o.m)
        if READ_ONCE(ptr(o, "table")):
            BUG_ON(atomic_read(o.count) == 0)     # a reference on a dying object
            atomic_inc(o.count)
            mutex_unlock(o.m)
            put(o)
        else:
            mutex_unlock(o.m)

    def put(o):
        if locked:
            if atomic_dec_and_mutex_lock(o.count, o.m):
                WRITE_ONCE(ptr(o, "table"), 0)
                mutex_unlock(o.m)
        elif atomic_dec_and_test(o.count):
            mutex_lock(o.m)
            WRITE_ONCE(ptr(o, "table"), 0)
            mutex_unlock(o.m)

    def main():
        o = kzalloc(obj, table=1)
        atomic_set(o.count, 1)
        spawn(lookup, o)
        spawn(put, o)
    r = kcheck.check(main, ignore=["leak"])
    if locked:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "bug-on", r.format()


def test_refcount_dec_and_lock_irqsave_holds_the_lock_only_on_the_last_put():
    def body(o):
        ok, flags = refcount_dec_and_lock_irqsave(o.ref, o.lock)
        BUG_ON(ok)                                 # 2 -> 1: not the last
        ok, flags = refcount_dec_and_lock_irqsave(o.ref, o.lock)
        BUG_ON(not ok)                             # 1 -> 0, the lock held
        spin_unlock_irqrestore(o.lock, flags)

    def main():
        o = kzalloc(obj)
        refcount_set(o.ref, 2)
        spawn(body, o)
    r = kcheck.check(main, ignore=["leak"])
    assert r.bug is None and r.exhaustive, r.format()


C = r"""
#include <linux/jiffies.h>
#include <linux/wait.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/refcount.h>
#include <pthread.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DEFINE_SPINLOCK(lock);
static refcount_t ref = REFCOUNT_INIT(2);
static int done;

static void *waiter(void *arg)
{
	wait_event_idle(wq, READ_ONCE(done));
	wait_event_freezable(wq, READ_ONCE(done));
	return NULL;
}

static void *waker(void *arg)
{
	unsigned long flags;

	WRITE_ONCE(done, 1);
	wake_up(&wq);
	BUG_ON(refcount_dec_and_lock_irqsave(&ref, &lock, &flags));
	if (refcount_dec_and_lock_irqsave(&ref, &lock, &flags))
		spin_unlock_irqrestore(&lock, flags);
	schedule_timeout_uninterruptible(1);
	BUG_ON(!time_after_eq(jiffies, jiffies));
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, waiter, NULL);
	pthread_create(&b, NULL, waker, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
"""


def test_the_same_names_from_c(tmp_path):
    f = tmp_path / "small.c"
    f.write_text(C)
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    assert r.bug is None, r.format()


# -- names a review of real bugs found missing (2026-12-03) ---------------------

from pathlib import Path  # noqa: E402

from kcheck.kernel import (completion, init_completion, complete,  # noqa: E402
                           wait_for_completion_interruptible_timeout, wake_up_poll,
                           wake_up_interruptible_poll, wait_event_interruptible,
                           alloc_ordered_workqueue, alloc_workqueue, work_struct, INIT_WORK,
                           queue_work, WARN_ON, container_of)

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("fixed", [False, True])
def test_rtnl_and_the_module_and_errno_headers(fixed):
    prog = kcheck.c.load(str(DATA / "rtnl_cancel_work.c"), defines=("FIXED",) if fixed else ())
    r = kcheck.check(prog.entry)
    if fixed:
        assert r.verdict == "no-bug" and r.exhaustive
    else:
        assert r.bug.kind == "deadlock" and "mutex_lock(rtnl_mutex), held by ndo_stop" in r.bug.message


class pollq(KStruct):
    wq: wait_queue_head_t
    ready: int


@pytest.mark.parametrize("wake", [wake_up_poll, wake_up_interruptible_poll, None])
def test_wake_up_poll_wakes_a_sleeper(wake):
    def sleeper(p):
        wait_event_interruptible(p.wq, lambda: READ_ONCE(ptr(p, "ready")))

    def waker(p):
        WRITE_ONCE(ptr(p, "ready"), 1)
        if wake is not None:
            wake(p.wq, 1)                   # EPOLLIN

    def main():
        p = pollq()
        init_waitqueue_head(p.wq)
        spawn(sleeper, p, name="sleeper")
        spawn(waker, p, name="waker")
    r = kcheck.check(main)
    if wake is None:
        assert r.bug.kind == "lost-wakeup"
    else:
        assert r.verdict == "no-bug" and r.exhaustive


class req(KStruct):
    done: completion


def test_wait_for_completion_interruptible_timeout_may_time_out():
    seen = []

    def waiter(q):
        seen.append(wait_for_completion_interruptible_timeout(q.done, 10))

    def main():
        q = req()
        init_completion(q.done)
        spawn(waiter, q, name="waiter")
        spawn(complete, q.done, name="irq")
    r = kcheck.check(main)
    assert r.verdict == "no-bug" and r.exhaustive
    assert 0 in seen and any(v >= 1 for v in seen)


class two(KStruct):
    a: work_struct
    b: work_struct
    first_done: int


def _queue_two(make):
    def first(w):
        WRITE_ONCE(ptr(container_of(w, two, "a"), "first_done"), 1)

    def second(w):
        WARN_ON(not READ_ONCE(ptr(container_of(w, two, "b"), "first_done")))

    def main():
        wq = make()
        t = two()
        INIT_WORK(t.a, first)
        INIT_WORK(t.b, second)
        spawn(lambda: (queue_work(wq, t.a), queue_work(wq, t.b)), name="submit")
    return main


def test_an_ordered_queue_runs_its_items_one_after_the_other():
    r = kcheck.check(_queue_two(lambda: alloc_ordered_workqueue("ordered")))
    assert r.verdict == "no-bug" and r.exhaustive
    r = kcheck.check(_queue_two(lambda: alloc_workqueue("wq")))
    assert r.bug is not None and r.bug.kind == "warn"
