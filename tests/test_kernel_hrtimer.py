"""High-resolution timers (kernel/hrtimer.py): twins of the driver bugs.

* teardown with ``hrtimer_try_to_cancel()`` whose -1 (callback running) is
  ignored before ``kfree()``: use-after-free; ``hrtimer_cancel()`` waits;
* no cancel at all before ``kfree()``; a self-restarting timer stopped by
  ``hrtimer_cancel()`` (bounded: the restart chain is cut, never "exhaustive");
* the callback runs in hardirq context: a lock it shares with a task needs
  the ``_irqsave`` form there (lockdep), and it may not sleep; with
  ``HRTIMER_MODE_SOFT`` it runs in softirq context;
* ``hrtimer_cancel()`` from its own callback waits for itself;
* the same from C (linux/hrtimer.h), under SC and the LKMM - its harness
  initialises the lock in a task (spin_lock_init), which the LKMM check once
  treated as an access lock.cat forbids.
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, hrtimer, hrtimer_setup, hrtimer_init, hrtimer_start, hrtimer_cancel,
    hrtimer_try_to_cancel, hrtimer_forward_now, HRTIMER_RESTART, HRTIMER_NORESTART,
    HRTIMER_MODE_REL, HRTIMER_MODE_REL_SOFT, CLOCK_MONOTONIC, ms_to_ktime, kzalloc, kfree,
    READ_ONCE, WRITE_ONCE, ptr, spinlock_t, spin_lock, spin_unlock, spin_lock_irqsave,
    spin_unlock_irqrestore, msleep,
)


class mydev(KStruct):
    t: hrtimer
    lock: spinlock_t
    ticks: int


def periodic(t):
    d = t._owner
    WRITE_ONCE(ptr(d, "ticks"), READ_ONCE(ptr(d, "ticks")) + 1)
    hrtimer_forward_now(t, ms_to_ktime(10))
    return HRTIMER_RESTART


def oneshot(t):
    WRITE_ONCE(ptr(t._owner, "ticks"), 1)
    return HRTIMER_NORESTART


def owner_model(fn, stop):
    def owner(d):
        hrtimer_setup(d.t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL)
        hrtimer_start(d.t, ms_to_ktime(10), HRTIMER_MODE_REL)
        if stop == "cancel":
            hrtimer_cancel(d.t)
        elif stop == "try":
            hrtimer_try_to_cancel(d.t)       # -1 while the callback runs: ignored
        kfree(d)

    def main():
        spawn(owner, kzalloc(mydev), name="owner")
    return main


@pytest.mark.parametrize("fn,stop,verdict", [
    (oneshot, None, "use-after-free"),
    (oneshot, "try", "use-after-free"),
    (oneshot, "cancel", None),
    (periodic, "try", "use-after-free"),
    (periodic, "cancel", None),
], ids=["no-cancel", "try_to_cancel-ignored", "cancel", "periodic+try_to_cancel",
        "periodic+cancel"])
def test_cancel_before_the_free(fn, stop, verdict):
    res = kcheck.check(owner_model(fn, stop))
    assert (res.bug.kind if res.bug else None) == verdict, res.bug and res.bug.message
    if verdict is None and fn is oneshot:
        assert res.exhaustive
    if verdict is None and fn is periodic:
        # it restarts itself each time: the chain is cut, and the result says so
        assert not res.exhaustive and "cut" in " ".join(res.warnings)


def locker(t):
    d = t._owner
    spin_lock(d.lock)
    d.ticks += 1
    spin_unlock(d.lock)
    return HRTIMER_NORESTART


@pytest.mark.parametrize("mode,irqsave,verdict", [
    (HRTIMER_MODE_REL, False, "lockdep"),
    (HRTIMER_MODE_REL, True, None),
    (HRTIMER_MODE_REL_SOFT, False, "lockdep"),       # the softirq rule: _bh or _irqsave there
], ids=["hard-plain", "hard-irqsave", "soft-plain"])
def test_the_callbacks_context_for_lockdep(mode, irqsave, verdict):
    def owner(d):
        hrtimer_setup(d.t, locker, CLOCK_MONOTONIC, mode)
        hrtimer_start(d.t, 0, mode)
        if irqsave:
            flags = spin_lock_irqsave(d.lock)
            d.ticks = 0
            spin_unlock_irqrestore(d.lock, flags)
        else:
            spin_lock(d.lock)
            d.ticks = 0
            spin_unlock(d.lock)
        hrtimer_cancel(d.t)

    def main():
        spawn(owner, mydev(), name="owner")
    res = kcheck.check(main)
    assert (res.bug.kind if res.bug else None) == verdict, res.bug and res.bug.message
    if verdict:
        assert ("HARDIRQ" if mode == HRTIMER_MODE_REL else "SOFTIRQ") in res.bug.message


@pytest.mark.parametrize("mode,context", [(HRTIMER_MODE_REL, "hardirq"),
                                          (HRTIMER_MODE_REL_SOFT, "softirq")])
def test_a_callback_may_not_sleep(mode, context):
    def sleepy(t):
        msleep(1)
        return HRTIMER_NORESTART

    def owner(d):
        hrtimer_init(d.t, CLOCK_MONOTONIC, mode)
        d.t.function = sleepy
        hrtimer_start(d.t, 0, mode)
        hrtimer_cancel(d.t)

    def main():
        spawn(owner, mydev(), name="owner")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "sleep-in-atomic"
    assert f"hrtimer callback ({context} context)" in res.bug.message


def test_cancel_from_its_own_callback_waits_for_itself():
    def selfish(t):
        hrtimer_cancel(t)
        return HRTIMER_NORESTART

    def owner(d):
        hrtimer_setup(d.t, selfish, CLOCK_MONOTONIC, HRTIMER_MODE_REL)
        hrtimer_start(d.t, 0, HRTIMER_MODE_REL)

    def main():
        spawn(owner, mydev(), name="owner")
    res = kcheck.check(main)
    assert res.bug is not None and res.bug.kind == "deadlock"


C_HRTIMER = r"""
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <pthread.h>

struct mydev {
	spinlock_t lock;
	int ticks;
	struct hrtimer timer;
};

static enum hrtimer_restart mydev_tick(struct hrtimer *t)
{
	struct mydev *d = container_of(t, struct mydev, timer);

	spin_lock(&d->lock);
	d->ticks++;
	spin_unlock(&d->lock);
	return HRTIMER_NORESTART;
}

static void *owner(void *arg)
{
	struct mydev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	unsigned long flags;

	spin_lock_init(&d->lock);
	hrtimer_init(&d->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	d->timer.function = mydev_tick;
	hrtimer_start(&d->timer, ms_to_ktime(10), HRTIMER_MODE_REL);
	spin_lock_irqsave(&d->lock, flags);
	d->ticks = 0;
	spin_unlock_irqrestore(&d->lock, flags);
#ifdef TRY
	hrtimer_try_to_cancel(&d->timer);
#else
	hrtimer_cancel(&d->timer);
#endif
	kfree(d);
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, owner, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("memory_model", ["sc", "lkmm"])
@pytest.mark.parametrize("define,kind", [(None, None), ("TRY", "use-after-free")])
def test_the_same_in_c(tmp_path, define, kind, memory_model):
    import kcheck.c
    f = tmp_path / "hrtimer.c"
    f.write_text(C_HRTIMER)
    prog = kcheck.c.load(str(f), defines=(define,) if define else ())
    res = kcheck.check(prog.entry, memory_model=memory_model)
    assert (res.bug.kind if res.bug else None) == kind, res.bug and res.bug.message
    if kind is None:
        assert res.exhaustive and res.blocked == 0
    else:
        assert "hrtimer:mydev#0->timer" in res.bug.message
        again = kcheck.replay(prog.entry, res.bug.schedule, memory_model=memory_model)
        assert again.bug is not None and again.bug.kind == kind
