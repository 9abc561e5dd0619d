"""Since the RCU flavours were consolidated (v4.20), synchronize_rcu() and
call_rcu() wait for every region with preemption, bottom halves or
interrupts disabled: an rcu_dereference_sched() reader under
preempt_disable() (or _bh under local_bh_disable(), or interrupts off) is
protected.  kcheck once called such readers use-after-frees.  Twins: the
updater that waits is clean, the one that does not has the bug, and so does
a reader whose region ends before its access - under both memory models."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, ptr, kzalloc, kfree, READ_ONCE, WARN_ON, rcu_assign_pointer, synchronize_rcu,
    rcu_dereference_sched, rcu_dereference_bh, preempt_disable, preempt_enable, local_bh_disable,
    local_bh_enable, local_irq_disable, local_irq_enable, local_irq_save, local_irq_restore,
    spinlock_t, spin_lock_bh, spin_unlock_bh, spin_lock_irq, spin_unlock_irq, spin_lock_irqsave,
    spin_unlock_irqrestore, rcu_read_lock_held, rcu_read_lock_sched_held, rcu_read_lock_bh,
    rcu_read_unlock_bh, rcu_read_lock, rcu_read_unlock, rcu_dereference,
)


class obj(KStruct):
    v: int


class box(KStruct):
    p: obj
    lk: spinlock_t


REGIONS = {
    "preempt_disable": (lambda b: preempt_disable(), lambda b, f: preempt_enable(), rcu_dereference_sched),
    "local_bh_disable": (lambda b: local_bh_disable(), lambda b, f: local_bh_enable(), rcu_dereference_bh),
    "local_irq_disable": (lambda b: local_irq_disable(), lambda b, f: local_irq_enable(),
                          rcu_dereference_sched),
    "local_irq_save": (lambda b: local_irq_save(), lambda b, f: local_irq_restore(f), rcu_dereference_sched),
    "spin_lock_bh": (lambda b: spin_lock_bh(b.lk), lambda b, f: spin_unlock_bh(b.lk), rcu_dereference_bh),
    "spin_lock_irq": (lambda b: spin_lock_irq(b.lk), lambda b, f: spin_unlock_irq(b.lk),
                      rcu_dereference_sched),
    "spin_lock_irqsave": (lambda b: spin_lock_irqsave(b.lk), lambda b, f: spin_unlock_irqrestore(b.lk, f),
                          rcu_dereference_sched),
    "rcu_read_lock_bh, then preempt_disable": (
        lambda b: (rcu_read_lock_bh(), preempt_disable()),
        lambda b, f: (rcu_read_unlock_bh(), preempt_enable()), rcu_dereference_bh),
}


def model(region, wait, early=False):
    enter, leave, deref = REGIONS[region]

    def reader(b):
        f = enter(b)
        q = deref(ptr(b, "p"))
        if early:
            leave(b, f)
        if q is not None:
            WARN_ON(READ_ONCE(ptr(q, "v")) != 1)
        if not early:
            leave(b, f)

    def updater(b, old):
        rcu_assign_pointer(ptr(b, "p"), None)
        if wait:
            synchronize_rcu()
        kfree(old)

    def main():
        x = kzalloc(obj, v=1)
        b = box(p=x)
        spawn(reader, b, name="reader")
        spawn(updater, b, x, name="updater")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("region", sorted(REGIONS))
def test_a_non_preemptible_region_is_an_rcu_reader(region, memory_model):
    ok = kcheck.check(model(region, wait=True), memory_model=memory_model)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()
    for bad in (model(region, wait=False), model(region, wait=True, early=True)):
        res = kcheck.check(bad, memory_model=memory_model)
        assert res.bug is not None and res.bug.kind == "use-after-free", res.format()
        again = kcheck.replay(bad, res.bug.schedule, memory_model=memory_model)
        assert again.bug is not None and again.bug.kind == "use-after-free"


def test_lockdeps_view_of_the_region_is_unchanged():
    """rcu_read_lock_held() stays lockdep's rcu_lock_map (false under
    preempt_disable(), so rcu_dereference() there is still suspicious), while
    rcu_read_lock_sched_held() is true; nesting an explicit reader inside or
    around the region keeps one reader flag set over the union."""
    def t(b):
        preempt_disable()
        WARN_ON(rcu_read_lock_held())
        WARN_ON(not rcu_read_lock_sched_held())
        rcu_read_lock()
        preempt_enable()
        WARN_ON(not rcu_read_lock_held())
        rcu_read_unlock()
        WARN_ON(rcu_read_lock_held())

    def main():
        spawn(t, box(), name="t")
    res = kcheck.check(main)
    assert res.verdict == "no-bug", res.format()

    def suspicious(b):
        preempt_disable()
        rcu_dereference(ptr(b, "p"))
        preempt_enable()

    def main2():
        spawn(suspicious, box(), name="t")
    res = kcheck.check(main2)
    assert res.bug is not None and res.bug.kind == "suspicious-rcu-usage", res.format()


def test_queuing_an_rcu_head_twice_before_its_callback_runs_is_the_kernels_warn():
    """CONFIG_DEBUG_OBJECTS_RCU_HEAD: a second call_rcu() (or kfree_rcu()) on a head
    whose callback has not run would link it twice - "__call_rcu(): Double-freed
    CB".  A callback that queues its own head again (it is dequeued before it is
    called) is fine."""
    from kcheck.kernel import rcu_head, call_rcu, kfree_rcu, rcu_barrier, call_srcu, srcu_struct, \
        init_srcu_struct, srcu_barrier

    class S(KStruct):
        head: rcu_head
        ss: srcu_struct

    def cb(h):
        pass

    def twice(queue):
        def main():
            o = S()
            init_srcu_struct(o.ss)
            spawn(lambda: queue(o), name="a")
            spawn(lambda: queue(o), name="b")
        return main
    for queue in (lambda o: call_rcu(o.head, cb), lambda o: call_srcu(o.ss, o.head, cb)):
        res = kcheck.check(twice(queue))
        assert res.bug is not None and res.bug.kind == "warn" and "Double-freed CB" in res.bug.message, \
            res.format()
        again = kcheck.replay(twice(queue), res.bug.schedule)
        assert again.bug is not None and "Double-freed CB" in again.bug.message

    def double_kfree_rcu():
        def t():
            o = kzalloc(S)
            kfree_rcu(o, "head")
            kfree_rcu(o, "head")
        spawn(t, name="t")
    res = kcheck.check(double_kfree_rcu)
    assert res.bug is not None and "Double-freed CB" in res.bug.message, res.format()

    from kcheck.kernel import atomic_t, atomic_inc_return, container_of

    class R(KStruct):
        head: rcu_head
        n: atomic_t

    def requeue(h):
        if atomic_inc_return(container_of(h, R, "head").n) == 1:
            call_rcu(h, requeue)            # once more, from its own callback

    def again_from_callback():
        o = R()

        def t():
            call_rcu(o.head, requeue)
            rcu_barrier()
        spawn(t, name="t")
    res = kcheck.check(again_from_callback)
    assert res.bug is None, res.format()


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("wait", [True, False], ids=["synchronize_rcu", "no-grace-period"])
def test_synchronize_rcu_waits_for_a_reader_in_a_context_a_task_started(wait, memory_model):
    """A reader in a work item on a system queue (or a kernel thread a task
    started) has no reader flag synchronize_rcu()'s wait knows of; its grace
    period is also a point the finished execution must keep out of every
    read-side section, so the reader is protected (under SC once a false
    use-after-free)."""
    from kcheck.kernel import work_struct, INIT_WORK, schedule_work, container_of

    class B(KStruct):
        p: obj
        work: work_struct

    def reader_fn(w):
        b = container_of(w, B, "work")
        rcu_read_lock()
        q = rcu_dereference(ptr(b, "p"))
        if q is not None:
            WARN_ON(READ_ONCE(ptr(q, "v")) != 1)
        rcu_read_unlock()

    def updater(b, x):
        rcu_assign_pointer(ptr(b, "p"), None)
        if wait:
            synchronize_rcu()
        kfree(x)

    def main():
        x = kzalloc(obj, v=1)
        b = B(p=x)
        INIT_WORK(b.work, reader_fn)
        spawn(lambda: schedule_work(b.work), name="starter")
        spawn(updater, b, x, name="updater")
    res = kcheck.check(main, memory_model=memory_model)
    if wait:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    else:
        assert res.bug is not None and res.bug.kind == "use-after-free", res.format()
