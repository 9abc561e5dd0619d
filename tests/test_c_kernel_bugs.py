"""The real kernel bugs of examples/bugs (kref, a lost wake-up, a bit lock,
sleeping in atomic context, an SRCU list walk), written in C: each buggy
version shows the bug kind its Python model shows, under the same memory
model, and each fixed version is clean and exhaustive.  This exercises the
issue-13 kernel API (kref, wait queues, bitops, irqsave locks, delays, SRCU,
lists) from C."""

import pytest

import kcheck
import kcheck.c

XILLYUSB = r"""
/* xillyusb: kref_get() after the last kref_put() (fix 282a4b71816b) */
#include <linux/kernel.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <pthread.h>

struct xillyusb_dev { struct kref kref; int channels; };
static struct mutex unit_mutex, kref_mutex;
static struct xillyusb_dev *unit;

static void cleanup_dev(struct kref *kref)
{
	kfree(container_of(kref, struct xillyusb_dev, kref));
}

static struct xillyusb_dev *xillybus_find_inode(void)
{
	struct xillyusb_dev *xdev;

	mutex_lock(&unit_mutex);
	xdev = READ_ONCE(unit);
	mutex_unlock(&unit_mutex);
	return xdev;
}

static void *open_(void *arg)
{
	struct xillyusb_dev *xdev;

#if FIXED
	mutex_lock(&kref_mutex);
#endif
	xdev = xillybus_find_inode();
	if (!xdev) {
#if FIXED
		mutex_unlock(&kref_mutex);
#endif
		return NULL;
	}
	kref_get(&xdev->kref);
#if FIXED
	mutex_unlock(&kref_mutex);
#endif
	READ_ONCE(xdev->channels);
	kref_put(&xdev->kref, cleanup_dev);
	return NULL;
}

static void *disconnect(void *arg)
{
	struct xillyusb_dev *xdev = arg;

	mutex_lock(&unit_mutex);
	WRITE_ONCE(unit, NULL);
	mutex_unlock(&unit_mutex);
#if FIXED
	mutex_lock(&kref_mutex);
#endif
	kref_put(&xdev->kref, cleanup_dev);
#if FIXED
	mutex_unlock(&kref_mutex);
#endif
	return NULL;
}

int main(void)
{
	struct xillyusb_dev *xdev = kzalloc(sizeof(*xdev), GFP_KERNEL);
	pthread_t a, b;

	kref_init(&xdev->kref);
	unit = xdev;
	pthread_create(&a, NULL, open_, NULL);
	pthread_create(&b, NULL, disconnect, xdev);
	return 0;
}
"""

KCOMPACTD = r"""
/* mm/compaction.c: waitqueue_active() without a barrier (fix 46acef048a65) */
#include <linux/kernel.h>
#include <linux/wait.h>
#include <pthread.h>

static int kcompactd_max_order, compacted;
static DECLARE_WAIT_QUEUE_HEAD(kcompactd_wait);

static void *kcompactd(void *arg)
{
	wait_event_interruptible(kcompactd_wait, READ_ONCE(kcompactd_max_order) > 0);
	WRITE_ONCE(compacted, 1);
	WRITE_ONCE(kcompactd_max_order, 0);
	return NULL;
}

static void *allocator(void *arg)
{
	if (READ_ONCE(kcompactd_max_order) < 1)
		WRITE_ONCE(kcompactd_max_order, 1);
#if FIXED
	if (!wq_has_sleeper(&kcompactd_wait))
#else
	if (!waitqueue_active(&kcompactd_wait))
#endif
		return NULL;
	wake_up_interruptible(&kcompactd_wait);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, kcompactd, NULL);
	pthread_create(&b, NULL, allocator, NULL);
	return 0;
}
"""

RDS = r"""
/* net/rds: a bit lock with test_and_set_bit()/clear_bit() (fix 1422f28826d2) */
#include <linux/kernel.h>
#include <linux/bitops.h>
#include <pthread.h>

#define RDS_IN_XMIT 2
static unsigned long cp_flags;
static int cp_xmit_sg;

static bool acquire_in_xmit(void)
{
#if FIXED
	return !test_and_set_bit_lock(RDS_IN_XMIT, &cp_flags);
#else
	return !test_and_set_bit(RDS_IN_XMIT, &cp_flags);
#endif
}

static void release_in_xmit(void)
{
#if FIXED
	clear_bit_unlock(RDS_IN_XMIT, &cp_flags);
#else
	clear_bit(RDS_IN_XMIT, &cp_flags);
	smp_mb__after_atomic();
#endif
}

static void *sender(void *arg)
{
	while (!acquire_in_xmit())
		cpu_relax();
	cp_xmit_sg = cp_xmit_sg + 1;
	release_in_xmit();
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, sender, NULL);
	pthread_create(&b, NULL, sender, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	WARN_ON(READ_ONCE(cp_xmit_sg) != 2);
	return 0;
}
"""

QLA3XXX = r"""
/* qla3xxx: ssleep() under spin_lock_irqsave() (fix 92766c4628ea) */
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/delay.h>
#include <pthread.h>

static DEFINE_SPINLOCK(hw_lock);
static int drvr_sem;

static bool ql_sem_spinlock(void)
{
	return cmpxchg(&drvr_sem, 0, 1) == 0;
}

static bool ql_wait_for_drvr_lock(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (ql_sem_spinlock())
			return true;
#if FIXED
		mdelay(1000);
#else
		ssleep(1);
#endif
	}
	return false;
}

static void *ql_adapter_up(void *arg)
{
	unsigned long flags;

	spin_lock_irqsave(&hw_lock, flags);
	if (ql_wait_for_drvr_lock())
		WRITE_ONCE(drvr_sem, 0);
	spin_unlock_irqrestore(&hw_lock, flags);
	return NULL;
}

static void *other_function(void *arg)
{
	if (ql_sem_spinlock())
		WRITE_ONCE(drvr_sem, 0);
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	pthread_create(&a, NULL, ql_adapter_up, NULL);
	pthread_create(&b, NULL, other_function, NULL);
	return 0;
}
"""

EVENTFS = r"""
/* eventfs: an SRCU-protected list walked with list_for_each_entry_rcu() (fix 9243e5430995) */
#include <linux/kernel.h>
#include <linux/rculist.h>
#include <linux/srcu.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <pthread.h>

struct eventfs_file { struct list_head list; int mode; };
static LIST_HEAD(e_top_files);
static struct mutex eventfs_mutex;
static DEFINE_SRCU(eventfs_srcu);
static struct eventfs_file *files[2];

static void create_dentry(struct eventfs_file *ef)
{
	might_sleep();
	READ_ONCE(ef->mode);
}

static void *reader(void *arg)
{
	struct eventfs_file *ef;
	int idx = srcu_read_lock(&eventfs_srcu);

#if FIXED
	list_for_each_entry_srcu(ef, &e_top_files, list, srcu_read_lock_held(&eventfs_srcu))
#else
	list_for_each_entry_rcu(ef, &e_top_files, list)
#endif
		create_dentry(ef);
	srcu_read_unlock(&eventfs_srcu, idx);
	return NULL;
}

static void *remover(void *arg)
{
	int i;

	for (i = 0; i < 2; i++) {
		mutex_lock(&eventfs_mutex);
		list_del_rcu(&files[i]->list);
		mutex_unlock(&eventfs_mutex);
		synchronize_srcu(&eventfs_srcu);
		kfree(files[i]);
	}
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	int i;

	for (i = 0; i < 2; i++) {
		files[i] = kzalloc(sizeof(*files[i]), GFP_KERNEL);
		files[i]->mode = 0444;
		list_add_tail_rcu(&files[i]->list, &e_top_files);
	}
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, remover, NULL);
	return 0;
}
"""

RCU_KREF_LOOKUP = r"""
/* A lookup under RCU must not kref_get() an object whose count may have
 * reached zero (kref_get_unless_zero(), Documentation/core-api/kref.rst); the
 * kthreads poll kthread_should_stop() with schedule() in TASK_RUNNING, a busy
 * loop that kthread_stop() ends (once a false livelock). */
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/rculist.h>

struct obj {
	struct kref ref;
	struct list_head node;
	int val;
};

static LIST_HEAD(objs);
static DEFINE_SPINLOCK(objs_lock);

static void obj_release(struct kref *ref)
{
	struct obj *o = container_of(ref, struct obj, ref);

	spin_lock(&objs_lock);
	list_del_rcu(&o->node);
	spin_unlock(&objs_lock);
	kfree_rcu_mightsleep(o);
}

static struct obj *lookup(void)
{
	struct obj *o;

	rcu_read_lock();
	list_for_each_entry_rcu(o, &objs, node) {
#if FIXED
		if (kref_get_unless_zero(&o->ref)) {
#else
		{
			kref_get(&o->ref);
#endif
			rcu_read_unlock();
			return o;
		}
	}
	rcu_read_unlock();
	return NULL;
}

static int user(void *arg)
{
	struct obj *o = lookup();

	if (o) {
		WRITE_ONCE(o->val, 1);
		kref_put(&o->ref, obj_release);
	}
	while (!kthread_should_stop())
		schedule();
	return 0;
}

static int owner(void *arg)
{
	struct obj *o = arg;

	kref_put(&o->ref, obj_release);
	while (!kthread_should_stop())
		schedule();
	return 0;
}

int main(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);
	struct task_struct *a, *b;

	kref_init(&o->ref);
	list_add_rcu(&o->node, &objs);
	a = kthread_run(user, NULL, "user");
	b = kthread_run(owner, o, "owner");
	kthread_stop(a);
	kthread_stop(b);
	return 0;
}
"""

BUGS = {
    "xillyusb_kref": (XILLYUSB, {"sc": "refcount-warn"}),
    "kcompactd_wakeup": (KCOMPACTD, {"sc": None, "lkmm": "lost-wakeup"}),
    "rds_in_xmit_bitlock": (RDS, {"sc": None, "lkmm": "warn"}),
    "qla3xxx_sleep_in_atomic": (QLA3XXX, {"sc": "sleep-in-atomic"}),
    "eventfs_srcu_list": (EVENTFS, {"sc": "suspicious-rcu-usage", "lkmm": "suspicious-rcu-usage"}),
    "rcu_kref_lookup": (RCU_KREF_LOOKUP, {"sc": "refcount-warn", "lkmm": "refcount-warn"}),
}

CASES = [(name, mm, fixed) for name, (_, kinds) in sorted(BUGS.items()) for mm in kinds
         for fixed in (0, 1)]


@pytest.mark.parametrize("name,mm,fixed", CASES)
def test_real_bug_in_c(tmp_path, name, mm, fixed):
    text, kinds = BUGS[name]
    f = tmp_path / f"{name}.c"
    f.write_text(text)
    prog = kcheck.c.load(str(f), defines=[f"FIXED={fixed}"])
    r = kcheck.check(prog.entry, memory_model=mm)
    got = r.bug.kind if r.bug else None
    want = None if fixed else kinds[mm]
    assert got == want, r.format()
    if want is None:
        assert r.exhaustive or mm == "lkmm" and r.bug is None


LOST_WAKEUP = r"""
#include <linux/kernel.h>
#include <linux/wait.h>
#include <linux/sched.h>
#include <pthread.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static int done;

static void *waiter(void *arg)
{
	DEFINE_WAIT(wait);

#if FIXED
	prepare_to_wait(&wq, &wait, TASK_UNINTERRUPTIBLE);
	if (!READ_ONCE(done))
		schedule();
	finish_wait(&wq, &wait);
#else
	if (!READ_ONCE(done)) {			/* tested before prepare_to_wait() */
		prepare_to_wait(&wq, &wait, TASK_UNINTERRUPTIBLE);
		schedule();
		finish_wait(&wq, &wait);
	}
#endif
	return NULL;
}

static void *waker(void *arg)
{
	WRITE_ONCE(done, 1);
	wake_up(&wq);
	return NULL;
}

int main(void)
{
	pthread_t t1, t2;

	pthread_create(&t1, NULL, waiter, NULL);
	pthread_create(&t2, NULL, waker, NULL);
	return 0;
}
"""


@pytest.mark.parametrize("fixed", [0, 1])
def test_a_condition_tested_before_prepare_to_wait_loses_the_wakeup(tmp_path, fixed):
    """The trace names the wait queue as the C does (``&wq``; it said
    ``&wq.lock``, the queue's first member)."""
    f = tmp_path / "lw.c"
    f.write_text(LOST_WAKEUP)
    r = kcheck.check(kcheck.c.load(str(f), defines=[f"FIXED={fixed}"]).entry)
    if fixed:
        assert r.bug is None and r.exhaustive, r.format()
        return
    assert r.bug.kind == "lost-wakeup", r.format()
    assert "wake_up(&wq): nobody to wake" in r.bug.trace, r.bug.trace
    # the call as the C writes it (a kernel operation's line keeps the source)
    assert "prepare_to_wait(&wq, &wait," in r.bug.trace, r.bug.trace
    assert "wq.lock" not in r.bug.trace, r.bug.trace

