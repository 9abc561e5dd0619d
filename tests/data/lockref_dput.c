/*
 * A dentry-like object: lookups under RCU take a reference with
 * lockref_get_not_dead(); the last dput() marks it dead under its lock and
 * frees it after a grace period.  A lookup that takes its reference with
 * lockref_get() (FIXED=0) revives a dead one, and its dput() frees it again.
 */
#include <linux/lockref.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <pthread.h>

struct dentry { struct lockref ref; struct rcu_head rcu; int name; };
static struct dentry __rcu *cache;

static void dput(struct dentry *d)
{
	if (lockref_put_or_lock(&d->ref))
		return;
	lockref_mark_dead(&d->ref);		/* the last reference: lock held */
	spin_unlock(&d->ref.lock);
	kfree_rcu(d, rcu);
}

static void *lookup(void *arg)
{
	struct dentry *d;

	rcu_read_lock();
	d = rcu_dereference(cache);
#if FIXED
	if (d && !lockref_get_not_dead(&d->ref))
		d = NULL;
#else
	if (d)
		lockref_get(&d->ref);
#endif
	rcu_read_unlock();
	if (d) {
		READ_ONCE(d->name);
		dput(d);
	}
	return NULL;
}

static void *evict(void *arg)
{
	struct dentry *d = rcu_dereference_protected(cache, 1);

	RCU_INIT_POINTER(cache, NULL);
	dput(d);
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	struct dentry *d = kzalloc(sizeof(*d), GFP_KERNEL);

	spin_lock_init(&d->ref.lock);
	d->ref.count = 1;
	RCU_INIT_POINTER(cache, d);
	pthread_create(&a, NULL, lookup, NULL);
	pthread_create(&b, NULL, evict, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	rcu_barrier();
	return 0;
}
