/*
 * list_splice_tail(), list_replace{,_init}(), fsleep(), wait_var_event_timeout()
 * and wait_var_event_interruptible(): each CASE a fixed harness; the test
 * turns it into its buggy twin with one -D.
 */
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/delay.h>
#include <linux/wait_bit.h>
#include <linux/kthread.h>
#include <linux/atomic.h>
#include <pthread.h>

struct item { struct list_head node; int v; };
static LIST_HEAD(a);
static LIST_HEAD(b);
static DEFINE_SPINLOCK(lock);
static int ready;
static atomic_t users;

#ifndef REPLACE
#define REPLACE list_replace_init
#endif
#ifndef SLEEP_US
#define SLEEP_US 5
#endif

static struct item *add(struct list_head *h, int v)
{
	struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);

	it->v = v;
	list_add_tail(&it->node, h);
	return it;
}

#if CASE == 1	/* list_splice_tail: b's entries go after a's, in order */
int main(void)
{
	struct item *pos;
	int order = 0;

	add(&a, 1);
	add(&b, 2);
	add(&b, 3);
	SPLICE(&b, &a);
	list_for_each_entry(pos, &a, node)
		order = order * 10 + pos->v;
	WARN_ON(order != 123);
	return 0;
}
#elif CASE == 2	/* list_replace: the old entry is deleted after it was replaced */
int main(void)
{
	struct item *old, *new, *pos;
	int n = 0;

	add(&a, 1);
	old = add(&a, 2);
	add(&a, 3);
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	new->v = 4;
	REPLACE(&old->node, &new->node);
	/* a caller that tears old down as if it were still listed (or empty) */
	list_del(&old->node);
	kfree(old);
	list_for_each_entry(pos, &a, node)
		n += pos->v;
	WARN_ON(n != 8);
	return 0;
}
#elif CASE == 3	/* fsleep() under a spinlock: a busy-wait up to 10 us, a sleep past */
static void *t(void *arg)
{
	spin_lock(&lock);
	fsleep(SLEEP_US);
	spin_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t p;

	pthread_create(&p, NULL, t, NULL);
	return 0;
}
#elif CASE == 4	/* wait_var_event_timeout(): 0 means the time ran out, not the event */
static void *waiter(void *arg)
{
	long left = wait_var_event_timeout(&ready, READ_ONCE(ready), 10);

	if (CHECK_RET && !left)
		return NULL;
	WARN_ON(!READ_ONCE(ready));
	return NULL;
}

static void *waker(void *arg)
{
	WRITE_ONCE(ready, 1);
	smp_mb();
	wake_up_var(&ready);
	return NULL;
}

int main(void)
{
	pthread_t p, q;

	pthread_create(&p, NULL, waiter, NULL);
	pthread_create(&q, NULL, waker, NULL);
	return 0;
}
#elif CASE == 5	/* wait_var_event_interruptible(): the last put must wake the waiter */
static int waiter(void *arg)
{
	return wait_var_event_interruptible(&users, !atomic_read(&users));
}

static void *putter(void *arg)
{
	if (atomic_dec_and_test(&users))
		WAKE(&users);
	return NULL;
}

int main(void)
{
	pthread_t p;

	atomic_set(&users, 1);
	kthread_run(waiter, NULL, "waiter");
	pthread_create(&p, NULL, putter, NULL);
	return 0;
}
#elif CASE == 6	/* kthread_stop() ends an interruptible wait, not an uninterruptible one */
static int waiter(void *arg)
{
#ifdef UNINTERRUPTIBLE
	wait_var_event(&users, !atomic_read(&users));
	return -ERESTARTSYS;
#else
	return wait_var_event_interruptible(&users, !atomic_read(&users));
#endif
}

int main(void)
{
	struct task_struct *k;
	int ret;

	atomic_set(&users, 1);
	k = kthread_run(waiter, NULL, "waiter");
	ret = kthread_stop(k);
	/* -EINTR: stopped before it first ran, waiter() was never called */
	WARN_ON(ret != -ERESTARTSYS && ret != -EINTR);
	return 0;
}
#endif
