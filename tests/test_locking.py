"""Locks: mutual exclusion holds, and critical sections are explored optimally
(one execution per order of conflicting sections, none for two readers)."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, rwlock_t, read_lock, read_unlock, write_lock, write_unlock,
                           READ_ONCE, WRITE_ONCE, ptr, WARN_ON, read_trylock, write_trylock,
                           read_lock_bh, read_unlock_bh, cpu_relax)


class st(KStruct):
    lock: rwlock_t
    a: int
    b: int


def writer(s, v):
    write_lock(s.lock)
    WRITE_ONCE(ptr(s, "a"), v)
    WRITE_ONCE(ptr(s, "b"), v)
    write_unlock(s.lock)


def reader(s):
    read_lock(s.lock)
    WARN_ON(READ_ONCE(ptr(s, "a")) != READ_ONCE(ptr(s, "b")))
    read_unlock(s.lock)


def reader_unlocked(s):
    WARN_ON(READ_ONCE(ptr(s, "a")) != READ_ONCE(ptr(s, "b")))


def _main(*tasks):
    def main():
        s = st()
        for i, (fn, *args) in enumerate(tasks):
            spawn(fn, s, *args, name=f"t{i}")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_readers_never_see_a_half_done_write(memory_model):
    res = kcheck.check(_main((writer, 1), (reader,), (writer, 2)), memory_model=memory_model)
    assert res.verdict == "no-bug" and res.exhaustive


def test_without_the_lock_they_do():
    res = kcheck.check(_main((writer, 1), (reader_unlocked,)))
    assert res.verdict == "bug" and res.bug.kind == "warn"


def test_two_readers_do_not_conflict():
    # two readers and nothing else: one execution, whatever the interleaving
    assert kcheck.check(_main((reader,), (reader,))).executions == 1


def test_reader_and_writer_sections_in_either_order():
    # the reader's section first or the writer's: the writer waiting while the
    # reader is inside is the first graph (it reads the same entry count and
    # the same exit), though later readers then queue behind it
    assert kcheck.check(_main((writer, 1), (reader,))).executions == 2


def _spin_reader(s):
    read_lock(s.lock)
    while not READ_ONCE(ptr(s, "a")):
        cpu_relax()
    read_unlock(s.lock)


def _flag_setter(s, take):
    take(s.lock)
    WRITE_ONCE(ptr(s, "a"), 1)
    (read_unlock if take is read_lock else read_unlock_bh)(s.lock)


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_a_reader_queued_behind_a_waiting_writer_deadlocks(memory_model):
    # qrwlock: once the writer waits (_QW_WAITING), a task-context reader queues
    # behind it - so the reader the first one spins for never gets in
    res = kcheck.check(_main((_spin_reader,), (writer, 1), (_flag_setter, read_lock)),
                       memory_model=memory_model)
    assert res.verdict == "bug" and res.bug.kind == "deadlock", res.format()
    assert "t2 waits in read_lock(st#0->lock), held by t1, waiting for write" \
        in res.bug.message, res.bug.message
    assert kcheck.replay(_main((_spin_reader,), (writer, 1), (_flag_setter, read_lock)),
                         res.bug.schedule).bug.kind == "deadlock"


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_a_reader_with_bottom_halves_off_passes_a_waiting_writer(memory_model):
    # in_interrupt(): queued_read_lock_slowpath() lets it in while the writer
    # only waits, so the spinning reader is released and the writer goes on
    res = kcheck.check(_main((_spin_reader,), (writer, 1), (_flag_setter, read_lock_bh)),
                       memory_model=memory_model)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


def test_the_writer_waits_for_a_reader_in_interrupt_context():
    def bh_reader(s):
        read_lock_bh(s.lock)
        WARN_ON(READ_ONCE(ptr(s, "a")) != READ_ONCE(ptr(s, "b")))
        read_unlock_bh(s.lock)
    res = kcheck.check(_main((writer, 1), (bh_reader,), (writer, 2)))
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


def test_trylocks_exclude_each_other():
    def w(s):
        if write_trylock(s.lock):
            WRITE_ONCE(ptr(s, "a"), 1)
            WRITE_ONCE(ptr(s, "b"), 1)
            write_unlock(s.lock)

    def r(s):
        if read_trylock(s.lock):
            WARN_ON(READ_ONCE(ptr(s, "a")) != READ_ONCE(ptr(s, "b")))
            read_unlock(s.lock)
    assert kcheck.check(_main((w,), (r,), (w,))).verdict == "no-bug"


def _lock_forms():
    import kcheck.kernel as K
    return {
        "spin_lock": (K.spin_lock, K.spin_unlock),
        "spin_lock_nested": (lambda l: K.spin_lock_nested(l, 1), K.spin_unlock),
        "spin_lock_bh": (K.spin_lock_bh, K.spin_unlock_bh),
        "spin_lock_irq": (K.spin_lock_irq, K.spin_unlock_irq),
        "spin_lock_irqsave": (K.spin_lock_irqsave, K.spin_unlock_irqrestore),
    }


@pytest.mark.parametrize("form", ["spin_lock_nested", "spin_lock_bh", "spin_lock_irq",
                                  "spin_lock_irqsave"])
def test_every_form_of_spin_lock_is_a_lock_to_the_lkmm_and_names_itself(form):
    """The LKMM bridge knew a lock by its ops' names, spin_lock and mutex_lock:
    spin_lock_nested()'s critical sections (and percpu_ref's irqsave ones)
    went to the LKMM as an acquire RMW and a release.  Every form now gives
    what spin_lock() gives, executions and verdicts, on message passing
    through a lock-protected flag; and a deadlock names the form called
    ("waits in spin_lock" for spin_lock_irqsave, a review found)."""
    from kcheck.kernel import spinlock_t, READ_ONCE, WRITE_ONCE, WARN_ON, ptr

    class s(KStruct):
        l: spinlock_t
        m: spinlock_t
        f: int
        x: int

    def mp(lock, unlock):
        def p0(o):
            WRITE_ONCE(ptr(o, "x"), 1)
            flags = lock(o.l)
            o.f = 1
            unlock(o.l, flags) if flags is not None else unlock(o.l)

        def p1(o):
            flags = lock(o.l)
            r = o.f
            unlock(o.l, flags) if flags is not None else unlock(o.l)
            if r:
                WARN_ON(READ_ONCE(ptr(o, "x")) != 1)

        def main():
            o = s()
            spawn(p0, o)
            spawn(p1, o)
        return main

    def abba(lock, unlock):
        def t(o, a, b):
            fa = lock(getattr(o, a))
            fb = lock(getattr(o, b))
            unlock(getattr(o, b), fb) if fb is not None else unlock(getattr(o, b))
            unlock(getattr(o, a), fa) if fa is not None else unlock(getattr(o, a))

        def main():
            o = s()
            spawn(t, o, "l", "m")
            spawn(t, o, "m", "l")
        return main

    forms = _lock_forms()
    base = kcheck.check(mp(*forms["spin_lock"]), memory_model="lkmm")
    got = kcheck.check(mp(*forms[form]), memory_model="lkmm")
    assert base.verdict == "no-bug" and base.exhaustive, base.format()
    assert (got.verdict, got.executions, got.blocked) == \
        (base.verdict, base.executions, base.blocked), got.format()
    dl = kcheck.check(abba(*forms[form]), races="off")
    assert dl.verdict == "bug" and dl.bug.kind == "deadlock", dl.format()
    assert f"{form}(" in dl.bug.message, dl.bug.message


def _plain_reader(s):
    read_lock(s.lock)
    WARN_ON(s.a != s.b)
    read_unlock(s.lock)


def _plain_writer(s, v):
    write_lock(s.lock)
    s.a = v
    s.b = v
    write_unlock(s.lock)


@pytest.mark.parametrize("dynamic", [False, True])
def test_the_lock_orders_plain_accesses_under_the_lkmm(dynamic):
    """A reader's section before a writer's is ordered before it (the reader's
    exit store releases, the writer's wait on it acquires), and the other way
    round: plain accesses on both sides are no data race.  (On 2026-12-02 the
    writer's wait was a failed RMW, which orders nothing under the LKMM: a
    use-after-free and races CI found in the TDP MMU model.)"""
    from kcheck.kernel import schedule_work, INIT_WORK, work_struct, flush_work

    class holder(KStruct):
        lock: rwlock_t
        a: int
        b: int
        work: work_struct

    def main():
        s = holder()
        if dynamic:
            INIT_WORK(s.work, lambda w: _plain_reader(s))
            spawn(lambda: (schedule_work(s.work), flush_work(s.work)), name="t0")
        else:
            spawn(_plain_reader, s, name="t0")
        spawn(_plain_writer, s, 1, name="t1")
        spawn(_plain_reader, s, name="t2")
    res = kcheck.check(main, memory_model="lkmm", races="error")
    assert res.verdict == "no-bug" and res.exhaustive, res.format()
