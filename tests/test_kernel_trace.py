"""One kernel operation, one trace line (kernel/_core.op, report/text.py, report/html.py).

A primitive marks the events it makes; a traced replay records the ranges;
the text trace prints the operation's name when its steps are together and
marks each step with it when another task cuts in; the HTML report folds
them into one box that expands.  Outside traced runs nothing is recorded."""

import kcheck
from kcheck import spawn, join
from kcheck.engine.explore import TruSt
from kcheck.kernel import (KStruct, list_head, list_add_tail_rcu, list_del_rcu, list_del,
                           list_for_each_entry_rcu, rcu_read_lock, rcu_read_unlock, kzalloc, kfree,
                           READ_ONCE, ptr, spinlock_t, spin_lock_irqsave, spin_unlock_irqrestore,
                           wait_queue_head_t, wait_event, wake_up, WRITE_ONCE, synchronize_rcu)
from kcheck.report.html import render_report


class item(KStruct):
    link: list_head
    val: int


class box(KStruct):
    head: list_head
    lock: spinlock_t


def _model(remove, wait=False):
    def main():
        b = box()
        its = [kzalloc(item, val=i) for i in range(2)]
        for it in its:                       # main() builds the list: initial state
            list_add_tail_rcu(it.link, b.head)

        def reader(b):
            rcu_read_lock()
            for e in list_for_each_entry_rcu(b.head, "link"):
                READ_ONCE(ptr(e, "val"))
            rcu_read_unlock()

        def remover(b):
            f = spin_lock_irqsave(b.lock)
            remove(its[0].link)
            list_del_rcu(its[1].link)
            spin_unlock_irqrestore(b.lock, f)
            if wait:
                synchronize_rcu()
            kfree(its[0])
            kfree(its[1])
        spawn(reader, b, name="reader")
        spawn(remover, b, name="remover")
    return main


def test_untraced_runs_record_no_operations():
    runs = []
    d = TruSt(_model(list_del_rcu, wait=True), on_complete=runs.append)
    d.run()
    assert d.bug_run is None and len(runs) > 1
    assert all(not getattr(r, "op_groups", None) for r in runs)


def test_text_trace_folds_each_operation():
    res = kcheck.check(_model(list_del_rcu))
    assert res.bug.kind == "use-after-free"
    lines = [ln for ln in res.bug.trace.splitlines() if "list_del_rcu(&item#0->link)" in ln]
    assert len(lines) == 1
    assert "item#0->link.next" not in res.bug.trace.split("list_del_rcu(&item#0->link)")[1]
    assert "spin_lock_irqsave(&box#0->lock)" in res.bug.trace
    assert "LIST_POISON2" not in res.bug.trace


def test_a_bug_inside_an_operation_marks_its_line():
    res = kcheck.check(_model(list_del, wait=True))
    assert res.bug.kind == "gpf"
    marked = [ln for ln in res.bug.trace.splitlines() if ln.startswith(">>") and "!!" not in ln]
    assert marked and "list_for_each_entry_rcu" in marked[0]


class dev(KStruct):
    cond: int
    wq: wait_queue_head_t


def test_an_interleaved_operation_shows_its_steps_each_marked():
    from kcheck.report.text import format_trace

    def sleeper(d):
        wait_event(d.wq, lambda: READ_ONCE(ptr(d, "cond")))

    def waker(d):
        WRITE_ONCE(ptr(d, "cond"), 1)
        wake_up(d.wq)

    def main():
        d = dev()
        spawn(sleeper, d, name="sleeper")
        spawn(waker, d, name="waker")
    traces = []
    # every execution traced: some interleave the waker's wake_up() with the
    # sleeper's prepare_to_wait_event(), others keep each in one piece
    d = TruSt(main, trace=True, on_complete=lambda run: traces.append(format_trace(run, None)))
    d.run()
    assert d.bug_run is None and len(traces) > 2
    split = [t for t in traces if "[in " in t]
    whole = [t for t in traces if "[in " not in t]
    assert split and whole
    assert any("[in prepare_to_wait_event(&dev#0->wq, TASK_UNINTERRUPTIBLE)]" in t
               or "[in wake_up(&dev#0->wq)" in t for t in split)
    assert any("prepare_to_wait_event(&dev#0->wq," in t for t in whole)


def test_html_folds_and_expands():
    res = kcheck.check(_model(list_del_rcu))
    page = render_report(res)
    assert "list_del_rcu(&amp;item#0-&gt;link)" in page
    assert page.count("<details><summary>") >= 2
    assert "5 steps" in page                         # list_del_rcu: 2 loads, 3 stores


class bucket(KStruct):
    head: list_head
    lock: spinlock_t


def test_an_emptiness_test_shows_its_answer_not_the_pointer():
    """``list_empty()`` reads ``head->next``; the trace says what the test
    answered (C traces too: the step keeps the C source text)."""
    from kcheck.kernel import INIT_LIST_HEAD, list_add, list_del_init, list_empty, spin_lock, spin_unlock

    def main():
        b = kzalloc(bucket)
        INIT_LIST_HEAD(b.head)
        it = kzalloc(item)
        list_add(it.link, b.head)

        def reader():
            spin_lock(b.lock)
            list_empty(b.head)
            spin_unlock(b.lock)
            WRITE_ONCE(ptr(it, "val"), 1)

        def remover():
            spin_lock(b.lock)
            list_del_init(it.link)
            spin_unlock(b.lock)
            kfree(it)
        spawn(reader, name="reader")
        spawn(remover, name="remover")

    res = kcheck.check(main)
    assert res.bug.kind == "use-after-free"
    assert "list_empty(&bucket#0->head) = " in res.bug.trace
    line = [ln for ln in res.bug.trace.splitlines() if "list_empty(" in ln][0]
    assert ("= false" in line) != ("= true" in line)      # the answer, whichever the trace ran
    assert "= &bucket" not in line


LIST_EMPTY_C = r"""
#include <linux/list.h>
#include <linux/bug.h>
struct s { int a; struct list_head l; };
static LIST_HEAD(h);
int main(void)
{
	struct s w;
	INIT_LIST_HEAD(&w.l);
	if (list_empty(&w.l))			/* true: INIT_LIST_HEAD() */
		list_add_tail(&w.l, &h);
	WARN_ON(list_empty(&h));		/* false: w is on it */
	list_del_init(&w.l);
	WARN_ON(!list_empty(&h));		/* true: LIST_HEAD() and the unlink */
	return 0;
}
"""


def test_an_emptiness_test_of_a_c_list_head_shows_what_it_answered(tmp_path):
    """A C list_head is empty when its next holds its own address: the trace
    read ``list_empty(&w.l) = false`` after INIT_LIST_HEAD() (the answer of a
    Python list_head's test was compared with the location's initial value,
    which a C head never has), 2026-12-03."""
    import kcheck.c
    f = tmp_path / "le.c"
    f.write_text(LIST_EMPTY_C.replace("WARN_ON(!list_empty(&h));", "WARN_ON(list_empty(&h));"))
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None and res.bug.kind == "warn", res.format()
    answers = [ln.split(" = ")[-1].strip() for ln in res.bug.trace.splitlines() if "list_empty(" in ln]
    assert answers == ["true", "false", "true"], res.bug.trace
    f.write_text(LIST_EMPTY_C)
    assert kcheck.check(kcheck.c.load(str(f)).entry).verdict == "no-bug"


def test_implicit_rcu_sections_make_no_rcu_steps():
    """A timer function's run and a bottom-halves-off region are RCU read-side
    sections (v4.20+) with no rcu_read_lock() in the kernel's code: the trace
    shows the kernel's own steps, not an rcu_read_lock()/rcu_read_unlock()."""
    from kcheck.kernel import (timer_list, timer_setup, mod_timer, del_timer, spin_lock_bh,
                               spin_unlock_bh, from_timer)

    class dev(KStruct):
        t: timer_list
        lock: spinlock_t
        val: int

    def main():
        d = kzalloc(dev)

        def fire(t):
            WRITE_ONCE(ptr(from_timer(d, t, "t"), "val"), 1)
        timer_setup(d.t, fire, 0)

        def user():
            spin_lock_bh(d.lock)
            WRITE_ONCE(ptr(d, "val"), 2)
            spin_unlock_bh(d.lock)
            mod_timer(d.t, 1)

        u = spawn(user, name="user")

        def remover():
            join(u)
            del_timer(d.t)           # not _sync: the function may be running
            kfree(d)
        spawn(remover, name="remover")

    res = kcheck.check(main)
    assert res.bug.kind == "use-after-free"
    assert "spin_unlock_bh(&dev#0->lock)" in res.bug.trace and "timer" in res.bug.trace
    assert "rcu_read_lock" not in res.bug.trace and "rcu_read_unlock" not in res.bug.trace


def test_a_steps_held_locks_follow_rwlock_read_sections():
    """The locks each step of a bug's trace shows held (the HTML report's, and
    --json's): a read section's lock is gone at its read_unlock(), nested read
    holds in interrupt context count once each, and a writer's marks of the
    reader words are not locks.  (Until 2026-12-02 the dynamic contexts' reader
    word was listed as held by every writer.)"""
    import kcheck
    from kcheck import spawn
    from kcheck.kernel import (DEFINE_RWLOCK, atomic_t, atomic_set, read_lock, read_unlock,
                               write_lock, write_unlock, local_bh_disable, local_bh_enable, WARN_ON)

    def main():
        lock, a = DEFINE_RWLOCK(), atomic_t()

        def t():
            read_lock(lock)
            atomic_set(a, 1)
            read_unlock(lock)
            local_bh_disable()
            read_lock(lock)
            read_lock(lock)
            read_unlock(lock)
            atomic_set(a, 2)
            read_unlock(lock)
            local_bh_enable()
            write_lock(lock)
            atomic_set(a, 3)
            write_unlock(lock)
            WARN_ON(1)
        spawn(t, name="t")
    res = kcheck.check(main)
    held = [(s["op"], len(s["locks"])) for s in res.bug.events]
    assert held == [("read_lock", 1), ("atomic_set", 1), ("read_unlock", 0),
                    ("read_lock", 1), ("read_lock", 2), ("read_unlock", 1), ("atomic_set", 1),
                    ("read_unlock", 0), ("write_lock", 1), ("atomic_set", 1),
                    ("write_unlock", 0)], held


COMPLETE_AFTER_FREE_C = r"""
#include <linux/completion.h>
#include <linux/slab.h>
#include <pthread.h>

struct req { struct completion done; int v; };

static void *worker(void *arg)
{
	struct req *r = arg;
	complete(&r->done);
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct req *r = kzalloc(sizeof(*r), GFP_KERNEL);
	init_completion(&r->done);
	pthread_create(&t, NULL, worker, r);
	wait_for_completion_timeout(&r->done, 10);	/* gives up, and frees */
	kfree(r);
	return 0;
}
"""


def test_a_use_after_free_is_named_after_the_kernel_call_the_trace_shows(tmp_path):
    """The worker's complete() meets the freed request: the message names
    complete(), as the trace's line does, not the spin_lock() inside it
    (noticed 2026-12-02, named so since 2026-12-03)."""
    import kcheck.c
    f = tmp_path / "comp.c"
    f.write_text(COMPLETE_AFTER_FREE_C)
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None and res.bug.kind == "use-after-free", res.format()
    assert res.bug.message.startswith("complete(&req#0->done) on req#0 by worker can run after"), \
        res.bug.message


def test_a_use_after_free_met_inside_a_kernel_call_names_the_call_too(tmp_path):
    """complete() on a freed request, in the task that freed it: the access is
    met inside complete() and the message says so before naming it."""
    import kcheck.c
    f = tmp_path / "comp2.c"
    f.write_text(COMPLETE_AFTER_FREE_C.replace(
        "\twait_for_completion_timeout(&r->done, 10);\t/* gives up, and frees */\n\tkfree(r);",
        "\tkfree(r);\n\tcomplete(&r->done);"))
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert res.bug is not None and res.bug.kind == "use-after-free", res.format()
    assert res.bug.message.startswith("complete(&req#0->done): spin_lock("), res.bug.message
