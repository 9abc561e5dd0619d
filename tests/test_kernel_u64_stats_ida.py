"""u64_stats_sync on 64-bit (include/linux/u64_stats_sync.h) and the IDA
(lib/idr.c): a writer and a reader of u64_stats_t counters are race-free;
two tasks' ida_alloc() get distinct ids; a double ida_free() WARNs
("ida_free called for id=%d which is not allocated")."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, WARN_ON, READ_ONCE, WRITE_ONCE, ptr, u64_stats_sync, u64_stats_t,
                           u64_stats_init, u64_stats_update_begin, u64_stats_update_end,
                           u64_stats_update_begin_irqsave, u64_stats_update_end_irqrestore,
                           u64_stats_fetch_begin, u64_stats_fetch_retry, u64_stats_read,
                           u64_stats_inc, u64_stats_add, u64_stats_set, ida, DEFINE_IDA,
                           ida_init, ida_alloc, ida_alloc_min, ida_alloc_max, ida_alloc_range,
                           ida_free, ida_destroy, GFP_KERNEL, GFP_ATOMIC, spinlock_t, spin_lock,
                           spin_unlock)

from c_twins import check_c_twin


class stats(KStruct):
    syncp: u64_stats_sync
    packets: u64_stats_t
    bytes: u64_stats_t


def stats_model():
    def writer(s):
        for n in (100, 200):
            u64_stats_update_begin(s.syncp)
            u64_stats_inc(s.packets)
            u64_stats_add(s.bytes, n)
            u64_stats_update_end(s.syncp)
        flags = u64_stats_update_begin_irqsave(s.syncp)
        u64_stats_inc(s.packets)
        u64_stats_update_end_irqrestore(s.syncp, flags)

    def reader(s):
        while True:
            start = u64_stats_fetch_begin(s.syncp)
            p = u64_stats_read(s.packets)
            b = u64_stats_read(s.bytes)
            if not u64_stats_fetch_retry(s.syncp, start):
                break
        WARN_ON(p > 3 or b > 300)

    def main():
        s = stats()
        u64_stats_init(s.syncp)
        u64_stats_set(s.packets, 0)
        spawn(writer, s, name="writer")
        spawn(reader, s, name="reader")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_u64_stats_writer_and_reader_are_race_free(mm):
    res = kcheck.check(stats_model(), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


class ids_t(KStruct):
    ida: ida
    a: int
    b: int


def ida_model(double_free=False):
    def alloc(d, field):
        n = ida_alloc(d.ida, GFP_KERNEL)
        WARN_ON(n < 0)
        WRITE_ONCE(ptr(d, field), n)

    def check(d):
        a, b = READ_ONCE(ptr(d, "a")), READ_ONCE(ptr(d, "b"))
        if a >= 0 and b >= 0:
            WARN_ON(a == b)
            ida_free(d.ida, a)
            if double_free:
                ida_free(d.ida, a)

    def main():
        d = ids_t(a=-1, b=-1)
        ida_init(d.ida)
        spawn(alloc, d, "a", name="A")
        spawn(alloc, d, "b", name="B")
        spawn(check, d, name="C")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_two_tasks_get_distinct_ids(mm):
    res = kcheck.check(ida_model(), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


def test_double_ida_free_warns_and_replays():
    res = kcheck.check(ida_model(double_free=True))
    assert res.bug is not None and res.bug.kind == "warn", res.format()
    assert "ida_free called for id=" in res.bug.message and "which is not allocated" in res.bug.message
    assert "test_kernel_u64_stats_ida.py:" in res.bug.message
    again = kcheck.replay(ida_model(double_free=True), res.bug.schedule)
    assert again.bug is not None and again.bug.kind == "warn"


def test_ida_ranges_and_destroy():
    def t(i):
        WARN_ON(ida_alloc_min(i, 5, GFP_KERNEL) != 5)
        WARN_ON(ida_alloc_max(i, 1, GFP_KERNEL) != 0)
        WARN_ON(ida_alloc_max(i, 1, GFP_KERNEL) != 1)
        WARN_ON(ida_alloc_max(i, 1, GFP_KERNEL) != -28)     # -ENOSPC
        WARN_ON(ida_alloc_range(i, 5, 6, GFP_ATOMIC) != 6)
        WARN_ON(ida_alloc_range(i, 0x80000000, ~0, GFP_KERNEL) != -28)
        ida_destroy(i)
        WARN_ON(ida_alloc(i, GFP_KERNEL) != 0)

    def main():
        spawn(t, DEFINE_IDA(), name="t")
    res = kcheck.check(main)
    assert res.verdict == "no-bug", res.format()


def test_ida_alloc_gfp_kernel_may_sleep():
    class D(KStruct):
        lock: spinlock_t
        ida: ida

    def t(d):
        spin_lock(d.lock)
        ida_alloc(d.ida, GFP_KERNEL)
        spin_unlock(d.lock)

    def main():
        d = D()
        ida_init(d.ida)
        spawn(t, d, name="t")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "sleep-in-atomic", res.format()


C_STATS_IDA = r"""
#include <linux/kernel.h>
#include <linux/u64_stats_sync.h>
#include <linux/idr.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <pthread.h>

struct pcpu_stats {
	u64_stats_t packets;
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
};

static struct pcpu_stats st;
static DEFINE_IDA(my_ida);
static int a = -1, b = -1;

static void *writer(void *arg)
{
	unsigned long flags;

	u64_stats_update_begin(&st.syncp);
	u64_stats_inc(&st.packets);
	u64_stats_add(&st.bytes, 1500);
	u64_stats_update_end(&st.syncp);
	flags = u64_stats_update_begin_irqsave(&st.syncp);
	u64_stats_inc(&st.packets);
	u64_stats_update_end_irqrestore(&st.syncp, flags);
	WRITE_ONCE(a, ida_alloc(&my_ida, GFP_KERNEL));
	return NULL;
}

static void *reader(void *arg)
{
	unsigned int start;
	u64 p, by;

	do {
		start = u64_stats_fetch_begin(&st.syncp);
		p = u64_stats_read(&st.packets);
		by = u64_stats_read(&st.bytes);
	} while (u64_stats_fetch_retry(&st.syncp, start));
	WARN_ON(p > 2 || by > 1500);
	WRITE_ONCE(b, ida_alloc_min(&my_ida, 0, GFP_KERNEL));
	return NULL;
}

static void *checker(void *arg)
{
	int x = READ_ONCE(a), y = READ_ONCE(b);

	if (x >= 0 && y >= 0) {
		WARN_ON(x == y);
		ida_free(&my_ida, x);
#ifdef DOUBLE_FREE
		ida_free(&my_ida, x);
#endif
	}
	return NULL;
}

int main(void)
{
	pthread_t t1, t2, t3;

	u64_stats_init(&st.syncp);
	pthread_create(&t1, NULL, writer, NULL);
	pthread_create(&t2, NULL, reader, NULL);
	pthread_create(&t3, NULL, checker, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("double", [False, True], ids=["clean", "double-ida_free"])
def test_u64_stats_and_ida_from_c(tmp_path, mm, double):
    check_c_twin(tmp_path, C_STATS_IDA, "DOUBLE_FREE", double, mm, ("warn",),
                 "ida_free called for id=", name="stats.c")
