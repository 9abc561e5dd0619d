"""Interrupt handlers (kernel/interrupt.py): request_irq, free_irq, disable_irq.

Each case is a twin - the driver bug and its fix:

* a lock the handler takes, taken elsewhere with interrupts enabled: lockdep's
  "inconsistent {HARDIRQ-ON-W} -> {IN-HARDIRQ-W} usage" (spin_lock_irqsave()
  there is the fix), from process context and from a timer callback;
* a handler that sleeps ("sleeping function called from invalid context"),
  and the same work in a threaded handler's thread (allowed);
* the device freed before free_irq(): the handler may still run on it
  (use-after-free); free_irq() first waits for a running handler;
* disable_irq() keeps the handler out of a section; without it the handler
  sees the half-done update;
* free_irq() twice, an unbalanced enable_irq(): the kernel's WARNs;
* the same from C (linux/interrupt.h).
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, spinlock_t, spin_lock, spin_unlock, spin_lock_irqsave, spin_unlock_irqrestore,
    spin_lock_irq, spin_unlock_irq, mutex, mutex_lock, mutex_unlock, msleep, kzalloc, kfree,
    READ_ONCE, WRITE_ONCE, WARN_ON, ptr, request_irq, request_threaded_irq, free_irq,
    disable_irq, enable_irq, synchronize_irq, IRQ_HANDLED, IRQ_WAKE_THREAD, in_hardirq,
    in_interrupt, timer_list, timer_setup, mod_timer, del_timer_sync,
    completion, init_completion, complete, wait_for_completion, wait_queue_head_t,
    init_waitqueue_head, wait_event, wake_up,
)


class mydev(KStruct):
    lock: spinlock_t
    mtx: mutex
    count: int
    a: int
    b: int
    timer: timer_list


def irq_counts(irq, d):
    spin_lock(d.lock)
    d.count += 1
    spin_unlock(d.lock)
    return IRQ_HANDLED


def reader(kind):
    def read(d):
        if kind == "spin_lock":
            spin_lock(d.lock)
            d.count
            spin_unlock(d.lock)
        elif kind == "spin_lock_irq":
            spin_lock_irq(d.lock)
            d.count
            spin_unlock_irq(d.lock)
        else:
            flags = spin_lock_irqsave(d.lock)
            d.count
            spin_unlock_irqrestore(d.lock, flags)
    return read


def lock_model(kind, from_task=False):
    def setup(d):
        request_irq(3, irq_counts, 0, "mydev", d)
        reader(kind)(d)

    def main():
        d = mydev()
        if from_task:
            spawn(setup, d, name="probe")
        else:
            request_irq(3, irq_counts, 0, "mydev", d)
            spawn(reader(kind), d, name="reader")
    return main


@pytest.mark.parametrize("from_task", [False, True], ids=["requested-in-main", "requested-by-a-task"])
@pytest.mark.parametrize("kind,verdict", [("spin_lock", "bug"), ("spin_lock_irq", "no-bug"),
                                          ("spin_lock_irqsave", "no-bug")])
def test_a_lock_the_handler_takes_needs_interrupts_off_elsewhere(kind, verdict, from_task):
    res = kcheck.check(lock_model(kind, from_task))
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "bug":
        assert res.bug.kind == "lockdep"
        assert "{HARDIRQ-ON-W} -> {IN-HARDIRQ-W}" in res.bug.message
        # the trace shows the handler's acquisition the report is about
        assert "irq_counts()" in res.bug.trace
        again = kcheck.replay(lock_model(kind, from_task), res.bug.schedule)
        assert again.bug is not None and again.bug.kind == "lockdep"


class waitdev(KStruct):
    done: completion
    wq: wait_queue_head_t
    ready: int
    timer: timer_list


def _wake(d, how):
    if how == "complete":
        complete(d.done)
    else:
        WRITE_ONCE(ptr(d, "ready"), 1)
        wake_up(d.wq)


def _wait(d, how):
    if how == "complete":
        wait_for_completion(d.done)
    else:
        wait_event(d.wq, lambda: READ_ONCE(ptr(d, "ready")))


@pytest.mark.parametrize("context", ["hardirq", "timer"])
@pytest.mark.parametrize("how", ["complete", "wake_up"])
def test_waking_a_task_from_an_interrupt_or_a_timer_is_lockdep_clean(context, how):
    """complete() and wake_up() take the completion's or wait queue's lock with
    spin_lock_irqsave(), and the waiting side with interrupts off too: the
    canonical "the handler completes, the task waits" is lockdep-clean.  kcheck
    once counted the task side as {HARDIRQ-ON-W} and called it a bug."""
    def handler(irq, d):
        _wake(d, how)
        return IRQ_HANDLED

    def tick(t):
        _wake(t._owner, how)

    def waiter(d):
        if context == "timer":
            mod_timer(d.timer, 0)
        _wait(d, how)
        if context == "timer":
            del_timer_sync(d.timer)

    def main():
        d = waitdev()
        init_completion(d.done)
        init_waitqueue_head(d.wq)
        if context == "hardirq":
            request_irq(3, handler, 0, "waitdev", d)
        else:
            timer_setup(d.timer, tick, 0)
        spawn(waiter, d, name="waiter")

    res = kcheck.check(main)
    assert res.verdict == "no-bug", res.bug and res.bug.format()
    assert res.exhaustive


def test_a_timer_callback_runs_with_interrupts_on():
    # softirq context is not hardirq-safe: the handler's lock there needs _irqsave too
    def tick(t):
        d = t._owner
        spin_lock(d.lock)
        d.count += 1
        spin_unlock(d.lock)

    def arm(d):
        mod_timer(d.timer, 1)
        del_timer_sync(d.timer)

    def main():
        d = mydev()
        timer_setup(d.timer, tick, 0)
        request_irq(3, irq_counts, 0, "mydev", d)
        spawn(arm, d, name="arm")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "lockdep", res.bug
    assert "HARDIRQ-ON" in res.bug.message and "timer" in res.bug.message


def sleepy_handler(irq, d):
    mutex_lock(d.mtx)
    d.count += 1
    mutex_unlock(d.mtx)
    return IRQ_HANDLED


def quick_handler(irq, d):
    assert in_hardirq() and in_interrupt()
    return IRQ_WAKE_THREAD


def sleepy_thread(irq, d):
    assert not in_hardirq()
    msleep(1)
    sleepy_handler(irq, d)


@pytest.mark.parametrize("threaded,verdict", [(False, "bug"), (True, "no-bug")],
                         ids=["mutex-in-the-handler", "mutex-in-its-thread"])
def test_a_handler_may_not_sleep_its_thread_may(threaded, verdict):
    def main():
        d = mydev()
        if threaded:
            request_threaded_irq(4, quick_handler, sleepy_thread, 0, "mydev", d)
        else:
            request_irq(4, sleepy_handler, 0, "mydev", d)
        spawn(lambda d: free_irq(4, d), d, name="remove")
    res = kcheck.check(main)
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "bug":
        assert res.bug.kind == "sleep-in-atomic" and "hardirq" in res.bug.message


def touch(irq, d):
    WRITE_ONCE(ptr(d, "count"), 1)
    return IRQ_HANDLED


def remove_model(free_first_irq):
    def remove(d):
        if free_first_irq:
            free_irq(7, d)
            kfree(d)
        else:
            kfree(d)                # the handler may still be running, or not yet run
            free_irq(7, d)

    def main():
        d = kzalloc(mydev)
        request_irq(7, touch, 0, "mydev", d)
        spawn(remove, d, name="remove")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("free_first_irq,verdict", [(False, "bug"), (True, "no-bug")],
                         ids=["kfree-then-free_irq", "free_irq-then-kfree"])
def test_free_irq_before_the_device_goes(free_first_irq, verdict, memory_model):
    res = kcheck.check(remove_model(free_first_irq), memory_model=memory_model)
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "bug":
        assert res.bug.kind == "use-after-free" and "irq/7-mydev" in res.bug.message
    else:
        assert res.exhaustive


def check_pair(irq, d):
    WARN_ON(READ_ONCE(ptr(d, "a")) != READ_ONCE(ptr(d, "b")))
    return IRQ_HANDLED


@pytest.mark.parametrize("disable,verdict", [(False, "bug"), (True, "no-bug")])
def test_disable_irq_keeps_the_handler_out(disable, verdict):
    def update(d):
        if disable:
            disable_irq(5)
        WRITE_ONCE(ptr(d, "a"), 1)
        WRITE_ONCE(ptr(d, "b"), 1)
        if disable:
            enable_irq(5)
        synchronize_irq(5)

    def main():
        d = mydev()
        request_irq(5, check_pair, 0, "mydev", d)
        spawn(update, d, name="update")
    res = kcheck.check(main)
    assert res.verdict == verdict, res.bug and res.bug.message


def test_the_kernels_warnings():
    def twice(d):
        free_irq(6, d)
        free_irq(6, d)

    def unbalanced(d):
        enable_irq(6)

    for body, what in ((twice, "Trying to free already-free IRQ 6"),
                       (unbalanced, "Unbalanced enable for IRQ 6")):
        def main(body=body):
            d = mydev()
            request_irq(6, touch, 0, "mydev", d)
            spawn(body, d, name="t")
        res = kcheck.check(main)
        assert res.bug is not None and res.bug.kind == "warn" and what in res.bug.message


def test_a_taken_line_is_busy():
    def main():
        d = mydev()
        assert request_irq(2, touch, 0, "one", d) == 0
        assert request_irq(2, touch, 0, "two", d) == -16        # -EBUSY: one handler per line
        spawn(lambda d: free_irq(2, d), d, name="remove")
    assert kcheck.check(main).verdict == "no-bug"


C_IRQ = r"""
#include <linux/interrupt.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <pthread.h>

struct mydev {
	spinlock_t lock;
	int count;
};

static irqreturn_t mydev_irq(int irq, void *data)
{
	struct mydev *d = data;

	spin_lock(&d->lock);
	d->count++;
	spin_unlock(&d->lock);
	return IRQ_HANDLED;
}

static void *mydev_remove(void *arg)
{
	struct mydev *d = arg;
	unsigned long flags;

#ifdef PLAIN_LOCK
	spin_lock(&d->lock);
	d->count = 0;
	spin_unlock(&d->lock);
#else
	spin_lock_irqsave(&d->lock, flags);
	d->count = 0;
	spin_unlock_irqrestore(&d->lock, flags);
#endif
#ifdef KFREE_FIRST
	kfree(d);
	free_irq(9, d);
#else
	free_irq(9, d);
	kfree(d);
#endif
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct mydev *d = kzalloc(sizeof(*d), GFP_KERNEL);

	spin_lock_init(&d->lock);
	if (request_irq(9, mydev_irq, IRQF_SHARED, "mydev", d))
		return 1;
	pthread_create(&t, NULL, mydev_remove, d);
	return 0;
}
"""


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("define,kind", [(None, None), ("PLAIN_LOCK", "lockdep"),
                                         ("KFREE_FIRST", "use-after-free")])
def test_the_same_in_c(tmp_path, define, kind, memory_model):
    import kcheck.c
    f = tmp_path / "irq.c"
    f.write_text(C_IRQ)
    prog = kcheck.c.load(str(f), defines=(define,) if define else ())
    res = kcheck.check(prog.entry, memory_model=memory_model)
    assert (res.bug.kind if res.bug else None) == kind, res.bug and res.bug.message
    if kind is None:
        assert res.exhaustive
    else:
        again = kcheck.replay(prog.entry, res.bug.schedule, memory_model=memory_model)
        assert again.bug is not None and again.bug.kind == kind
