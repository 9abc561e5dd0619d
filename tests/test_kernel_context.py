"""The kernel's context checks (issue 12 item 4 and 5): each a bug kind of its own,
each with a buggy model that trips it and a fixed twin that is clean and exhaustive."""

import pytest

import kcheck
from kcheck import spawn, join
from kcheck.kernel import (KStruct, spinlock_t, spin_lock, spin_unlock, spin_lock_bh, spin_unlock_bh,
                           mutex, mutex_lock, mutex_unlock, rwlock_t, read_lock, read_unlock,
                           rw_semaphore, down_read, up_read, rcu_read_lock, rcu_read_unlock,
                           synchronize_rcu, cond_resched, cond_resched_rwlock_read, might_sleep,
                           msleep, srcu_struct, srcu_read_lock, srcu_read_unlock, call_rcu, rcu_head,
                           container_of, kzalloc, kfree, rcu_dereference, rcu_dereference_check,
                           rcu_dereference_protected, rcu_assign_pointer, lockdep_is_held, ptr,
                           list_head, list_add_tail_rcu, list_del, list_del_rcu,
                           list_for_each_entry_rcu, list_next_or_null_rcu, list_first_or_null_rcu,
                           hlist_head, hlist_node, hlist_add_head_rcu, hlist_del, hlist_del_rcu,
                           hlist_for_each_entry_rcu, READ_ONCE, preempt_disable, preempt_enable,
                           local_irq_save, local_irq_restore, wait_queue_head_t, wait_event,
                           alloc_workqueue, INIT_WORK, queue_work, work_struct, flush_workqueue,
                           synchronize_srcu)


class s(KStruct):
    lock: spinlock_t
    m: mutex
    rw: rwlock_t
    sem: rw_semaphore
    ss: srcu_struct
    p: object


def _run(body):
    def main():
        spawn(body, s(), name="t")
    return kcheck.check(main)


SLEEPS = {
    "mutex_lock": lambda o: (mutex_lock(o.m), mutex_unlock(o.m)),
    "down_read": lambda o: (down_read(o.sem), up_read(o.sem)),
    "synchronize_rcu": lambda o: synchronize_rcu(),
    "cond_resched": lambda o: cond_resched(),
    "msleep": lambda o: msleep(10),
    "might_sleep": lambda o: might_sleep(),
}


@pytest.mark.parametrize("what", sorted(SLEEPS))
def test_sleeping_under_a_spinlock_is_sleep_in_atomic(what):
    def bad(o):
        spin_lock(o.lock)
        SLEEPS[what](o)
        spin_unlock(o.lock)

    def fixed(o):
        SLEEPS[what](o)
        spin_lock(o.lock)
        spin_unlock(o.lock)
    res = _run(bad)
    assert res.bug.kind == "sleep-in-atomic"
    assert res.bug.message.startswith("BUG: sleeping function called from invalid context at "
                                      "test_kernel_context.py:")
    assert f"{what}() holding spinlock s#0->lock" in res.bug.message
    ok = _run(fixed)
    assert ok.verdict == "no-bug" and ok.exhaustive


@pytest.mark.parametrize("enter,leave,why", [
    (lambda o: read_lock(o.rw), lambda o: read_unlock(o.rw), "holding rwlock"),
    (lambda o: spin_lock_bh(o.lock), lambda o: spin_unlock_bh(o.lock), "holding spinlock"),
    (lambda o: preempt_disable(), lambda o: preempt_enable(), "with preemption disabled"),
    (lambda o: o.__dict__.setdefault("f", local_irq_save()), lambda o: local_irq_restore(o.f),
     "with interrupts disabled"),
])
def test_every_atomic_context_forbids_sleeping(enter, leave, why):
    def bad(o):
        enter(o)
        mutex_lock(o.m)
        mutex_unlock(o.m)
        leave(o)
    res = _run(bad)
    assert res.bug.kind == "sleep-in-atomic" and why in res.bug.message


@pytest.mark.parametrize("what", ["mutex_lock", "down_read", "cond_resched", "msleep"])
def test_sleeping_in_an_rcu_reader_is_sleep_in_rcu(what):
    def bad(o):
        rcu_read_lock()
        SLEEPS[what](o)
        rcu_read_unlock()

    def fixed(o):
        rcu_read_lock()
        rcu_read_unlock()
        SLEEPS[what](o)
    res = _run(bad)
    assert res.bug.kind == "sleep-in-rcu"
    assert "Voluntary context switch within RCU read-side critical section!" in res.bug.message
    ok = _run(fixed)
    assert ok.verdict == "no-bug" and ok.exhaustive


def test_synchronize_rcu_in_a_reader_is_illegal_and_an_srcu_reader_may_sleep():
    def bad(o):
        rcu_read_lock()
        synchronize_rcu()
        rcu_read_unlock()
    res = _run(bad)
    assert res.bug.kind == "sleep-in-rcu"
    assert "Illegal synchronize_rcu() in RCU read-side critical section" in res.bug.message

    def srcu_reader_sleeps(o):
        i = srcu_read_lock(o.ss)
        mutex_lock(o.m)
        mutex_unlock(o.m)
        srcu_read_unlock(o.ss, i)
    assert _run(srcu_reader_sleeps).verdict == "no-bug"

    def srcu_self_wait(o):
        i = srcu_read_lock(o.ss)
        synchronize_srcu(o.ss)
        srcu_read_unlock(o.ss, i)
    assert _run(srcu_self_wait).bug.kind == "deadlock"


def test_cond_resched_rwlock_read_allows_its_own_lock_only():
    def ok(o):
        read_lock(o.rw)
        cond_resched_rwlock_read(o.rw)
        read_unlock(o.rw)
    assert _run(ok).verdict == "no-bug"

    def bad(o):
        spin_lock(o.lock)
        read_lock(o.rw)
        cond_resched_rwlock_read(o.rw)
        read_unlock(o.rw)
        spin_unlock(o.lock)
    assert _run(bad).bug.kind == "sleep-in-atomic"


def test_sleeping_in_an_rcu_callback_is_sleep_in_atomic():
    class obj(KStruct):
        rcu: rcu_head

    M = []

    def cb_sleeps(head):
        mutex_lock(M[0].m)
        mutex_unlock(M[0].m)
        kfree(container_of(head, obj))

    def cb_ok(head):
        kfree(container_of(head, obj))

    for cb, verdict in ((cb_sleeps, "bug"), (cb_ok, "no-bug")):
        def t(o, cb=cb):
            call_rcu(kzalloc(obj).rcu, cb)

        def main(t=t):
            M[:] = [s()]
            spawn(t, M[0], name="t")
        res = kcheck.check(main)
        assert res.verdict == verdict
        if res.bug:
            assert res.bug.kind == "sleep-in-atomic" and "RCU callback" in res.bug.message


@pytest.mark.parametrize("leak,kind_text", [
    (lambda o: spin_lock(o.lock), "s#0->lock"),
    (lambda o: mutex_lock(o.m), "s#0->m"),
    (lambda o: rcu_read_lock(), "rcu_read_lock"),
    (lambda o: srcu_read_lock(o.ss), "srcu_read_lock"),
])
def test_a_task_that_ends_holding_a_lock_is_held_at_exit(leak, kind_text):
    res = _run(leak)
    assert res.bug.kind == "held-at-exit"
    assert "still has locks held!" in res.bug.message and kind_text in res.bug.message


def test_a_work_item_that_returns_holding_a_lock():
    class w(KStruct):
        work: work_struct
        lock: spinlock_t

    def fn_bad(work):
        spin_lock(work._owner.lock)

    def fn_ok(work):
        spin_lock(work._owner.lock)
        spin_unlock(work._owner.lock)

    for fn, verdict in ((fn_bad, "bug"), (fn_ok, "no-bug")):
        def main(fn=fn):
            wq = alloc_workqueue("wq", workers=1)
            x = w()

            def t(x):
                INIT_WORK(x.work, fn)
                queue_work(wq, x.work)
                flush_workqueue(wq)
            spawn(t, x, name="t")
        res = kcheck.check(main)
        assert res.verdict == verdict
        if res.bug:
            assert res.bug.kind == "held-at-exit"
            assert "workqueue leaked lock or atomic" in res.bug.message


class item(KStruct):
    link: list_head
    val: int


class box(KStruct):
    head: list_head
    lock: spinlock_t
    cur: item


def test_rcu_dereference_outside_a_reader_is_suspicious():
    def bad(b):
        rcu_dereference(ptr(b, "cur"))

    def fixed_reader(b):
        rcu_read_lock()
        rcu_dereference(ptr(b, "cur"))
        rcu_read_unlock()

    def fixed_lock(b):
        spin_lock(b.lock)
        rcu_dereference_check(ptr(b, "cur"), lockdep_is_held(b.lock))
        rcu_dereference_protected(ptr(b, "cur"), lockdep_is_held(b.lock))
        spin_unlock(b.lock)

    def wrong_lock(b):
        rcu_dereference_protected(ptr(b, "cur"), lockdep_is_held(b.lock))

    def run(f):
        def main():
            spawn(f, box(), name="t")
        return kcheck.check(main)
    res = run(bad)
    assert res.bug.kind == "suspicious-rcu-usage"
    assert res.bug.message.startswith("suspicious rcu_dereference_check() usage")
    assert run(fixed_reader).verdict == "no-bug"
    assert run(fixed_lock).verdict == "no-bug"
    res = run(wrong_lock)
    assert res.bug.kind == "suspicious-rcu-usage"
    assert "rcu_dereference_protected" in res.bug.message


def test_rcu_list_walkers_check_their_lockdep_condition():
    def outside(b):
        for e in list_for_each_entry_rcu(b.head, "link"):
            pass

    def with_cond(b):
        spin_lock(b.lock)
        for e in list_for_each_entry_rcu(b.head, "link", lockdep_is_held(b.lock)):
            pass
        spin_unlock(b.lock)

    def cond_without_the_lock(b):
        for e in list_for_each_entry_rcu(b.head, "link", lockdep_is_held(b.lock)):
            pass

    def run(f):
        def main():
            spawn(f, box(), name="t")
        return kcheck.check(main)
    res = run(outside)
    assert res.bug.kind == "suspicious-rcu-usage"
    assert "RCU-list traversed in non-reader section!!" in res.bug.message
    assert run(with_cond).verdict == "no-bug"
    assert run(cond_without_the_lock).bug.kind == "suspicious-rcu-usage"


def _walk_reader(b):
    rcu_read_lock()
    e = list_first_or_null_rcu(b.head, "link")
    while e is not None:
        READ_ONCE(ptr(e, "val"))
        e = list_next_or_null_rcu(b.head, e.link, "link")
    rcu_read_unlock()


@pytest.mark.parametrize("delete,verdict", [(list_del, "bug"), (list_del_rcu, "no-bug")])
def test_a_reader_following_a_list_del_entry_takes_a_gpf(delete, verdict):
    def main():
        b = box()
        es = [kzalloc(item, val=i) for i in range(2)]

        def setup(b):
            for e in es:
                list_add_tail_rcu(e.link, b.head)
        st = spawn(setup, b, name="setup", setup=True)

        def reader(b):
            join(st)
            _walk_reader(b)

        def remover(b):
            join(st)
            spin_lock(b.lock)
            delete(es[0].link)
            spin_unlock(b.lock)
            synchronize_rcu()
            kfree(es[0])
            spin_lock(b.lock)
            list_del_rcu(es[1].link)
            spin_unlock(b.lock)
            synchronize_rcu()
            kfree(es[1])
        spawn(reader, b, name="reader")
        spawn(remover, b, name="remover")
    res = kcheck.check(main)
    assert res.verdict == verdict, res.bug and res.bug.trace
    if res.bug:
        assert res.bug.kind == "gpf"
        assert "0xdead000000000100" in res.bug.message and "LIST_POISON1" in res.bug.message
        assert "list_del(&item#0->link)" in res.bug.trace
        again = kcheck.replay(main, res.bug.schedule)
        assert again.bug.kind == "gpf"


@pytest.mark.parametrize("delete,verdict", [(hlist_del, "bug"), (hlist_del_rcu, "no-bug")])
def test_an_hlist_reader_following_hlist_del_takes_a_gpf(delete, verdict):
    class hitem(KStruct):
        node: hlist_node
        val: int

    class hbox(KStruct):
        head: hlist_head
        lock: spinlock_t

    def main():
        b = hbox()
        es = [kzalloc(hitem, val=i) for i in range(2)]

        def setup(b):
            for e in es:
                hlist_add_head_rcu(e.node, b.head)
        st = spawn(setup, b, name="setup", setup=True)

        def reader(b):
            join(st)
            rcu_read_lock()
            for e in hlist_for_each_entry_rcu(b.head, "node"):
                READ_ONCE(ptr(e, "val"))
            rcu_read_unlock()

        def remover(b):
            join(st)
            spin_lock(b.lock)
            delete(es[1].node)              # the newest: at the front
            spin_unlock(b.lock)
            synchronize_rcu()
            kfree(es[1])
            spin_lock(b.lock)
            hlist_del_rcu(es[0].node)
            spin_unlock(b.lock)
            synchronize_rcu()
            kfree(es[0])
        spawn(reader, b, name="reader")
        spawn(remover, b, name="remover")
    res = kcheck.check(main)
    assert res.verdict == verdict, res.bug and res.bug.trace
    if res.bug:
        assert res.bug.kind == "gpf" and "hlist_for_each_entry_rcu" in res.bug.message
