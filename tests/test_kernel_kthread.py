"""kthread_run / kthread_should_stop / kthread_stop: the thread loop that tests
kthread_should_stop() after set_current_state() stops; the one that tests it
before sleeps through kthread_stop()'s wake-up, and kthread_stop() waits for
ever - a twin under both memory models."""

import textwrap

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, ptr, kthread_run, kthread_stop,
                           kthread_should_stop, set_current_state, schedule, TASK_INTERRUPTIBLE,
                           TASK_RUNNING, TASK_UNINTERRUPTIBLE, WARN_ON, get_task_struct, put_task_struct,
                           kthread_stop_put, kthread_create, wake_up_process)


class dev(KStruct):
    work: int


def good(d):
    while True:
        set_current_state(TASK_INTERRUPTIBLE)
        if kthread_should_stop():
            break
        if READ_ONCE(ptr(d, "work")):
            set_current_state(TASK_RUNNING)
            WRITE_ONCE(ptr(d, "work"), 0)
            continue
        schedule()
    set_current_state(TASK_RUNNING)
    return 7


def bad(d):
    # kthread_should_stop() tested before the state is set: a kthread_stop() in
    # between finds the thread running and its wake-up is lost.  In
    # TASK_UNINTERRUPTIBLE that is a hang; in TASK_INTERRUPTIBLE, since v6.1
    # (a7c01fa93aeb), schedule() sees the stop as a pending signal and the loop
    # exits (``interrupted`` below).
    while not kthread_should_stop():
        set_current_state(TASK_UNINTERRUPTIBLE)
        schedule()
    return 7


def interrupted(d):
    while not kthread_should_stop():
        set_current_state(TASK_INTERRUPTIBLE)
        schedule()
    return 7


def model(threadfn, from_task=False):
    def stopper(kt, d):
        WRITE_ONCE(ptr(d, "work"), 1)
        # -EINTR: stopped before it first ran, its function never called (kthread())
        WARN_ON(kthread_stop(kt) not in (7, -4))

    def starter(d):
        stopper(kthread_run(threadfn, d, "mythread"), d)

    def main():
        d = dev()
        if from_task:
            spawn(starter, d, name="starter")
        else:
            spawn(stopper, kthread_run(threadfn, d, "mythread"), d, name="stopper")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("from_task", [False, True], ids=["from-main", "from-a-task"])
def test_a_thread_loop_and_kthread_stop(memory_model, from_task):
    ok = kcheck.check(model(good, from_task), memory_model=memory_model)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()
    ok = kcheck.check(model(interrupted, from_task), memory_model=memory_model)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()
    res = kcheck.check(model(bad, from_task), memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "deadlock", res.format()
    assert "kthread_stop" in res.bug.message
    again = kcheck.replay(model(bad, from_task), res.bug.schedule, memory_model=memory_model)
    assert again.bug is not None and again.bug.kind == "deadlock"


def busy(d):
    # schedule() in TASK_RUNNING only gives the CPU away: a busy polling loop,
    # which ends when kthread_stop() comes (it was a false livelock: the
    # explorer ran the loop to its step bound in the schedule that never lets
    # the stopper in)
    while not kthread_should_stop():
        schedule()
    return 7


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("from_task", [False, True], ids=["from-main", "from-a-task"])
def test_a_busy_loop_that_calls_schedule_stops(memory_model, from_task):
    ok = kcheck.check(model(busy, from_task), memory_model=memory_model)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()

    def nobody_stops():
        kthread_run(busy, dev(), "mythread")
    res = kcheck.check(nobody_stops, memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "deadlock", res.format()
    assert "schedule()" in res.format()


def _delays():
    from kcheck.kernel import (msleep, msleep_interruptible, usleep_range, ssleep, fsleep, udelay,
                               mdelay, cpu_relax, cond_resched)
    return {"msleep": lambda: msleep(10), "msleep_interruptible": lambda: msleep_interruptible(10),
            "usleep_range": lambda: usleep_range(10, 20), "ssleep": lambda: ssleep(1),
            "fsleep": lambda: fsleep(100), "udelay": lambda: udelay(1), "mdelay": lambda: mdelay(1),
            "cpu_relax": cpu_relax, "cond_resched": cond_resched, "schedule": schedule}


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("delay", sorted(_delays()))
def test_every_polling_delay_ends_when_any_location_it_reads_changes(memory_model, delay):
    """A kthread loop that reads two locations (its work flag, then - in the
    next test of the loop - kthread_should_stop()) and delays: its wait watches
    the last one, and a run in which the other changed is not stuck.  Each
    delay's wait was known by name, and msleep_interruptible() was missing
    from the list: a false deadlock."""
    sleep = _delays()[delay]

    def fn(d):
        while not kthread_should_stop():
            if READ_ONCE(ptr(d, "work")):
                WRITE_ONCE(ptr(d, "work"), 0)
            sleep()
        return 0

    def stopper(t, d):
        WRITE_ONCE(ptr(d, "work"), 1)
        kthread_stop(t)

    def main():
        d = dev()
        spawn(stopper, kthread_run(fn, d, "k"), d, name="stopper")
    ok = kcheck.check(main, memory_model=memory_model)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()

    def nobody_stops():
        kthread_run(fn, dev(), "k")
    res = kcheck.check(nobody_stops, memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "deadlock", res.format()
    assert "k polls" in res.bug.message, res.bug.message


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_msleep_interruptible_returns_early_once_the_kthread_is_stopped(memory_model, tmp_path):
    """kthread_stop()'s TIF_NOTIFY_SIGNAL (v6.1) ends msleep_interruptible()
    with time left: ``while (!msleep_interruptible(100));`` ends (it was a
    false livelock); the same loop in a task no one signals never does."""
    from kcheck.kernel import msleep_interruptible

    def fn(d):
        while not msleep_interruptible(100):
            pass
        return 7

    ok = kcheck.check(model(fn), memory_model=memory_model)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()

    def main():
        spawn(fn, dev(), name="plain")
    res = kcheck.check(main, memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "livelock", res.format()

    from kcheck.c import load
    f = tmp_path / "msi.c"
    f.write_text(textwrap.dedent("""\
        #include <linux/kthread.h>
        #include <linux/delay.h>

        static int fn(void *arg)
        {
        	while (!msleep_interruptible(100))
        		;
        	return 0;
        }

        int main(void)
        {
        	kthread_stop(kthread_run(fn, NULL, "k"));
        	return 0;
        }
        """))
    r = kcheck.check(load(str(f)).entry, memory_model=memory_model)
    assert r.bug is None and r.exhaustive, r.format()


def test_should_stop_outside_a_kthread_is_a_model_error():
    from kcheck.engine.runtime import ModelError

    def main():
        spawn(kthread_should_stop, name="t")
    with pytest.raises(ModelError, match="outside a thread started by kthread_run"):
        kcheck.check(main)


# -- the task_struct's lifetime ------------------------------------------------------

def exits_early(d):
    return 0                        # done before anyone asks it to stop: reaped


def owner_of(threadfn, stop, create=False):
    def owner(d):
        if create:
            k = kthread_create(threadfn, d, "worker")
            get_task_struct(k)              # before the thread can run, let alone exit
            wake_up_process(k)
        else:
            k = kthread_run(threadfn, d, "worker")
        stop(k)

    def main():
        spawn(owner, dev(), name="owner")
    return main


def plain_stop(k):
    kthread_stop(k)


def with_reference(k):
    kthread_stop(k)
    put_task_struct(k)


def stop_put(k):
    kthread_stop_put(k)


def late_reference(k):
    get_task_struct(k)              # too late: the thread may be gone already
    kthread_stop(k)
    put_task_struct(k)


@pytest.mark.parametrize("threadfn,stop,create,verdict", [
    (exits_early, plain_stop, False, "bug"),
    (exits_early, late_reference, False, "bug"),
    (exits_early, with_reference, True, "no-bug"),
    (exits_early, stop_put, True, "no-bug"),
    (good, plain_stop, False, "no-bug"),
], ids=["early-exit+kthread_stop", "get_task_struct-after-kthread_run",
        "kthread_create+get_task_struct", "kthread_stop_put", "loop+kthread_stop"])
def test_kthread_stop_after_the_thread_exited_on_its_own_needs_a_reference(
        threadfn, stop, create, verdict):
    # the kernel: "If threadfn() may call kthread_exit() itself, the caller must
    # ensure task_struct can't go away" - returning from threadfn() is that exit
    res = kcheck.check(owner_of(threadfn, stop, create))
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "bug":
        assert "task_struct" in res.bug.message and "use-after-free" in res.bug.message


def test_a_thread_stopped_before_it_was_woken_never_runs_its_function():
    def threadfn(d):
        WARN_ON(True)

    def owner(d):
        k = kthread_create(threadfn, d, "worker")
        assert kthread_stop(k) == -4        # -EINTR

    def main():
        spawn(owner, dev(), name="owner")
    res = kcheck.check(main)
    assert res.verdict == "no-bug", res.bug and res.bug.message


# -- the same from C (linux/kthread.h) -----------------------------------------------

C_KTHREAD = r"""
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/compiler.h>
#include <linux/bug.h>

static int work;

static int thread_fn(void *data)
{
#if defined(BAD)
	while (!kthread_should_stop()) {
		set_current_state(TASK_UNINTERRUPTIBLE);	/* interruptible: saved since v6.1 */
		schedule();
	}
#elif defined(EARLY_EXIT)
	return 0;
#else
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		if (READ_ONCE(work)) {
			__set_current_state(TASK_RUNNING);
			WRITE_ONCE(work, 0);
			continue;
		}
		schedule();
	}
	__set_current_state(TASK_RUNNING);
#endif
	return 7;
}

static int owner(void *unused)
{
	struct task_struct *tsk;

#ifdef CREATE
	tsk = kthread_create(thread_fn, NULL, "worker/%d", 0);
	if (IS_ERR(tsk))
		return PTR_ERR(tsk);
	get_task_struct(tsk);
	wake_up_process(tsk);
#else
	tsk = kthread_run(thread_fn, NULL, "worker/%d", 0);
	if (IS_ERR(tsk))
		return PTR_ERR(tsk);
#endif
	WRITE_ONCE(work, 1);
#ifdef CREATE
	return kthread_stop_put(tsk);
#elif defined(EARLY_EXIT)
	kthread_stop(tsk);
	return 0;
#else
	{
		int ret = kthread_stop(tsk);

		/* -EINTR: stopped before it first ran, thread_fn() never called */
		WARN_ON(ret != 7 && ret != -EINTR);
	}
	return 0;
#endif
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, (void *)owner, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("defines,verdict,kind", [
    ((), "no-bug", None),
    (("BAD",), "bug", "deadlock"),
    (("EARLY_EXIT",), "bug", "refcount-warn"),        # "addition on 0; use-after-free"
    (("EARLY_EXIT", "CREATE"), "no-bug", None),
], ids=["loop", "should_stop-before-set_current_state", "early-exit+kthread_stop",
        "kthread_create+get_task_struct+kthread_stop_put"])
def test_kernel_threads_from_c(tmp_path, defines, verdict, kind, memory_model):
    import kcheck.c
    f = tmp_path / "kt.c"
    f.write_text(C_KTHREAD.replace("#include <linux/bug.h>", "#include <linux/bug.h>\n#include <pthread.h>"))
    prog = kcheck.c.load(str(f), defines=defines)
    res = kcheck.check(prog.entry, memory_model=memory_model)
    assert res.verdict == verdict, res.bug and res.bug.message
    if kind is not None:
        assert res.bug.kind == kind
        assert "worker" in res.bug.message or ("task_struct" in res.bug.message
                                                and "use-after-free" in res.bug.message)
        again = kcheck.replay(prog.entry, res.bug.schedule, memory_model=memory_model)
        assert again.bug is not None and again.bug.kind == kind


def test_a_c_threads_exit_is_not_shown_at_its_last_line(tmp_path):
    """The steps kernel code makes after a C thread function returns (the
    kthread's exit, the put of its task_struct) carry no C line: they were
    shown as parts of the function's last statement ("WRITE_ONCE(*p, 1):
    kthread exits: PF_EXITING", at that statement's line)."""
    import kcheck.c
    f = tmp_path / "exit.c"
    f.write_text(textwrap.dedent("""\
        #include <linux/kthread.h>
        #include <linux/slab.h>

        static int fn(void *arg)
        {
        	WRITE_ONCE(*(int *)arg, 1);
        	return 0;
        }

        int main(void)
        {
        	int *p = kzalloc(sizeof(*p), GFP_KERNEL);
        	struct task_struct *t = kthread_run(fn, p, "fn");

        	kthread_stop(t);	/* no reference: the thread may be gone */
        	kfree(p);
        	return 0;
        }
        """))
    prog = kcheck.c.load(str(f))
    res = kcheck.check(prog.entry)
    assert res.bug is not None and res.bug.kind == "use-after-free", res.format()
    rows = res.format().split("\n    4 ", 1)[1].split("\n>>", 1)[0]
    assert rows.startswith("kthread exits: PF_EXITING"), res.format()
    assert "WRITE_ONCE" not in rows and "exit.c:6" not in rows, res.format()


# -- kthread_stop() interrupts interruptible sleeps (a7c01fa93aeb, v6.1) -----------
# kthread_stop() sets TIF_NOTIFY_SIGNAL before waking the thread: its
# interruptible waits return -ERESTARTSYS (prepare_to_wait_event,
# do_wait_for_common) and schedule() does not sleep with it pending, so a loop
# that re-tests kthread_should_stop() exits.  kcheck called that a deadlock.
# An uninterruptible (or killable) sleep is not interrupted: the twin is one.

def _stoppable(how):
    from kcheck.kernel import (KStruct, wait_queue_head_t, wait_event_interruptible, wait_event,
                               kthread_run, kthread_should_stop, kthread_stop, READ_ONCE,
                               WRITE_ONCE, ptr, wait_for_completion_interruptible,
                               wait_for_completion_killable, completion)

    class dev_t(KStruct):
        wq: wait_queue_head_t
        ev: int
        done: completion

    def thread_fn(d):
        while not kthread_should_stop():
            if how == "wait_event_interruptible":
                if wait_event_interruptible(d.wq, lambda: READ_ONCE(ptr(d, "ev")) != 0):
                    continue
            elif how == "wait_event":
                wait_event(d.wq, lambda: READ_ONCE(ptr(d, "ev")) != 0)
            elif how == "completion_interruptible":
                if wait_for_completion_interruptible(d.done):
                    continue
            else:
                wait_for_completion_killable(d.done)
            WRITE_ONCE(ptr(d, "ev"), 0)
        return 0

    def main():
        d = dev_t()
        k = kthread_run(thread_fn, d, "worker")
        spawn(lambda d, k: kthread_stop(k), d, k, name="rmmod")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("how,stuck", [("wait_event_interruptible", False), ("wait_event", True),
                                       ("completion_interruptible", False),
                                       ("completion_killable", True)])
def test_kthread_stop_interrupts_interruptible_sleeps(mm, how, stuck):
    res = kcheck.check(_stoppable(how), memory_model=mm)
    if stuck:
        assert res.verdict == "bug" and res.bug.kind == "deadlock", res
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


# -- ... and interruptible lock waits (mutex_lock_interruptible, down_interruptible,
# down_read_interruptible) --
# A kthread waiting for a lock that is only released after kthread_stop()
# returns is not stuck: the stop's signal makes __mutex_lock_common() and
# __down_common() return -EINTR.  kcheck (until 2026-12-02) returned 0 only and
# called it a deadlock.  The uninterruptible twins are deadlocks; so is an
# interruptible wait in a thread nobody stops.

def _lock_waiter(how, kthread=True):
    """The module's exit takes the lock the thread waits for, then stops the
    thread (kthread_stop() waits for it to exit), then unlocks."""
    from kcheck import join
    from kcheck.kernel import (KStruct, mutex, mutex_lock, mutex_unlock, mutex_lock_interruptible,
                               mutex_lock_killable, semaphore, down, down_interruptible, up,
                               kthread_run, kthread_should_stop, kthread_stop, WARN_ON,
                               signal_pending, set_current_state, schedule, TASK_INTERRUPTIBLE,
                               TASK_RUNNING, __set_current_state, READ_ONCE, WRITE_ONCE, ptr,
                               rw_semaphore, down_read_interruptible, down_read_killable, up_read,
                               down_write, up_write)

    class dev_t(KStruct):
        lock: mutex
        sem: semaphore
        rw: rw_semaphore
        ready: int

    def take(d):
        if how == "mutex_lock_interruptible":
            if mutex_lock_interruptible(d.lock):
                WARN_ON(kthread and not signal_pending())
            else:
                mutex_unlock(d.lock)
        elif how == "mutex_lock_killable":
            mutex_lock_killable(d.lock)
            mutex_unlock(d.lock)
        elif how == "down_interruptible":
            if down_interruptible(d.sem):
                WARN_ON(kthread and not signal_pending())
            else:
                up(d.sem)
        elif how == "down_read_interruptible":
            if down_read_interruptible(d.rw):
                WARN_ON(kthread and not signal_pending())
            else:
                up_read(d.rw)
        elif how == "down_read_killable":
            down_read_killable(d.rw)
            up_read(d.rw)
        else:
            down(d.sem)
            up(d.sem)

    def thread_fn(d):
        take(d)
        set_current_state(TASK_INTERRUPTIBLE)
        while not kthread_should_stop():
            schedule()
            set_current_state(TASK_INTERRUPTIBLE)
        __set_current_state(TASK_RUNNING)
        return 0

    def main():
        d = dev_t()
        if kthread:
            k = kthread_run(thread_fn, d, "worker")
        else:
            k = spawn(take, d, name="worker")

        def rmmod(d, k):
            mutex_lock(d.lock)
            if how.startswith("down_read"):
                down_write(d.rw)
            if kthread:
                kthread_stop(k)
            else:
                join(k)
            if how.startswith("down_read"):
                up_write(d.rw)
            mutex_unlock(d.lock)
            up(d.sem)
        spawn(rmmod, d, k, name="rmmod")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("how,stuck", [("mutex_lock_interruptible", False),
                                       ("mutex_lock_killable", True),
                                       ("down_interruptible", False), ("down", True),
                                       ("down_read_interruptible", False),
                                       ("down_read_killable", True)])
def test_kthread_stop_interrupts_interruptible_lock_waits(mm, how, stuck):
    res = kcheck.check(_lock_waiter(how), memory_model=mm)
    if stuck:
        assert res.verdict == "bug" and res.bug.kind == "deadlock", res
        again = kcheck.replay(_lock_waiter(how), res.bug.schedule, memory_model=mm)
        assert again.bug is not None and again.bug.kind == "deadlock"
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


@pytest.mark.parametrize("how", ["mutex_lock_interruptible", "down_interruptible",
                                 "down_read_interruptible"])
def test_an_interruptible_lock_wait_in_a_plain_task_is_not_interrupted(how):
    """Only a kthread gets kthread_stop()'s signal: the same wait in a task the
    exit path joins instead is a deadlock."""
    res = kcheck.check(_lock_waiter(how, kthread=False))
    assert res.verdict == "bug" and res.bug.kind == "deadlock", res


KT_LOCK_C = r"""
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/bug.h>
#include <pthread.h>

static DEFINE_MUTEX(cfg_lock);
static struct task_struct *tsk;

static int thread_fn(void *data)
{
	if (@LOCK@ == 0)
		mutex_unlock(&cfg_lock);
	else
		WARN_ON(!signal_pending(current));
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void *mod_exit(void *arg)
{
	mutex_lock(&cfg_lock);
	kthread_stop(tsk);
	mutex_unlock(&cfg_lock);
	return NULL;
}

int main(void)
{
	pthread_t a;

	tsk = kthread_run(thread_fn, NULL, "worker");
	pthread_create(&a, NULL, mod_exit, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("lock,stuck", [("mutex_lock_interruptible(&cfg_lock)", False),
                                        ("mutex_lock_killable(&cfg_lock)", True)])
def test_c_kthread_stop_interrupts_mutex_lock_interruptible(tmp_path, lock, stuck):
    import kcheck.c
    f = tmp_path / "kt_lock.c"
    f.write_text(KT_LOCK_C.replace("@LOCK@", lock))
    res = kcheck.check(kcheck.c.load(str(f)).entry, memory_model="lkmm")
    if stuck:
        assert res.verdict == "bug" and res.bug.kind == "deadlock", res
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


KT_SIGNAL_C = r"""
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>
#include <linux/bug.h>
#include <pthread.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static int ev;
static struct task_struct *tsk;

static int thread_fn(void *data)
{
	while (!kthread_should_stop()) {
		if (@WAITEXPR@ == -ERESTARTSYS) {
			WARN_ON(!signal_pending(current));
			continue;
		}
		WRITE_ONCE(ev, 0);
	}
	return 0;
}

static void *stopper(void *arg)
{
	kthread_stop(tsk);
	return NULL;
}

int main(void)
{
	pthread_t a;

	tsk = kthread_run(thread_fn, NULL, "worker");
	pthread_create(&a, NULL, stopper, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("wait,stuck", [("wait_event_interruptible(wq, READ_ONCE(ev))", False),
                                        ("({ wait_event(wq, READ_ONCE(ev)); 0; })", True)])
def test_c_kthread_stop_interrupts_wait_event_interruptible(tmp_path, mm, wait, stuck):
    import kcheck.c
    f = tmp_path / "kt_sig.c"
    f.write_text(KT_SIGNAL_C.replace("@WAITEXPR@", wait))
    res = kcheck.check(kcheck.c.load(str(f)).entry, memory_model=mm)
    if stuck:
        assert res.verdict == "bug" and res.bug.kind == "deadlock", res
    else:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace


# -- get_task_struct(current) in any task ----------------------------------------
# Every kernel task has a refcounted task_struct: `ewp->task = current;
# get_task_struct(current)` is everywhere (ipc, wake_q users).  kcheck took only
# a kthread_run() handle ("not a thread kthread_run() started", a model error),
# and `current` in a kthread was not the handle kthread_run() returned.

GTS_C = r"""
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/bug.h>
#include <pthread.h>

static struct task_struct *k;

static int thread_fn(void *arg)
{
	struct task_struct *t = get_task_struct(current);

	WARN_ON(t != READ_ONCE(k) && READ_ONCE(k));
	put_task_struct(t);
	return 0;
}

static void *plain(void *arg)
{
	struct task_struct *t = get_task_struct(current);

	put_task_struct(t);
	EXTRA_PUT
	return NULL;
}

int main(void)
{
	pthread_t a;

	WRITE_ONCE(k, kthread_run(thread_fn, NULL, "worker"));
	pthread_create(&a, NULL, plain, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("extra,kind", [("", None), ("put_task_struct(current);", "use-after-free")])
def test_get_task_struct_of_current(tmp_path, extra, kind):
    import kcheck.c
    f = tmp_path / "gts.c"
    f.write_text(GTS_C.replace("EXTRA_PUT", extra))
    res = kcheck.check(kcheck.c.load(str(f)).entry)
    if kind is None:
        assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    else:
        assert res.verdict == "bug" and res.bug.kind == kind, res


def _stop_after(publish):
    from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, get_task_struct, kfree,
                               kthread_run, kthread_stop_put, kzalloc, ptr, wait_event_interruptible,
                               wait_queue_head_t, init_waitqueue_head, wake_up, xchg)

    class Item(KStruct):
        v: int

    class D(KStruct):
        wq: wait_queue_head_t
        item: object
        k: object

    def consumer(d):
        ret = wait_event_interruptible(d.wq, lambda: READ_ONCE(ptr(d, "item")) is not None)
        if ret == 0:
            kfree(xchg(ptr(d, "item"), None))
        return ret

    def producer(d):
        if publish:
            WRITE_ONCE(ptr(d, "item"), kzalloc(Item))
            wake_up(d.wq)
        ret = kthread_stop_put(d.k)
        WARN_ON(ret not in (0, -4))
        if ret == -4:
            # stopped before it first ran: consumer() never ran, the item is ours
            kfree(xchg(ptr(d, "item"), None))

    def main():
        d = D()
        init_waitqueue_head(d.wq)
        d.k = kthread_run(consumer, d, "consumer")
        get_task_struct(d.k)
        kcheck.spawn(producer, d, name="producer")
    return main


@pytest.mark.parametrize("publish", [True, False])
def test_wait_event_interruptible_looks_at_the_condition_before_the_stop(publish):
    """___wait_event(): prepare_to_wait_event() sees the pending signal, but the
    condition is checked first - true, the wait returns 0 (kcheck returned
    -ERESTARTSYS: a false WARN here).  Nothing published: -ERESTARTSYS."""
    r = kcheck.check(_stop_after(publish))
    if publish:
        assert r.bug is None and r.exhaustive, r
    else:
        assert r.bug is not None and r.bug.kind == "warn", r


def _handed_over(cleans_up):
    """The thread owns what it is given and frees it when stopped; a
    kthread_stop() that comes after kthread_run()'s wake-up but before the
    thread first ran finds -EINTR and the buffer still the caller's (kthread()
    skips threadfn once KTHREAD_SHOULD_STOP is set).  kcheck called threadfn
    whenever kthread_run() had started the thread: the leak was missed."""
    from kcheck.kernel import kfree, kzalloc

    class Buf(KStruct):
        v: int

    def consume(b):
        while True:
            set_current_state(TASK_INTERRUPTIBLE)
            if kthread_should_stop():
                break
            schedule()
        set_current_state(TASK_RUNNING)
        kfree(b)
        return 0

    def owner():
        b = kzalloc(Buf)
        k = kthread_run(consume, b, "consumer")
        if kthread_stop(k) == -4 and cleans_up:
            kfree(b)

    def main():
        kcheck.spawn(owner, name="owner")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_a_thread_stopped_before_it_ran_never_calls_its_function(memory_model):
    res = kcheck.check(_handed_over(False), memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "leak", res.format()
    again = kcheck.replay(_handed_over(False), res.bug.schedule, memory_model=memory_model)
    assert again.bug is not None and again.bug.kind == "leak"
    ok = kcheck.check(_handed_over(True), memory_model=memory_model)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.format()


WEI_RET_C = r"""
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/bug.h>
#include <pthread.h>

struct item { int v; };
static DECLARE_WAIT_QUEUE_HEAD(wq);
static struct item *slot;
static struct task_struct *tsk;

static int consumer(void *data)
{
	while (!kthread_should_stop()) {
		if (wait_event_interruptible(wq, READ_ONCE(slot)))
			continue;		/* -ERESTARTSYS: stopped */
		WARN_ON(READ_ONCE(slot)->v != 0);	/* the condition held */
		return 0;
	}
	return 0;
}

static void *stopper(void *arg)
{
	kthread_stop(tsk);
	return NULL;
}

int main(void)
{
	pthread_t a;

	tsk = kthread_run(consumer, NULL, "consumer");
	pthread_create(&a, NULL, stopper, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_c_wait_event_interruptible_returns_the_signal(tmp_path, mm):
    """C's wait_event_interruptible() returned 0 when kthread_stop()'s signal
    ended the wait: a caller that trusts 0 to mean "the condition holds" then
    dereferenced NULL - a false alarm.  The kernel's returns -ERESTARTSYS."""
    import kcheck.c
    f = tmp_path / "wei.c"
    f.write_text(WEI_RET_C)
    res = kcheck.check(kcheck.c.load(str(f)).entry, memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.trace
    f.write_text(WEI_RET_C.replace("if (wait_event_interruptible(wq, READ_ONCE(slot)))",
                                   "if (wait_event_interruptible(wq, READ_ONCE(slot)) && 0)"))
    res = kcheck.check(kcheck.c.load(str(f)).entry, memory_model=mm)
    assert res.bug is not None and res.bug.kind == "null-deref", res.format()
