"""Timers: del_timer() does not wait for a running function, del_timer_sync()
does.  ``del_timer(); kfree()`` while the function runs on another CPU is the
classic timer use-after-free (and why timer_shutdown_sync() exists).  Each
case is a twin - the teardown that waits is clean, the one that does not has
the bug - under both memory models, in Python and in C; and a timer that
arms itself forever makes a bounded result, never a hang."""

import pytest

import kcheck
from kcheck.engine.runtime import ModelError
from kcheck import spawn
from kcheck.kernel import (
    KStruct, timer_list, timer_setup, mod_timer, add_timer, del_timer, del_timer_sync,
    timer_shutdown_sync, timer_pending, from_timer, jiffies, HZ, kzalloc, kfree, WRITE_ONCE, ptr,
    WARN_ON, spinlock_t, spin_lock, spin_unlock, spin_lock_bh, spin_unlock_bh, msleep, atomic_t,
    atomic_inc, atomic_read, rcu_head, call_rcu,
)


class dev(KStruct):
    timer: timer_list
    lock: spinlock_t
    data: int
    fired: atomic_t


def timeout_fn(t):
    d = from_timer(dev, t, "timer")
    WRITE_ONCE(ptr(d, "data"), 1)
    atomic_inc(d.fired)


def _dev_model(fn, owner):
    """main(): a device whose timer calls ``fn``, and one task ``owner(d)``."""
    def main():
        d = kzalloc(dev)
        timer_setup(d.timer, fn, 0)
        spawn(owner, d, name="owner")
    return main


def teardown(stop):
    def owner(d):
        mod_timer(d.timer, jiffies + HZ)
        stop(d.timer)
        kfree(d)

    return _dev_model(timeout_fn, owner)


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("stop,verdict", [
    (del_timer_sync, "no-bug"), (timer_shutdown_sync, "no-bug"), (del_timer, "use-after-free"),
    (lambda t: None, "use-after-free"),
], ids=["del_timer_sync", "timer_shutdown_sync", "del_timer", "nothing"])
def test_teardown_of_a_timer(stop, verdict, memory_model):
    res = kcheck.check(teardown(stop), memory_model=memory_model)
    assert (res.bug.kind if res.bug else "no-bug") == verdict, res.format()
    if verdict == "no-bug":
        assert res.exhaustive
    else:
        again = kcheck.replay(teardown(stop), res.bug.schedule, memory_model=memory_model)
        assert again.bug is not None and again.bug.kind == verdict


def test_what_the_timer_calls_return():
    """mod_timer: 1 if pending; del_timer: 1 if it took a pending one back (which
    then never fires); after del_timer_sync the function has run at most once and
    is not running; a shut-down timer cannot be armed again."""
    def owner(d):
        WARN_ON(timer_pending(d.timer))
        WARN_ON(mod_timer(d.timer, jiffies + 1) != 0)
        mod_timer(d.timer, jiffies + 2)          # 1 if it had not fired yet, else a new instance
        took = del_timer_sync(d.timer)
        n = atomic_read(d.fired)
        WARN_ON(n > 2 or (took and n == 2) or (not took and n == 0))
        WARN_ON(timer_pending(d.timer))
        timer_shutdown_sync(d.timer)
        WARN_ON(mod_timer(d.timer, jiffies + 1) != 0)
        WARN_ON(timer_pending(d.timer))
        WARN_ON(atomic_read(d.fired) != n)
        kfree(d)

    main = _dev_model(timeout_fn, owner)
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and res.exhaustive, res.format()


def test_del_timer_sync_under_the_lock_the_function_takes_deadlocks():
    def fn(t):
        d = from_timer(dev, t, "timer")
        spin_lock(d.lock)
        d.data = 1
        spin_unlock(d.lock)

    def owner(d):
        mod_timer(d.timer, jiffies + HZ)
        spin_lock_bh(d.lock)
        del_timer_sync(d.timer)
        spin_unlock_bh(d.lock)
        kfree(d)

    main = _dev_model(fn, owner)
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "deadlock", res.format()


def test_a_timer_function_may_not_sleep():
    def fn(t):
        msleep(1)

    def owner(d):
        mod_timer(d.timer, jiffies + HZ)
        del_timer_sync(d.timer)
        kfree(d)

    main = _dev_model(fn, owner)
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "sleep-in-atomic", res.format()
    assert "timer callback" in res.bug.message


def test_a_timer_that_arms_itself_forever_gives_a_bounded_result():
    """Each firing arms the next: without a bound the search never ends (every
    execution in which the owner waits once more is a new one).  The chain is cut
    at 16 contexts deep and the result is bounded, not exhaustive - never a hang,
    never "exhaustive"."""
    def fn(t):
        atomic_inc(from_timer(dev, t, "timer").fired)
        mod_timer(t, jiffies + 1)

    def owner(d):
        mod_timer(d.timer, jiffies + HZ)
        del_timer_sync(d.timer)
        kfree(d)

    main = _dev_model(fn, owner)
    for jobs in (1, 2):
        res = kcheck.check(main, jobs=jobs)
        assert res.verdict == "no-bug" and not res.exhaustive, res.format()
        assert "cut at depth 16" in res.bound
        assert any(w.startswith("cut: ") for w in res.warnings)


def test_an_rcu_callback_that_queues_itself_forever_gives_a_bounded_result():
    class S(KStruct):
        head: rcu_head

    def cb(h):
        call_rcu(h, cb)

    def main():
        o = S()
        spawn(lambda: call_rcu(o.head, cb), name="t")
    res = kcheck.check(main)
    assert res.verdict == "no-bug" and not res.exhaustive and "cut" in res.bound, res.format()


C_TEARDOWN = r"""
#include <linux/timer.h>
#include <linux/slab.h>
#include <pthread.h>

struct dev {
	struct timer_list timer;
	int data;
};

static void timeout_fn(struct timer_list *t)
{
	struct dev *d = from_timer(d, t, timer);
	WRITE_ONCE(d->data, 1);
}

static void *owner(void *arg)
{
	struct dev *d = arg;
	mod_timer(&d->timer, jiffies + msecs_to_jiffies(10));
	STOP(&d->timer);
	kfree(d);
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	timer_setup(&d->timer, timeout_fn, 0);
	pthread_create(&t, NULL, owner, d);
	return 0;
}
"""


@pytest.mark.parametrize("stop,verdict", [
    ("del_timer_sync", "no-bug"), ("timer_shutdown_sync", "no-bug"), ("del_timer", "use-after-free"),
    ("(void)", "use-after-free"),
])
def test_the_same_teardown_in_c(tmp_path, stop, verdict):
    import kcheck.c
    f = tmp_path / "timer.c"
    f.write_text(C_TEARDOWN.replace("STOP", stop))
    prog = kcheck.c.load(str(f))
    for mm in ("sc", "lkmm"):
        r = kcheck.check(prog.entry, memory_model=mm)
        assert (r.bug.kind if r.bug else "no-bug") == verdict, r.format()


def test_from_timer_with_its_arguments_swapped_is_a_model_error_that_says_so():
    def swapped_fn(t):
        from_timer(t, dev, "timer")

    def owner(d):
        mod_timer(d.timer, jiffies + HZ)
        del_timer_sync(d.timer)
        kfree(d)

    with pytest.raises(ModelError, match=r"from_timer\(var, timer, field\)"):
        kcheck.check(_dev_model(swapped_fn, owner))


# -- calls on the timer of a freed structure -------------------------------------
#
# Every call on a timer reads the timer's own memory first (lock_timer_base()
# reads timer->flags, lock_hrtimer_base() timer->base): on a freed structure,
# KASAN's use-after-free.  kcheck kept only the timer base's record, outside
# the structure, and said "no bug, exhaustive" (a hostile-review helper).

class _tdev(KStruct):
    t: timer_list
    armed: int


def _nop(t):
    pass


def _freed_then(call):
    def main():
        d = kzalloc(_tdev)
        timer_setup(d.t, _nop, 0)

        def task(d):
            timer_shutdown_sync(d.t)
            kfree(d)
            call(d.t)
        spawn(task, d)
    return main


@pytest.mark.parametrize("call", [lambda t: mod_timer(t, 1), del_timer_sync, del_timer,
                                  timer_pending])
def test_a_call_on_the_timer_of_a_freed_structure_is_a_use_after_free(call):
    res = kcheck.check(_freed_then(call))
    assert res.verdict == "bug" and res.bug.kind == "use-after-free", res.bug and res.bug.message


def _armer_vs_remover(armer_stopped_first):
    from kcheck.kernel import WRITE_ONCE, READ_ONCE, ptr, completion, complete, wait_for_completion

    class dev2(KStruct):
        t: timer_list
        stopped: completion

    def main():
        d = kzalloc(dev2)
        timer_setup(d.t, _nop, 0)

        def armer(d):
            mod_timer(d.t, 1)
            complete(d.stopped)

        def remover(d):
            if armer_stopped_first:
                wait_for_completion(d.stopped)
            timer_shutdown_sync(d.t)
            kfree(d)
        spawn(armer, d)
        spawn(remover, d)
    return main


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_an_armer_racing_with_the_free(mm):
    """"Callers must prevent restarting of the timer": an armer that may still
    call mod_timer() when the structure is freed is a use-after-free; one the
    remover waits for is not."""
    bad = kcheck.check(_armer_vs_remover(False), memory_model=mm)
    assert bad.verdict == "bug" and bad.bug.kind == "use-after-free", bad.bug and bad.bug.message
    ok = kcheck.check(_armer_vs_remover(True), memory_model=mm)
    assert ok.verdict == "no-bug" and ok.exhaustive, ok.bug and ok.bug.message


def test_hrtimer_cancel_on_a_freed_structure():
    from kcheck.kernel import hrtimer, hrtimer_setup, hrtimer_cancel, HRTIMER_NORESTART, \
        CLOCK_MONOTONIC, HRTIMER_MODE_REL

    class hdev(KStruct):
        ht: hrtimer

    def fn(t):
        return HRTIMER_NORESTART

    def main():
        d = kzalloc(hdev)
        hrtimer_setup(d.ht, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL)

        def task(d):
            kfree(d)
            hrtimer_cancel(d.ht)
        spawn(task, d)
    res = kcheck.check(main)
    assert res.verdict == "bug" and res.bug.kind == "use-after-free", res.bug and res.bug.message


@pytest.mark.parametrize("member,err", [("t", None), ("BAD", "has no member 'BAD'"),
                                        ("v", "has no member 'v'"), ("w", "is not d's 'w' member")])
def test_from_timer_and_container_of_check_the_member(member, err):
    # the kernel's offsetof(type, member) must name where the timer (or work) sits:
    # kcheck ignored the member and handed back the owner whatever it said
    from kcheck.kernel import (KStruct, timer_list, timer_setup, mod_timer, del_timer_sync, from_timer,
                               work_struct, INIT_WORK, container_of, schedule_work, flush_work)
    from kcheck.engine.runtime import ModelError

    class d(KStruct):
        v: int
        t: timer_list
        w: work_struct

    def fn(t):
        from_timer(d, t, "t" if member == "w" else member)

    def wfn(w):
        container_of(w, d, "t" if member == "w" else "w")      # "w": the wrong member

    def main():
        o = d()
        timer_setup(o.t, fn, 0)
        INIT_WORK(o.w, wfn)

        def task():
            schedule_work(o.w)
            flush_work(o.w)
            mod_timer(o.t, 1)
            del_timer_sync(o.t)
        kcheck.spawn(task)

    if err is None:
        res = kcheck.check(main)
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
        return
    with pytest.raises(ModelError, match=err if member != "w" else "is not d's 't' member"):
        kcheck.check(main)
