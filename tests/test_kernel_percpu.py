"""Per-CPU variables (kernel/percpu.py): each bug with its fix, as a twin."""

import pytest

import kcheck
from kcheck import spawn, join
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, ptr, DEFINE_PER_CPU, alloc_percpu,
                           free_percpu, per_cpu, this_cpu_ptr, this_cpu_inc, 
                           __this_cpu_inc, __this_cpu_read, __this_cpu_write,
                           smp_processor_id, raw_smp_processor_id, get_cpu, put_cpu,
                           for_each_possible_cpu, set_nr_cpu_ids, preempt_disable, preempt_enable,
                           local_irq_disable, local_irq_enable, local_bh_disable, local_bh_enable,
                           spinlock_t, spin_lock, spin_unlock, request_irq, free_irq, IRQ_HANDLED,
                           timer_list, timer_setup, mod_timer, del_timer_sync)


def _sum(var):
    return sum(READ_ONCE(per_cpu(var, c)) for c in for_each_possible_cpu())


# How each of two tasks adds one to a per-CPU counter; a checker then sums it.
INCREMENTS = {
    "this_cpu_inc": (lambda cnt, l: this_cpu_inc(cnt), "no-bug"),
    "preempt_disable": (lambda cnt, l: (preempt_disable(), __this_cpu_inc(cnt), preempt_enable()),
                        "no-bug"),
    "get_cpu": (lambda cnt, l: (get_cpu(), __this_cpu_inc(cnt), put_cpu()), "no-bug"),
    "spin_lock": (lambda cnt, l: (spin_lock(l), __this_cpu_inc(cnt), spin_unlock(l)), "no-bug"),
    "local_bh_disable": (lambda cnt, l: (local_bh_disable(), __this_cpu_inc(cnt), local_bh_enable()),
                         "no-bug"),
    # __this_cpu_inc() in preemptible code: CONFIG_DEBUG_PREEMPT's splat
    "preemptible": (lambda cnt, l: __this_cpu_inc(cnt), "preemptible-percpu"),
    # read in one preempt-off region, written back in the next: another task on
    # the same CPU runs in between and its increment is lost
    "two-regions": (lambda cnt, l: _two_regions(cnt), "warn"),
}


def _two_regions(cnt):
    preempt_disable()
    v = __this_cpu_read(cnt)
    preempt_enable()
    preempt_disable()
    __this_cpu_write(cnt, v + 1)
    preempt_enable()


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("name", sorted(INCREMENTS))
def test_a_per_cpu_counter_of_two_tasks(name, mm):
    inc, want = INCREMENTS[name]

    def main():
        cnt = DEFINE_PER_CPU(int, "cnt")
        lock = spinlock_t()
        a = spawn(inc, cnt, lock, name="a")
        b = spawn(inc, cnt, lock, name="b")

        def check():
            join(a)
            join(b)
            WARN_ON(_sum(cnt) != 2)
        spawn(check, name="check")
    res = kcheck.check(main, memory_model=mm)
    assert (res.bug.kind if res.bug else "no-bug") == want, res.format()
    assert res.bug is not None or res.exhaustive


class fired(KStruct):
    n: int


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("how,want", [("local_irq_disable", "no-bug"), ("this_cpu_inc", "no-bug"),
                                      ("preempt_disable", "warn")])
def test_an_interrupt_on_the_same_cpu(how, want, mm):
    """An interrupt handler's __this_cpu_inc() lands between the load and the
    store of a task's __this_cpu_inc() that only disabled preemption."""
    def main():
        cnt = DEFINE_PER_CPU(int, "cnt")
        f = fired()

        def handler(irq, dev):
            __this_cpu_inc(cnt)
            WRITE_ONCE(ptr(f, "n"), 1)
            return IRQ_HANDLED
        request_irq(1, handler, 0, "dev", None)

        def t():
            if how == "local_irq_disable":
                local_irq_disable()
                __this_cpu_inc(cnt)
                local_irq_enable()
            elif how == "preempt_disable":
                preempt_disable()
                __this_cpu_inc(cnt)
                preempt_enable()
            else:
                this_cpu_inc(cnt)
        a = spawn(t, name="a")

        def check():
            join(a)
            free_irq(1, None)
            WARN_ON(_sum(cnt) != 1 + READ_ONCE(ptr(f, "n")))
        spawn(check, name="check")
    res = kcheck.check(main, memory_model=mm)
    assert (res.bug.kind if res.bug else "no-bug") == want, res.format()
    assert res.bug is not None or res.exhaustive


@pytest.mark.parametrize("protect,want", [("bh", "no-bug"), ("preempt", "warn")])
def test_a_timer_on_the_same_cpu(protect, want):
    """A timer callback (softirq) cannot run inside local_bh_disable() on its
    CPU, but can inside a region that only disabled preemption."""
    def main():
        cnt = DEFINE_PER_CPU(int, "cnt")
        f = fired()
        tm = timer_list()

        def fn(t):
            __this_cpu_inc(cnt)
            WRITE_ONCE(ptr(f, "n"), 1)
        timer_setup(tm, fn, 0)

        def t():
            mod_timer(tm, 1)
            (local_bh_disable if protect == "bh" else preempt_disable)()
            __this_cpu_inc(cnt)
            (local_bh_enable if protect == "bh" else preempt_enable)()
            del_timer_sync(tm)
            WARN_ON(_sum(cnt) != 1 + READ_ONCE(ptr(f, "n")))
        spawn(t, name="t")
    res = kcheck.check(main)
    assert (res.bug.kind if res.bug else "no-bug") == want, res.format()
    assert res.bug is not None or res.exhaustive


def test_smp_processor_id_is_checked_and_raw_is_not():
    def main():
        spawn(lambda: smp_processor_id(), name="t")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "preemptible-percpu"
    assert "smp_processor_id()" in res.bug.message

    def main2():
        DEFINE_PER_CPU(int)
        spawn(lambda: raw_smp_processor_id(), name="t")
    assert kcheck.check(main2).bug is None


def test_every_cpu_is_explored():
    """With preemption disabled a task is on CPU 0 or CPU 1 (or 2), each explored."""
    def main():
        set_nr_cpu_ids(3)
        cnt = DEFINE_PER_CPU(int)

        def t():
            preempt_disable()
            __this_cpu_inc(cnt)
            preempt_enable()
        spawn(t, name="t")
    res = kcheck.check(main)
    assert res.exhaustive and res.executions == 3


def test_alloc_percpu_is_freed_or_leaks():
    class stats(KStruct):
        rx: int

    for free, want in ((True, "no-bug"), (False, "leak")):
        def main():
            def t():
                s = alloc_percpu(stats)
                this_cpu_inc(s.rx)
                if free:
                    free_percpu(s)
            spawn(t, name="t")
        res = kcheck.check(main)
        assert (res.bug.kind if res.bug else "no-bug") == want, res.format()


def test_this_cpu_ptr_of_a_per_cpu_struct_under_preempt_disable():
    class stats(KStruct):
        rx: int
        tx: int

    def main():
        s = DEFINE_PER_CPU(stats, "stats")

        def t():
            preempt_disable()
            p = this_cpu_ptr(s)
            WRITE_ONCE(ptr(p, "rx"), READ_ONCE(ptr(p, "rx")) + 1)
            preempt_enable()
        a = spawn(t, name="a")
        b = spawn(t, name="b")

        def check():
            join(a)
            join(b)
            WARN_ON(sum(READ_ONCE(ptr(per_cpu(s, c), "rx")) for c in for_each_possible_cpu()) != 2)
        spawn(check, name="check")
    res = kcheck.check(main)
    assert res.bug is None and res.exhaustive, res.format()


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("how,want", [("SAFE", "no-bug"), ("PREEMPT", "no-bug"),
                                      ("TWO", "bug-on"), ("NONE", "preemptible-percpu")])
def test_per_cpu_counters_in_c(how, want, mm):
    """linux/percpu.h: DEFINE_PER_CPU of an int and of a struct, this_cpu_*(),
    __this_cpu_*() under preempt_disable(), this_cpu_ptr(), per_cpu() and
    per_cpu_ptr(); read in one region and written back in the next (TWO: the
    task moved to the other CPU in between, or another ran on its own)."""
    import pathlib
    import kcheck.c
    src = pathlib.Path(__file__).parent / "data" / "percpu_counter.c"
    prog = kcheck.c.load(str(src), defines=[f"{how}=1"])
    res = kcheck.check(prog.entry, memory_model=mm)
    assert (res.bug.kind if res.bug else "no-bug") == want, res.format()
    assert res.bug is not None or res.exhaustive


def test_per_cpu_misuse_in_c_is_a_model_error(tmp_path):
    f = tmp_path / "bad.c"
    f.write_text("#include <linux/percpu.h>\nstatic int x;\n"
                 "int main(void) { return *per_cpu_ptr(&x, 0); }\n")
    import kcheck.c
    prog = kcheck.c.load(str(f))
    from kcheck.engine.runtime import ModelError
    with pytest.raises(ModelError, match="not a per-CPU variable"):
        kcheck.check(prog.entry)


def test_local_lock_protects_this_cpus_data_from_its_interrupt_only_with_irq():
    """local_lock() is preempt_disable(): an interrupt handler's update on the
    same CPU still lands inside; local_lock_irqsave() keeps it out."""
    from kcheck.kernel import local_lock_t, local_lock, local_unlock, local_lock_irqsave, \
        local_unlock_irqrestore

    class pcp(KStruct):
        lock: local_lock_t
        n: int

    for irqsave, want in ((False, "warn"), (True, "no-bug")):
        def main():
            s = DEFINE_PER_CPU(pcp, "pcp")
            f = fired()

            def handler(irq, dev):
                __this_cpu_inc(s.n)
                WRITE_ONCE(ptr(f, "n"), 1)
                return IRQ_HANDLED
            request_irq(1, handler, 0, "dev", None)

            def t():
                if irqsave:
                    flags = local_lock_irqsave(s.lock)
                else:
                    local_lock(s.lock)
                __this_cpu_inc(s.n)
                if irqsave:
                    local_unlock_irqrestore(s.lock, flags)
                else:
                    local_unlock(s.lock)
            a = spawn(t, name="a")

            def check():
                join(a)
                free_irq(1, None)
                WARN_ON(sum(READ_ONCE(ptr(per_cpu(s, c), "n")) for c in for_each_possible_cpu())
                        != 1 + READ_ONCE(ptr(f, "n")))
            spawn(check, name="check")
        res = kcheck.check(main)
        assert (res.bug.kind if res.bug else "no-bug") == want, res.format()


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("irq,want", [(False, "bug-on"), (True, "no-bug")])
def test_local_lock_in_c(irq, want, mm):
    """linux/local_lock.h: the same, a per-CPU struct with its local_lock_t."""
    import pathlib
    import kcheck.c
    src = pathlib.Path(__file__).parent / "data" / "local_lock_irq.c"
    res = kcheck.check(kcheck.c.load(str(src), defines=["IRQ=1"] if irq else []).entry,
                       memory_model=mm)
    assert (res.bug.kind if res.bug else "no-bug") == want, res.format()
    assert res.bug is not None or res.exhaustive


def test_no_interrupt_inside_the_interrupted_tasks_per_cpu_access():
    """One CPU: a handler reads a per-CPU word twice while the task it
    interrupted writes it with preemption off.  A handler runs to its end
    before the task goes on, so the two reads agree.  Until 2026-11-30 the
    task only waited for the CPU's hardirq word to be free and then wrote: a
    handler that started between the wait and the store saw it (a false
    WARN, found by a review)."""
    from kcheck.kernel import (DEFINE_PER_CPU, set_nr_cpu_ids, preempt_disable, preempt_enable,
                               request_irq, free_irq, IRQ_HANDLED, WARN_ON, __this_cpu_read,
                               __this_cpu_write, __this_cpu_inc)

    class pcp(KStruct):
        a: int

    class holder(KStruct):
        x: int

    V = {}

    def fn(irq, dev):
        x = __this_cpu_read(V["v"].a)
        y = __this_cpu_read(V["v"].a)
        WARN_ON(x != y)
        return IRQ_HANDLED

    def task(h):
        preempt_disable()
        __this_cpu_write(V["v"].a, 1)
        __this_cpu_inc(V["v"].a)
        preempt_enable()
        free_irq(5, h)

    def main():
        set_nr_cpu_ids(1)
        V["v"] = DEFINE_PER_CPU(pcp, "v")
        h = holder()
        request_irq(5, fn, 0, "dev", h)
        spawn(task, h, name="task")

    r = kcheck.check(main)
    assert r.verdict == "no-bug" and r.exhaustive, r.format()
