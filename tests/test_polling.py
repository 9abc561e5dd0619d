"""Polling loops: ``while (!READ_ONCE(flag)) msleep(10);`` and its kin.

The loop ends when another task sets the flag.  A schedule in which that task
never runs is unfair, not a bug - yet kcheck once explored it round the loop
to the step bound and reported a livelock, for one of the kernel's most
common idioms.  A delay (msleep, usleep_range, ssleep, mdelay, udelay,
cond_resched) and cpu_relax() now make the task wait for what it reads to
change, once an iteration came back to the same point with the same locals
and changed nothing (kernel/sched.py ``poll``); cpu_relax() used to wait at
once, so a bounded spin's timeout path was never explored.  Each case is a twin: what must
stay a bug (a flag nobody sets, the timeout path of a bounded retry loop)
and what must not (the flag set by another task), in Python and in C.

A busy-wait whose condition reads several locations (``while (!a && !b)
cpu_relax();``) waits on the last one it read; a run that ends with it
waiting while another location of its condition has a newer value is not a
deadlock (runtime.Run._stale_wait) - kcheck once called it one."""

import pytest
from pathlib import Path

import kcheck
import kcheck.c
from kcheck import spawn
from c_twins import load_kthread_loop
from kcheck.kernel import (
    KStruct, READ_ONCE, WRITE_ONCE, WARN_ON, ptr, spinlock_t, spin_lock, spin_unlock,
    spin_lock_init, msleep, usleep_range, ssleep, mdelay, udelay, cond_resched, cpu_relax,
    completion, init_completion, complete, wait_for_completion_timeout, set_current_state,
    __set_current_state, schedule_timeout, TASK_INTERRUPTIBLE, TASK_RUNNING, HZ,
)


class dev(KStruct):
    lock: spinlock_t
    ready: int
    other: int
    timed_out: int


DELAYS = {
    "msleep": lambda: msleep(10),
    "usleep_range": lambda: usleep_range(10, 20),
    "ssleep": lambda: ssleep(1),
    "mdelay": lambda: mdelay(1),
    "udelay": lambda: udelay(5),
    "cond_resched": cond_resched,
    # a busy-wait: it used to wait at its first call, so a bounded spin's timeout
    # path was never explored (a WARN there was "no bug", exhaustive)
    "cpu_relax": cpu_relax,
}


def poll_model(delay, set_it, under_lock=False):
    def poller(d):
        while True:
            if under_lock:
                spin_lock(d.lock)
                ready = d.ready
                spin_unlock(d.lock)
            else:
                ready = READ_ONCE(ptr(d, "ready"))
            if ready:
                return
            delay()

    def setter(d):
        if under_lock:
            spin_lock(d.lock)
            d.ready = 1
            spin_unlock(d.lock)
        else:
            WRITE_ONCE(ptr(d, "ready"), 1)

    def main():
        d = dev()
        spin_lock_init(d.lock)
        spawn(poller, d, name="poller")
        if set_it:
            spawn(setter, d, name="setter")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("under_lock", [False, True], ids=["READ_ONCE", "under-a-lock"])
@pytest.mark.parametrize("delay", sorted(DELAYS))
def test_a_polling_loop_whose_flag_is_set_is_no_livelock(delay, under_lock, memory_model):
    res = kcheck.check(poll_model(DELAYS[delay], True, under_lock), memory_model=memory_model)
    assert res.verdict == "no-bug" and res.exhaustive, res.bug and res.bug.message


@pytest.mark.parametrize("delay", sorted(DELAYS))
def test_a_polling_loop_whose_flag_nobody_sets_hangs(delay):
    res = kcheck.check(poll_model(DELAYS[delay], False))
    assert res.verdict == "bug" and res.bug.kind in ("deadlock", "livelock"), res.bug
    assert "poller" in res.bug.message


def retry_model(delay):
    """A bounded retry loop: its timeout path is a path like any other."""
    def poller(d):
        for _ in range(4):
            if READ_ONCE(ptr(d, "ready")):
                return
            delay()
        WRITE_ONCE(ptr(d, "timed_out"), 1)

    def setter(d):
        WRITE_ONCE(ptr(d, "ready"), 1)

    def checker(d):
        WARN_ON(READ_ONCE(ptr(d, "timed_out")))

    def main():
        d = dev()
        spawn(poller, d, name="poller")
        spawn(setter, d, name="setter")
        spawn(checker, d, name="checker")
    return main


@pytest.mark.parametrize("delay", sorted(DELAYS))
def test_the_timeout_path_of_a_bounded_retry_loop_is_explored(delay):
    # the retry counter differs from one iteration to the next: never a wait
    res = kcheck.check(retry_model(DELAYS[delay]))
    assert res.verdict == "bug" and res.bug.kind == "warn", res.bug


def delay_outside_a_loop():
    def t(d):
        READ_ONCE(ptr(d, "ready"))
        msleep(10)                  # waits for nothing
        msleep(10)
        WRITE_ONCE(ptr(d, "other"), 1)

    def main():
        spawn(t, dev(), name="t")
    return main


def test_a_delay_outside_a_loop_waits_for_nothing():
    res = kcheck.check(delay_outside_a_loop())
    assert res.verdict == "no-bug" and res.executions == 1, res.bug


def two_conditions(set_which):
    def spinner(d):
        while not READ_ONCE(ptr(d, "ready")) and not READ_ONCE(ptr(d, "other")):
            cpu_relax()

    def setter(d):
        WRITE_ONCE(ptr(d, set_which), 1)

    def main():
        d = dev()
        spawn(spinner, d, name="spinner")
        if set_which:
            spawn(setter, d, name="setter")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("set_which,verdict", [("ready", "no-bug"), ("other", "no-bug"),
                                               (None, "bug")])
def test_a_busy_wait_on_two_conditions_is_ended_by_either(set_which, verdict, memory_model):
    res = kcheck.check(two_conditions(set_which), memory_model=memory_model)
    assert res.verdict == verdict, res.bug and res.bug.message


C_POLL = r"""
#include <linux/delay.h>
#include <linux/compiler.h>
#include <linux/bug.h>
#include <pthread.h>

static int ready, timed_out;

static void *poller(void *arg)
{
#if ADDRESS_TAKEN
	/* the count in a block of its own (its address is taken): a new block
	 * would not be loop state, a new value of it is */
	int timeout = 4, *left = &timeout;
	while (--*left && !READ_ONCE(ready))
		DELAY;
	if (!timeout)
		WRITE_ONCE(timed_out, 1);
#elif defined(BOUNDED)
	int timeout = 4;
	while (--timeout && !READ_ONCE(ready))
		DELAY;
	if (!timeout)
		WRITE_ONCE(timed_out, 1);
#else
	while (!READ_ONCE(ready))
		DELAY;
#endif
	return NULL;
}

static void *setter(void *arg)
{
	WRITE_ONCE(ready, 1);
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, poller, NULL);
	pthread_create(&b, NULL, setter, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	WARN_ON(READ_ONCE(timed_out));
	return 0;
}
"""


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("delay", ["msleep(10)", "cpu_relax()"])
@pytest.mark.parametrize("bounded,verdict", [(False, "no-bug"), (True, "bug"), ("&", "bug")])
def test_the_same_in_c(tmp_path, bounded, verdict, delay, memory_model):
    # under the LKMM a C frame also holds its dependency sets, new read events
    # each time round the loop: they once kept the loop from being recognised,
    # and every C busy-wait was reported as a livelock
    import kcheck.c
    f = tmp_path / "poll.c"
    f.write_text(C_POLL)
    defines = (f"DELAY={delay}",) + (("ADDRESS_TAKEN=1",) if bounded == "&" else
                                     ("BOUNDED=1",) if bounded else ())
    prog = kcheck.c.load(str(f), defines=defines)
    res = kcheck.check(prog.entry, memory_model=memory_model)
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "no-bug":
        assert res.exhaustive


C_COND_LOAD = r"""
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <pthread.h>

static int data, flag;
static atomic_t ready;

static void *waiter(void *arg)
{
	WAIT;
	WARN_ON(READ_ONCE(data) != 1);
	return NULL;
}

static void *setter(void *arg)
{
	WRITE_ONCE(data, 1);
	smp_store_release(&flag, 1);
	atomic_set_release(&ready, 1);
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	pthread_create(&a, NULL, waiter, NULL);
	pthread_create(&b, NULL, setter, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("wait,lkmm_verdict", [
    ("smp_cond_load_acquire(&flag, VAL == 1)", "no-bug"),
    ("smp_cond_load_relaxed(&flag, VAL == 1)", "bug"),
    ("atomic_cond_read_acquire(&ready, VAL == 1)", "no-bug"),
    ("atomic_cond_read_relaxed(&ready, VAL == 1)", "bug"),
])
def test_smp_cond_load_from_c_under_both_models(tmp_path, wait, lkmm_verdict):
    # the relaxed waits leave data unordered: the LKMM lets the waiter read 0
    import kcheck.c
    f = tmp_path / "cond.c"
    f.write_text(C_COND_LOAD)
    prog = kcheck.c.load(str(f), defines=(f"WAIT={wait}",))
    sc = kcheck.check(prog.entry)
    assert sc.verdict == "no-bug" and sc.exhaustive, sc.bug and sc.bug.message
    lk = kcheck.check(prog.entry, memory_model="lkmm")
    assert lk.verdict == lkmm_verdict, lk.bug and lk.bug.message
    if lkmm_verdict == "bug":
        assert lk.bug.kind == "warn"
    else:
        assert lk.exhaustive


def timeout_model(kind, signal):
    """A loop on a timed sleep: each timeout re-checks a flag ``stop``."""
    def waiter(d):
        if kind == "schedule_timeout":
            while not READ_ONCE(ptr(d, "stop")):
                set_current_state(TASK_INTERRUPTIBLE)
                schedule_timeout(HZ)
            __set_current_state(TASK_RUNNING)
        else:
            while not wait_for_completion_timeout(d.done, HZ):
                if READ_ONCE(ptr(d, "stop")):
                    return

    def signaller(d):
        if signal == "stop":
            WRITE_ONCE(ptr(d, "stop"), 1)
        elif signal == "complete":
            complete(d.done)

    def main():
        d = timed()
        init_completion(d.done)
        spawn(waiter, d, name="waiter")
        if signal:
            spawn(signaller, d, name="signaller")
    return main


class timed(KStruct):
    done: completion
    stop: int


@pytest.mark.parametrize("kind", ["schedule_timeout", "wait_for_completion_timeout"])
@pytest.mark.parametrize("signal,verdict", [("stop", "no-bug"), ("complete", None), (None, "bug")])
def test_a_loop_on_a_timed_sleep_ends_when_signalled_and_hangs_when_not(kind, signal, verdict):
    if signal == "complete":
        verdict = "no-bug" if kind == "wait_for_completion_timeout" else "bug"
    res = kcheck.check(timeout_model(kind, signal))
    assert res.verdict == verdict, res.bug and res.bug.message
    if verdict == "bug":
        assert res.bug.kind in ("deadlock", "lost-wakeup"), res.bug.message



# -- a loop another task ends is no livelock (2026-12-01) ------------------------
# The search's first schedule runs one task as long as it can: a kthread that
# counts until kthread_stop() ran into its step bound before the stopper ever
# ran, and was reported as a livelock.  At its bound it now waits for the others
# (Run._bound); a loop is a livelock only if it goes on when nobody else can run.

def _counter(stops, warn_over=None):
    from kcheck.kernel import (KStruct, atomic_t, atomic_inc, atomic_read, kthread_run,
                               kthread_should_stop, kthread_stop, WARN_ON)

    class Dev(KStruct):
        polls: atomic_t

    def poller(d):
        while not stops or not kthread_should_stop():
            atomic_inc(d.polls)
        return 0

    def stopper(d, k):
        kthread_stop(k)
        if warn_over is not None:
            WARN_ON(atomic_read(d.polls) > warn_over)

    def main():
        d = Dev()
        k = kthread_run(poller, d, "poller")
        kcheck.spawn(stopper, d, k, name="stopper")
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_a_kthread_loop_until_kthread_stop_is_no_livelock(mm):
    res = kcheck.check(_counter(True), memory_model=mm, step_bound=60)
    assert res.verdict == "no-bug" and not res.exhaustive, res.format()
    assert "step bound" in res.bound
    res = kcheck.check(_counter(False), memory_model=mm, step_bound=60)
    assert res.bug is not None and res.bug.kind == "livelock", res.format()


def _c(tmp_path, text):
    import kcheck.c
    f = tmp_path / "loops.c"
    f.write_text("#include <linux/kernel.h>\n#include <linux/atomic.h>\n#include <pthread.h>\n"
                 "static int fa, fb;\nstatic atomic_t c;\n" + text +
                 "int main(void) { pthread_t t1, t2; pthread_create(&t1, NULL, A, NULL);\n"
                 "\tpthread_create(&t2, NULL, B, NULL); return 0; }\n")
    return kcheck.c.load(str(f)).entry


def test_a_handshake_is_no_livelock_and_two_dead_loops_are_one_that_replays(tmp_path):
    """A sets fa and loops until fb, B loops until fa and sets fb: correct, and
    a livelock in the schedule that runs A first until its bound (until
    2026-12-01).  With neither flag ever set, both loop for ever: a livelock
    whose printed schedule replays (a review found one that did not: the
    replay paused where its schedule says the others ran)."""
    ok = _c(tmp_path, "static void *A(void *x) { WRITE_ONCE(fa, 1); while (!READ_ONCE(fb)) "
                      "atomic_inc(&c); return NULL; }\n"
                      "static void *B(void *x) { while (!READ_ONCE(fa)) atomic_inc(&c); "
                      "WRITE_ONCE(fb, 1); return NULL; }\n")
    res = kcheck.check(ok, step_bound=20)
    assert res.verdict == "no-bug" and not res.exhaustive, res.format()
    dead = _c(tmp_path, "static void *A(void *x) { while (!READ_ONCE(fb)) atomic_inc(&c); "
                        "return NULL; }\n"
                        "static void *B(void *x) { while (!READ_ONCE(fa)) atomic_inc(&c); "
                        "return NULL; }\n")
    res = kcheck.check(dead, step_bound=30)
    assert res.bug is not None and res.bug.kind == "livelock", res.format()
    assert res.bug.schedule and "did not replay" not in res.bug.message
    again = kcheck.replay(dead, res.bug.schedule, step_bound=30)
    assert again.bug is not None and again.bug.kind == "livelock"


def test_an_endless_writer_next_to_a_poller_is_a_livelock_at_once(tmp_path):
    """A writes for ever; B polls what A writes with msleep(): A is a livelock.
    A first version of the fairness rule also cut A whenever B's poll waited on
    a value A had overwritten - nearly always - and never said so (a review)."""
    entry = _c(tmp_path, "#include <linux/delay.h>\n"
                         "static void *A(void *x) { int i = 0; for (;;) WRITE_ONCE(fa, i++ & 1); "
                         "return NULL; }\n"
                         "static void *B(void *x) { while (READ_ONCE(fa) != 5) msleep(1); "
                         "return NULL; }\n")
    res = kcheck.check(entry, step_bound=40, max_executions=50)
    assert res.bug is not None and res.bug.kind == "livelock", res.format()


def test_a_self_requeueing_work_flushed_then_freed_is_a_use_after_free():
    """flush_work() waits for the instance it sees, not the one that instance
    queues: kfree() then frees a queued item.  Until 2026-12-02 the queue's two
    worker tasks ran the requeues in a loop past the step bound while the
    teardown waited, a false livelock; with a worker context per queuing (the
    kernel's default max_active) the use-after-free is found, and it replays."""
    import kcheck.c
    src = Path(__file__).parent / "data" / "c_bugs" / "flush_work_requeue.c"
    entry = kcheck.c.load(str(src)).entry
    res = kcheck.check(entry, step_bound=200)
    assert res.bug is not None and res.bug.kind == "use-after-free", res.format()
    again = kcheck.replay(entry, res.bug.schedule, step_bound=200)
    assert again.bug is not None and again.bug.kind == "use-after-free"


def test_its_fix_is_no_false_bug_and_says_it_is_bounded():
    """cancel_work_sync(): no bug in what is explored, and the chain of requeues
    is cut, so the result says bounded, never exhaustive."""
    import kcheck.c
    src = Path(__file__).parent / "data" / "c_bugs" / "flush_work_requeue.c"
    res = kcheck.check(kcheck.c.load(str(src), defines=["FIXED"]).entry, step_bound=200,
                       max_executions=2000)
    assert res.verdict == "no-bug" and not res.exhaustive, res.format()


# -- timed waits in a kthread's loop: the loop is a polling loop ---------------
# A wait_event*_timeout() (or a DEFINE_WAIT + schedule_timeout()) declares its
# wait entry in the loop's body: a new local each time round.  Compared by
# identity, no two iterations were ever the same state, so the explorer never
# took the loop for one that polls and ran it to the step bound in every
# execution: "not exhaustive" after minutes, where the loop has 844 executions.

# The two timed waits, as KTHREAD_LOOP's WAIT: the DEFINE_WAIT form's block is
# in the loop's body, so its wait entry is a new local each round.
TIMED_WAITS = [
    "wait_event_interruptible_timeout(wq, kthread_should_stop(), HZ)",
    "{ DEFINE_WAIT(w); prepare_to_wait(&wq, &w, TASK_INTERRUPTIBLE);"
    " if (!kthread_should_stop()) schedule_timeout(HZ); finish_wait(&wq, &w); }",
]

@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("loop", [0, 1], ids=["wait_event_interruptible_timeout", "DEFINE_WAIT"])
def test_a_timed_wait_in_a_kthread_loop_is_explored_exhaustively(tmp_path, mm, loop):
    r = kcheck.check(load_kthread_loop(tmp_path, TIMED_WAITS[loop]), memory_model=mm,
                     max_executions=20000)
    assert r.bug is None and r.exhaustive, r.format()


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("delay", ["msleep_interruptible(10)", "schedule()", "yield()", "msleep(10)",
                                   "usleep_range(10, 20)", "cpu_relax()"])
def test_a_kthread_loop_with_a_delay_stops(tmp_path, mm, delay):
    """The loop reads its work flag last and kthread_should_stop() first: a
    run where only the stop flag changed is not stuck (msleep_interruptible()
    and schedule() were false deadlocks, yield() did not exist); with nobody
    to stop it, the thread polls for ever."""
    ok = kcheck.check(load_kthread_loop(tmp_path, delay), memory_model=mm)
    assert ok.bug is None and ok.exhaustive, ok.format()
    stuck = kcheck.check(load_kthread_loop(tmp_path, delay, stop=False), memory_model=mm)
    assert stuck.bug is not None and stuck.bug.kind == "deadlock", stuck.format()
    assert "k polls" in stuck.bug.message, stuck.bug.message


# -- what a loop keeps outside its locals' identities is its state too ----------
# Until 2026-12-02 a model's own object in a loop's locals was compared by
# identity and module globals not at all: a retry count kept in either made
# every iteration "the same", the loop waited for its flag, and its give-up
# path - a WARN_ON here - never ran: "no bug", exhaustive.

class _Tries:
    def __init__(self):
        self.left = 3


class _SlottedTries:
    __slots__ = ("left",)

    def __init__(self):
        self.left = 3


_left = 0


def _give_up():
    global _left
    _left -= 1
    return not _left


def _retry_model(keep):
    def poller(d):
        global _left
        box = _Tries() if keep == "object" else _SlottedTries() if keep == "slots" else None
        _left = 3
        while True:
            if keep == "global":
                _left -= 1
                gave_up = not _left
            elif keep == "helper":          # a module function the loop calls counts
                gave_up = _give_up()
            else:
                box.left -= 1
                gave_up = not box.left
            if gave_up or READ_ONCE(ptr(d, "ready")):
                break
            msleep(10)
        WARN_ON(not READ_ONCE(ptr(d, "ready")))

    def setter(d):
        WRITE_ONCE(ptr(d, "ready"), 1)

    def main():
        d = dev()
        spawn(poller, d, name="poller")
        spawn(setter, d, name="setter")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("keep", ["object", "slots", "global", "helper"])
def test_a_retry_count_outside_the_locals_is_loop_state(keep, memory_model):
    res = kcheck.check(_retry_model(keep), memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "warn", res.format()


def test_every_kernel_export_is_the_same_state_twice():
    """A constant kcheck.kernel exports (ZERO_SIZE_PTR, ...) that cannot be
    looked into would make every loop of a module that imports it look new
    each time round: its polling loops would run to the step bound."""
    import kcheck.kernel
    from kcheck.engine.runtime import _globals_image
    g = {k: getattr(kcheck.kernel, k) for k in dir(kcheck.kernel) if not k.startswith("__")}
    assert _globals_image(g) == _globals_image(g)


def _closure_model():
    def main():
        left = 3

        def give_up():
            nonlocal left
            left -= 1
            return not left

        def poller(d):
            while not give_up() and not READ_ONCE(ptr(d, "ready")):
                msleep(10)
            WARN_ON(not READ_ONCE(ptr(d, "ready")))

        def setter(d):
            WRITE_ONCE(ptr(d, "ready"), 1)
        d = dev()
        spawn(setter, d, name="setter")      # the bug is not in the first execution
        spawn(poller, d, name="poller")
    return main


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
def test_a_retry_count_in_a_closure_is_loop_state_and_main_runs_again(memory_model):
    """``nonlocal left`` in a helper the loop calls: the cell is main()'s, so
    main() is run again for every execution (a reused cell started each run
    from the last one's count, and the bug found did not replay), and the
    cell's value is the loop's state (the loop's frame holds only the helper)."""
    res = kcheck.check(_closure_model(), memory_model=memory_model)
    assert res.bug is not None and res.bug.kind == "warn", res.format()
    again = kcheck.replay(_closure_model(), res.bug.schedule, memory_model=memory_model)
    assert again.bug is not None and again.bug.kind == "warn", again.format()
