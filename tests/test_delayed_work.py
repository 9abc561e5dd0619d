"""Delayed work: a work item and a timer that queues it (kernel/workqueue.c).

kcheck queued a delayed work at once, so every teardown that works for plain
work passed for delayed work too - where the kernel's does not: flush_work()
and destroy_workqueue() do not wait for a timer that has not fired (it is on
no queue yet), only flush_delayed_work() and cancel_delayed_work_sync() do.
A hostile review's models; each teardown has its correct twin.
"""

import textwrap

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (KStruct, delayed_work, INIT_DELAYED_WORK, queue_delayed_work,
                           schedule_delayed_work, alloc_workqueue, destroy_workqueue,
                           cancel_delayed_work_sync, flush_delayed_work, flush_work,
                           delayed_work_pending, mod_delayed_work, kzalloc, kfree, WRITE_ONCE,
                           WARN_ON, ptr, to_delayed_work, HZ)


class dev(KStruct):
    dw: delayed_work
    stat: int


def poll_fn(work):
    d = to_delayed_work(work)._owner
    WRITE_ONCE(ptr(d, "stat"), 1)


def _model(teardown, system=False, delay=HZ):
    def driver(d, wq):
        if system:
            schedule_delayed_work(d.dw, delay)
        else:
            queue_delayed_work(wq, d.dw, delay)
        WARN_ON(not delayed_work_pending(d.dw) and delay and False)
        if teardown == "cancel_sync":
            cancel_delayed_work_sync(d.dw)
        elif teardown == "flush_delayed":
            flush_delayed_work(d.dw)
        elif teardown == "flush_work":
            flush_work(d.dw.work)
        if not system:
            destroy_workqueue(wq)
        kfree(d)

    def main():
        wq = None if system else alloc_workqueue("poll")
        d = kzalloc(dev)
        INIT_DELAYED_WORK(d.dw, poll_fn)
        spawn(driver, d, wq, name="driver")
    return main


@pytest.mark.parametrize("system", [False, True], ids=["own-queue", "system_wq"])
@pytest.mark.parametrize("teardown,bug", [("destroy_only", True), ("flush_work", True),
                                          ("cancel_sync", False), ("flush_delayed", False)])
def test_delayed_work_teardown(system, teardown, bug):
    if system and teardown == "destroy_only":
        teardown = "none"               # a system queue is not destroyed: just the kfree
    res = kcheck.check(_model(teardown, system))
    if bug:
        assert res.verdict == "bug" and res.bug.kind == "use-after-free", res
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


def test_a_zero_delay_queues_at_once():
    """delay 0: __queue_delayed_work() queues without the timer, so the queue's
    flush in destroy_workqueue() waits for it."""
    res = kcheck.check(_model("destroy_only", delay=0))
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


def test_pending_while_the_timer_runs_and_mod_delayed_work():
    out = []

    def driver(d):
        out.append(schedule_delayed_work(d.dw, HZ))
        out.append(schedule_delayed_work(d.dw, HZ))     # pending: false
        out.append(delayed_work_pending(d.dw))
        out.append(mod_delayed_work(None or _system(), d.dw, 2 * HZ))   # was pending: true
        cancel_delayed_work_sync(d.dw)
        out.append(delayed_work_pending(d.dw))

    def _system():
        from kcheck.kernel import system_wq
        return system_wq

    def main():
        d = kzalloc(dev)
        INIT_DELAYED_WORK(d.dw, poll_fn)
        spawn(driver, d, name="driver")
    res = kcheck.check(main, ignore=("leak",))
    assert res.verdict == "no-bug", res.bug and res.bug.trace
    assert out[:5] == [True, False, True, True, False]


C_DWORK = textwrap.dedent("""\
    #include <linux/workqueue.h>
    #include <linux/slab.h>
    #include <linux/jiffies.h>
    #include <pthread.h>

    struct dev { struct delayed_work dw; int stat; };
    static struct workqueue_struct *wq;

    static void poll_fn(struct work_struct *work)
    {
        struct dev *d = container_of(to_delayed_work(work), struct dev, dw);

        WRITE_ONCE(d->stat, 1);
    }

    static void *driver(void *arg)
    {
        struct dev *d = arg;

        queue_delayed_work(wq, &d->dw, HZ);
        TEARDOWN;
        destroy_workqueue(wq);
        kfree(d);
        return NULL;
    }

    int main(void)
    {
        pthread_t t;
        struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL);

        wq = alloc_workqueue("poll", 0, 0);
        INIT_DELAYED_WORK(&d->dw, poll_fn);
        pthread_create(&t, NULL, driver, d);
        return 0;
    }
""")


@pytest.mark.parametrize("teardown,bug", [("flush_work(&d->dw.work)", True),
                                          ("cancel_delayed_work_sync(&d->dw)", False),
                                          ("flush_delayed_work(&d->dw)", False)])
def test_delayed_work_in_c(tmp_path, teardown, bug):
    f = tmp_path / "dwork.c"
    f.write_text(C_DWORK.replace("TEARDOWN", teardown))
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    if bug:
        assert res.verdict == "bug" and res.bug.kind == "use-after-free", res
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


def test_freeing_a_pending_delayed_work_names_its_fix():
    """ODEBUG on a delayed_work's pending timer says what a driver calls:
    cancel_delayed_work_sync(), not del_timer_sync() on a timer it never
    named (a review found the timer's fix suggested for rkvdec's watchdog)."""
    res = kcheck.check(_model("none", system=True))
    assert res.verdict == "bug" and res.bug.kind == "use-after-free", res
    assert "ODEBUG" in res.bug.message, res.bug.message
    assert "cancel_delayed_work_sync()" in res.bug.message, res.bug.message
    assert "del_timer_sync" not in res.bug.message, res.bug.message
