"""wait_on_bit()/wake_up_bit() and wait_var_event()/wake_up_var().

``wake_up_bit()`` looks at the hashed queue without its lock, so the caller
must order the bit's clearing before it (``smp_mb__after_atomic()``, or
``clear_and_wake_up_bit()``): without the barrier the LKMM allows the
store-buffering outcome in which the waker sees no sleeper and the sleeper
still sees the bit set - a lost wake-up many kernel fixes added the barrier
for.  Under SC there is no such outcome.  The same for ``wake_up_var()``
after the store its waiter's condition reads."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (
    KStruct, KArray, DECLARE_BITMAP, set_bit, clear_bit, clear_bit_unlock, smp_mb__after_atomic,
    smp_mb, wait_on_bit, wake_up_bit, clear_and_wake_up_bit, wait_var_event, wake_up_var,
    WRITE_ONCE, READ_ONCE, ptr, atomic_t, atomic_set, atomic_read, TASK_UNINTERRUPTIBLE,
)


class dev(KStruct):
    flags: int
    state: int


BUSY = 3


def bit_model(release):
    def owner(d):
        release(d)

    def waiter(d):
        wait_on_bit(ptr(d, "flags"), BUSY, TASK_UNINTERRUPTIBLE)

    def main():
        d = dev()
        set_bit(BUSY, ptr(d, "flags"))
        spawn(owner, d, name="owner")
        spawn(waiter, d, name="waiter")
    return main


def no_barrier(d):
    clear_bit(BUSY, ptr(d, "flags"))
    wake_up_bit(ptr(d, "flags"), BUSY)


def with_barrier(d):
    clear_bit(BUSY, ptr(d, "flags"))
    smp_mb__after_atomic()
    wake_up_bit(ptr(d, "flags"), BUSY)


def helper(d):
    clear_and_wake_up_bit(BUSY, ptr(d, "flags"))


def never(d):
    pass


@pytest.mark.parametrize("release,sc,lkmm", [
    (no_barrier, "no-bug", "lost-wakeup"),
    (with_barrier, "no-bug", "no-bug"),
    (helper, "no-bug", "no-bug"),
    (never, "lost-wakeup", "lost-wakeup"),
], ids=["clear_bit+wake_up_bit", "+smp_mb__after_atomic", "clear_and_wake_up_bit", "no wake-up"])
def test_wake_up_bit_needs_the_bit_cleared_and_ordered_first(release, sc, lkmm):
    for mm, want in (("sc", sc), ("lkmm", lkmm)):
        res = kcheck.check(bit_model(release), memory_model=mm)
        got = res.bug.kind if res.bug else "no-bug"
        assert got == want, (mm, res.bug and res.bug.message)
        if res.bug:
            again = kcheck.replay(bit_model(release), res.bug.schedule, memory_model=mm)
            assert again.bug is not None and again.bug.kind == want


def var_model(barrier):
    def waker(d):
        WRITE_ONCE(ptr(d, "state"), 1)
        if barrier:
            smp_mb()
        wake_up_var(ptr(d, "state"))

    def waiter(d):
        wait_var_event(ptr(d, "state"), lambda: READ_ONCE(ptr(d, "state")) == 1)

    def main():
        d = dev()
        spawn(waker, d, name="waker")
        spawn(waiter, d, name="waiter")
    return main


@pytest.mark.parametrize("barrier,lkmm", [(False, "lost-wakeup"), (True, "no-bug")])
def test_wake_up_var_after_the_store_and_a_barrier(barrier, lkmm):
    assert kcheck.check(var_model(barrier)).verdict == "no-bug"
    res = kcheck.check(var_model(barrier), memory_model="lkmm")
    assert (res.bug.kind if res.bug else "no-bug") == lkmm, res.bug and res.bug.message


def test_a_bit_of_a_bitmap_has_its_own_queue():
    def owner(bm):
        clear_bit(70, bm)                   # word 1, bit 6
        smp_mb__after_atomic()
        wake_up_bit(bm, 70)

    def waiter(bm):
        wait_on_bit(bm, 70, TASK_UNINTERRUPTIBLE)

    def main():
        bm = DECLARE_BITMAP(128)
        set_bit(70, bm)
        spawn(owner, bm, name="owner")
        spawn(waiter, bm, name="waiter")
    for mm in ("sc", "lkmm"):
        res = kcheck.check(main, memory_model=mm)
        assert res.verdict == "no-bug" and res.exhaustive, (mm, res.bug and res.bug.message)


C_BIT = r"""
#include <linux/wait_bit.h>
#include <asm/barrier.h>
#include <pthread.h>

#define BUSY 3
static unsigned long flags;

static void *owner(void *arg)
{
#ifdef HELPER
	clear_and_wake_up_bit(BUSY, &flags);
#else
	clear_bit(BUSY, &flags);
#ifdef BARRIER
	smp_mb__after_atomic();
#endif
	wake_up_bit(&flags, BUSY);
#endif
	return NULL;
}

static void *waiter(void *arg)
{
	wait_on_bit(&flags, BUSY, TASK_UNINTERRUPTIBLE);
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	set_bit(BUSY, &flags);
	pthread_create(&a, NULL, owner, NULL);
	pthread_create(&b, NULL, waiter, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("define,lkmm", [(None, "lost-wakeup"), ("BARRIER", "no-bug"),
                                         ("HELPER", "no-bug")])
def test_the_same_in_c(tmp_path, define, lkmm):
    import kcheck.c
    f = tmp_path / "bit.c"
    f.write_text(C_BIT)
    prog = kcheck.c.load(str(f), defines=(define,) if define else ())
    assert kcheck.check(prog.entry).verdict == "no-bug"
    res = kcheck.check(prog.entry, memory_model="lkmm")
    assert (res.bug.kind if res.bug else "no-bug") == lkmm, res.bug and res.bug.message


C_VAR = r"""
#include <linux/wait_bit.h>
#include <linux/atomic.h>
#include <pthread.h>

struct obj {
	int pad;
	atomic_t users;
};

static struct obj o = { .users = ATOMIC_INIT(1) };

static void *putter(void *arg)
{
#ifdef ORDERED
	atomic_dec(&o.users);
	smp_mb__after_atomic();		/* the condition's store before the queue's look */
#else
	atomic_set(&o.users, 0);
#endif
	wake_up_var(&o.users);
	return NULL;
}

static void *waiter(void *arg)
{
	wait_var_event(&o.users, !atomic_read(&o.users));
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, waiter, NULL);
	pthread_create(&b, NULL, putter, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("define,lkmm", [(None, "lost-wakeup"), ("ORDERED", "no-bug")])
def test_wait_var_event_in_c(tmp_path, define, lkmm):
    # the kernel's macro, on a queue of the variable's own (a field, not its struct's first)
    import kcheck.c
    f = tmp_path / "var.c"
    f.write_text(C_VAR)
    prog = kcheck.c.load(str(f), defines=(define,) if define else ())
    sc = kcheck.check(prog.entry)
    assert sc.verdict == "no-bug" and sc.exhaustive, sc.bug and sc.bug.message
    res = kcheck.check(prog.entry, memory_model="lkmm")
    assert (res.bug.kind if res.bug else "no-bug") == lkmm, res.bug and res.bug.message
    if res.bug:
        assert "waiter" in res.bug.message
        again = kcheck.replay(prog.entry, res.bug.schedule, memory_model="lkmm")
        assert again.bug is not None and again.bug.kind == lkmm


def test_wait_var_event_without_a_waker_hangs_in_c(tmp_path):
    import kcheck.c
    f = tmp_path / "var.c"
    f.write_text(C_VAR.replace("wake_up_var(&o.users);", ""))
    res = kcheck.check(kcheck.c.load(str(f), defines=("ORDERED",)).entry)
    assert res.bug is not None and res.bug.kind == "lost-wakeup", res.bug


def test_a_lost_wake_up_var_names_wake_up_var():
    """The message names the call the code lacks as the code would write it
    (it said ``wake_up(&var_wait(...))``, a queue the code never names)."""
    from kcheck.kernel import wait_var_event, KStruct, READ_ONCE, WRITE_ONCE, ptr

    class obj(KStruct):
        users: int

    def main():
        o = obj(users=1)
        spawn(lambda: wait_var_event(ptr(o, "users"), lambda: READ_ONCE(ptr(o, "users")) == 0),
              name="waiter")
        spawn(lambda: WRITE_ONCE(ptr(o, "users"), 0), name="putter")    # forgets wake_up_var()

    res = kcheck.check(main)
    assert res.bug.kind == "lost-wakeup"
    assert "nobody calls wake_up_var(&obj#0->users)" in res.bug.message, res.bug.message
