/*
 * percpu_counter: requests in flight on a device, counted per CPU; a request
 * completes on another CPU (it uses the device, then drops the count and
 * wakes the teardown); the teardown waits for the count to reach 0 and
 * frees the device.
 *   COUNT=percpu_counter_sum (default): exact once the completion's decrement
 *         is in - clean
 *   COUNT=percpu_counter_read: the central count alone - 0 while the
 *         submission's +1 sits in its CPU's delta: the device is freed under
 *         the completion (use-after-free)
 *   COUNT=zero_by_compare: percpu_counter_compare(c, 0) - read() is not far
 *         enough from 0 to decide, so it sums: clean
 *   BATCH=1: percpu_counter_add_batch() with a batch of 1 folds every add
 *         into the count, so even read() is exact: clean
 *   NO_MB=1: the completion drops the count without smp_mb() after its use
 *         of the device: clean under SC, a use-after-free under the LKMM -
 *         the counter orders nothing (this_cpu_add() is no release, and the
 *         teardown that sees 0 may not have slept, so wake_up() orders
 *         nothing either)
 */
#include <linux/percpu_counter.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/bug.h>
#include <pthread.h>

struct dev { int data; };
static struct percpu_counter inflight;
static struct dev *dev;
static DECLARE_WAIT_QUEUE_HEAD(wq);

#ifndef COUNT
#define COUNT percpu_counter_sum
#endif
#define zero_by_compare(c)	(percpu_counter_compare((c), 0) != 0)

#ifdef BATCH
#define ADD(c, n)	percpu_counter_add_batch((c), (n), BATCH)
#else
#define ADD(c, n)	percpu_counter_add((c), (n))
#endif

static void *complete_req(void *arg)
{
	dev->data++;
#ifndef NO_MB
	smp_mb();		/* the use of dev before the count drops */
#endif
	ADD(&inflight, -1);
	wake_up(&wq);
	return NULL;
}

int main(void)
{
	pthread_t c;

	BUG_ON(percpu_counter_init(&inflight, 0, GFP_KERNEL));
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	ADD(&inflight, 1);			/* a request is submitted */
	pthread_create(&c, NULL, complete_req, NULL);
	wait_event(wq, COUNT(&inflight) == 0);
	kfree(dev);
	pthread_join(c, NULL);
	WARN_ON(percpu_counter_sum(&inflight) != 0);
	WARN_ON(percpu_counter_read_positive(&inflight) < 0);
	percpu_counter_destroy(&inflight);
	return 0;
}
