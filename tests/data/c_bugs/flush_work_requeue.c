/*
 * A work item that queues itself again while the device polls; teardown
 * uses flush_work(), which waits for the instance running or queued when it
 * is called but not for the one that instance queues: kfree() then frees a
 * queued item (kernel-doc of flush_work() vs cancel_work_sync(): "It is
 * possible to use this function if the work re-queues itself").
 * (A review's twin, 2026-12-01.)  Fix pattern of many "use cancel_work_sync() instead of flush_work()"
 * driver fixes (commit not pinned down in this review).
 * -D FIXED: cancel_work_sync().
 */
#include <linux/kernel.h>
#include <linux/workqueue.h>
#include <linux/slab.h>
#include <pthread.h>

struct poller { struct work_struct work; int polls; };
static struct poller *the_poller;
static struct workqueue_struct *wq;

static void poll_fn(struct work_struct *w)
{
	struct poller *p = container_of(w, struct poller, work);

	p->polls++;
	queue_work(wq, &p->work);		/* poll again */
}

static void *remover(void *arg)
{
	struct poller *p = the_poller;

	queue_work(wq, &p->work);		/* device opened: start polling */
#ifdef FIXED
	cancel_work_sync(&p->work);
#else
	flush_work(&p->work);
#endif
	kfree(p);
	return NULL;
}

int main(void)
{
	struct poller *p = kzalloc(sizeof(*p), GFP_KERNEL);
	pthread_t t;

	wq = alloc_workqueue("poll", 0, 0);
	INIT_WORK(&p->work, poll_fn);
	the_poller = p;
	pthread_create(&t, NULL, remover, NULL);
	return 0;
}
