"""flush_work() and cancel_work_sync() wait for the work function to return.

``flush_work(); kfree()`` is the kernel's teardown idiom: flush_work returns
only once the last queuing of the item has finished running.  kcheck once
waited only for the pending bit to clear - which a worker does when it takes
the item, before calling it - and so called the idiom a use-after-free.
Each case below is a twin: the teardown that waits is clean, the one that
does not (no flush, or ``cancel_work`` that does not wait) has the bug, under
both memory models."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, WARN_ON, alloc_workqueue, work_struct, INIT_WORK, queue_work, flush_work,
    flush_workqueue, cancel_work_sync, cancel_work, container_of, kzalloc, kfree, READ_ONCE,
    WRITE_ONCE, ptr, atomic_t, atomic_read, atomic_inc, workqueue_struct, completion,
    wait_for_completion, complete, init_completion,
)


class dev(KStruct):
    work: work_struct
    data: int
    runs: atomic_t


def work_fn(w):
    d = container_of(w, dev, "work")
    WRITE_ONCE(ptr(d, "data"), 1)
    atomic_inc(d.runs)


def _wq_model(cls, init, owner):
    """main(): a queue, an object of ``cls`` set up by ``init``, one task ``owner(wq, d)``."""
    def main():
        wq = alloc_workqueue("wq")
        d = kzalloc(cls)
        init(d)
        spawn(owner, wq, d, name="owner")
    return main


def teardown_model(stop):
    def owner(wq, d):
        queue_work(wq, d.work)
        stop(d.work)
        kfree(d)

    return _wq_model(dev, lambda d: INIT_WORK(d.work, work_fn), owner)


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("stop,verdict", [
    (flush_work, "no-bug"), (cancel_work_sync, "no-bug"),
    (cancel_work, "bug"), (lambda w: None, "bug"),
], ids=["flush_work", "cancel_work_sync", "cancel_work", "nothing"])
def test_teardown_after_the_work_waits_for_its_function(stop, verdict, memory_model):
    res = kcheck.check(teardown_model(stop), memory_model=memory_model)
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "no-bug":
        assert res.exhaustive
    else:
        assert res.bug.kind == "use-after-free"
        again = kcheck.replay(teardown_model(stop), res.bug.schedule, memory_model=memory_model)
        assert again.bug is not None and again.bug.kind == "use-after-free"


def test_flush_and_cancel_return_what_the_kernel_returns():
    """flush_work: false if never queued or already idle, true if it waited;
    cancel_work_sync: true exactly when it took a pending item back (which then
    never runs); either way no instance runs once it has returned."""
    seen = set()

    def owner(wq, d):
        WARN_ON(flush_work(d.work))                 # never queued: idle
        queue_work(wq, d.work)
        waited = flush_work(d.work)
        WARN_ON(atomic_read(d.runs) != 1)
        WARN_ON(flush_work(d.work))                 # idle again
        queue_work(wq, d.work)
        taken = cancel_work_sync(d.work)
        n = atomic_read(d.runs)
        WARN_ON(n != (1 if taken else 2))
        WARN_ON(cancel_work_sync(d.work))           # nothing pending any more
        flush_workqueue(wq)                         # a cancelled queuing is not waited for
        WARN_ON(atomic_read(d.runs) != n)
        seen.add((waited, taken))
        kfree(d)

    def main():
        wq = alloc_workqueue("wq")
        d = kzalloc(dev)
        INIT_WORK(d.work, work_fn)
        spawn(owner, wq, d, name="owner")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message
    # flush_work found the item still queued or running in some executions, and
    # cancel_work_sync took it back in some and found it taken in others
    assert {w for w, _ in seen} == {True, False} or {w for w, _ in seen} == {True}
    assert {t for _, t in seen} == {True, False}


def test_cancel_waits_for_an_instance_already_running():
    """A requeued item: cancel takes the pending queuing back but must still
    wait for the earlier instance that a worker is running."""
    def owner(wq, d):
        queue_work(wq, d.work)
        queue_work(wq, d.work)          # pending again only once the first was taken
        cancel_work_sync(d.work)
        kfree(d)

    def main():
        wq = alloc_workqueue("wq")
        d = kzalloc(dev)
        INIT_WORK(d.work, work_fn)
        spawn(owner, wq, d, name="owner")
    for mm in ("sc", "lkmm"):
        res = kcheck.check(main, memory_model=mm)
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message


C_TEARDOWN = r"""
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <pthread.h>

struct dev {
	struct work_struct work;
	int data;
};

static struct workqueue_struct *wq;

static void work_fn(struct work_struct *w)
{
	struct dev *d = container_of(w, struct dev, work);	/* workqueue.h brings it, as the kernel's does */
	WRITE_ONCE(d->data, 1);
}

static void *owner(void *arg)
{
	struct dev *d = arg;
	queue_work(wq, &d->work);
	STOP(&d->work);
	kfree(d);
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct dev *d;
	wq = alloc_workqueue("wq", 0, 0);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	INIT_WORK(&d->work, work_fn);
	pthread_create(&t, NULL, owner, d);
	return 0;
}
"""


@pytest.mark.parametrize("stop,verdict", [
    ("flush_work", "no-bug"), ("cancel_work_sync", "no-bug"), ("cancel_work", "use-after-free"),
    ("(void)", "use-after-free"),
])
def test_the_same_teardown_in_c(tmp_path, stop, verdict):
    import kcheck.c
    f = tmp_path / "teardown.c"
    f.write_text(C_TEARDOWN.replace("STOP", stop))
    prog = kcheck.c.load(str(f))
    for mm in ("sc", "lkmm"):
        r = kcheck.check(prog.entry, memory_model=mm)
        assert (r.bug.kind if r.bug else "no-bug") == verdict, r.format()


# -- system workqueues and delayed work ----------------------------------------

from kcheck.kernel import (  # noqa: E402
    delayed_work, to_delayed_work, INIT_DELAYED_WORK, queue_delayed_work, schedule_delayed_work,
    cancel_delayed_work, cancel_delayed_work_sync, flush_delayed_work, schedule_work, system_wq,
)


class ddev(KStruct):
    dwork: delayed_work
    data: int


def dwork_fn(w):
    d = container_of(to_delayed_work(w), ddev, "dwork")
    WRITE_ONCE(ptr(d, "data"), 1)


def delayed_model(queue, stop):
    def owner(wq, d):
        queue(wq, d.dwork)
        stop(d.dwork)
        kfree(d)

    return _wq_model(ddev, lambda d: INIT_DELAYED_WORK(d.dwork, dwork_fn), owner)


QUEUES = {
    "queue_delayed_work(wq)": lambda wq, dw: queue_delayed_work(wq, dw, 10),
    "schedule_delayed_work": lambda wq, dw: schedule_delayed_work(dw, 10),
    "queue_delayed_work(system_wq)": lambda wq, dw: queue_delayed_work(system_wq, dw, 10),
}


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("queue", sorted(QUEUES))
@pytest.mark.parametrize("stop,verdict", [
    (cancel_delayed_work_sync, "no-bug"), (flush_delayed_work, "no-bug"),
    (cancel_delayed_work, "use-after-free"),
], ids=["cancel_delayed_work_sync", "flush_delayed_work", "cancel_delayed_work"])
def test_delayed_work_teardown(queue, stop, verdict, memory_model):
    """cancel_delayed_work() does not wait for a running function: the classic
    driver teardown use-after-free; cancel_delayed_work_sync() does.  A worker
    whose queuing was cancelled touches nothing of the (freed) item."""
    res = kcheck.check(delayed_model(QUEUES[queue], stop), memory_model=memory_model)
    assert (res.bug.kind if res.bug else "no-bug") == verdict, res.format()
    if verdict == "no-bug":
        assert res.exhaustive


def test_schedule_work_runs_the_item_in_its_own_worker_and_is_not_reentrant():
    def work_fn2(w):
        d = container_of(w, dev, "work")
        n = atomic_read(d.runs)
        WRITE_ONCE(ptr(d, "data"), n)
        WARN_ON(atomic_read(d.runs) != n)       # no other instance runs meanwhile
        atomic_inc(d.runs)

    def owner(d):
        schedule_work(d.work)
        schedule_work(d.work)
        flush_work(d.work)
        n = atomic_read(d.runs)
        WARN_ON(n < 1 or n > 2)
        kfree(d)

    def main():
        d = kzalloc(dev)
        INIT_WORK(d.work, work_fn2)
        spawn(owner, d, name="owner")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()

    def flusher(d):
        flush_workqueue(system_wq)

    def main2():
        d = kzalloc(dev)
        spawn(flusher, d, name="t")
    from kcheck.engine.runtime import ModelError
    with pytest.raises(ModelError, match="system workqueue"):
        kcheck.check(main2)


C_DELAYED = r"""
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <pthread.h>

struct dev {
	struct delayed_work dwork;
	int data;
};

static void work_fn(struct work_struct *w)
{
	struct dev *d = container_of(to_delayed_work(w), struct dev, dwork);
	WRITE_ONCE(d->data, 1);
}

static void *owner(void *arg)
{
	struct dev *d = arg;
	schedule_delayed_work(&d->dwork, msecs_to_jiffies(100));
	STOP(&d->dwork);
	kfree(d);
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	INIT_DELAYED_WORK(&d->dwork, work_fn);
	pthread_create(&t, NULL, owner, d);
	return 0;
}
"""


@pytest.mark.parametrize("stop,verdict", [
    ("cancel_delayed_work_sync", "no-bug"), ("cancel_delayed_work", "use-after-free"),
])
def test_delayed_work_teardown_in_c(tmp_path, stop, verdict):
    import kcheck.c
    f = tmp_path / "dwork.c"
    f.write_text(C_DELAYED.replace("STOP", stop))
    prog = kcheck.c.load(str(f))
    for mm in ("sc", "lkmm"):
        r = kcheck.check(prog.entry, memory_model=mm)
        assert (r.bug.kind if r.bug else "no-bug") == verdict, r.format()


# -- a worker that never comes back ---------------------------------------------------


class hung(KStruct):
    work: work_struct
    wq: workqueue_struct          # a pointer field, as in C (struct workqueue_struct *wq)
    go: completion


def hung_fn(w):
    h = container_of(w, hung, "work")
    wait_for_completion(h.go)


def hung_model(complete_it):
    def owner(h):
        queue_work(h.wq, h.work)
        if complete_it:
            complete(h.go)

    def main():
        h = hung(wq=alloc_workqueue("wq"))
        INIT_WORK(h.work, hung_fn)
        init_completion(h.go)
        spawn(owner, h, name="owner")
    return main


@pytest.mark.parametrize("complete_it,verdict", [(True, "no-bug"), (False, "bug")])
def test_a_work_function_blocked_for_good_is_a_bug_an_idle_worker_is_not(complete_it, verdict):
    # Workers are daemons: idle, waiting for work, they end no run badly.  Blocked
    # anywhere else they are stuck like any task (the kernel's hung-task report); kcheck
    # once called a run whose only blocked task was a worker complete.
    res = kcheck.check(hung_model(complete_it))
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "bug":
        assert "kworker/wq:" in res.bug.message and "wait_for_completion" in res.bug.message


def test_flush_work_from_its_own_function_names_the_worker():
    def fn(w):
        d = container_of(w, dev, "work")
        flush_work(d.work)          # waits for itself

    def owner(wq, d):
        queue_work(wq, d.work)
        flush_work(d.work)

    res = kcheck.check(_wq_model(dev, lambda d: INIT_WORK(d.work, fn), owner))
    assert res.verdict == "bug" and res.bug.kind == "deadlock", res.bug and res.bug.message
    assert "kworker/wq:0 waits in flush_work(dev#0->work.done[1])" in res.bug.message, res.bug.message


@pytest.mark.parametrize("drain", [0, 1, 2])
def test_drain_waits_for_work_that_queues_itself_again(drain):
    """flush_workqueue() waits for what was queued before it; an item that
    queues itself again from its function runs after the flush returns, on
    freed memory - drain_workqueue() waits for those rounds too, and so does
    destroy_workqueue(), which drains (is_chained_work() lets the item queue
    itself on a queue being destroyed).  kcheck's destroy_workqueue() once
    flushed and then marked the queue: a round queued during the flush ran
    after it returned."""
    from kcheck.kernel import (KStruct, work_struct, alloc_workqueue, INIT_WORK, queue_work,
                               drain_workqueue, flush_workqueue, container_of, kzalloc, kfree,
                               destroy_workqueue)

    class dev(KStruct):
        work: work_struct
        wq: object
        rounds: int

    def fn(w):
        d = container_of(w, dev)
        if d.rounds < 2:
            d.rounds = d.rounds + 1
            queue_work(d.wq, d.work)

    def teardown(d):
        queue_work(d.wq, d.work)
        (flush_workqueue, drain_workqueue, destroy_workqueue)[drain](d.wq)
        kfree(d)

    def main():
        d = kzalloc(dev, wq=alloc_workqueue("wq", 0, 1))
        INIT_WORK(d.work, fn)
        kcheck.spawn(teardown, d)
    r = kcheck.check(main, ignore=["leak"])
    if drain:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "use-after-free", r.format()


@pytest.mark.parametrize("late", [False, True])
def test_queue_work_after_destroy_warns_and_queues_nothing(late):
    """__queue_work() on a queue being destroyed WARNs unless it is chained
    work, and queues nothing; destroy_workqueue() marks the queue before it
    drains, so a queuing that comes after the mark cannot slip in behind the
    drain.  The twin queues before the destroy: clean."""
    from kcheck.kernel import (KStruct, work_struct, alloc_workqueue, INIT_WORK, queue_work,
                               destroy_workqueue, flush_work, kzalloc)

    class dev(KStruct):
        work: work_struct
        wq: object

    def owner(d):
        if not late:
            queue_work(d.wq, d.work)
        destroy_workqueue(d.wq)
        if late:
            queue_work(d.wq, d.work)

    def main():
        d = kzalloc(dev, wq=alloc_workqueue("wq"))
        INIT_WORK(d.work, lambda w: None)
        kcheck.spawn(owner, d)
    r = kcheck.check(main, ignore=["leak"])
    if late:
        assert r.bug.kind == "warn" and "after destroy_workqueue" in r.bug.message, r.format()
    else:
        assert r.bug is None and r.exhaustive, r.format()


def test_destroying_a_queue_twice_is_a_double_free():
    from kcheck.kernel import alloc_workqueue, destroy_workqueue

    def owner(wq):
        destroy_workqueue(wq)
        destroy_workqueue(wq)

    def main():
        kcheck.spawn(owner, alloc_workqueue("wq"))
    r = kcheck.check(main)
    assert r.bug.kind == "double-free" and "destroy_workqueue(wq)" in r.bug.message, r.format()


# -- an item that queues itself again ----------------------------------------
#
# cancel_work_sync() "can be used even if the work re-queues itself": it holds
# the pending bit while it waits, so the running instance's queue_work() fails,
# and on return the item is neither pending nor running.  kcheck waited only
# for the instance it saw, and the re-queued one ran after the kfree (a false
# use-after-free found by a helper writing examples/bugs/da9150_otg_work.py).

class again(KStruct):
    work: work_struct
    rounds: int
    wq: workqueue_struct


def _requeue_fn(w):
    d = container_of(w, again, "work")
    n = READ_ONCE(ptr(d, "rounds"))
    if n < 2:                              # two re-queues at most: a finite model
        WRITE_ONCE(ptr(d, "rounds"), n + 1)
        queue_work(d.wq, d.work)


def _requeue_model(stop, own_queue):
    from kcheck.kernel import system_wq

    def owner(d):
        queue_work(d.wq, d.work)
        stop(d.work)
        kfree(d)

    def main():
        d = kzalloc(again)
        d.wq = alloc_workqueue("wq", 0, 1) if own_queue else system_wq
        INIT_WORK(d.work, _requeue_fn)
        spawn(owner, d, name="owner")
    return main


@pytest.mark.parametrize("own_queue", [False, True])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_cancel_work_sync_stops_an_item_that_queues_itself(mm, own_queue):
    res = kcheck.check(_requeue_model(cancel_work_sync, own_queue), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


@pytest.mark.parametrize("stop", [cancel_work, flush_work])
@pytest.mark.parametrize("own_queue", [False, True])
def test_what_does_not_hold_the_pending_bit_lets_it_run_again(stop, own_queue):
    """cancel_work() does not wait; flush_work() waits, but does not stop a re-queue."""
    res = kcheck.check(_requeue_model(stop, own_queue))
    assert res.verdict == "bug" and res.bug.kind == "use-after-free", res.bug and res.bug.message


def test_work_pending_while_a_canceller_holds_the_bit_and_queuing_fails():
    """While cancel_work_sync() waits for the running instance, the item reads
    as pending (the canceller's bit) and queue_work() returns false; after it,
    the item is idle and can be queued again."""
    from kcheck.kernel import complete_all, work_pending, completion as compl

    class d_t(KStruct):
        work: work_struct
        started: compl
        go: compl
        seen: int
        wq: workqueue_struct

    def fn(w):
        d = container_of(w, d_t, "work")
        complete_all(d.started)
        wait_for_completion(d.go)

    def canceller(d):
        wait_for_completion(d.started)
        cancel_work_sync(d.work)
        WARN_ON(work_pending(d.work))
        WARN_ON(not queue_work(d.wq, d.work))      # idle again: queuing works
        cancel_work_sync(d.work)

    def poker(d):
        wait_for_completion(d.started)
        if READ_ONCE(ptr(d, "seen")) == 0 and work_pending(d.work):
            WRITE_ONCE(ptr(d, "seen"), 1)
            WARN_ON(queue_work(d.wq, d.work))      # the canceller holds the bit
        complete_all(d.go)

    def main():
        d = d_t()                       # static: nothing to free
        d.wq = alloc_workqueue("wq", 0, 1)
        init_completion(d.started)
        init_completion(d.go)
        INIT_WORK(d.work, fn)
        spawn(queue_work, d.wq, d.work, name="owner")
        spawn(canceller, d, name="canceller")
        spawn(poker, d, name="poker")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and (res.bug.message, res.bug.trace)


def test_a_queue_word_reads_as_the_work_items_in_traces():
    """The queue's word was printed as a Python tuple, ((), false, 0) ->
    (((&dev->work, 1, 1)), false, 0)."""
    from kcheck.kernel.workqueue import _WQState, _Dying
    from kcheck.report.text import fmt_value
    assert fmt_value(_WQState((), 0)) == "[]"
    assert fmt_value(_WQState((("W", 1, 1),), 1)) == "['W']"
    assert fmt_value(_Dying(2)) == "2 (destroying)"       # the count's word, once destroyed
    assert fmt_value(((), False, 0)) == "((), false, 0)"      # other tuples as before


def test_queue_work_without_init_work_is_the_workers_null_dereference(tmp_path):
    # process_one_work() calls work->func, NULL: the worker oopses (it was kcheck's
    # own TypeError, a model error with no line of the harness)
    import kcheck.c
    f = tmp_path / "qw.c"
    f.write_text("#include <linux/kernel.h>\n#include <linux/workqueue.h>\n#include <pthread.h>\n"
                 "struct dev { struct work_struct w; int x; };\nstatic struct dev d;\n"
                 "static void *t(void *a) { queue_work(system_wq, &d.w); return NULL; }\n"
                 "int main(void) { pthread_t p; pthread_create(&p, NULL, t, NULL); return 0; }\n")
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None and res.bug.kind == "null-deref", res.format()
    assert "without INIT_WORK()" in res.bug.message


def test_queue_work_in_main_after_destroy_warns():
    """main() may queue work on its own queue (a worker takes it later); after
    destroy_workqueue() there it WARNs like anywhere else.  It was kcheck's
    own AttributeError (no current task) once the mark moved, and before
    that an internal "empty schedule" error."""
    from kcheck.kernel import (KStruct, work_struct, alloc_workqueue, INIT_WORK, queue_work,
                               destroy_workqueue, kzalloc)

    class dev(KStruct):
        work: work_struct

    def main():
        wq = alloc_workqueue("wq")
        d = kzalloc(dev)
        INIT_WORK(d.work, lambda w: None)
        destroy_workqueue(wq)
        queue_work(wq, d.work)
        kcheck.spawn(lambda: None)
    r = kcheck.check(main, ignore=["leak"])
    assert r.bug.kind == "warn" and "after destroy_workqueue" in r.bug.message, r.format()


from kcheck.kernel import timer_list  # noqa: E402


class armed(KStruct):
    work: work_struct
    timer: timer_list
    data: int


def _disable_model(stop):
    """A timer whose function queues the work: the teardown stops the work, then
    the timer, then frees.  The timer may fire after the work was stopped."""
    from kcheck.kernel import timer_setup, mod_timer, del_timer_sync, from_timer, schedule_work

    def work_fn(w):
        d = container_of(w, armed, "work")
        WRITE_ONCE(ptr(d, "data"), 1)

    def timer_fn(t):
        d = from_timer(armed, t, "timer")
        schedule_work(d.work)

    def owner(d):
        mod_timer(d.timer, 1)
        stop(d.work)
        del_timer_sync(d.timer)
        kfree(d)

    def main():
        d = kzalloc(armed)
        INIT_WORK(d.work, work_fn)
        timer_setup(d.timer, timer_fn)
        spawn(owner, d, name="owner")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("stop", ["cancel_work_sync", "disable_work_sync", "disable_work"])
def test_disable_work_keeps_what_a_timer_queues_later_from_running(stop, memory_model):
    """v6.10's disable_work_sync(): the teardown of an item that a timer (or an
    interrupt) queues.  cancel_work_sync() then del_timer_sync() leaves a
    window - the timer fires in between and queues the item again, which runs
    after the kfree.  A disabled item's queue_work() queues nothing, so the
    same teardown with disable_work_sync() is clean; disable_work() (no wait)
    still lets an instance already running outlive the kfree."""
    import kcheck.kernel as K
    res = kcheck.check(_disable_model(getattr(K, stop)), memory_model=memory_model)
    if stop == "disable_work_sync":
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    else:
        assert res.verdict == "bug" and res.bug.kind == "use-after-free", res.format()


def test_disable_and_enable_work_count_and_return_what_the_kernel_returns():
    """disable_work() nests; queue_work() of a disabled item returns false and
    queues nothing; enable_work() returns true once the count is back to 0;
    enabling once more WARNs (the count would underflow)."""
    from kcheck.kernel import disable_work, enable_work, atomic_t

    class dev(KStruct):
        work: work_struct
        runs: atomic_t

    got = []

    def fn(w):
        atomic_inc(container_of(w, dev, "work").runs)

    def t(wq, d):
        got.append([disable_work(d.work), disable_work(d.work), queue_work(wq, d.work),
                    enable_work(d.work), queue_work(wq, d.work), enable_work(d.work),
                    queue_work(wq, d.work)])
        flush_work(d.work)
        WARN_ON(atomic_read(d.runs) != 1)
        enable_work(d.work)

    def main():
        wq = alloc_workqueue("wq")
        d = kzalloc(dev)
        INIT_WORK(d.work, fn)
        spawn(t, wq, d)
    res = kcheck.check(main, ignore=["leak"])
    assert got[0] == [False, False, False, False, False, True, True], got[0]
    assert res.verdict == "bug" and res.bug.kind == "warn", res.format()
    assert "disable count underflowed" in res.bug.message, res.bug.message


C_DISABLE = r"""
#include <linux/workqueue.h>
#include <linux/timer.h>
#include <linux/slab.h>
#include <pthread.h>

struct dev {
	struct work_struct work;
	struct timer_list timer;
	int data;
};

static void work_fn(struct work_struct *w)
{
	struct dev *d = container_of(w, struct dev, work);
	WRITE_ONCE(d->data, 1);
}

static void timer_fn(struct timer_list *t)
{
	struct dev *d = from_timer(d, t, timer);
	schedule_work(&d->work);
}

static void *owner(void *arg)
{
	struct dev *d = arg;
	mod_timer(&d->timer, jiffies + 1);
	STOP(&d->work);
	del_timer_sync(&d->timer);
	kfree(d);
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	INIT_WORK(&d->work, work_fn);
	timer_setup(&d->timer, timer_fn, 0);
	pthread_create(&t, NULL, owner, d);
	return 0;
}
"""


@pytest.mark.parametrize("stop,verdict", [("cancel_work_sync", "use-after-free"),
                                          ("disable_work_sync", "no-bug")])
def test_disable_work_sync_in_c(tmp_path, stop, verdict):
    import kcheck.c
    f = tmp_path / "disable.c"
    f.write_text(C_DISABLE.replace("STOP", stop))
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    assert (r.bug.kind if r.bug else "no-bug") == verdict, r.format()


def test_a_trace_names_a_queue_by_its_name_not_an_address():
    """A review: ``queue_work(<...workqueue_struct object at 0x7f86...>, ...)``
    - a trace that changed from run to run."""
    import kcheck
    from kcheck import spawn
    from kcheck.kernel import KStruct, work_struct, INIT_WORK, queue_work, alloc_workqueue, BUG_ON

    class dev(KStruct):
        w: work_struct

    def fn(work):
        BUG_ON(True)

    def main():
        d = dev()
        wq = alloc_workqueue("hci0")
        INIT_WORK(d.w, fn)
        spawn(lambda: queue_work(wq, d.w), name="rx")
    r = kcheck.check(main)
    assert r.bug is not None and "queue_work(hci0, " in r.bug.trace, r.bug.trace
    assert " at 0x" not in r.bug.trace
