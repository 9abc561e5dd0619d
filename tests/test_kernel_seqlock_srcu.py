"""seqcount_t / seqlock_t (kernel/seqlock.py) and SRCU (kernel/srcu.py)."""

import pytest

import kcheck
from kcheck import spawn, join
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, ptr, WARN_ON, seqlock_t, read_seqbegin,
                           read_seqbegin_or_lock, need_seqretry, done_seqretry,
                           read_seqretry, write_seqlock, write_sequnlock, seqcount_t,
                           read_seqcount_begin, read_seqcount_retry, raw_seqcount_begin,
                           write_seqcount_begin, write_seqcount_end, raw_write_seqcount_begin,
                           raw_write_seqcount_end, seqcount_spinlock_init, spinlock_t, spin_lock,
                           spin_unlock, preempt_disable, preempt_enable, srcu_struct, srcu_read_lock,
                           srcu_read_unlock, srcu_dereference, synchronize_srcu, call_srcu,
                           srcu_barrier, cleanup_srcu_struct, rcu_head, container_of, kzalloc, kfree,
                           rcu_assign_pointer, rcu_dereference_protected, synchronize_rcu,
                           list_head, list_for_each_entry_srcu, srcu_read_lock_held, smp_wmb,
                           srcu_down_read, srcu_up_read, srcu_dereference_check,
                           smp_store_release, smp_cond_load_acquire)


class pair(KStruct):
    sl: seqlock_t
    a: int
    b: int


def writer(p):
    write_seqlock(p.sl)
    WRITE_ONCE(ptr(p, "a"), 1)
    WRITE_ONCE(ptr(p, "b"), 1)
    write_sequnlock(p.sl)


def reader_retries(p):
    while True:
        seq = read_seqbegin(p.sl)
        a = READ_ONCE(ptr(p, "a"))
        b = READ_ONCE(ptr(p, "b"))
        if not read_seqretry(p.sl, seq):
            break
    WARN_ON(a != b)


def reader_uses_before_retry(p):
    seq = read_seqbegin(p.sl)
    a = READ_ONCE(ptr(p, "a"))
    b = READ_ONCE(ptr(p, "b"))
    WARN_ON(a != b)                  # used before read_seqretry() says it is consistent
    read_seqretry(p.sl, seq)


def _seq(reader):
    def main():
        p = pair()
        spawn(writer, p, name="writer")
        spawn(reader, p, name="reader")
    return main


def _reader_or_lock(retry):
    """read_seqbegin_or_lock(): a lockless pass, and once a writer overlapped
    it, one under the lock (seq odd); without the retry a torn pair."""
    def reader(p):
        seq = 0
        while True:
            seq = read_seqbegin_or_lock(p.sl, seq)
            a, b = READ_ONCE(ptr(p, "a")), READ_ONCE(ptr(p, "b"))
            if retry and need_seqretry(p.sl, seq):
                seq = 1
                continue
            break
        done_seqretry(p.sl, seq)
        WARN_ON(a != b)
    return reader


@pytest.mark.parametrize("retry", [True, False])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_read_seqbegin_or_lock_reads_a_consistent_pair(retry, mm):
    r = kcheck.check(_seq(_reader_or_lock(retry)), memory_model=mm, races="off")
    if retry:
        assert r.bug is None and r.exhaustive, (mm, r.format())
    else:
        assert r.bug is not None and r.bug.kind == "warn", (mm, r.format())


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_seqlock_reader_must_retry_before_using(mm):
    bad = kcheck.check(_seq(reader_uses_before_retry), memory_model=mm)
    assert bad.bug.kind == "warn"
    ok = kcheck.check(_seq(reader_retries), memory_model=mm)
    assert ok.verdict == "no-bug" and ok.exhaustive


class cnt(KStruct):
    s: seqcount_t
    lock: spinlock_t
    a: int
    b: int


def test_seqcount_barriers_matter_under_the_lkmm():
    """raw_write_seqcount_begin/end carry the smp_wmb()s; a writer that bumps the
    count with plain WRITE_ONCEs lets a reader see a torn pair."""
    def writer_no_wmb(c):
        WRITE_ONCE(c.s, READ_ONCE(c.s) + 1)          # the sequence word, without smp_wmb()
        WRITE_ONCE(ptr(c, "a"), 1)
        WRITE_ONCE(ptr(c, "b"), 1)
        WRITE_ONCE(c.s, READ_ONCE(c.s) + 1)

    def writer_ok(c):
        preempt_disable()
        write_seqcount_begin(c.s)
        WRITE_ONCE(ptr(c, "a"), 1)
        WRITE_ONCE(ptr(c, "b"), 1)
        write_seqcount_end(c.s)
        preempt_enable()

    def reader(c):
        while True:
            seq = read_seqcount_begin(c.s)
            b = READ_ONCE(ptr(c, "b"))
            a = READ_ONCE(ptr(c, "a"))
            if not read_seqcount_retry(c.s, seq):
                break
        WARN_ON(b == 1 and a != 1)

    def mk(w):
        def main():
            c = cnt()
            spawn(w, c, name="writer")
            spawn(reader, c, name="reader")
        return main
    assert kcheck.check(mk(writer_no_wmb)).verdict == "no-bug"
    assert kcheck.check(mk(writer_no_wmb), memory_model="lkmm").bug.kind == "warn"
    ok = kcheck.check(mk(writer_ok), memory_model="lkmm")
    assert ok.verdict == "no-bug" and ok.exhaustive


def test_seqcount_writer_checks():
    def preemptible(c):
        write_seqcount_begin(c.s)
        write_seqcount_end(c.s)

    def raw(c):
        raw_write_seqcount_begin(c.s)
        raw_write_seqcount_end(c.s)

    def locked_without_lock(c):
        seqcount_spinlock_init(c.s, c.lock)
        write_seqcount_begin(c.s)

    def locked(c):
        seqcount_spinlock_init(c.s, c.lock)
        spin_lock(c.lock)
        write_seqcount_begin(c.s)
        write_seqcount_end(c.s)
        spin_unlock(c.lock)

    def run(f):
        def main():
            spawn(f, cnt(), name="t")
        return kcheck.check(main)
    res = run(preemptible)
    assert res.bug.kind == "lockdep" and "preemption enabled" in res.bug.message
    assert run(raw).verdict == "no-bug"
    assert run(locked_without_lock).bug.kind == "lockdep"
    assert run(locked).verdict == "no-bug"


def test_raw_seqcount_begin_does_not_wait():
    seen = []

    def reader(c):
        seen.append(raw_seqcount_begin(c.s))

    def w(c):
        raw_write_seqcount_begin(c.s)
        raw_write_seqcount_end(c.s)

    def main():
        c = cnt()
        spawn(w, c, name="w")
        spawn(reader, c, name="r")
    assert kcheck.check(main).verdict == "no-bug"
    assert set(seen) == {0, 2}


class obj(KStruct):
    val: int
    rcu: rcu_head


class dom(KStruct):
    p: obj
    ss: srcu_struct
    other: srcu_struct


def srcu_reader(d):
    idx = srcu_read_lock(d.ss)
    o = srcu_dereference(ptr(d, "p"), d.ss)
    if o is not None:
        READ_ONCE(ptr(o, "val"))
    srcu_read_unlock(d.ss, idx)


def _free(head):
    kfree(container_of(head, obj))


UPDATERS = {
    "synchronize_srcu(other)": (lambda d, o: (synchronize_srcu(d.other), kfree(o)), "bug"),
    "synchronize_rcu": (lambda d, o: (synchronize_rcu(), kfree(o)), "bug"),
    "synchronize_srcu(ss)": (lambda d, o: (synchronize_srcu(d.ss), kfree(o)), "no-bug"),
    "call_srcu(other)": (lambda d, o: call_srcu(d.other, o.rcu, _free), "bug"),
    "call_srcu(ss)": (lambda d, o: call_srcu(d.ss, o.rcu, _free), "no-bug"),
}


@pytest.mark.parametrize("name", sorted(UPDATERS))
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_an_srcu_grace_period_waits_for_its_own_domain_only(name, mm):
    fn, verdict = UPDATERS[name]

    def updater(d):
        o = rcu_dereference_protected(ptr(d, "p"), True)
        rcu_assign_pointer(ptr(d, "p"), None)
        fn(d, o)

    def main():
        d = dom(p=kzalloc(obj))
        spawn(srcu_reader, d, name="reader")
        spawn(updater, d, name="updater")
    res = kcheck.check(main, memory_model=mm)
    assert res.verdict == verdict, res.bug and res.bug.trace
    if res.bug:
        assert res.bug.kind == "use-after-free"
    else:
        assert res.exhaustive


def test_srcu_dereference_outside_its_section():
    def bad(d):
        srcu_dereference(ptr(d, "p"), d.ss)

    def other_domain(d):
        i = srcu_read_lock(d.other)
        srcu_dereference(ptr(d, "p"), d.ss)
        srcu_read_unlock(d.other, i)

    for f in (bad, other_domain):
        def main(f=f):
            spawn(f, dom(), name="t")
        assert kcheck.check(main).bug.kind == "suspicious-rcu-usage"


def test_cleanup_srcu_struct_with_callbacks_pending_warns_and_srcu_barrier_fixes_it():
    def t(d, barrier):
        o = kzalloc(obj)
        call_srcu(d.ss, o.rcu, _free)
        if barrier:
            srcu_barrier(d.ss)
        cleanup_srcu_struct(d.ss)

    for barrier, verdict in ((False, "bug"), (True, "no-bug")):
        def main(barrier=barrier):
            spawn(t, dom(), barrier, name="exit")
        res = kcheck.check(main)
        assert res.verdict == verdict
        if res.bug:
            assert res.bug.kind == "warn" and "srcu_barrier" in res.bug.message


def test_cleanup_srcu_struct_with_a_reader_inside_warns():
    def main():
        d = dom()
        r = spawn(srcu_reader, d, name="reader")

        def exit_(d):
            cleanup_srcu_struct(d.ss)
        spawn(exit_, d, name="exit")
    res = kcheck.check(main)
    assert res.bug.kind == "warn" and "srcu_readers_active" in res.bug.message


def test_srcu_list_walker_needs_its_condition():
    class lst(KStruct):
        head: list_head
        ss: srcu_struct

    def ok(l):
        i = srcu_read_lock(l.ss)
        for e in list_for_each_entry_srcu(l.head, "link", srcu_read_lock_held(l.ss)):
            pass
        srcu_read_unlock(l.ss, i)

    def bad(l):
        for e in list_for_each_entry_srcu(l.head, "link", srcu_read_lock_held(l.ss)):
            pass
    for f, verdict in ((ok, "no-bug"), (bad, "bug")):
        def main(f=f):
            spawn(f, lst(), name="t")
        assert kcheck.check(main).verdict == verdict


def test_srcu_under_the_lkmm_carries_srcu_events():
    """The LKMM execution has the Srcu-lock/Srcu-unlock pair (data-dependent) and
    the Sync-srcu fence on the srcu_struct, and no unmatched-srcu flag."""
    from kcheck.engine.explore import TruSt
    from kcheck.engine.memory import lkmm_bridge
    seen = []

    def updater(d):
        synchronize_srcu(d.ss)

    def main():
        d = dom()
        spawn(srcu_reader, d, name="reader")
        spawn(updater, d, name="updater")

    def on_complete(run):
        v, x, _ = lkmm_bridge.check(run.g, flags=True)
        tags = [t for e in x.es.events for t in e.tags if t in ("Srcu-lock", "Srcu-unlock", "Sync-srcu")]
        seen.append((sorted(tags), len(x.es.data), set(v.flags)))
    TruSt(main, memory_model="lkmm", on_complete=on_complete).run()
    assert seen and all(t == ["Srcu-lock", "Srcu-unlock", "Sync-srcu"] and n == 1 and not f
                        for t, n, f in seen)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_srcu_readers_make_one_graph_per_grace_period_order(n):
    """DPOR optimality: N readers of one srcu_struct and a synchronize_srcu()
    make 2^N graphs (each section before or after the grace period), and a
    reader of another domain adds none - readers never conflict with each
    other, nor with another domain's grace period."""
    def reader(d, ss):
        i = srcu_read_lock(ss)
        srcu_read_unlock(ss, i)

    def main():
        d = dom()
        for k in range(n):
            spawn(reader, d, d.ss, name=f"reader{k}")
        spawn(reader, d, d.other, name="other-domain")
        spawn(lambda d: synchronize_srcu(d.ss), d, name="updater")
    res = kcheck.check(main)
    assert res.executions == 2 ** n and res.blocked == 0


class handoff(KStruct):
    p: obj
    ss: srcu_struct
    idx: int


def _down_reader(early):
    """srcu_down_read() here, srcu_up_read() in the task the index is handed to:
    handing it over before the last access lets that task end the section
    while this one still reads."""
    def reader(d):
        idx = srcu_down_read(d.ss)
        if early:
            smp_store_release(ptr(d, "idx"), idx)
        o = srcu_dereference_check(ptr(d, "p"), d.ss, True)   # not lockdep-tracked
        if o is not None:
            READ_ONCE(ptr(o, "val"))
        if not early:
            smp_store_release(ptr(d, "idx"), idx)
    return reader


def _ender(d):
    srcu_up_read(d.ss, smp_cond_load_acquire(ptr(d, "idx"), lambda v: v != 0))


@pytest.mark.parametrize("free", ["synchronize_srcu", "call_srcu"])
@pytest.mark.parametrize("early", [False, True], ids=["handed-after-use", "handed-before-use"])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_an_srcu_down_read_section_ends_where_srcu_up_read_is_called(free, early, mm):
    def updater(d):
        o = rcu_dereference_protected(ptr(d, "p"), True)
        rcu_assign_pointer(ptr(d, "p"), None)
        if free == "call_srcu":
            call_srcu(d.ss, o.rcu, _free)
        else:
            synchronize_srcu(d.ss)
            kfree(o)

    def main():
        d = handoff(p=kzalloc(obj))
        spawn(_down_reader(early), d, name="reader")
        spawn(_ender, d, name="ender")
        spawn(updater, d, name="updater")
    res = kcheck.check(main, memory_model=mm)
    assert res.verdict == ("bug" if early else "no-bug"), res.bug and res.bug.trace
    if res.bug:
        assert res.bug.kind == "use-after-free"
    else:
        assert res.exhaustive


def test_srcu_up_read_with_an_index_no_section_has_warns():
    def main():
        d = handoff(p=kzalloc(obj))
        spawn(lambda: srcu_up_read(d.ss, 0), name="ender")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "warn" and "srcu_up_read" in res.bug.message


def test_a_section_left_open_by_srcu_down_read_blocks_synchronize_srcu():
    """The grace period waits for a section begun with srcu_down_read() even in
    its own task: never ended, it waits for ever."""
    def main():
        d = handoff(p=kzalloc(obj))

        def t():
            srcu_down_read(d.ss)
            synchronize_srcu(d.ss)
        spawn(t, name="t")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "deadlock", res.format()


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("early", [False, True], ids=["handed-after-use", "handed-before-use"])
def test_srcu_down_read_handoff_in_c(mm, early):
    """The same hand-over in C: the index through memory to the task that
    calls srcu_up_read(), synchronize_srcu() then kfree() in a third."""
    import pathlib
    import kcheck.c
    src = pathlib.Path(__file__).parent / "data" / "srcu_down_up_handoff.c"
    prog = kcheck.c.load(str(src), defines=["EARLY=1"] if early else [])
    res = kcheck.check(prog.entry, memory_model=mm)
    assert res.verdict == ("bug" if early else "no-bug"), res.format()
    assert res.bug.kind == "use-after-free" if early else res.exhaustive


def test_srcu_reader_flags_never_hide_another_programs_words_from_the_lkmm(tmp_path):
    """The SRCU readers' flags are LKMM ghosts for the whole process; until
    2026-11-30 their ids were Loc.derived() ones, which a later program's lock
    reader word or wait-queue word could share - and the LKMM then did not see
    it (kcompactd's fixed wake-up was a lost wake-up after an SRCU test ran
    in the same process).  The ids now come from a range of their own."""
    import os
    import sys
    import kcheck.c
    from kcheck.engine.runtime import LKMM_GHOSTS
    sys.path.insert(0, os.path.dirname(__file__))
    import test_c_kernel_bugs as bugs
    from kcheck import spawn as _spawn
    from kcheck.kernel import srcu_struct, srcu_read_lock, srcu_read_unlock, synchronize_srcu

    def reader(s):
        i = srcu_read_lock(s)
        srcu_read_unlock(s, i)

    def main():
        s = srcu_struct()
        for _ in range(3):
            _spawn(reader, s)
        _spawn(synchronize_srcu, s)
    kcheck.check(main, memory_model="lkmm")
    # keyed ids (>= 2^128), or derived from RCU's fixed root (<= -2^52): never a
    # derived id of an ordinary location's (-(lid * 4096 + k + 1), lid small)
    assert all(lid >= 1 << 128 or lid <= -(1 << 52) for lid in LKMM_GHOSTS), sorted(LKMM_GHOSTS)
    f = tmp_path / "kcompactd.c"
    f.write_text(bugs.KCOMPACTD)
    r = kcheck.check(kcheck.c.load(str(f), defines=["FIXED=1"]).entry, memory_model="lkmm")
    assert r.bug is None, r.format()


# -- two srcu_structs of one struct type --------------------------------------
#
# A task's read-side sections were kept by the srcu_struct's field name, so
# &a->ss and &b->ss of two instances were one domain to the bookkeeping: an
# inner srcu_read_lock(&b->ss) counted as nesting in a's section, and b's
# grace period did not wait for it (a false use-after-free); synchronize_srcu
# (&b->ss) inside a's section was a false "same-type" deadlock; unlocking the
# wrong instance passed.  The kernel counts per instance (ssp->sda) and
# lockdep matches ssp->dep_map (found by a hostile-review helper).

class _dom(KStruct):
    ss: srcu_struct
    p: object


class _payload(KStruct):
    v: int


def _two_domains(nest):
    from kcheck.kernel import init_srcu_struct, rcu_replace_pointer

    def main():
        a, b = _dom(), _dom()
        init_srcu_struct(a.ss)
        init_srcu_struct(b.ss)
        b.p = kzalloc(_payload)

        def reader():
            ia = srcu_read_lock(a.ss) if nest else None
            ib = srcu_read_lock(b.ss)
            q = srcu_dereference(ptr(b, "p"), b.ss)
            if q is not None:
                READ_ONCE(ptr(q, "v"))
            srcu_read_unlock(b.ss, ib)
            if nest:
                srcu_read_unlock(a.ss, ia)

        def updater():
            old = rcu_replace_pointer(ptr(b, "p"), None, True)
            synchronize_srcu(b.ss)
            kfree(old)
        spawn(reader)
        spawn(updater)
    return main


@pytest.mark.parametrize("nest", [False, True])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_sections_of_two_instances_of_one_type_are_two_domains(mm, nest):
    res = kcheck.check(_two_domains(nest), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


def _one_task_two_domains(body):
    """main(): two instances of one type, and one task running ``body(a, b)``."""
    from kcheck.kernel import init_srcu_struct

    def main():
        a, b = _dom(), _dom()
        init_srcu_struct(a.ss)
        init_srcu_struct(b.ss)
        spawn(body, a, b)
    return main


def _sync_other_inside(a, b):
    i = srcu_read_lock(a.ss)
    synchronize_srcu(b.ss)
    srcu_read_unlock(a.ss, i)


def _unlock_other(a, b):
    i = srcu_read_lock(a.ss)
    srcu_read_unlock(b.ss, i)


def test_synchronize_srcu_of_another_instance_inside_a_section_is_fine():
    res = kcheck.check(_one_task_two_domains(_sync_other_inside))
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message


def test_unlocking_another_instance_is_lockdep():
    res = kcheck.check(_one_task_two_domains(_unlock_other))
    assert res.verdict == "bug" and res.bug.kind == "lockdep", res.bug and res.bug.message


@pytest.mark.parametrize("idx,bug", [(0, False), (5, True), (-1, True)])
def test_srcu_read_unlock_with_no_index_srcu_read_lock_returns_warns(idx, bug):
    # __srcu_read_unlock(): WARN_ON_ONCE(idx & ~0x1); kcheck took any index (a review)
    from kcheck.kernel import srcu_struct, srcu_read_lock, srcu_read_unlock, synchronize_srcu

    class d(KStruct):
        s: srcu_struct

    def main():
        o = d()

        def reader():
            srcu_read_lock(o.s)
            srcu_read_unlock(o.s, idx)
        spawn(reader)
        spawn(lambda: synchronize_srcu(o.s))

    res = kcheck.check(main)
    if not bug:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    else:
        assert res.bug is not None and res.bug.kind == "warn", res.format()
        assert "WARN_ON_ONCE(idx & ~0x1)" in res.bug.message
