"""percpu_ref (kcheck.kernel.percpu_refcount, C's linux/percpu-refcount.h):
each documented rule of lib/percpu-refcount.c as a buggy/fixed twin."""

import pytest

import kcheck
import kcheck.c
from kcheck import spawn, join
from kcheck.kernel import (KStruct, percpu_ref, percpu_ref_init, percpu_ref_exit, percpu_ref_get,
                           percpu_ref_put, percpu_ref_tryget_live, percpu_ref_kill,
                           percpu_ref_kill_and_confirm, percpu_ref_is_zero,
                           percpu_ref_switch_to_atomic_sync, percpu_ref_switch_to_percpu,
                           percpu_ref_resurrect, PERCPU_REF_ALLOW_REINIT, completion,
                           init_completion, complete, wait_for_completion, container_of,
                           kzalloc, kfree, READ_ONCE, WRITE_ONCE, ptr, BUG_ON, mutex,
                           mutex_lock, mutex_unlock, wait_queue_head_t, init_waitqueue_head,
                           wake_up_all, wait_event)


class dev(KStruct):
    ref: percpu_ref
    killed: int
    released: completion
    data: int


def _release(ref):
    complete(container_of(ref, dev).released)


def _confirm(ref):
    WRITE_ONCE(ptr(container_of(ref, dev), "killed"), 1)


def _live_after_kill(fixed):
    """After percpu_ref_kill() returns, percpu_ref_tryget_live() may still
    succeed on another CPU until the grace period: only the confirmation of
    percpu_ref_kill_and_confirm() says it will fail - the reason that function
    exists (dbece3a0f1ef, "percpu-refcount: implement percpu_tryget() along
    with percpu_ref_kill_and_confirm()": "tryget() may continue to succeed on
    some CPUs after kill() returns")."""
    def user(d):
        if READ_ONCE(ptr(d, "killed")):
            BUG_ON(percpu_ref_tryget_live(d.ref))

    def killer(d):
        if fixed:
            percpu_ref_kill_and_confirm(d.ref, _confirm)
        else:
            percpu_ref_kill(d.ref)
            WRITE_ONCE(ptr(d, "killed"), 1)

    def teardown(d, a, b):
        join(a)
        join(b)
        wait_for_completion(d.released)
        percpu_ref_exit(d.ref)
        kfree(d)

    def main():
        d = kzalloc(dev)
        init_completion(d.released)
        percpu_ref_init(d.ref, _release)
        a = spawn(user, d)
        b = spawn(killer, d)
        spawn(teardown, d, a, b)
    return main


@pytest.mark.parametrize("fixed", [0, 1])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_tryget_live_succeeds_after_kill_until_the_confirmation(mm, fixed):
    r = kcheck.check(_live_after_kill(fixed), memory_model=mm)
    if fixed or mm == "sc":
        # under SC the flag is seen at once: the bug needs the weak memory model
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug is not None and r.bug.kind == "bug-on", r.format()


class queue(KStruct):
    usage: percpu_ref
    data: object
    frozen: int
    wq: wait_queue_head_t


class qdata(KStruct):
    v: int


def _q_release(ref):
    wake_up_all(container_of(ref, queue).wq)


def _freeze(fixed):
    """blk_mq_freeze_queue(): kill the usage counter, wait for it to reach zero,
    then nobody is inside; freeing what users touch before that is a
    use-after-free."""
    def user(q):
        if percpu_ref_tryget_live(q.usage):
            d = q.data
            d.v = 1
            percpu_ref_put(q.usage)

    def freezer(q):
        percpu_ref_kill(q.usage)
        if fixed:
            wait_event(q.wq, lambda: percpu_ref_is_zero(q.usage))
        kfree(q.data)

    def main():
        q = kzalloc(queue, data=kzalloc(qdata))
        init_waitqueue_head(q.wq)
        percpu_ref_init(q.usage, _q_release)
        spawn(user, q)
        spawn(freezer, q)
    return main


@pytest.mark.parametrize("fixed", [0, 1])
def test_freezing_waits_for_the_count_to_reach_zero(fixed):
    r = kcheck.check(_freeze(fixed), ignore=["leak"])
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "use-after-free", r.format()


def _one_task(body):
    def main():
        d = kzalloc(dev)
        init_completion(d.released)
        percpu_ref_init(d.ref, _release)
        spawn(body, d)
    return main


def test_a_second_kill_warns():
    def body(d):
        percpu_ref_kill(d.ref)
        percpu_ref_kill(d.ref)
    r = kcheck.check(_one_task(body), ignore=["leak"])
    assert r.bug.kind == "warn" and "called more than once" in r.bug.message, r.format()


@pytest.mark.parametrize("extra", [0, 1])
def test_a_put_too_many_warns_after_switching_to_atomic(extra):
    def body(d):
        percpu_ref_get(d.ref)
        if extra:
            percpu_ref_put(d.ref)
        _put_kill_exit(d)
    _clean_or_warn(kcheck.check(_one_task(body)), not extra, "<= 0")


def _put_kill_exit(d):
    """Drop the reference taken, kill, wait for the release, exit and free."""
    percpu_ref_put(d.ref)
    percpu_ref_kill(d.ref)
    wait_for_completion(d.released)
    percpu_ref_exit(d.ref)
    kfree(d)


def _clean_or_warn(r, clean, text):
    if clean:
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug.kind == "warn" and text in r.bug.message, r.format()


def test_a_ref_never_exited_leaks_its_data():
    def body(d):
        percpu_ref_kill(d.ref)
        wait_for_completion(d.released)
        kfree(d)
    r = kcheck.check(_one_task(body))
    assert r.bug.kind == "leak" and "percpu_ref_data" in r.bug.message, r.format()


def test_exit_while_the_switch_is_in_flight_warns():
    def body(d):
        percpu_ref_kill(d.ref)
        percpu_ref_exit(d.ref)
    r = kcheck.check(_one_task(body), ignore=["leak"])
    assert r.bug.kind == "warn" and "still in flight" in r.bug.message, r.format()


def test_a_get_after_exit_is_a_null_dereference():
    def body(d):
        percpu_ref_kill(d.ref)
        wait_for_completion(d.released)
        percpu_ref_exit(d.ref)
        percpu_ref_get(d.ref)
    r = kcheck.check(_one_task(body), ignore=["leak"])
    assert r.bug.kind == "null-deref", r.format()


def test_release_may_not_sleep():
    """release runs inside the last put's RCU reader (or the switch callback)."""
    class sdev(KStruct):
        ref: percpu_ref
        lock: mutex

    def release(ref):
        s = container_of(ref, sdev)
        mutex_lock(s.lock)
        mutex_unlock(s.lock)

    def body(s):
        percpu_ref_get(s.ref)
        percpu_ref_kill(s.ref)
        percpu_ref_put(s.ref)

    def main():
        s = kzalloc(sdev)
        percpu_ref_init(s.ref, release)
        spawn(body, s)
    r = kcheck.check(main, ignore=["leak"])
    assert r.bug.kind in ("sleep-in-rcu", "sleep-in-atomic"), r.format()


def test_atomic_sync_and_back_to_percpu_keep_the_count():
    """switch_to_atomic_sync, then switch_to_percpu (allowed with
    PERCPU_REF_ALLOW_REINIT): the count is kept across, and the kill after
    still releases once."""
    def body(d):
        percpu_ref_get(d.ref)
        percpu_ref_switch_to_atomic_sync(d.ref)
        percpu_ref_put(d.ref)
        percpu_ref_switch_to_percpu(d.ref)
        percpu_ref_get(d.ref)
        percpu_ref_put(d.ref)
        percpu_ref_kill(d.ref)
        wait_for_completion(d.released)
        percpu_ref_exit(d.ref)
        kfree(d)

    def main():
        d = kzalloc(dev)
        init_completion(d.released)
        percpu_ref_init(d.ref, _release, PERCPU_REF_ALLOW_REINIT)
        spawn(body, d)
    r = kcheck.check(main)
    assert r.bug is None and r.exhaustive, r.format()


C = r"""
#include <linux/percpu-refcount.h>
#include <linux/completion.h>
#include <linux/slab.h>
#include <pthread.h>

struct dev { struct percpu_ref ref; int killed; struct completion released; };
static struct dev *d;

static void release(struct percpu_ref *ref)
{
	complete(&container_of(ref, struct dev, ref)->released);
}

static void confirm(struct percpu_ref *ref)
{
	WRITE_ONCE(container_of(ref, struct dev, ref)->killed, 1);
}

static void *user(void *arg)
{
	if (READ_ONCE(d->killed))
		BUG_ON(percpu_ref_tryget_live(&d->ref));
	return NULL;
}

static void *killer(void *arg)
{
#if FIXED
	percpu_ref_kill_and_confirm(&d->ref, confirm);
#else
	percpu_ref_kill(&d->ref);
	WRITE_ONCE(d->killed, 1);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	init_completion(&d->released);
	percpu_ref_init(&d->ref, release, 0, GFP_KERNEL);
	pthread_create(&a, NULL, user, NULL);
	pthread_create(&b, NULL, killer, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	wait_for_completion(&d->released);
	percpu_ref_exit(&d->ref);
	kfree(d);
	return 0;
}
"""


@pytest.mark.parametrize("fixed", [0, 1])
@pytest.mark.parametrize("mm", ["sc", "lkmm"])
def test_tryget_live_after_kill_in_c(tmp_path, mm, fixed):
    f = tmp_path / "pref.c"
    f.write_text(C)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"FIXED={fixed}"]).entry, memory_model=mm)
    if fixed or mm == "sc":
        assert r.bug is None and r.exhaustive, r.format()
    else:
        assert r.bug is not None and r.bug.kind == "bug-on", r.format()


@pytest.mark.parametrize("gets,zero", [(1, False), (0, False)])
def test_percpu_ref_is_zero_after_exit_reads_the_kept_count(gets, zero):
    """percpu_ref_exit() keeps the count in percpu_count_ptr (shifted past the
    flags, PERCPU_COUNT_BIAS shifted out) and percpu_ref_is_zero() reads it
    there once ref->data is gone: a ref exited with references held is not
    zero (kcheck said it always was)."""
    from kcheck.kernel import percpu_ref_is_zero, WARN_ON

    class q(KStruct):
        ref: percpu_ref

    def t(x):
        percpu_ref_init(x.ref, lambda ref: None, 0)
        for _ in range(gets):
            percpu_ref_get(x.ref)
        percpu_ref_exit(x.ref)
        WARN_ON(percpu_ref_is_zero(x.ref) != zero)

    def main():
        spawn(t, q(), name="t")
    res = kcheck.check(main)
    assert res.verdict == "no-bug", res.bug and res.bug.message


def test_exit_with_the_switch_in_flight_is_a_use_after_free_of_the_data():
    """percpu_ref_exit() while the kill's switch to atomic mode is in flight:
    the kernel WARNs, frees ref->data, and the switch's RCU callback - which
    finds the data from its rcu_head, not through ref->data - uses it freed.
    With the WARN ignored kcheck once stopped on its own NULL dereference
    ("model error") instead."""
    from kcheck.kernel import percpu_ref_kill, GFP_KERNEL

    class obj_t(KStruct):
        ref: percpu_ref

    def main():
        o = obj_t()
        percpu_ref_init(o.ref, lambda ref: None, 0, GFP_KERNEL)

        def t():
            percpu_ref_kill(o.ref)
            percpu_ref_exit(o.ref)
        spawn(t, name="t")

    assert kcheck.check(main).bug.kind == "warn"
    res = kcheck.check(main, ignore=("warn",))
    assert res.verdict == "bug" and res.bug.kind == "use-after-free", res.bug
    assert "percpu_ref_data" in res.bug.message


@pytest.mark.parametrize("in_rcu", [True, False])
def test_tryget_live_rcu_wants_the_callers_rcu_read_lock(in_rcu):
    """percpu_ref_tryget_live_rcu() (v5.16) takes no RCU read lock of its own:
    WARN_ON_ONCE(!rcu_read_lock_held()) outside one; inside it is
    percpu_ref_tryget_live(), reference and all."""
    from kcheck.kernel import percpu_ref_tryget_live_rcu, rcu_read_lock, rcu_read_unlock

    def body(d):
        if in_rcu:
            rcu_read_lock()
        got = percpu_ref_tryget_live_rcu(d.ref)
        if in_rcu:
            rcu_read_unlock()
        BUG_ON(not got)
        _put_kill_exit(d)
    _clean_or_warn(kcheck.check(_one_task(body)), in_rcu, "rcu_read_lock_held")


TRYGET_RCU_C = r"""
#include <linux/percpu-refcount.h>
#include <linux/slab.h>
#include <linux/bug.h>

static void release(struct percpu_ref *ref) { }

int main(void)
{
	struct percpu_ref *ref = kzalloc(sizeof(*ref), GFP_KERNEL);

	percpu_ref_init(ref, release, 0, GFP_KERNEL);
#ifndef BUGGY
	rcu_read_lock();
#endif
	BUG_ON(!percpu_ref_tryget_live_rcu(ref));
#ifndef BUGGY
	rcu_read_unlock();
#endif
	percpu_ref_put(ref);
	percpu_ref_kill(ref);
	rcu_barrier();
	percpu_ref_exit(ref);
	kfree(ref);
	return 0;
}
"""


@pytest.mark.parametrize("bad", [True, False])
def test_tryget_live_rcu_from_c(tmp_path, bad):
    from c_twins import check_c_twin
    check_c_twin(tmp_path, TRYGET_RCU_C, "BUGGY", bad, "sc", ("warn",), "rcu_read_lock_held")
