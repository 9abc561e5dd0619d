/*
 * queue_rcu_work(): an object unpublished from an RCU-protected pointer is
 * freed by a work item that runs after a grace period.
 *   QUEUE=queue_work(wq, &o->rwork.work): no grace period - a reader still
 *        in its section sees the object freed
 *   TEARDOWN=(void)0: without rcu_barrier() the item may still be in its
 *        grace period when destroy_workqueue() runs (which drains only what
 *        is queued)
 *   OWNER_FREES: the work only writes; the updater frees after FLUSH, which
 *        must be flush_rcu_work() - flush_work() does not wait for an item
 *        still in its grace period
 */
#include <linux/workqueue.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <pthread.h>

struct obj { int v; struct rcu_work rwork; };
static struct obj __rcu *gp;
static struct workqueue_struct *wq;

#ifndef QUEUE
#define QUEUE queue_rcu_work(wq, &o->rwork)
#endif
#ifndef TEARDOWN
#define TEARDOWN rcu_barrier()
#endif
#ifndef FLUSH
#define FLUSH flush_rcu_work(&o->rwork)
#endif

static void free_obj(struct work_struct *work)
{
	struct obj *o = container_of(to_rcu_work(work), struct obj, rwork);

#ifdef OWNER_FREES
	WRITE_ONCE(o->v, 2);
#else
	kfree(o);
#endif
}

static void *reader(void *arg)
{
	struct obj *o;

	rcu_read_lock();
	o = rcu_dereference(gp);
	if (o)
		WARN_ON(READ_ONCE(o->v) != 1);
	rcu_read_unlock();
	return NULL;
}

static void *updater(void *arg)
{
	struct obj *o = rcu_dereference_protected(gp, 1);

	rcu_assign_pointer(gp, NULL);
	QUEUE;
#ifdef OWNER_FREES
	FLUSH;
	kfree(o);
#else
	TEARDOWN;
#endif
	destroy_workqueue(wq);
	return NULL;
}

int main(void)
{
	pthread_t r, u;
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	o->v = 1;
	INIT_RCU_WORK(&o->rwork, free_obj);
	rcu_assign_pointer(gp, o);
	wq = alloc_workqueue("reclaim", 0, 1);
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&u, NULL, updater, NULL);
	return 0;
}
