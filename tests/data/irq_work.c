/*
 * irq_work: a device's counter bumped by an irq_work that a producer queues
 * (a task standing for the NMI or scheduler path that may not do the work
 * itself); the owner frees the device once the producer is done.
 *   CASE 1: TEARDOWN waits for the callback (irq_work_sync()); without it
 *           (TEARDOWN=(void)0) the callback runs on freed memory
 *   CASE 2: the callback takes the device's lock, which the producer takes
 *           too: a spinlock taken with interrupts off on the task side is
 *           clean; MUTEX=1 sleeps in hardirq context; NOIRQ=1 takes the
 *           spinlock with interrupts on on the task side (lockdep's
 *           {HARDIRQ-ON-W} -> {IN-HARDIRQ-W})
 *   CASE 3: the callback calls irq_work_sync() on its own item
 *   CASE 4: the callback queues its own item once more: the claim finds it
 *           busy, not pending, so it runs again (after this run: the same
 *           CPU's next interrupt), and irq_work_sync() waits for both
 */
#include <linux/irq_work.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/bug.h>
#include <pthread.h>

struct dev {
	int hits;
	spinlock_t lock;
	struct mutex mtx;
	struct irq_work iw;
};
static struct dev *d;

#ifndef TEARDOWN
#define TEARDOWN do { irq_work_sync(&d->iw); WARN_ON(d->hits != 1); } while (0)
#endif

static void work_fn(struct irq_work *w)
{
	struct dev *dev = container_of(w, struct dev, iw);

#if CASE == 2 && defined(MUTEX)
	mutex_lock(&dev->mtx);
	dev->hits++;
	mutex_unlock(&dev->mtx);
#elif CASE == 2
	spin_lock(&dev->lock);
	dev->hits++;
	spin_unlock(&dev->lock);
#else
	dev->hits++;
#endif
#if CASE == 3
	irq_work_sync(w);
#elif CASE == 4
	if (dev->hits == 1)
		BUG_ON(!irq_work_queue(w));
#endif
}

static void *producer(void *arg)
{
#if CASE == 2
	unsigned long flags;

#ifdef NOIRQ
	spin_lock(&d->lock);
	d->hits += 10;
	spin_unlock(&d->lock);
#else
	spin_lock_irqsave(&d->lock, flags);
	d->hits += 10;
	spin_unlock_irqrestore(&d->lock, flags);
#endif
#endif
	irq_work_queue(&d->iw);
	return NULL;
}

int main(void)
{
	pthread_t p;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	spin_lock_init(&d->lock);
	mutex_init(&d->mtx);
	init_irq_work(&d->iw, work_fn);
	pthread_create(&p, NULL, producer, NULL);
	pthread_join(p, NULL);
#if CASE == 1
	TEARDOWN;
#else
	irq_work_sync(&d->iw);
#endif
#if CASE == 2
	WARN_ON(d->hits != 11);
#elif CASE == 4
	WARN_ON(d->hits != 2);
#endif
	kfree(d);
	return 0;
}
