/*
 * kthread_worker: an object's work item queued on a worker by one thread;
 * the teardown in another.
 *   CASE 1: the owner waits for the item before the free (TEARDOWN); without
 *           it (TEARDOWN=(void)0) the worker takes the item off its list, or
 *           runs it, in freed memory
 *   CASE 2: the item frees its own object (the worker never touches an item
 *           after its function); FLUSH_AFTER=1 flushes it from the owner -
 *           kthread_flush_work() reads the freed item
 *   CASE 3: a producer queues while the worker is destroyed; JOIN=1 waits for
 *           the producer first
 *   CASE 4: the item queues itself again once; kthread_destroy_worker() flushes
 *           only what was queued before it: CANCEL=1 cancels the item first
 *           (kthread_cancel_work_sync() blocks the re-queue while it runs)
 */
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/atomic.h>
#include <pthread.h>

struct dev { int hits; struct kthread_work work; };
static struct kthread_worker *kw;
static struct dev *d;

#ifndef TEARDOWN
#define TEARDOWN kthread_flush_work(&d->work)
#endif

static void work_fn(struct kthread_work *work)
{
	struct dev *dev = container_of(work, struct dev, work);

	dev->hits++;
#if CASE == 2
	kfree(dev);
#elif CASE == 4
	if (dev->hits == 1)
		kthread_queue_work(kw, work);
#endif
}

static void *producer(void *arg)
{
	kthread_queue_work(kw, &d->work);
#if CASE == 2 && defined(FLUSH_AFTER)
	kthread_flush_work(&d->work);
#endif
	return NULL;
}

static void *owner(void *arg)
{
#if CASE == 1
	TEARDOWN;
	kfree(d);
#endif
	return NULL;
}

int main(void)
{
	pthread_t p, o;

	kw = kthread_run_worker(0, "kworker");
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	kthread_init_work(&d->work, work_fn);
#if CASE == 4
	kthread_queue_work(kw, &d->work);
#else
	pthread_create(&p, NULL, producer, NULL);
#endif
#if CASE == 1
	pthread_join(p, NULL);
	pthread_create(&o, NULL, owner, NULL);
	pthread_join(o, NULL);
	kthread_destroy_worker(kw);
#elif CASE == 2
	pthread_join(p, NULL);
	kthread_destroy_worker(kw);
#elif CASE == 3
#ifdef JOIN
	pthread_join(p, NULL);
#endif
	kthread_destroy_worker(kw);
#ifdef JOIN
	WARN_ON(d->hits != 1);
	kfree(d);
#endif
#elif CASE == 4
#ifdef CANCEL
	kthread_cancel_work_sync(&d->work);
#endif
	kthread_destroy_worker(kw);
	kfree(d);
#endif
	return 0;
}
