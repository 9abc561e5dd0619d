"""Simple wait queues from C (linux/swait.h, the kernel's swait.c written out):
buggy/fixed twins under both memory models, and what the LKMM says about
the kernel's own swake_up_*() against a waiter that leaves without the lock."""

import pytest

import kcheck
import kcheck.c
from c_twins import check_c_twin

# A waker that tests the queue without a barrier before waking (BUGGY;
# fixed: swq_has_sleeper(), whose smp_mb() pairs with set_current_state()).
LOOKS = r"""
#include <linux/swait.h>
#include <pthread.h>

static DECLARE_SWAIT_QUEUE_HEAD(wq);
static int cond;

static void *waker(void *arg)
{
	WRITE_ONCE(cond, 1);
#ifdef BUGGY
	if (swait_active(&wq))
#else
	if (swq_has_sleeper(&wq))
#endif
		swake_up_one(&wq);
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, waker, NULL);
	swait_event_idle_exclusive(wq, READ_ONCE(cond));
	pthread_join(t, NULL);
	return 0;
}
"""

# Two waiters, one swake_up_one() (BUGGY): every swait waiter is exclusive, so
# the second sleeps on with its condition true (fixed: swake_up_all()).
TWO = r"""
#include <linux/swait.h>
#include <pthread.h>

static DECLARE_SWAIT_QUEUE_HEAD(wq);
static int go;

static void *waiter(void *arg)
{
	swait_event_exclusive(wq, READ_ONCE(go));
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, waiter, NULL);
	pthread_create(&b, NULL, waiter, NULL);
	WRITE_ONCE(go, 1);
#ifdef BUGGY
	swake_up_one(&wq);
#else
	swake_up_all(&wq);
#endif
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
"""

# A kthread that sleeps on a simple wait queue between rounds and is stopped;
# IDLE: swait_event_idle_exclusive() with kthread_should_stop() in the
# condition, else the interruptible form, which kthread_stop()'s signal ends
# with -ERESTARTSYS.
KTHREAD = r"""
#include <linux/swait.h>
#include <linux/kthread.h>
#include <linux/bug.h>

static DECLARE_SWAIT_QUEUE_HEAD(wq);
static int work;

static int fn(void *arg)
{
	while (!kthread_should_stop()) {
		if (READ_ONCE(work))
			WRITE_ONCE(work, 0);
#ifdef IDLE
		swait_event_idle_exclusive(wq, READ_ONCE(work) || kthread_should_stop());
#else
		if (swait_event_interruptible_exclusive(wq, READ_ONCE(work)))
			WARN_ON(!kthread_should_stop());
#endif
	}
	return 0;
}

int main(void)
{
	struct task_struct *t = kthread_run(fn, NULL, "k");

	WRITE_ONCE(work, 1);
	swake_up_one(&wq);
#ifdef NOSTOP
	return 0;
#endif
	kthread_stop(t);
	return 0;
}
"""


@pytest.mark.parametrize("bad", [True, False])
def test_a_lockless_look_at_the_queue_needs_swq_has_sleeper_under_the_lkmm(tmp_path, bad):
    check_c_twin(tmp_path, LOOKS, "BUGGY", False, "sc", (), "")
    if bad:     # under SC the buggy build is clean too: the race needs store buffering
        f = tmp_path / "sb.c"
        f.write_text(LOOKS)
        res = kcheck.check(kcheck.c.load(str(f), defines=("BUGGY",)).entry)
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    check_c_twin(tmp_path, LOOKS, "BUGGY", bad, "lkmm", ("lost-wakeup",),
                 "main sleeps in schedule()")


@pytest.mark.parametrize("bad", [True, False])
def test_swake_up_one_wakes_one_waiter(tmp_path, bad):
    check_c_twin(tmp_path, TWO, "BUGGY", bad, "sc", ("deadlock", "lost-wakeup"),
                 "nobody calls wake_up_process")


def test_a_buggy_twin_is_buggy_under_the_lkmm_too(tmp_path):
    """SC executions are LKMM executions: the hang is found under the LKMM too."""
    check_c_twin(tmp_path, TWO, "BUGGY", True, "lkmm", ("deadlock", "lost-wakeup"),
                 "nobody calls wake_up_process")


@pytest.mark.parametrize("form", ["", "IDLE"])
def test_a_kthread_sleeping_on_a_simple_wait_queue_is_stopped(tmp_path, form):
    f = tmp_path / "k.c"
    f.write_text(KTHREAD)
    res = kcheck.check(kcheck.c.load(str(f), defines=(form,) if form else ()).entry)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()
    # without kthread_stop() it sleeps for ever once the work is done: a hang
    nostop = kcheck.check(kcheck.c.load(str(f), defines=("NOSTOP",) + ((form,) if form else ())).entry)
    assert nostop.bug is not None and nostop.bug.kind in ("deadlock", "lost-wakeup", "leak"), \
        nostop.format()


@pytest.mark.parametrize("source,define", [(KTHREAD, "IDLE"), (TWO, "NONE")])
def test_the_kernels_swake_up_races_a_waiter_leaving_without_the_lock_under_the_lkmm(
        tmp_path, source, define):
    """swake_up_locked() and swake_up_all() wake the waiter, then
    list_del_init() its on-stack entry; finish_swait() of a waiter that finds
    the entry empty (list_empty_careful()) returns without the lock.  The
    waker's plain loads of the entry in __list_del_entry() are ordered before
    that return by nothing the LKMM knows (coherence keeps them from seeing
    the reused stack on real CPUs, but the LKMM flags an unbounded plain
    access): kcheck reports a stack use-after-return, under the LKMM only.
    Wait queues had the same shape until list_del_init_careful() (v5.9),
    whose release store orders those loads; swait.c still uses
    list_del_init() (v6.18).  With the careful form the run is clean."""
    f = tmp_path / "t.c"
    f.write_text(source)
    entry = kcheck.c.load(str(f), defines=(define,)).entry
    assert kcheck.check(entry, memory_model="sc").verdict == "no-bug"
    res = kcheck.check(entry, memory_model="lkmm")
    assert res.bug is not None and res.bug.kind == "use-after-free", res.format()
    assert "list_del_init" in res.bug.message and "scope ended" in res.bug.message
    assert kcheck.replay(entry, res.bug.schedule, memory_model="lkmm").bug.kind == "use-after-free"

    import pathlib
    header = (pathlib.Path(kcheck.c.__file__).parent / "include/linux/swait.h").read_text()
    careful = header.replace("list_del_init(&curr->task_list);",
                             "list_del_init_careful(&curr->task_list);")
    assert careful.count("list_del_init_careful") == 2
    (tmp_path / "careful_swait.h").write_text(careful)
    f.write_text(source.replace("#include <linux/swait.h>", '#include "careful_swait.h"'))
    ok = kcheck.check(kcheck.c.load(str(f), defines=(define,)).entry, memory_model="lkmm")
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()
