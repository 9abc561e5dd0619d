"""kthread_park / kthread_unpark / kthread_should_park / kthread_parkme
(kernel/kthread.c): kthread_park() sets KTHREAD_SHOULD_PARK, wakes the thread
and waits on its ``parked`` completion, which __kthread_parkme() completes
before it sleeps in TASK_PARKED (wake_up_process() does not wake it; only
kthread_unpark()'s wake_up_state(k, TASK_PARKED) does).  kthread_stop()
unparks a parked thread first.

The twin: a thread that sleeps in wait_event_interruptible() on a condition
that does not include kthread_should_park() - the pattern drm_sched_main()
avoids with drm_sched_blocked() (kthread_should_park() + kthread_parkme() in
its wait condition) - is woken by kthread_park(), finds its condition false
and sleeps again: kthread_park() waits for ever.  kcheck reports it (both
tasks asleep for good), and the report replays."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, ptr, kthread_run, kthread_create,
                           kthread_stop, kthread_park, kthread_unpark, kthread_should_park,
                           kthread_should_stop, kthread_parkme, wait_queue_head_t,
                           init_waitqueue_head, wait_event_interruptible, wake_up, wake_up_process,
                           GFP_ATOMIC, spin_lock, spin_unlock, spinlock_t)

from c_twins import check_c_twin


class dev(KStruct):
    wq: wait_queue_head_t
    ev: int
    ran: int


def model(park_in_condition, cycles=2):
    def thread_fn(d):
        while not kthread_should_stop():
            if kthread_should_park():
                kthread_parkme()
                continue
            if park_in_condition:
                wait_event_interruptible(d.wq, lambda: READ_ONCE(ptr(d, "ev")) != 0 or
                                         kthread_should_stop() or kthread_should_park())
            else:
                wait_event_interruptible(d.wq, lambda: READ_ONCE(ptr(d, "ev")) != 0 or
                                         kthread_should_stop())
            WRITE_ONCE(ptr(d, "ev"), 0)
        return 0

    def ctl(d, k):
        for _ in range(cycles):
            WARN_ON(kthread_park(k) != 0)
            kthread_unpark(k)
        WARN_ON(kthread_park(k) != 0)
        WARN_ON(kthread_stop(k) != 0)          # stops a parked thread: unparks it first

    def main():
        d = dev()
        init_waitqueue_head(d.wq)
        k = kthread_run(thread_fn, d, "sqpoll")
        spawn(ctl, d, k, name="ctl")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_park_unpark_stop_is_clean_and_exhaustive(mm):
    # park, unpark, park again, stop: 1,584 SC executions (two cycles: 38,016, 30 s)
    res = kcheck.check(model(True, cycles=1), memory_model=mm)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_thread_that_never_parks_hangs_kthread_park(mm):
    res = kcheck.check(model(False), memory_model=mm)
    assert res.bug is not None and res.bug.kind in ("deadlock", "lost-wakeup"), res.format()
    assert "parked" in res.bug.message          # ctl waits on the parked completion
    again = kcheck.replay(model(False), res.bug.schedule, memory_model=mm)
    assert again.bug is not None and again.bug.kind == res.bug.kind


def test_the_replay_command_reproduces_the_hang(tmp_path):
    import subprocess
    import sys
    import os
    import shlex
    f = tmp_path / "park_bad.py"
    f.write_text(PARK_BAD)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-m", "kcheck.cli", "check", str(f)], capture_output=True,
                         text=True, env=env)
    assert out.returncode != 0, out.stdout
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("replay: kcheck replay")][0]
    argv = shlex.split(line[len("replay: "):])
    again = subprocess.run([sys.executable, "-m", "kcheck.cli"] + argv[1:], capture_output=True,
                           text=True, env=env)
    assert again.returncode != 0 and "parked" in again.stdout, again.stdout + again.stderr


PARK_BAD = '''
from kcheck import spawn
from kcheck.kernel import *


class dev(KStruct):
    wq: wait_queue_head_t
    ev: int


def thread_fn(d):
    while not kthread_should_stop():
        if kthread_should_park():
            kthread_parkme()
            continue
        wait_event_interruptible(d.wq, lambda: READ_ONCE(ptr(d, "ev")) != 0 or kthread_should_stop())
        WRITE_ONCE(ptr(d, "ev"), 0)
    return 0


def ctl(d, k):
    kthread_park(k)
    kthread_unpark(k)
    kthread_stop(k)


def main():
    d = dev()
    init_waitqueue_head(d.wq)
    spawn(ctl, d, kthread_run(thread_fn, d, "worker"), name="ctl")
'''


def test_a_created_thread_parked_before_its_first_wakeup_parks_before_its_function():
    # kthread(): __kthread_parkme() before threadfn(); kthread_park() instead of
    # wake_up_process() starts it parked
    def thread_fn(d):
        WARN_ON(READ_ONCE(ptr(d, "ev")) == 0)   # runs only after the unpark
        WRITE_ONCE(ptr(d, "ran"), 1)
        return 0

    def owner(d):
        from kcheck.kernel import get_task_struct, kthread_stop_put
        k = kthread_create(thread_fn, d, "worker")
        get_task_struct(k)                      # its function returns on its own
        WARN_ON(kthread_park(k) != 0)
        WRITE_ONCE(ptr(d, "ev"), 1)
        kthread_unpark(k)
        WARN_ON(kthread_stop_put(k) != 0)

    def main():
        spawn(owner, dev(), name="owner")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


def test_parking_twice_warns_and_parking_an_exited_thread_warns():
    def idle(d):
        while not kthread_should_stop():
            if kthread_should_park():
                kthread_parkme()
        return 0

    def twice(d):
        k = kthread_run(idle, d, "worker")
        kthread_park(k)
        WARN_ON(kthread_park(k) != -16)         # WARN_ON_ONCE in kthread_park, then -EBUSY

    def main():
        spawn(twice, dev(), name="owner")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "warn" and "KTHREAD_SHOULD_PARK" in res.bug.message

    def quits(d):
        return 0

    def after_exit(d):
        from kcheck.kernel import get_task_struct, put_task_struct, msleep
        k = kthread_create(quits, d, "worker")
        get_task_struct(k)
        wake_up_process(k)
        kthread_park(k)
        put_task_struct(k)

    def main2():
        spawn(after_exit, dev(), name="owner")
    res = kcheck.check(main2)
    assert res.bug is not None, res.format()
    # either the thread exited first (kthread_park WARNs, -ENOSYS) or it parked
    # before its function and nobody unparks it: asleep for good
    assert "PF_EXITING" in res.bug.message or "kthread_unpark(worker)" in res.bug.message, \
        res.bug.message


def test_kthread_park_may_sleep():
    def idle(d):
        while not kthread_should_stop():
            if kthread_should_park():
                kthread_parkme()
        return 0

    class D(KStruct):
        lock: spinlock_t

    def owner(d):
        k = kthread_run(idle, d, "worker")
        spin_lock(d.lock)
        kthread_park(k)
        spin_unlock(d.lock)

    def main():
        spawn(owner, D(), name="owner")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "sleep-in-atomic", res.format()


def test_should_park_outside_a_kthread_is_a_model_error():
    from kcheck.engine.runtime import ModelError

    def main():
        spawn(kthread_should_park, name="t")
    with pytest.raises(ModelError, match="outside a thread started by kthread_run"):
        kcheck.check(main)


C_PARK = r"""
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <pthread.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static int ev;
static struct task_struct *tsk;

static int thread_fn(void *data)
{
	while (!kthread_should_stop()) {
		if (kthread_should_park()) {
			kthread_parkme();
			continue;
		}
#ifdef BAD
		wait_event_interruptible(wq, READ_ONCE(ev) || kthread_should_stop());
#else
		wait_event_interruptible(wq, READ_ONCE(ev) || kthread_should_stop() ||
					 kthread_should_park());
#endif
		WRITE_ONCE(ev, 0);
	}
	return 0;
}

static void *ctl(void *arg)
{
	WARN_ON(kthread_park(tsk));
	WARN_ON(!__kthread_should_park(tsk));
	kthread_unpark(tsk);
	WARN_ON(kthread_park(tsk));
	WARN_ON(kthread_stop(tsk));
	return NULL;
}

int main(void)
{
	pthread_t a;

	tsk = kthread_run(thread_fn, NULL, "sqpoll");
	pthread_create(&a, NULL, ctl, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("bad", [False, True], ids=["fixed", "buggy"])
def test_park_from_c(tmp_path, mm, bad):
    check_c_twin(tmp_path, C_PARK, "BAD", bad, mm, ("deadlock", "lost-wakeup"), "parked",
                 name="park.c")
