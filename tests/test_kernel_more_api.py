"""Kernel APIs a review of real kernel code found missing: wait_event_lock_irq(),
krealloc(), wait_on_bit_lock(), kthread_complete_and_exit(), flush_scheduled_work(),
wait_for_completion_io{,_timeout}() - in Python and in C, with twins where a
bug kind exists (the buggy one reported and replayed, the fixed one clean and
exhaustive)."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, spinlock_t, wait_queue_head_t, spin_lock_irq, spin_unlock_irq, wait_event_lock_irq,
    wait_event_interruptible_lock_irq, wake_up, READ_ONCE, WRITE_ONCE, ptr, WARN_ON, kzalloc,
    kmalloc, kfree, krealloc, ZERO_SIZE_PTR, ZERO_OR_NULL_PTR, GFP_KERNEL, wait_on_bit_lock,
    clear_and_wake_up_bit, clear_bit_unlock, TASK_UNINTERRUPTIBLE, completion, init_completion,
    complete, wait_for_completion, wait_for_completion_io, wait_for_completion_io_timeout,
    kthread_create, wake_up_process, kthread_complete_and_exit, kthread_stop, get_task_struct, put_task_struct,
    work_struct, INIT_WORK, schedule_work, flush_scheduled_work, container_of, atomic_t,
    atomic_inc, atomic_dec, atomic_read, spin_lock, spin_unlock,
)

from c_twins import check_c_twin


def _twin(main_fn, mm, want, text):
    res = kcheck.check(main_fn(), memory_model=mm)
    if want is None:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
        return res
    assert res.bug is not None and res.bug.kind in want, res.format()
    assert text in res.bug.message, res.bug.message
    again = kcheck.replay(main_fn(), res.bug.schedule, memory_model=mm)
    assert again.bug is not None and again.bug.kind == res.bug.kind
    return res


# -- wait_event_lock_irq ----------------------------------------------------------------------

class wdev(KStruct):
    lock: spinlock_t
    wq: wait_queue_head_t
    cond: int
    waiters: int


def lock_irq_model(outside, interruptible=False):
    """The waker looks at ``waiters`` under the lock and wakes only if someone
    waits; setting ``cond`` outside the lock, after that look, loses the wake-up
    of a sleeper that registered in between."""
    def sleeper(d):
        spin_lock_irq(d.lock)
        d.waiters += 1
        if interruptible:
            WARN_ON(wait_event_interruptible_lock_irq(d.wq, lambda: READ_ONCE(ptr(d, "cond")), d.lock))
        else:
            wait_event_lock_irq(d.wq, lambda: READ_ONCE(ptr(d, "cond")), d.lock)
        d.waiters -= 1
        spin_unlock_irq(d.lock)

    def waker(d):
        spin_lock_irq(d.lock)
        if not outside:
            WRITE_ONCE(ptr(d, "cond"), 1)
        n = d.waiters
        spin_unlock_irq(d.lock)
        if outside:
            WRITE_ONCE(ptr(d, "cond"), 1)
        if n:
            wake_up(d.wq)

    def main():
        d = wdev()
        spawn(sleeper, d, name="sleeper")
        spawn(waker, d, name="waker")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("interruptible", [False, True], ids=["plain", "interruptible"])
@pytest.mark.parametrize("outside", [False, True], ids=["cond-under-lock", "cond-outside-lock"])
def test_wait_event_lock_irq_twin(outside, interruptible, mm):
    _twin(lambda: lock_irq_model(outside, interruptible), mm,
          ("lost-wakeup",) if outside else None, "wait_event_")


C_LOCK_IRQ = r"""
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <pthread.h>

struct dev {
	spinlock_t lock;
	struct wait_queue_head wq;
	int cond;
	int waiters;
};
static struct dev d = {
	.lock = __SPIN_LOCK_UNLOCKED(d.lock),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(d.wq),
};

static void *sleeper(void *arg)
{
	spin_lock_irq(&d.lock);
	d.waiters++;
	wait_event_lock_irq(d.wq, READ_ONCE(d.cond), d.lock);
	d.waiters--;
	spin_unlock_irq(&d.lock);
	return NULL;
}

static void *waker(void *arg)
{
	int n;

	spin_lock_irq(&d.lock);
#ifndef COND_OUTSIDE_LOCK
	WRITE_ONCE(d.cond, 1);
#endif
	n = d.waiters;
	spin_unlock_irq(&d.lock);
#ifdef COND_OUTSIDE_LOCK
	WRITE_ONCE(d.cond, 1);
#endif
	if (n)
		wake_up(&d.wq);
	return NULL;
}

int main(void)
{
	pthread_t s, w;

	pthread_create(&s, NULL, sleeper, NULL);
	pthread_create(&w, NULL, waker, NULL);
	pthread_join(s, NULL);
	pthread_join(w, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("bad", [False, True], ids=["cond-under-lock", "cond-outside-lock"])
def test_c_wait_event_lock_irq_twin(tmp_path, bad, mm):
    check_c_twin(tmp_path, C_LOCK_IRQ, "COND_OUTSIDE_LOCK", bad, mm, ("lost-wakeup", "deadlock"),
                 "sleeper sleeps", name="lock_irq.c")


def test_c_wait_event_interruptible_lock_irq(tmp_path):
    src = C_LOCK_IRQ.replace("wait_event_lock_irq(d.wq, READ_ONCE(d.cond), d.lock);",
                             "WARN_ON(wait_event_interruptible_lock_irq(d.wq, READ_ONCE(d.cond), d.lock));")
    assert "interruptible" in src
    check_c_twin(tmp_path, src, "COND_OUTSIDE_LOCK", False, "sc", (), "")
    check_c_twin(tmp_path, src, "COND_OUTSIDE_LOCK", True, "sc", ("lost-wakeup", "deadlock"),
                 "sleeper sleeps")


# -- krealloc -------------------------------------------------------------------------------

class small(KStruct):
    n: int
    v0: int


class bigger(KStruct):
    n: int
    v0: int
    v1: int


def krealloc_model(old_use):
    def t():
        b = kmalloc(small, GFP_KERNEL)
        b.n = 2
        b.v0 = 10
        nb = krealloc(b, bigger, GFP_KERNEL)
        WARN_ON(nb is b or nb.n != 2 or nb.v0 != 10)
        nb.v1 = 11
        if old_use:
            b.n = 3                     # the old pointer: freed by krealloc
        WARN_ON(krealloc(nb, bigger, GFP_KERNEL) is not nb)     # it fits: the same object
        z = krealloc(nb, 0, GFP_KERNEL)
        WARN_ON(z is not ZERO_SIZE_PTR or not ZERO_OR_NULL_PTR(z))
        kfree(z)                        # kfree(ZERO_SIZE_PTR) does nothing
        c = krealloc(None, small, GFP_KERNEL)
        c.n = 1
        kfree(c)

    def main():
        spawn(t, name="t")
    return main


@pytest.mark.parametrize("old_use", [False, True], ids=["new-pointer", "old-pointer"])
def test_krealloc_twin(old_use):
    _twin(lambda: krealloc_model(old_use), "sc", ("use-after-free",) if old_use else None,
          "freed")


def test_krealloc_may_sleep_and_zero_size_ptr_oopses():
    def t(d):
        spin_lock(d.lock)
        krealloc(None, small, GFP_KERNEL)
        spin_unlock(d.lock)

    def main():
        spawn(t, wdev(), name="t")
    res = kcheck.check(main)
    assert res.bug is not None and "krealloc" in res.bug.message, res.format()

    def t2():
        z = krealloc(kmalloc(small), 0)
        z.n = 1

    def main2():
        spawn(t2, name="t")
    res = kcheck.check(main2)
    assert res.bug is not None and res.bug.kind == "null-deref", res.format()
    assert "ZERO_SIZE_PTR" in res.bug.message


C_KREALLOC = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <pthread.h>

struct buf { int n; int v[2]; };
struct big { int n; int v[6]; };

static void *t(void *arg)
{
	struct buf *b = kmalloc(sizeof(*b), GFP_KERNEL);
	struct big *nb;

	b->n = 2; b->v[0] = 10; b->v[1] = 11;
	nb = krealloc(b, sizeof(*nb), GFP_KERNEL);
	WARN_ON(!nb || nb->n != 2 || nb->v[0] != 10 || nb->v[1] != 11);
	nb->v[5] = 1;
#ifdef OLD_POINTER
	b->n = 3;
#endif
	WARN_ON(krealloc(nb, 8, GFP_KERNEL) != nb);	/* it fits: the same object */
	nb = krealloc(nb, 0, GFP_KERNEL);
	WARN_ON(!ZERO_OR_NULL_PTR(nb) || !nb);
	kfree(nb);
	b = krealloc(NULL, sizeof(*b), GFP_KERNEL);
	b->n = 1;
	kfree(b);
	return NULL;
}

int main(void)
{
	pthread_t x;

	pthread_create(&x, NULL, t, NULL);
	pthread_join(x, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("bad", [False, True], ids=["new-pointer", "old-pointer"])
def test_c_krealloc_twin(tmp_path, bad):
    check_c_twin(tmp_path, C_KREALLOC, "OLD_POINTER", bad, "sc", ("use-after-free",), "freed",
                 name="krealloc.c")


# -- wait_on_bit_lock -----------------------------------------------------------------------

class bdev(KStruct):
    flags: int
    inside: atomic_t


LOCKED = 2


def bit_lock_model(wake):
    def user(d):
        wait_on_bit_lock(ptr(d, "flags"), LOCKED, TASK_UNINTERRUPTIBLE)
        atomic_inc(d.inside)
        WARN_ON(atomic_read(d.inside) != 1)
        atomic_dec(d.inside)
        if wake:
            clear_and_wake_up_bit(LOCKED, ptr(d, "flags"))
        else:
            clear_bit_unlock(LOCKED, ptr(d, "flags"))

    def main():
        d = bdev()
        spawn(user, d, name="a")
        spawn(user, d, name="b")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("wake", [True, False], ids=["clear_and_wake_up_bit", "clear_bit_unlock"])
def test_wait_on_bit_lock_twin(wake, mm):
    _twin(lambda: bit_lock_model(wake), mm, None if wake else ("lost-wakeup",), "wait_on_bit_lock")


C_BIT_LOCK = r"""
#include <linux/kernel.h>
#include <linux/wait_bit.h>
#include <linux/atomic.h>
#include <pthread.h>

#define LOCKED 2
static unsigned long flags;
static atomic_t inside;

static void *user(void *arg)
{
	wait_on_bit_lock(&flags, LOCKED, TASK_UNINTERRUPTIBLE);
	WARN_ON(atomic_inc_return(&inside) != 1);
	atomic_dec(&inside);
#ifdef NO_WAKE
	clear_bit_unlock(LOCKED, &flags);
#else
	clear_and_wake_up_bit(LOCKED, &flags);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, user, NULL);
	pthread_create(&b, NULL, user, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("bad", [False, True], ids=["clear_and_wake_up_bit", "clear_bit_unlock"])
def test_c_wait_on_bit_lock_twin(tmp_path, bad, mm):
    check_c_twin(tmp_path, C_BIT_LOCK, "NO_WAKE", bad, mm, ("lost-wakeup", "deadlock"),
                 "wait_on_bit_lock", name="bitlock.c")


# -- kthread_complete_and_exit, wait_for_completion_io ------------------------------------------

class kdev(KStruct):
    done: completion
    after: int


def complete_and_exit_model(io):
    def fn(d):
        kthread_complete_and_exit(d.done, 7)
        d.after = 1                     # never runs

    def waiter(d):
        k = kthread_create(fn, d, "kt")
        get_task_struct(k)              # it may exit on its own: keep its task_struct
        wake_up_process(k)
        if io == "timeout":
            while not wait_for_completion_io_timeout(d.done, 10):
                pass                    # timed out (an explorer choice): wait again
        elif io:
            wait_for_completion_io(d.done)
        else:
            wait_for_completion(d.done)
        WARN_ON(kthread_stop(k) != 7)
        put_task_struct(k)
        WARN_ON(d.after)

    def main():
        d = kdev()
        init_completion(d.done)
        spawn(waiter, d, name="waiter")
    return main


@pytest.mark.parametrize("io", [False, True, "timeout"], ids=["wait", "io", "io_timeout"])
def test_kthread_complete_and_exit(io):
    _twin(lambda: complete_and_exit_model(io), "sc", None, "")


def test_kthread_complete_and_exit_outside_a_kthread_is_a_model_error():
    def t(d):
        kthread_complete_and_exit(d.done, 0)

    def main():
        d = kdev()
        spawn(t, d, name="t")
    from kcheck.engine.runtime import ModelError
    with pytest.raises(ModelError, match="kthread_complete_and_exit"):
        kcheck.check(main)


C_KTHREAD = r"""
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <pthread.h>

static struct completion done;
static int after;

static int fn(void *data)
{
	int local = 1;

	kthread_complete_and_exit(&done, 7 + local - 1);
	after = 1;				/* never runs */
	return 0;
}

static void *waiter(void *arg)
{
	struct task_struct *k = kthread_create(fn, NULL, "kt");

	get_task_struct(k);		/* it may exit on its own: keep its task_struct */
	wake_up_process(k);
#ifdef IO_TIMEOUT
	while (!wait_for_completion_io_timeout(&done, 10))
		;			/* timed out (an explorer choice): wait again */
#else
	wait_for_completion_io(&done);
#endif
	WARN_ON(kthread_stop(k) != 7);
	put_task_struct(k);
	WARN_ON(after);
	return NULL;
}

int main(void)
{
	pthread_t w;

	init_completion(&done);
	pthread_create(&w, NULL, waiter, NULL);
	pthread_join(w, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("define", [False, True], ids=["io", "io_timeout"])
def test_c_kthread_complete_and_exit(tmp_path, define):
    check_c_twin(tmp_path, C_KTHREAD, "IO_TIMEOUT", False, "sc", (), "", name="kt.c") if not define \
        else _c_clean(tmp_path, C_KTHREAD, "IO_TIMEOUT")


def _c_clean(tmp_path, src, define):
    import kcheck.c
    f = tmp_path / "kt2.c"
    f.write_text(src)
    prog = kcheck.c.load(str(f), defines=(define,))
    res = kcheck.check(prog.entry)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


# -- flush_scheduled_work -------------------------------------------------------------------

class fdev(KStruct):
    work: work_struct
    data: int


def flush_model(flush):
    def work_fn(w):
        d = container_of(w, fdev, "work")
        d.data = 1

    def owner(d):
        schedule_work(d.work)
        if flush:
            flush_scheduled_work()
        kfree(d)

    def main():
        d = kzalloc(fdev)
        INIT_WORK(d.work, work_fn)
        spawn(owner, d, name="owner")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("flush", [True, False], ids=["flush_scheduled_work", "no-flush"])
def test_flush_scheduled_work_twin(flush, mm):
    _twin(lambda: flush_model(flush), mm, None if flush else ("use-after-free",), "kfree")


C_FLUSH = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <pthread.h>

struct dev { struct work_struct work; int data; };

static void work_fn(struct work_struct *w)
{
	struct dev *d = container_of(w, struct dev, work);

	d->data = 1;
}

static void *owner(void *arg)
{
	struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL);

	INIT_WORK(&d->work, work_fn);
	schedule_work(&d->work);
#ifndef NO_FLUSH
	flush_scheduled_work();
#endif
	kfree(d);
	return NULL;
}

int main(void)
{
	pthread_t o;

	pthread_create(&o, NULL, owner, NULL);
	pthread_join(o, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("bad", [False, True], ids=["flush_scheduled_work", "no-flush"])
def test_c_flush_scheduled_work_twin(tmp_path, bad, mm):
    check_c_twin(tmp_path, C_FLUSH, "NO_FLUSH", bad, mm, ("use-after-free",), "kfree",
                 name="flush.c")
