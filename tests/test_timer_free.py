"""A structure with a timer in it, freed (kernel/time/timer.c, lib/debugobjects.c).

expire_timers() loads ``timer->function`` in the base->lock section that
marks the timer running, and call_timer_fn() never touches the timer again:
``del_timer(); kfree()`` is a use-after-free only through what the running
function touches (kcheck loaded the function after the expiry, a false
use-after-free when the function does not touch the structure).  A
structure freed while its timer is *pending* is ODEBUG's "free active object
type: timer_list": the timer fires on freed memory.
"""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import (KStruct, atomic_inc, atomic_t, del_timer, del_timer_sync, from_timer,
                           kfree, kzalloc, mod_timer, timer_list, timer_setup, hrtimer,
                           hrtimer_setup, hrtimer_start, hrtimer_cancel, hrtimer_try_to_cancel,
                           HRTIMER_NORESTART, HRTIMER_MODE_REL, CLOCK_MONOTONIC, container_of)


class dev(KStruct):
    t: timer_list
    n: int


class glob(KStruct):
    ticks: atomic_t


G = []


def cb_global(t):
    atomic_inc(G[0].ticks)


def cb_dev(t):
    d = from_timer(dev, t, "t")
    d.n += 1


def _main(cb, teardown):
    def remover(d):
        mod_timer(d.t, 0)
        teardown(d.t)
        kfree(d)

    def main():
        G[:] = [glob()]
        d = kzalloc(dev)
        timer_setup(d.t, cb, 0)
        spawn(remover, d, name="remove")
    return main


def _none(t):
    pass


@pytest.mark.parametrize("mm", ["sc", "lkmm"])
@pytest.mark.parametrize("cb,teardown,bug", [
    (cb_global, del_timer, None),           # the running function touches nothing freed
    (cb_dev, del_timer, "use-after-free"),  # the classic: it touches the structure
    (cb_dev, del_timer_sync, None),
    (cb_global, _none, "use-after-free"),   # freed pending: ODEBUG, fires on freed memory
    (cb_global, del_timer_sync, None),
])
def test_freeing_a_structure_with_a_timer(cb, teardown, bug, mm):
    r = kcheck.check(_main(cb, teardown), memory_model=mm)
    if bug is None:
        assert r.bug is None and r.exhaustive, r
    else:
        assert r.bug is not None and r.bug.kind == bug, r
        if cb is cb_dev:
            assert "n" in r.bug.message and "load function" not in r.bug.message, r.bug.message
        else:
            assert "ODEBUG: free active" in r.bug.message, r.bug.message


def test_odebug_free_active_in_c(tmp_path):
    """The same check on C memory (a kzalloc'd struct with a timer_list)."""
    import kcheck.c
    src = tmp_path / "t.c"
    src.write_text(r'''
#include <linux/timer.h>
#include <linux/slab.h>
#include <linux/kthread.h>
struct dev { struct timer_list t; int n; };
static void cb(struct timer_list *t) { }
static int remover(void *p)
{
	struct dev *d = p;
	mod_timer(&d->t, jiffies + 1);
#ifdef FIXED
	del_timer_sync(&d->t);
#endif
	kfree(d);
	return 0;
}
int main(void)
{
	struct dev *d = kzalloc(sizeof(*d), GFP_KERNEL);
	timer_setup(&d->t, cb, 0);
	kthread_run(remover, d, "remove");
	return 0;
}
''')
    bad = kcheck.check(kcheck.c.load(str(src)).entry)
    assert bad.bug is not None and bad.bug.kind == "use-after-free" and "ODEBUG" in bad.bug.message
    # named by its member (was `&&dev#0->t.entry.next->t`)
    assert "frees &dev#0->t while it is pending" in bad.bug.message, bad.bug.message
    ok = kcheck.check(kcheck.c.load(str(src), defines=["FIXED"]).entry)
    assert ok.bug is None and ok.exhaustive, ok


# -- hrtimers: __run_hrtimer() loads timer->function under the base lock too --

class hdev(KStruct):
    h: hrtimer


def h_global(t):
    atomic_inc(G[0].ticks)
    return HRTIMER_NORESTART


def h_dev(t):
    d = container_of(t, hdev, "h")
    d.h.function            # touches the structure
    return HRTIMER_NORESTART


def _h_none(t):
    pass


def _hmain(cb, teardown):
    def remover(d):
        hrtimer_start(d.h, 0, HRTIMER_MODE_REL)
        teardown(d.h)
        kfree(d)

    def main():
        G[:] = [glob()]
        d = kzalloc(hdev)
        hrtimer_setup(d.h, cb, CLOCK_MONOTONIC, HRTIMER_MODE_REL)
        spawn(remover, d, name="remove")
    return main


@pytest.mark.parametrize("cb,teardown,bug", [
    (h_global, hrtimer_try_to_cancel, None),      # running: -1, and it touches nothing freed
    (h_dev, hrtimer_try_to_cancel, "use-after-free"),
    (h_dev, hrtimer_cancel, None),
    (h_global, _h_none, "use-after-free"),        # freed while pending: ODEBUG
])
def test_freeing_a_structure_with_an_hrtimer(cb, teardown, bug):
    r = kcheck.check(_hmain(cb, teardown))
    if bug is None:
        assert r.bug is None and r.exhaustive, r
    else:
        assert r.bug is not None and r.bug.kind == bug, r
        if cb is h_global:
            assert "ODEBUG: free active (active state 0) object type: hrtimer" in r.bug.message
