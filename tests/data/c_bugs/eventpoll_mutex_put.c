/*
 * eventpoll: the ep refcount was dropped while still holding ep->mtx; the
 * next-to-last dropper then does mutex_unlock(&ep->mtx) while the last one
 * (which got the mutex meanwhile) frees ep - mutex_unlock() is not atomic
 * (Documentation/locking/mutex-design.rst, "Semantics").
 * Fix: 8c2e52ebbe88 "eventpoll: don't decrement ep refcount while still
 *      holding the ep mutex" (Linus Torvalds, reported by Jann Horn; v6.16).
 */
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <pthread.h>

struct eventpoll {
	struct mutex mtx;
	refcount_t refcount;
	int nitems;
};

static struct eventpoll *the_ep;

static bool ep_refcount_dec_and_test(struct eventpoll *ep)
{
	return refcount_dec_and_test(&ep->refcount);
}

static void ep_free(struct eventpoll *ep)
{
	mutex_destroy(&ep->mtx);
	kfree(ep);
}

/* close() of the epoll file */
static void *ep_clear_and_put(void *arg)
{
	struct eventpoll *ep = the_ep;
	bool dispose;

	mutex_lock(&ep->mtx);
	ep->nitems = 0;
#ifdef FIXED
	mutex_unlock(&ep->mtx);
	if (ep_refcount_dec_and_test(ep))
		ep_free(ep);
#else
	dispose = ep_refcount_dec_and_test(ep);
	mutex_unlock(&ep->mtx);
	if (dispose)
		ep_free(ep);
#endif
	return NULL;
}

/* close() of the last file watched: eventpoll_release_file() */
static void *eventpoll_release_file(void *arg)
{
	struct eventpoll *ep = the_ep;
	bool dispose;

	mutex_lock(&ep->mtx);
	ep->nitems--;				/* __ep_remove() */
#ifdef FIXED
	dispose = true;
	mutex_unlock(&ep->mtx);
	if (dispose && ep_refcount_dec_and_test(ep))
		ep_free(ep);
#else
	dispose = ep_refcount_dec_and_test(ep);
	mutex_unlock(&ep->mtx);
	if (dispose)
		ep_free(ep);
#endif
	return NULL;
}

int main(void)
{
	pthread_t a, b;

	the_ep = kzalloc(sizeof(*the_ep), GFP_KERNEL);
	mutex_init(&the_ep->mtx);
	refcount_set(&the_ep->refcount, 2);	/* the file's and the epitem's */
	the_ep->nitems = 1;
	pthread_create(&a, NULL, ep_clear_and_put, NULL);
	pthread_create(&b, NULL, eventpoll_release_file, NULL);
	return 0;
}
