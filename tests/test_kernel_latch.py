"""The seqcount latch (include/linux/seqlock.h, "Latch sequence counters").

The data is kept twice; the writer switches the readers to copy 1
(``raw_write_seqcount_latch``), updates copy 0, switches them back, updates
copy 1; a reader reads copy ``seq & 1`` and retries if the sequence moved.
A writer that updates the copy the readers are on - the wrong copy first, or
without the second switch - lets a reader whose retry passes see a half
update: the model's consistency check (a WARN) fires, under SC and under the
LKMM.  The correct latch is clean and exhaustive under both.  Under the LKMM
the reader's loads are ordered after its ``raw_read_seqcount_latch()`` only by
the address dependency (no ``smp_rmb()``): a Python reader that does not say
it (``address_from``) is reported, as the LKMM says it should be."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, seqcount_latch_t, seqcount_latch_init, raw_read_seqcount_latch,
                           raw_read_seqcount_latch_retry, raw_write_seqcount_latch,
                           read_seqcount_latch, read_seqcount_latch_retry,
                           write_seqcount_latch_begin, write_seqcount_latch,
                           write_seqcount_latch_end, raw_write_seqcount_barrier, seqcount_t,
                           raw_read_seqcount_begin, read_seqcount_retry, address_from,
                           READ_ONCE, WRITE_ONCE, ptr, WARN_ON, kzalloc, kmemleak_not_leak)

from c_twins import check_c_twin


class copy(KStruct):
    a: int
    b: int


class latch(KStruct):
    seq: seqcount_latch_t
    c0: copy
    c1: copy


def latch_model(bug=None, dep=True, raw=False):
    """``bug``: None, "wrong" (copy 1 first), "skip" (no second switch)."""
    def modify(c):
        if raw:
            WRITE_ONCE(ptr(c, "a"), 1)
            WRITE_ONCE(ptr(c, "b"), 1)
        else:
            c.a = 1                 # plain: marked inside the KCSAN section
            c.b = 1

    def writer(l):
        (raw_write_seqcount_latch if raw else write_seqcount_latch_begin)(l.seq)
        modify(l.c1 if bug == "wrong" else l.c0)
        if bug != "skip":
            (raw_write_seqcount_latch if raw else write_seqcount_latch)(l.seq)
        modify(l.c0 if bug == "wrong" else l.c1)
        if not raw:
            write_seqcount_latch_end(l.seq)

    def reader(l):
        while True:
            seq = (raw_read_seqcount_latch if raw else read_seqcount_latch)(l.seq)
            c = l.c1 if seq & 1 else l.c0
            if dep:
                c = address_from(seq, c)
            if raw:
                a, b = READ_ONCE(ptr(c, "a")), READ_ONCE(ptr(c, "b"))
            else:
                a, b = c.a, c.b
            if not (raw_read_seqcount_latch_retry if raw else read_seqcount_latch_retry)(l.seq, seq):
                break
        WARN_ON(a != b)

    def main():
        l = kzalloc(latch)
        seqcount_latch_init(l.seq)
        l.c0 = kzalloc(copy)
        l.c1 = kzalloc(copy)
        for o in (l, l.c0, l.c1):
            kmemleak_not_leak(o)
        spawn(writer, l, name="writer")
        spawn(reader, l, name="reader")
    return main


def _check(main_fn, mm, want):
    res = kcheck.check(main_fn(), memory_model=mm)
    if want is None:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
        return
    assert res.bug is not None and res.bug.kind == want, res.format()
    assert "WARN_ON" in res.bug.message and "test_kernel_latch.py:" in res.bug.message
    again = kcheck.replay(main_fn(), res.bug.schedule, memory_model=mm)
    assert again.bug is not None and again.bug.kind == want


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("raw", [False, True], ids=["instrumented", "raw"])
@pytest.mark.parametrize("bug", [None, "wrong", "skip"], ids=["latch", "wrong-copy", "one-switch"])
def test_latch_twins(bug, raw, mm):
    _check(lambda: latch_model(bug, raw=raw), mm, None if bug is None else "warn")


def test_latch_reader_needs_its_address_dependency_under_lkmm():
    _check(lambda: latch_model(None, dep=False, raw=True), "sc", None)
    _check(lambda: latch_model(None, dep=False, raw=True), "lkmm", "warn")


class sc_data(KStruct):
    s: seqcount_t
    x: int
    y: int


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_raw_write_seqcount_barrier_orders_and_invalidates(mm):
    """The kernel's example: writer ``x = true; raw_write_seqcount_barrier(); y =
    false``; a reader whose retry passes never sees both false... here: never
    sees the new ``y`` with the old ``x``."""
    def writer(d):
        WRITE_ONCE(ptr(d, "x"), 1)
        raw_write_seqcount_barrier(d.s)
        WRITE_ONCE(ptr(d, "y"), 1)

    def reader(d):
        while True:
            seq = raw_read_seqcount_begin(d.s)
            y = READ_ONCE(ptr(d, "y"))
            x = READ_ONCE(ptr(d, "x"))
            if not read_seqcount_retry(d.s, seq):
                break
        WARN_ON(y and not x)

    def main():
        d = sc_data()
        spawn(writer, d, name="writer")
        spawn(reader, d, name="reader")
    res = kcheck.check(main, memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


C_LATCH = r"""
#include <linux/kernel.h>
#include <linux/seqlock.h>
#include <pthread.h>

struct data { int a, b; };
struct latch { seqcount_latch_t seq; struct data data[2]; };
static struct latch l = { .seq = SEQCNT_LATCH_ZERO(l.seq) };

static void modify(struct data *d) { d->a = 1; d->b = 1; }

static void *writer(void *arg)
{
	write_seqcount_latch_begin(&l.seq);
#ifdef WRONG_COPY
	modify(&l.data[1]);		/* the copy readers are on */
#else
	modify(&l.data[0]);
#endif
	write_seqcount_latch(&l.seq);
#ifdef WRONG_COPY
	modify(&l.data[0]);
#else
	modify(&l.data[1]);
#endif
	write_seqcount_latch_end(&l.seq);
	return NULL;
}

static void *reader(void *arg)
{
	unsigned seq;
	int a, b;

	do {
		seq = read_seqcount_latch(&l.seq);
		a = l.data[seq & 1].a;
		b = l.data[seq & 1].b;
	} while (read_seqcount_latch_retry(&l.seq, seq));
	WARN_ON(a != b);
	return NULL;
}

int main(void)
{
	pthread_t w, r;

	seqcount_latch_init(&l.seq);
	pthread_create(&w, NULL, writer, NULL);
	pthread_create(&r, NULL, reader, NULL);
	pthread_join(w, NULL);
	pthread_join(r, NULL);
	return 0;
}
"""

C_LATCH_RAW = (C_LATCH.replace("write_seqcount_latch_begin(", "raw_write_seqcount_latch(")
               .replace("\twrite_seqcount_latch_end(&l.seq);\n", "")
               .replace("\twrite_seqcount_latch(&l.seq);", "\traw_write_seqcount_latch(&l.seq);")
               .replace("read_seqcount_latch(", "raw_read_seqcount_latch(")
               .replace("read_seqcount_latch_retry(", "raw_read_seqcount_latch_retry(")
               .replace("raw_raw_", "raw_")
               .replace("d->a = 1; d->b = 1;", "WRITE_ONCE(d->a, 1); WRITE_ONCE(d->b, 1);")
               .replace("a = l.data[seq & 1].a;", "a = READ_ONCE(l.data[seq & 1].a);")
               .replace("b = l.data[seq & 1].b;", "b = READ_ONCE(l.data[seq & 1].b);"))


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("src", [C_LATCH, C_LATCH_RAW], ids=["instrumented", "raw"])
@pytest.mark.parametrize("bad", [False, True], ids=["latch", "wrong-copy"])
def test_c_latch_twin(tmp_path, src, bad, mm):
    assert "raw_write_seqcount_latch" in C_LATCH_RAW and "raw_read_seqcount_latch_retry" in C_LATCH_RAW
    check_c_twin(tmp_path, src, "WRONG_COPY", bad, mm, ("warn",), "WARN_ON", name="latch.c")
