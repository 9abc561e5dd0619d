"""Plain accesses inside seqcount sections are marked ones, as KCSAN takes them.

The kernel reads and writes the data a seqcount protects with plain C
(u64_stats_sync, the timekeeper, d_seq); KCSAN makes every access between
read_seqcount_begin() and read_seqcount_retry(), and between
write_seqcount_begin() and write_seqcount_end(), atomic.  kcheck used to
report those as data races and, under the LKMM (whose hb leaves plain
accesses out), a WARN on the data of a reader whose retry had passed.  The
twins: the same sections with an access moved out of them are still races
and still WARN.
"""

import textwrap

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (KStruct, WARN_ON, seqcount_t, seqlock_t, spinlock_t, spin_lock,
                           spin_unlock, read_seqcount_begin, read_seqcount_retry,
                           write_seqcount_begin, write_seqcount_end, read_seqbegin, read_seqretry,
                           write_seqlock, write_sequnlock, raw_read_seqcount)

MMS = ("sc", "lkmm")


class stats(KStruct):
    seq: seqcount_t
    lock: spinlock_t
    a: int
    b: int


def writer(s, late=False):
    spin_lock(s.lock)
    write_seqcount_begin(s.seq)
    s.a = s.a + 1
    if not late:
        s.b = s.b + 1
    write_seqcount_end(s.seq)
    if late:
        s.b = s.b + 1          # outside the section: a plain store a reader races with
    spin_unlock(s.lock)


def reader(s):
    while True:
        start = read_seqcount_begin(s.seq)
        a = s.a
        b = s.b
        if not read_seqcount_retry(s.seq, start):
            break
    WARN_ON(a != b)


def reader_no_retry(s):
    start = read_seqcount_begin(s.seq)
    a = s.a
    b = s.b
    read_seqcount_retry(s.seq, start)
    WARN_ON(a != b)            # used whatever the retry said


def reader_after_retry(s):
    start = read_seqcount_begin(s.seq)
    a = s.a
    if not read_seqcount_retry(s.seq, start):
        WARN_ON(s.b != a)      # this load is past the retry: outside the section


def _main(rd, late=False):
    def main():
        s = stats()
        spawn(writer, s, late, name="writer")
        spawn(rd, s, name="reader")
    return main


@pytest.mark.parametrize("mm", MMS)
def test_plain_seqcount_sections_are_neither_races_nor_warns(mm):
    res = kcheck.check(_main(reader), memory_model=mm, races="error")
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    assert not res.warnings


@pytest.mark.parametrize("mm", MMS)
def test_a_store_moved_out_of_the_writer_section_is_a_race(mm):
    res = kcheck.check(_main(reader, late=True), memory_model=mm, races="error")
    assert res.verdict == "bug" and res.bug.kind == "data-race", res
    assert "->b" in res.bug.message


@pytest.mark.parametrize("mm", MMS)
def test_a_reader_that_ignores_the_retry_warns(mm):
    res = kcheck.check(_main(reader_no_retry), memory_model=mm)
    assert res.verdict == "bug" and res.bug.kind == "warn", res


@pytest.mark.parametrize("mm", MMS)
def test_a_load_after_the_retry_is_outside_the_section(mm):
    res = kcheck.check(_main(reader_after_retry), memory_model=mm, races="error")
    assert res.verdict == "bug" and res.bug.kind in ("data-race", "warn"), res


class seqpair(KStruct):
    sl: seqlock_t
    x: int
    y: int


def sl_writer(p):
    write_seqlock(p.sl)
    p.x = 1
    p.y = 1
    write_sequnlock(p.sl)


def sl_reader(p):
    while True:
        seq = read_seqbegin(p.sl)
        x = p.x
        y = p.y
        if not read_seqretry(p.sl, seq):
            break
    WARN_ON(x != y)


def raw_reader(p):
    # raw_read_seqcount() opens the section too (it calls kcsan_atomic_next);
    # a reader that gives up on an odd sequence, as the lockless fast paths do
    seq = raw_read_seqcount(p.sl.seqcount)
    if seq & 1:
        return
    x = p.x
    y = p.y
    if read_seqcount_retry(p.sl.seqcount, seq):
        return
    WARN_ON(x != y)


@pytest.mark.parametrize("mm", MMS)
@pytest.mark.parametrize("rd", [sl_reader, raw_reader], ids=["read_seqbegin", "raw_read_seqcount"])
def test_seqlock_t_sections_too(mm, rd):
    def main():
        p = seqpair()
        spawn(sl_writer, p, name="writer")
        spawn(rd, p, name="reader")
    res = kcheck.check(main, memory_model=mm, races="error")
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


C_SEQ = textwrap.dedent("""\
    #include <linux/seqlock.h>
    #include <linux/spinlock.h>
    #include <linux/bug.h>
    #include <pthread.h>

    struct stats {
        seqcount_t seq;
        spinlock_t lock;
        unsigned long a, b;
    };
    static struct stats st;

    static void *writer(void *arg)
    {
        spin_lock(&st.lock);
        write_seqcount_begin(&st.seq);
        st.a++;
        LATE_NO
        write_seqcount_end(&st.seq);
        LATE_YES
        spin_unlock(&st.lock);
        return NULL;
    }

    static void *reader(void *arg)
    {
        unsigned int start;
        unsigned long a, b;

        do {
            start = read_seqcount_begin(&st.seq);
            a = st.a;
            b = st.b;
        } while (read_seqcount_retry(&st.seq, start));
        WARN_ON(a != b);
        return NULL;
    }

    int main(void)
    {
        pthread_t w, r;

        spin_lock_init(&st.lock);
        seqcount_init(&st.seq);
        pthread_create(&w, NULL, writer, NULL);
        pthread_create(&r, NULL, reader, NULL);
        return 0;
    }
""")


@pytest.mark.parametrize("mm", MMS)
@pytest.mark.parametrize("late", [False, True], ids=["in-section", "store-after-end"])
def test_c_seqcount_readers(tmp_path, mm, late):
    src = C_SEQ.replace("LATE_NO", "" if late else "st.b++;").replace(
        "LATE_YES", "st.b++;" if late else "")
    f = tmp_path / "seq.c"
    f.write_text(src)
    res = kcheck.check(kcheck.c.load(str(f)).entry, memory_model=mm, races="error")
    if late:
        assert res.verdict == "bug" and res.bug.kind == "data-race", res
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


# -- seqcount_mutex_t: the write section runs with preemption disabled ---------------
# SEQCOUNT_LOCKNAME(mutex, ..., preemptible=true): write_seqcount_begin() does
# preempt_disable() itself for a counter whose writers hold a mutex, so an
# allocation that may sleep inside the section is "sleeping function called
# from invalid context" (kcheck took seqcount_mutex_init as the spinlock one).

def _seq_mutex(sleep_inside):
    from kcheck.kernel import mutex, mutex_lock, mutex_unlock, seqcount_mutex_init, kmalloc, kfree, \
        GFP_KERNEL

    class buf(KStruct):
        v: int

    class dev(KStruct):
        lock: mutex
        seq: seqcount_t
        cfg: int

    def writer(d):
        mutex_lock(d.lock)
        if not sleep_inside:
            b = kmalloc(buf, GFP_KERNEL)
        write_seqcount_begin(d.seq)
        if sleep_inside:
            b = kmalloc(buf, GFP_KERNEL)
        d.cfg = 1
        write_seqcount_end(d.seq)
        mutex_unlock(d.lock)
        kfree(b)

    def main():
        d = dev()
        seqcount_mutex_init(d.seq, d.lock)
        spawn(writer, d, name="writer")
        spawn(reader, d, name="reader")

    def reader(d):
        while True:
            s = read_seqcount_begin(d.seq)
            d.cfg
            if not read_seqcount_retry(d.seq, s):
                break
    return main


@pytest.mark.parametrize("sleep_inside", [True, False])
def test_seqcount_mutex_write_sections_are_atomic(sleep_inside):
    res = kcheck.check(_seq_mutex(sleep_inside))
    if sleep_inside:
        assert res.verdict == "bug" and res.bug.kind == "sleep-in-atomic", res
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
