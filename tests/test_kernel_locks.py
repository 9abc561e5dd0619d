"""rw_semaphore, the _bh/_irq lock forms, rcu_read_lock_bh/_sched (kernel/locking.py).

DPOR optimality, as tests/engine_repro_rwlock.py checks it for rwlock_t: k
reader and k writer critical sections have C(2k, k) traces, and N readers
with one writer 2^N (each reader's section before or after the writer's) -
the readers never conflict with one another, so no order of theirs is
explored twice.
"""

from math import comb

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, atomic_t, atomic_read, atomic_set, rw_semaphore, down_read, up_read,
                           down_write, up_write, downgrade_write, down_read_trylock,
                           down_write_trylock, lockdep_assert_held_read, lockdep_assert_held_write,
                           spinlock_t, spin_lock_bh, spin_unlock_bh, spin_lock_irq, spin_unlock_irq,
                           spin_lock_irqsave, spin_unlock_irqrestore, irqs_disabled, rwlock_t,
                           read_lock_bh, read_unlock_bh, write_lock_bh, write_unlock_bh,
                           rcu_read_lock_bh, rcu_read_unlock_bh, rcu_read_lock_sched,
                           rcu_read_unlock_sched, synchronize_rcu, kzalloc, kfree, READ_ONCE, ptr,
                           rcu_assign_pointer, rcu_dereference_bh, rcu_dereference_sched,
                           rcu_dereference, local_bh_disable, local_bh_enable, WARN_ON)


def _reader(sem, x, k):
    for _ in range(k):
        down_read(sem)
        atomic_read(x)
        up_read(sem)


def _writer(sem, x, k):
    for i in range(k):
        down_write(sem)
        atomic_set(x, i + 1)
        up_write(sem)


# A down_write() marks every reader's entry word before it waits for the
# readers inside (the kernel's rwsem queues later readers behind a waiting
# writer), then waits for each exit word to catch up with the count it read:
# a reader section the writer waited for and one that ended before it came
# are one graph, so k reader and k writer sections give C(2k, k) executions,
# one per order of the sections.  From 2026-11-30 to 2026-12-02 the writer
# shut each free word and left the held ones for later (3, 15, 84 for
# k = 1, 2, 3); before that it waited for each reader in turn (C(2k, k)
# too) and a reader that a read hold waited for, queued behind a waiting
# writer, was "no bug" (tests/data/rwsem_handoff_deadlock.c).
SECTIONS = {1: 2, 2: 6, 3: 20}


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rwsem_reader_writer_sections_are_optimal(k):
    def main():
        sem, x = rw_semaphore(), atomic_t(0)
        spawn(_reader, sem, x, k, name="reader")
        spawn(_writer, sem, x, k, name="writer")
    res = kcheck.check(main)
    assert res.executions == SECTIONS[k] and res.blocked == 0
    assert comb(2 * k, k) == res.executions


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_n_rwsem_readers_make_two_graphs_each_per_writer(n):
    # each reader's section before the writer's (waited for or not) or after it
    def main():
        sem, x = rw_semaphore(), atomic_t(0)
        for i in range(n):
            spawn(_reader, sem, x, 1, name=f"reader{i}")
        spawn(_writer, sem, x, 1, name="writer")
    res = kcheck.check(main)
    assert res.executions == 2 ** n and res.blocked == 0


def test_downgrade_write_keeps_writers_out():
    class s(KStruct):
        sem: rw_semaphore
        v: int

    def downgrader(o):
        down_write(o.sem)
        o.v = 1
        downgrade_write(o.sem)
        lockdep_assert_held_read(o.sem)
        WARN_ON(o.v != 1)                   # no writer can get in between
        up_read(o.sem)

    def writer(o):
        down_write(o.sem)
        o.v = 2
        up_write(o.sem)

    def main():
        o = s()
        spawn(downgrader, o, name="a")
        spawn(writer, o, name="b")
    res = kcheck.check(main, races="error")
    assert res.verdict == "no-bug" and res.exhaustive

    def bad(o):
        down_write(o.sem)
        o.v = 1
        up_write(o.sem)                    # "downgrade" by dropping and retaking: a writer gets in
        down_read(o.sem)
        WARN_ON(o.v != 1)
        up_read(o.sem)

    def main2():
        o = s()
        spawn(bad, o, name="a")
        spawn(writer, o, name="b")
    assert kcheck.check(main2).bug.kind == "warn"


def test_rwsem_trylocks_and_lockdep():
    got = []

    def a(sem):
        if down_write_trylock(sem):
            lockdep_assert_held_write(sem)
            got.append("w")
            up_write(sem)

    def b(sem):
        if down_read_trylock(sem):
            got.append("r")
            lockdep_assert_held_write(sem)  # wrong: held for read only
            up_read(sem)

    def main():
        sem = rw_semaphore()
        spawn(a, sem, name="a")
        spawn(b, sem, name="b")
    res = kcheck.check(main)
    assert res.bug.kind == "lockdep"


def test_recursive_down_read_is_reported():
    def t(sem):
        down_read(sem)
        down_read(sem)

    def main():
        spawn(t, rw_semaphore(), name="t")
    assert kcheck.check(main).bug.kind == "deadlock"


class lk(KStruct):
    lock: spinlock_t
    rw: rwlock_t
    v: int
    w: int


def test_bh_and_irq_forms_take_the_lock_and_restore_the_context():
    seen = []

    def t(o):
        spin_lock_bh(o.lock)
        o.v = o.v + 1
        spin_unlock_bh(o.lock)
        flags = spin_lock_irqsave(o.lock)
        seen.append(irqs_disabled())
        flags2 = spin_lock_irqsave(lk_other[0].lock)
        spin_unlock_irqrestore(lk_other[0].lock, flags2)
        seen.append(irqs_disabled())          # still off: restored to what it was
        spin_unlock_irqrestore(o.lock, flags)
        seen.append(irqs_disabled())
        spin_lock_irq(o.lock)
        spin_unlock_irq(o.lock)
        read_lock_bh(o.rw)
        read_unlock_bh(o.rw)
        write_lock_bh(o.rw)
        o.w = o.w + 1                         # its own field: o.v is the spinlock's
        write_unlock_bh(o.rw)

    lk_other = []

    def main():
        o = lk()
        lk_other[:] = [lk()]
        spawn(t, o, name="a")
        spawn(t, o, name="b")
    res = kcheck.check(main, races="error")
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and (res.bug.message + res.bug.trace)
    assert seen[:3] == [True, True, False]


def test_unbalanced_local_bh_enable_is_lockdep():
    def t(o):
        local_bh_enable()

    def main():
        spawn(t, lk(), name="t")
    assert kcheck.check(main).bug.kind == "lockdep"


class node(KStruct):
    val: int


class gp(KStruct):
    p: node


@pytest.mark.parametrize("flavour", ["bh", "sched"])
def test_rcu_bh_and_sched_readers_are_waited_for_by_synchronize_rcu(flavour):
    lock, unlock, deref = {"bh": (rcu_read_lock_bh, rcu_read_unlock_bh, rcu_dereference_bh),
                           "sched": (rcu_read_lock_sched, rcu_read_unlock_sched,
                                     rcu_dereference_sched)}[flavour]

    def reader(g):
        lock()
        n = deref(ptr(g, "p"))
        if n is not None:
            n.val
        unlock()

    def updater(g, wait):
        n = READ_ONCE(ptr(g, "p"))
        rcu_assign_pointer(ptr(g, "p"), None)
        if wait:
            synchronize_rcu()
        kfree(n)

    for wait, verdict in ((True, "no-bug"), (False, "bug")):
        def main(wait=wait):
            g = gp(p=kzalloc(node))
            spawn(reader, g, name="reader")
            spawn(updater, g, wait, name="updater")
        res = kcheck.check(main)
        assert res.verdict == verdict, res.bug and res.bug.trace


def test_rcu_dereference_needs_the_matching_flavour():
    def reader(g):
        rcu_read_lock_bh()
        rcu_dereference(ptr(g, "p"))       # lockdep: rcu_dereference_bh() is the bh reader's
        rcu_read_unlock_bh()

    def main():
        spawn(reader, gp(), name="reader")
    res = kcheck.check(main)
    assert res.bug.kind == "suspicious-rcu-usage"
    assert "suspicious rcu_dereference_check() usage" in res.bug.message


@pytest.mark.parametrize("first", ["locker", "unlocker"])
def test_a_bug_met_before_a_tasks_first_event_replays(first):
    # The unlocker's lockdep report comes before it makes any event, and the
    # locker's held-at-exit after its last one.  The replay used to start every
    # task before following the schedule, so the unlocker's report came first
    # whatever the schedule said: "did not replay from its schedule".
    from kcheck.kernel import mutex, mutex_lock, mutex_unlock

    def locker(m):
        mutex_lock(m)

    def unlocker(m):
        mutex_unlock(m)

    def main():
        m = mutex()
        for name in ([first] + [n for n in ("locker", "unlocker") if n != first]):
            spawn(locker if name == "locker" else unlocker, m, name=name)
    res = kcheck.check(main)
    assert res.verdict == "bug" and res.bug.schedule, res.bug.message
    assert "did not replay" not in res.bug.message
    again = kcheck.replay(main, res.bug.schedule)
    assert (again.bug.kind, again.bug.message) == (res.bug.kind, res.bug.message)


# -- lockdep's softirq safety: a lock an RCU callback takes ---------------------

def _softirq_model(proc_take, proc_drop, cb_take=None, cb_drop=None, srcu=False):
    from kcheck.kernel import (KStruct, spinlock_t, rcu_head, call_rcu, container_of,
                               spin_lock, spin_unlock, srcu_struct, init_srcu_struct, call_srcu,
                               srcu_barrier, rwlock_t)

    class S(KStruct):
        lock: spinlock_t
        rw: rwlock_t
        head: rcu_head
        ss: srcu_struct
        n: int

    def cb(h):
        o = container_of(h, S, "head")
        (cb_take or spin_lock)(o)
        o.n = 1
        (cb_drop or spin_unlock)(o)

    def proc(o):
        if srcu:
            call_srcu(o.ss, o.head, cb)
        else:
            call_rcu(o.head, cb)
        proc_take(o)
        o.n = 2
        proc_drop(o)

    def main():
        o = S()
        if srcu:
            init_srcu_struct(o.ss)
        kcheck.spawn(proc, o, name="proc")
    return main


def _lk(f):
    return lambda o: f(o.lock)


def _rw(f):
    return lambda o: f(o.rw)


@pytest.mark.parametrize("case,verdict", [
    ("spin_lock", "lockdep"), ("spin_lock_bh", "no-bug"), ("spin_lock_irq", "no-bug"),
    # a lock trylocked with softirqs on is held with them on (lockdep's
    # mark_usage(): LOCK_ENABLED_SOFTIRQ for a trylock too): the callback can
    # spin on it (was "no-bug" until 2026-11-30, tests/test_lockdep_trylock.py)
    ("spin_trylock", "lockdep"), ("srcu callback", "no-bug"),
    ("read_lock, write in callback", "lockdep"),
])
def test_a_lock_taken_in_an_rcu_callback_and_with_softirqs_on(case, verdict):
    """lockdep's "inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage": the
    callback may run on the CPU that holds the lock with softirqs enabled and
    spin forever.  Reported whichever usage comes first."""
    from kcheck.kernel import (spin_lock, spin_unlock, spin_lock_bh, spin_unlock_bh, spin_lock_irq,
                               spin_unlock_irq, spin_trylock, read_lock, read_unlock, write_lock,
                               write_unlock)
    if case == "spin_lock":
        m = _softirq_model(_lk(spin_lock), _lk(spin_unlock), _lk(spin_lock), _lk(spin_unlock))
    elif case == "spin_lock_bh":
        m = _softirq_model(_lk(spin_lock_bh), _lk(spin_unlock_bh), _lk(spin_lock), _lk(spin_unlock))
    elif case == "spin_lock_irq":
        m = _softirq_model(_lk(spin_lock_irq), _lk(spin_unlock_irq), _lk(spin_lock), _lk(spin_unlock))
    elif case == "spin_trylock":
        from kcheck.kernel import spin_is_locked

        def drop(o):
            if spin_is_locked(o.lock) and any(l == o.lock for l, _ in kcheck.current().held):
                spin_unlock(o.lock)
        m = _softirq_model(lambda o: spin_trylock(o.lock), drop, _lk(spin_lock), _lk(spin_unlock))
    elif case == "srcu callback":
        m = _softirq_model(_lk(spin_lock), _lk(spin_unlock), _lk(spin_lock), _lk(spin_unlock), srcu=True)
    else:
        m = _softirq_model(_rw(read_lock), _rw(read_unlock), _rw(write_lock), _rw(write_unlock))
    res = kcheck.check(m)
    if verdict == "no-bug":
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    else:
        assert res.bug is not None and res.bug.kind == "lockdep", res.format()
        assert "SOFTIRQ-ON" in res.bug.message and "IN-SOFTIRQ" in res.bug.message
        again = kcheck.replay(m, res.bug.schedule)
        assert again.bug is not None and again.bug.kind == "lockdep"


def test_nested_annotations_take_the_lock_and_keep_deadlocks():
    # spin_lock_nested/mutex_lock_nested are lockdep's subclass notes: the lock is
    # taken all the same, so two tasks nesting in opposite orders still deadlock
    from kcheck.kernel import (spin_lock_nested, mutex_lock_nested, SINGLE_DEPTH_NESTING,
                               spinlock_t, mutex, spin_lock, spin_unlock, mutex_lock,
                               mutex_unlock, KStruct)

    class pair(KStruct):
        a: spinlock_t
        b: spinlock_t
        m: mutex
        n: mutex

    def ab(p):
        spin_lock(p.a)
        spin_lock_nested(p.b, SINGLE_DEPTH_NESTING)
        spin_unlock(p.b)
        spin_unlock(p.a)

    def ba(p):
        spin_lock(p.b)
        spin_lock_nested(p.a, SINGLE_DEPTH_NESTING)
        spin_unlock(p.a)
        spin_unlock(p.b)

    def mn(p):
        mutex_lock(p.m)
        mutex_lock_nested(p.n, SINGLE_DEPTH_NESTING)
        mutex_unlock(p.n)
        mutex_unlock(p.m)

    def model(*fns):
        def main():
            p = pair()
            for i, fn in enumerate(fns):
                kcheck.spawn(fn, p, name=f"t{i}")
        return main

    assert kcheck.check(model(ab, ab, mn, mn)).verdict == "no-bug"
    res = kcheck.check(model(ab, ba))
    assert res.verdict == "bug" and res.bug.kind == "deadlock", res.bug


@pytest.mark.parametrize("writer", [0, 1])
def test_a_reader_queued_behind_a_waiting_writer_deadlocks(writer):
    import os
    import kcheck.c
    path = os.path.join(os.path.dirname(__file__), "data", "rwsem_handoff_deadlock.c")
    r = kcheck.check(kcheck.c.load(path, defines=[f"WRITER={writer}"]).entry)
    if writer:
        assert r.bug is not None and r.bug.kind == "deadlock", r.format()
        assert "t3 waits in down_read(sem), held by t2, waiting for write" in r.bug.message, r.bug.message
        assert "t2 waits in down_write(sem), held by t1 for read" in r.bug.message
    else:
        assert r.bug is None and r.exhaustive, r.format()


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("bh", [0, 1])
def test_a_task_reader_queues_behind_a_waiting_rwlock_writer(bh, mm):
    """qrwlock's fairness (C): a task-context reader that comes while a writer
    waits queues behind it - a deadlock here; with bottom halves off it passes
    (in_interrupt()) - clean.  Until 2026-12-02 both were clean."""
    import os
    import kcheck.c
    path = os.path.join(os.path.dirname(__file__), "data", "qrwlock_waiting_writer.c")
    r = kcheck.check(kcheck.c.load(path, defines=[f"BH={bh}"]).entry, memory_model=mm)
    if bh:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug is not None and r.bug.kind == "deadlock", r.format()
        assert "t3 waits in read_lock(lock), held by t2, waiting for write" in r.bug.message, \
            r.bug.message


@pytest.mark.parametrize("lock_type,call,named", [
    ("mutex", "spin_lock", "spin_lock"), ("spinlock_t", "mutex_lock", "mutex_lock"),
    ("spinlock_t", "read_lock", "read_lock"), ("rw_semaphore", "write_lock", "write_lock"),
    ("rwlock_t", "down_read", "down_read"), ("mutex", "spin_lock_irqsave", "spin_lock_irqsave"),
    ("mutex", "spin_trylock", "spin_trylock")])
def test_a_lock_call_on_the_wrong_lock_type_is_a_model_error(lock_type, call, named):
    # the kernel would not compile spin_lock(&a_mutex); kcheck took the lock with the
    # other type's rules (spin_lock on a mutex, then msleep: no sleep-in-atomic)
    import kcheck.kernel as k
    from kcheck.engine.runtime import ModelError
    holder = type("holder", (k.KStruct,), {"__annotations__": {"lock": getattr(k, lock_type)}})

    def main():
        d = holder()
        spawn(lambda: getattr(k, call)(d.lock))

    with pytest.raises(ModelError, match=rf"^{named}\(\) on &holder#0->lock, a .*: {named}\(\) takes a "):
        kcheck.check(main)


@pytest.mark.parametrize("put_under_lock", [True, False])
def test_mutex_unlock_touches_the_mutex_after_releasing_it(put_under_lock):
    """eventpoll before 8c2e52ebbe88: each of two tasks drops a reference under
    ep->mtx and frees ep after mutex_unlock() if it was the last.  The next-to-
    last one's mutex_unlock() is still in its slow path (lock->wait_lock)
    when the last one, which took the mutex meanwhile, frees ep
    (Documentation/locking/mutex-design.rst).  kcheck's mutex_unlock() was
    one atomic release, and called this clean.  Dropped after the unlock,
    the reference orders every touch before the free; the count of
    executions is the same either way (the touch conflicts with nothing)."""
    from kcheck.kernel import mutex, mutex_lock, mutex_unlock, refcount_t, refcount_set, \
        refcount_dec_and_test, kzalloc, kfree

    class eventpoll(KStruct):
        mtx: mutex
        refcount: refcount_t

    def put(ep):
        mutex_lock(ep.mtx)
        if put_under_lock:
            dispose = refcount_dec_and_test(ep.refcount)
            mutex_unlock(ep.mtx)
        else:
            mutex_unlock(ep.mtx)
            dispose = refcount_dec_and_test(ep.refcount)
        if dispose:
            kfree(ep)

    def main():
        ep = kzalloc(eventpoll)
        refcount_set(ep.refcount, 2)
        spawn(put, ep)
        spawn(put, ep)
    for mm in ("sc", "lkmm"):
        res = kcheck.check(main, memory_model=mm)
        if put_under_lock:
            assert res.verdict == "bug" and res.bug.kind == "use-after-free", res.format()
            assert "mutex_unlock on eventpoll#0" in res.bug.message, res.bug.message
        else:
            assert res.verdict == "no-bug" and res.exhaustive, res.format()


def test_a_deadlock_on_an_rwsem_names_the_rwsem_not_its_reader_word():
    """A reader waits on the rw_semaphore; which of its internal words it spins
    on is kcheck's business (a C review read ``down_read(sem.reader[a])``)."""
    from abba import rwsem_abba
    main = rwsem_abba(a_takes="down_read")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "deadlock"
    msg = res.bug.message
    assert "a waits in down_read(S#0->sem), held by b for write" in msg, msg
    assert ".reader" not in msg
