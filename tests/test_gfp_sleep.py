"""An allocation whose gfp flags allow blocking (GFP_KERNEL, GFP_NOIO,
GFP_NOFS) may sleep: the kernel's slab_pre_alloc_hook() calls might_sleep()
for it, so GFP_KERNEL under a spinlock, in an RCU reader or in an interrupt
handler is "BUG: sleeping function called from invalid context" - one of the
commonest bugs a reviewer catches.  GFP_ATOMIC and GFP_NOWAIT never sleep.
Each case has its twin with the right flag, clean and exhaustive."""

import pytest

import kcheck
import kcheck.c
from kcheck import spawn
from kcheck.kernel import (GFP_ATOMIC, GFP_KERNEL, KStruct, kfree, kmalloc, spin_lock,
                           spin_unlock, DEFINE_SPINLOCK)

C = r"""
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/interrupt.h>
#include <linux/percpu.h>
#include <pthread.h>

static DEFINE_SPINLOCK(lock);
static void *p;

static irqreturn_t handler(int irq, void *dev)
{
#if CASE == 3
	kfree(kmalloc(8, FLAGS));
#endif
	return IRQ_HANDLED;
}

static void *task(void *arg)
{
#if CASE == 1
	spin_lock(&lock);
	p = kzalloc(16, FLAGS);
	spin_unlock(&lock);
	kfree(p);
#elif CASE == 2
	rcu_read_lock();
	p = kmalloc_array(2, 8, FLAGS);
	rcu_read_unlock();
	kfree(p);
#elif CASE == 4
	int __percpu *c;

	spin_lock(&lock);
	c = alloc_percpu_gfp(int, FLAGS);
	spin_unlock(&lock);
	free_percpu(c);
#elif CASE == 5
	unsigned long page;

	spin_lock_irq(&lock);
	page = __get_free_page(FLAGS);
	spin_unlock_irq(&lock);
	free_page(page);
#endif
	return NULL;
}

int main(void)
{
	pthread_t t;

#if CASE == 3
	request_irq(1, handler, 0, "dev", NULL);
#endif
	pthread_create(&t, NULL, task, NULL);
	pthread_join(t, NULL);
#if CASE == 3
	free_irq(1, NULL);
#endif
	return 0;
}
"""

WANT = {1: "sleep-in-atomic", 2: "sleep-in-rcu", 3: "sleep-in-atomic", 4: "sleep-in-atomic",
        5: "sleep-in-atomic"}


@pytest.mark.parametrize("flags", ["GFP_KERNEL", "GFP_NOIO", "GFP_ATOMIC", "GFP_NOWAIT"])
@pytest.mark.parametrize("case", sorted(WANT))
def test_a_blocking_allocation_in_atomic_context_in_c(tmp_path, case, flags):
    f = tmp_path / "gfp.c"
    f.write_text(C)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"CASE={case}", f"FLAGS={flags}"]).entry)
    if flags in ("GFP_ATOMIC", "GFP_NOWAIT"):
        assert r.bug is None and r.exhaustive, r.format()
        return
    assert r.bug is not None and r.bug.kind == WANT[case], r.format()
    assert "gfp.c:" in r.bug.message, r.bug.message


class Obj(KStruct):
    v: int


def _model(gfp):
    def task(lock):
        spin_lock(lock)
        o = kmalloc(Obj, gfp) if gfp is not None else kmalloc(Obj)
        spin_unlock(lock)
        kfree(o)

    def main():
        spawn(task, DEFINE_SPINLOCK())
    return main


@pytest.mark.parametrize("gfp,want", [(GFP_KERNEL, "sleep-in-atomic"), (GFP_ATOMIC, None),
                                      (None, None)])
def test_a_blocking_allocation_in_atomic_context_in_python(gfp, want):
    """A Python model says its flags as the C does; one that says none is not checked."""
    r = kcheck.check(_model(gfp))
    assert (r.bug.kind if r.bug else None) == want, r.format()
    if want is None:
        assert r.exhaustive
