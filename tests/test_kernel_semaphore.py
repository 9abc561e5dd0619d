"""struct semaphore (kcheck.kernel.semaphore; C's linux/semaphore.h): a
counting semaphore with no owner."""

import pytest

import kcheck
import kcheck.c
from kcheck import spawn, join
from kcheck.kernel import (KStruct, semaphore, sema_init, down, up, down_trylock, down_timeout,
                           down_interruptible, atomic_t, atomic_inc_return, atomic_dec, BUG_ON,
                           kzalloc)


class dev(KStruct):
    sem: semaphore
    busy: atomic_t


@pytest.mark.parametrize("count,want", [(2, None), (3, "bug-on")])
def test_the_count_bounds_the_holders(count, want):
    def user(d):
        down(d.sem)
        BUG_ON(atomic_inc_return(d.busy) > 2)       # the device takes two users
        atomic_dec(d.busy)
        up(d.sem)

    def main():
        d = kzalloc(dev)
        sema_init(d.sem, count)
        for _ in range(3):
            spawn(user, d)
    r = kcheck.check(main, ignore=["leak"])
    assert (r.bug.kind if r.bug else None) == want, r.format()
    if want is None:
        assert r.exhaustive


def test_any_task_may_up_it_and_down_twice_on_one_unit_deadlocks():
    def waiter(d):
        down(d.sem)          # as a completion: another task gives the unit
        down(d.sem)          # nobody gives a second one

    def giver(d):
        up(d.sem)

    def main():
        d = kzalloc(dev)
        sema_init(d.sem, 0)
        spawn(waiter, d)
        spawn(giver, d)
    r = kcheck.check(main, ignore=["leak"])
    assert r.bug.kind == "deadlock" and "down" in r.bug.message, r.format()


def test_trylock_returns_zero_when_it_took_it_and_timeout_may_give_up():
    def body(d):
        BUG_ON(down_trylock(d.sem) != 0)            # took the only unit
        BUG_ON(down_trylock(d.sem) != 1)            # none left
        BUG_ON(down_timeout(d.sem, 10) != -62)      # nobody ups it: only the timeout returns
        up(d.sem)
        BUG_ON(down_interruptible(d.sem) != 0)

    def main():
        d = kzalloc(dev)
        sema_init(d.sem, 1)
        spawn(body, d)
    r = kcheck.check(main, ignore=["leak"])
    assert r.bug is None, r.format()


C = r"""
#include <linux/semaphore.h>
#include <pthread.h>

static DEFINE_SEMAPHORE(sem, 1);
static int in;

static void *user(void *arg)
{
	down(&sem);
	BUG_ON(READ_ONCE(in));
	WRITE_ONCE(in, 1);
	WRITE_ONCE(in, 0);
#if FIXED
	up(&sem);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, user, NULL);
	pthread_create(&b, NULL, user, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("fixed", [0, 1])
def test_a_binary_semaphore_in_c(tmp_path, fixed):
    f = tmp_path / "sem.c"
    f.write_text(C)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"FIXED={fixed}"]).entry)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "deadlock", r.format()
