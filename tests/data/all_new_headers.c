#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <linux/idr.h>
#include <linux/percpu-refcount.h>
#include <linux/percpu-rwsem.h>
#include <linux/lockref.h>
#include <linux/rculist_nulls.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <linux/timer.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/srcu.h>
#include <linux/seqlock.h>
#include <linux/rwsem.h>
#include <linux/hashtable.h>
#include <linux/llist.h>
#include <linux/wait_bit.h>
#include <linux/kthread.h>
#include <linux/interrupt.h>
#include <linux/hrtimer.h>
#include <linux/local_lock.h>
#include <linux/cleanup.h>
#include <pthread.h>

static DEFINE_XARRAY(xa);
static DEFINE_IDR(ids);
static DEFINE_STATIC_PERCPU_RWSEM(prw);

static void *t(void *arg)
{
	unsigned long i;
	void *e;
	int id;

	xa_store(&xa, 3, arg, GFP_KERNEL);
	xa_for_each(&xa, i, e)
		BUG_ON(i != 3 || e != arg);
	idr_preload(GFP_KERNEL);
	id = idr_alloc(&ids, arg, 1, 0, GFP_NOWAIT);
	idr_preload_end();
	BUG_ON(idr_find(&ids, id) != arg);
	idr_for_each_entry(&ids, e, id)
		BUG_ON(e != arg);
	percpu_down_read(&prw);
	percpu_up_read(&prw);
	xa_erase(&xa, 3);
	idr_remove(&ids, 1);
	return NULL;
}

int main(void)
{
	pthread_t a;
	static int x;
	pthread_create(&a, NULL, t, &x);
	pthread_join(a, NULL);
	return 0;
}
