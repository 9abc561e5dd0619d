"""Harnesses: C main() with pthreads, cut where its tasks start (objects built
before the first pthread_create are the initial state; what follows a thread
start runs concurrently with it, as C means), and Python main()s calling C
functions on C objects (kcheck.c.load)."""

import pytest

import kcheck
import kcheck.c
from kcheck.kernel import spin_lock, spin_unlock

AFTER_CREATE = r"""
#include <linux/kernel.h>
#include <pthread.h>

static int x;

static void *reader(void *arg)
{
	WARN_ON(READ_ONCE(x) == 0);
	return NULL;
}

int main(void)
{
	pthread_t t;

	WRITE_ONCE(x, BEFORE);		/* before any task: the initial state */
	pthread_create(&t, NULL, reader, NULL);
	WRITE_ONCE(x, 1);		/* after it: concurrent with the reader */
	pthread_join(t, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("before,want", [(0, "warn"), (2, "no-bug")])
def test_main_is_cut_where_tasks_start(tmp_path, before, want):
    f = tmp_path / "main.c"
    f.write_text(AFTER_CREATE)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"BEFORE={before}"]).entry)
    got = r.bug.kind if r.bug else "no-bug"
    assert got == want, r.format()
    if want == "warn":
        assert r.bug.task == "reader"


NAMES = r"""
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <kcheck.h>
#include <pthread.h>

static atomic_t n;

static __kcheck_setup void *boot(void *arg) { atomic_inc(&n); return NULL; }
static void *worker(void *arg) { atomic_inc(&n); return NULL; }
static void *spawner(void *arg)
{
	pthread_t t;

	pthread_create(&t, NULL, worker, NULL);	/* a task started by a task */
	pthread_join(t, NULL);
	return NULL;
}

int main(void)
{
	pthread_t t[4];

	pthread_create(&t[0], NULL, boot, NULL);
	pthread_create(&t[1], NULL, worker, NULL);
	pthread_create(&t[2], NULL, worker, NULL);
	pthread_create(&t[3], NULL, spawner, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_join(t[2], NULL);
	pthread_join(t[3], NULL);
	BUG_ON(atomic_read(&n) != 4);
	return 0;
}
"""


def test_task_names_setup_and_dynamic_tasks(tmp_path):
    from kcheck.engine import runtime as rt
    f = tmp_path / "names.c"
    f.write_text(NAMES)
    prog = kcheck.c.load(str(f))
    seen = {}

    def main():
        prog.entry()
        for t in rt.CURRENT.tasks:
            seen[t.name] = t.setup
    r = kcheck.check(main)
    assert r.bug is None and r.exhaustive
    assert seen == {"boot": True, "worker1": False, "worker2": False, "spawner": False,
                    "main": False}


PY_HARNESS = r"""
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/refcount.h>

struct counter {
	spinlock_t lock;
	refcount_t users;
	int value;
};

void counter_add(struct counter *c, int v)
{
	spin_lock(&c->lock);
	c->value += v;
	spin_unlock(&c->lock);
}

int counter_get(struct counter *c)
{
	return READ_ONCE(c->value);
}
"""


def test_python_main_drives_c_functions(tmp_path):
    f = tmp_path / "counter.c"
    f.write_text(PY_HARNESS)
    prog = kcheck.c.load(str(f))

    def main():
        c = prog.new("struct counter", value=5)
        t1 = kcheck.spawn(prog.counter_add, c, 1, name="add1")
        t2 = kcheck.spawn(prog.counter_add, c, 2, name="add2")
        kcheck.spawn(check, c, t1, t2, name="check")

    def check(c, *tasks):
        for t in tasks:
            kcheck.join(t)
        spin_lock(c.lock)                      # a C spinlock_t, taken from Python
        assert prog.counter_get(c) == 8 and c.value == 8
        spin_unlock(c.lock)

    r = kcheck.check(main)
    assert r.bug is None and r.exhaustive and r.executions == 2


def test_python_main_finds_a_c_race(tmp_path):
    f = tmp_path / "counter.c"
    f.write_text(PY_HARNESS.replace("spin_lock(&c->lock);", "").replace("spin_unlock(&c->lock);", ""))
    prog = kcheck.c.load(str(f))

    def main():
        c = prog.new("struct counter")
        t1 = kcheck.spawn(prog.counter_add, c, 1, name="add1")
        t2 = kcheck.spawn(prog.counter_add, c, 2, name="add2")
        kcheck.spawn(check, c, t1, t2, name="check")

    def check(c, *tasks):
        for t in tasks:
            kcheck.join(t)
        assert c.value == 3, "lost update"

    r = kcheck.check(main)
    assert r.bug is not None and "lost update" in r.bug.message


PTHREAD_EXIT = r"""
#include <linux/kernel.h>
#include <linux/bug.h>
#include <pthread.h>
static int x;
static void helper(void) { pthread_exit((void *)7); }
static void *t(void *a) { WRITE_ONCE(x, 1); helper(); WRITE_ONCE(x, 2); return NULL; }
int main(void)
{
	pthread_t a;
	void *ret;

	pthread_create(&a, NULL, t, NULL);
	pthread_join(a, &ret);
	WARN_ON(READ_ONCE(x) != WANT || ret != (void *)7);
	return 0;
}
"""


@pytest.mark.parametrize("want,verdict", [(1, "no-bug"), (2, "bug")])
def test_pthread_exit_ends_the_task_from_a_nested_call(tmp_path, want, verdict):
    """pthread_exit() was undeclared; it unwinds the task, whose pthread_join()
    gets its value."""
    f = tmp_path / "pe.c"
    f.write_text(PTHREAD_EXIT)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"WANT={want}"]).entry)
    assert r.verdict == verdict, r.format()


QUEUE_BEFORE_THREADS = r"""
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <pthread.h>

struct dev { struct work_struct work; int x; };
static struct workqueue_struct *wq;
static struct dev *d;

static void fn(struct work_struct *w) { struct dev *p = container_of(w, struct dev, work); WRITE_ONCE(p->x, 1); }
static void *t(void *a) { flush_workqueue(wq); destroy_workqueue(wq); kfree(d); return NULL; }

int main(void)
{
	pthread_t a;

	wq = alloc_workqueue("poll", 0, 0);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	INIT_WORK(&d->work, fn);
	queue_work(wq, &d->work);
	pthread_create(&a, NULL, t, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("teardown,want", [
    ("flush_workqueue(wq); destroy_workqueue(wq); kfree(d);", None),
    ("kfree(d); destroy_workqueue(wq);", "use-after-free")])
def test_a_queue_work_before_the_first_thread_keeps_the_set_up_before_it(tmp_path, teardown, want):
    """main() queues work on its own queue, then starts a thread: the set-up
    before the queue_work() (alloc_workqueue()) stays main()'s set-up.  main()
    was made a task from its first statement, and alloc_workqueue() in a task
    is a model error that blamed the queue's creation (a review)."""
    f = tmp_path / "qw.c"
    f.write_text(QUEUE_BEFORE_THREADS.replace(
        "flush_workqueue(wq); destroy_workqueue(wq); kfree(d);", teardown))
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    assert (res.bug.kind if res.bug else None) == want, res.format()
    assert want is not None or res.exhaustive


SETUP_FREES = r"""
#include <linux/kernel.h>
#include <linux/slab.h>
#include <pthread.h>

struct obj { int v; };
static struct obj *objs[2];

static int setup(void)
{
	struct obj **tmp = kcalloc(2, sizeof(*tmp), GFP_KERNEL);
	int i;

	for (i = 0; i < 2; i++) {
		tmp[i] = kzalloc(sizeof(struct obj), GFP_KERNEL);
		objs[i] = tmp[i];
	}
#if FREE_ONE
	kfree(objs[1]);		/* a failed probe's undo, left published */
#endif
	kfree(tmp);
	return 0;
}

static void *user(void *arg)
{
	WRITE_ONCE(objs[(long)arg]->v, 1);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	setup();
	pthread_create(&a, NULL, user, (void *)0L);
	pthread_create(&b, NULL, user, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	kfree(objs[0]);
#if !FREE_ONE
	kfree(objs[1]);
#endif
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("free_one,want", [(0, None), (1, "use-after-free")])
def test_a_set_up_function_that_frees_runs_in_mains_task(tmp_path, free_one, want, mm):
    """A set-up function called before the first pthread_create() that
    kfree()s a temporary array was refused ("main() builds the initial state;
    free objects from a task"): main()'s set-up is the initial state, which
    frees nothing.  A statement that frees now starts main()'s task."""
    f = tmp_path / "setup.c"
    f.write_text(SETUP_FREES)
    res = kcheck.check(kcheck.c.load(str(f), defines=[f"FREE_ONE={free_one}"]).entry,
                       memory_model=mm)
    if want is None:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    else:
        assert res.bug is not None and res.bug.kind == want, res.format()
        assert res.bug.where == "setup.c:27" and "freed by main" in res.bug.message, res.format()
