"""A C local whose address another task was given ends when its function
returns: a task that still uses it is a use-after-free (KASAN's
stack-use-after-return), in kernel terms the on-stack completion a waiter gave
up on, the on-stack work item nobody flushed, the on-stack timer nobody
deleted synchronously.  Each buggy harness has a fixed twin that must be clean
and exhaustive, under SC and under the LKMM."""

import pytest

import kcheck
import kcheck.c

COMPLETION = r"""
#include <linux/completion.h>
#include <linux/kthread.h>

struct req { struct completion done; int result; };

static int worker(void *arg)
{
	struct req *r = arg;

	r->result = 1;
	complete(&r->done);
	return 0;
}

static void submit(void)
{
	struct req r;

	init_completion(&r.done);
	kthread_run(worker, &r, "worker");
#if FIXED
	wait_for_completion(&r.done);
#else
	wait_for_completion_timeout(&r.done, 1);	/* may give up */
#endif
}

int main(void)
{
	submit();
	return 0;
}
"""

WORK = r"""
#include <linux/workqueue.h>
#include <pthread.h>

struct flush_req { struct work_struct work; int done; };

static void fn(struct work_struct *w)
{
	struct flush_req *r = container_of(w, struct flush_req, work);

	r->done = 1;
}

static void *caller(void *arg)
{
	struct flush_req req;

	INIT_WORK_ONSTACK(&req.work, fn);
	schedule_work(&req.work);
#if FIXED
	flush_work(&req.work);
#endif
	destroy_work_on_stack(&req.work);
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, caller, NULL);
	pthread_join(t, NULL);
	return 0;
}
"""

TIMER = r"""
#include <linux/timer.h>
#include <linux/jiffies.h>

struct watchdog { struct timer_list timer; int fired; };

static void expire(struct timer_list *t)
{
	struct watchdog *w = from_timer(w, t, timer);

	w->fired = 1;
}

static void wait_a_bit(void)
{
	struct watchdog w = { .fired = 0 };

	timer_setup_on_stack(&w.timer, expire, 0);
	mod_timer(&w.timer, jiffies + 1);
#if FIXED
	del_timer_sync(&w.timer);
#else
	del_timer(&w.timer);		/* the callback may be running */
#endif
	destroy_timer_on_stack(&w.timer);
}

int main(void)
{
	wait_a_bit();
	return 0;
}
"""

CASES = {"completion": COMPLETION, "work": WORK, "timer": TIMER}


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("fixed", [0, 1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_local_used_after_its_function_returned(tmp_path, name, fixed, mm):
    f = tmp_path / f"{name}.c"
    f.write_text(CASES[name])
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"FIXED={fixed}"]).entry, memory_model=mm)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
        return
    assert r.bug is not None and r.bug.kind == "use-after-free", r.format()
    flat = " ".join(r.bug.trace.split())
    if mm == "sc":      # (an LKMM trace shows the po | rf past of the access only)
        assert "returns:" in flat and "goes out" in flat, r.bug.trace
    assert "stack-use-after-return" in r.bug.message, r.bug.message


PRIVATE = r"""
#include <linux/spinlock.h>
#include <pthread.h>

static DEFINE_SPINLOCK(lock);
static int total;

static void add(int *v)
{
	spin_lock(&lock);
	total += *v;
	spin_unlock(&lock);
}

static void *task(void *arg)
{
	int local = 1;		/* its address only reaches this task's own calls */

	add(&local);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, task, NULL);
	pthread_create(&b, NULL, task, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
"""


def test_a_local_only_its_own_task_uses_is_no_bug_and_no_event(tmp_path):
    """No false alarm, and no cost: a local no other task sees makes no events,
    so the count is that of the same program with a global per task."""
    f = tmp_path / "private.c"
    f.write_text(PRIVATE)
    r = kcheck.check(kcheck.c.load(str(f)).entry)
    assert r.bug is None and r.exhaustive, r.format()
    assert r.executions == 2


HANDED_BACK = r"""
#include <pthread.h>
#include <linux/compiler.h>

static void *reader(void *arg)
{
	return (void *)(long)READ_ONCE(*(int *)arg);
}

static void run_and_wait(void)
{
	int v = 1;
	pthread_t t;

	pthread_create(&t, NULL, reader, &v);
#if FIXED
	pthread_join(t, NULL);
#endif
}

int main(void)
{
	run_and_wait();
	return 0;
}
"""


@pytest.mark.parametrize("fixed", [0, 1])
def test_a_thread_given_a_local_must_be_joined_before_the_return(tmp_path, fixed):
    f = tmp_path / "handed.c"
    f.write_text(HANDED_BACK)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"FIXED={fixed}"]).entry)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "use-after-free", r.format()
        assert "run_and_wait() returned" in r.bug.message and "stack-use-after-return" in r.bug.message, r.bug.message


EXITED = r"""
#include <pthread.h>
#include <linux/compiler.h>

static int *shared;

static void *owner(void *arg)
{
	int v = 1;

	WRITE_ONCE(shared, &v);
#if FIXED
	while (READ_ONCE(shared))
		cpu_relax();
#endif
	pthread_exit(NULL);	/* ends the thread: v with it */
}

static void *user(void *arg)
{
	int *p;

	while (!(p = READ_ONCE(shared)))
		cpu_relax();
	READ_ONCE(*p);
	WRITE_ONCE(shared, NULL);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, owner, NULL);
	pthread_create(&b, NULL, user, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("fixed", [0, 1])
def test_pthread_exit_ends_the_threads_locals(tmp_path, fixed):
    f = tmp_path / "exited.c"
    f.write_text(EXITED)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"FIXED={fixed}"]).entry)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "use-after-free", r.format()
        assert "owner() returned" in r.bug.message, r.bug.message


LOOP = r"""
#include <linux/completion.h>
#include <linux/workqueue.h>

struct req { struct work_struct work; struct completion done; };

static void fn(struct work_struct *w)
{
	complete(&container_of(w, struct req, work)->done);
}

int main(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct req r;		/* a new object each time round */

		INIT_WORK_ONSTACK(&r.work, fn);
		init_completion(&r.done);
		schedule_work(&r.work);
#if FIXED
		wait_for_completion(&r.done);
#else
		wait_for_completion_timeout(&r.done, 1);
#endif
		destroy_work_on_stack(&r.work);
	}
	return 0;
}
"""


@pytest.mark.parametrize("fixed", [0, 1])
def test_a_local_of_a_loop_body_ends_each_time_round(tmp_path, fixed):
    """The block's end ends it (KASAN's stack-use-after-scope), not only the
    function's return: the first round's request is gone before the second."""
    f = tmp_path / "loop.c"
    f.write_text(LOOP)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"FIXED={fixed}"]).entry)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "use-after-free", r.format()
        assert "left the block ending at line" in r.bug.message and "stack-use-after-scope" in r.bug.message, \
            r.bug.message
