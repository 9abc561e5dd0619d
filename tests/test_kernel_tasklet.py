"""Tasklets (kernel/tasklet.py): each case a twin, the driver bug and its fix.

* teardown that kills the tasklet while the interrupt handler can still
  schedule it (``tasklet_kill(); free_irq(); kfree()``): the tasklet runs on
  freed memory; ``free_irq()`` first, then ``tasklet_kill()``, is clean;
* ``kfree()`` with the tasklet still scheduled, and with ``tasklet_kill()``;
* ``tasklet_disable()`` keeps the function out of an update;
* a tasklet's function may not sleep (softirq context);
* one scheduled while it runs runs again after it, never two at once;
* the same from C (linux/interrupt.h), old-style ``tasklet_init`` included.
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, ptr, kzalloc, kfree, msleep, tasklet_struct,
    tasklet_setup, tasklet_init, tasklet_schedule, tasklet_kill, tasklet_disable, tasklet_enable,
    from_tasklet, request_irq, free_irq, IRQ_HANDLED, atomic_t, atomic_inc,
)


class mydev(KStruct):
    bh: tasklet_struct
    count: int
    runs: atomic_t
    inside: int
    a: int
    b: int


def bh_counts(t):
    d = from_tasklet(mydev, t, "bh")
    WRITE_ONCE(ptr(d, "count"), READ_ONCE(ptr(d, "count")) + 1)


def irq_schedules(irq, d):
    tasklet_schedule(d.bh)
    return IRQ_HANDLED


def teardown(kill_first):
    def remove(d):
        if kill_first:
            tasklet_kill(d.bh)      # the handler may schedule it again right after
            free_irq(5, d)
        else:
            free_irq(5, d)          # no more interrupts, so no more scheduling
            tasklet_kill(d.bh)
        kfree(d)

    def main():
        d = kzalloc(mydev)
        tasklet_setup(d.bh, bh_counts)
        request_irq(5, irq_schedules, 0, "mydev", d)
        spawn(remove, d, name="remove")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("kill_first,verdict", [(True, "bug"), (False, "no-bug")],
                         ids=["tasklet_kill-then-free_irq", "free_irq-then-tasklet_kill"])
def test_stop_the_interrupt_before_killing_its_tasklet(kill_first, verdict, memory_model):
    res = kcheck.check(teardown(kill_first), memory_model=memory_model)
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "bug":
        assert res.bug.kind == "use-after-free" and "tasklet:bh" in res.bug.message
        again = kcheck.replay(teardown(kill_first), res.bug.schedule, memory_model=memory_model)
        assert again.bug is not None and again.bug.kind == "use-after-free"
    else:
        assert res.exhaustive


@pytest.mark.parametrize("kill,verdict", [(False, "bug"), (True, "no-bug")])
def test_kfree_of_a_scheduled_tasklet(kill, verdict):
    def owner(d):
        tasklet_schedule(d.bh)
        if kill:
            tasklet_kill(d.bh)
        kfree(d)

    def main():
        d = kzalloc(mydev)
        tasklet_setup(d.bh, bh_counts)
        spawn(owner, d, name="owner")
    res = kcheck.check(main)
    assert res.verdict == verdict, res.bug and res.bug.message


def check_pair(t):
    d = from_tasklet(mydev, t, "bh")
    WARN_ON(READ_ONCE(ptr(d, "a")) != READ_ONCE(ptr(d, "b")))


@pytest.mark.parametrize("disable,verdict", [(False, "bug"), (True, "no-bug")])
def test_tasklet_disable_keeps_the_function_out(disable, verdict):
    def update(d):
        tasklet_schedule(d.bh)
        if disable:
            tasklet_disable(d.bh)
        WRITE_ONCE(ptr(d, "a"), 1)
        WRITE_ONCE(ptr(d, "b"), 1)
        if disable:
            tasklet_enable(d.bh)
        tasklet_kill(d.bh)

    def main():
        d = mydev()
        tasklet_setup(d.bh, check_pair)
        spawn(update, d, name="update")
    res = kcheck.check(main)
    assert res.verdict == verdict, res.bug and res.bug.message


def test_a_tasklet_may_not_sleep():
    def sleepy(t):
        msleep(1)

    def main():
        d = mydev()
        tasklet_setup(d.bh, sleepy)
        spawn(lambda d: (tasklet_schedule(d.bh), tasklet_kill(d.bh)), d, name="t")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "sleep-in-atomic"
    assert "tasklet (softirq context)" in res.bug.message


def test_a_tasklet_never_runs_on_two_cpus_at_once():
    def body(t):
        d = from_tasklet(mydev, t, "bh")
        WARN_ON(READ_ONCE(ptr(d, "inside")))
        WRITE_ONCE(ptr(d, "inside"), 1)
        atomic_inc(d.runs)
        WRITE_ONCE(ptr(d, "inside"), 0)

    def scheduler(d):
        tasklet_schedule(d.bh)
        tasklet_schedule(d.bh)      # once more: scheduled already, or again while it runs

    def killer(d):
        tasklet_kill(d.bh)

    def main():
        d = mydev()
        tasklet_setup(d.bh, body)
        spawn(scheduler, d, name="a")
        spawn(lambda d: (scheduler(d), killer(d)), d, name="b")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message


def test_old_style_tasklet_init_passes_its_data():
    def fn(data):
        WARN_ON(data != 42)

    def main():
        d = mydev()
        tasklet_init(d.bh, fn, 42)
        spawn(lambda d: (tasklet_schedule(d.bh), tasklet_kill(d.bh)), d, name="t")
    assert kcheck.check(main).verdict == "no-bug"


C_TASKLET = r"""
#include <linux/interrupt.h>
#include <linux/slab.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <pthread.h>

struct mydev {
	int count;
	struct tasklet_struct bh;
	struct tasklet_struct old;
};

static void mydev_bh(struct tasklet_struct *t)
{
	struct mydev *d = from_tasklet(d, t, bh);

	WRITE_ONCE(d->count, d->count + 1);
}

static void mydev_old(unsigned long data)
{
	struct mydev *d = (struct mydev *)data;

	WRITE_ONCE(d->count, d->count + 1);
}

static irqreturn_t mydev_irq(int irq, void *data)
{
	struct mydev *d = data;

	tasklet_schedule(&d->bh);
	tasklet_schedule(&d->old);
	return IRQ_HANDLED;
}

static void *mydev_remove(void *arg)
{
	struct mydev *d = arg;

#ifdef KILL_FIRST
	tasklet_kill(&d->bh);
	tasklet_kill(&d->old);
	free_irq(11, d);
#else
	free_irq(11, d);
	tasklet_kill(&d->bh);
	tasklet_kill(&d->old);
#endif
	kfree(d);
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct mydev *d = kzalloc(sizeof(*d), GFP_KERNEL);

	tasklet_setup(&d->bh, mydev_bh);
	tasklet_init(&d->old, mydev_old, (unsigned long)d);
	if (request_irq(11, mydev_irq, 0, "mydev", d))
		return 1;
	pthread_create(&t, NULL, mydev_remove, d);
	return 0;
}
"""


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("define,kind", [(None, None), ("KILL_FIRST", "use-after-free")])
def test_the_same_in_c(tmp_path, define, kind, memory_model):
    import kcheck.c
    f = tmp_path / "tasklet.c"
    f.write_text(C_TASKLET)
    prog = kcheck.c.load(str(f), defines=(define,) if define else ())
    res = kcheck.check(prog.entry, memory_model=memory_model)
    assert (res.bug.kind if res.bug else None) == kind, res.bug and res.bug.message
    if kind is None:
        assert res.exhaustive
    else:
        assert "tasklet:mydev#0->" in res.bug.message
        again = kcheck.replay(prog.entry, res.bug.schedule, memory_model=memory_model)
        assert again.bug is not None and again.bug.kind == kind


def test_a_tasklet_scheduled_with_no_function_oopses():
    def main():
        d = mydev()
        spawn(lambda d: (tasklet_schedule(d.bh), tasklet_kill(d.bh)), d, name="t")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "null-deref", res.bug
    assert "tasklet:bh" in res.bug.message or "tasklet" in res.bug.message
