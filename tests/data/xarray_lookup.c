#include <linux/xarray.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/slab.h>
#include <pthread.h>

struct obj { struct kref ref; u32 id; struct rcu_head rcu; };
static DEFINE_XARRAY_ALLOC1(objs);
static DEFINE_IDR(ids);
static DEFINE_SPINLOCK(ids_lock);

static void release(struct kref *k)
{
	kfree_rcu(container_of(k, struct obj, ref), rcu);
}

static void *user(void *arg)
{
	struct obj *o;
	unsigned long i;

	rcu_read_lock();
	o = xa_load(&objs, 1);
#if FIXED
	if (o && !kref_get_unless_zero(&o->ref))
		o = NULL;
#else
	if (o)
		kref_get(&o->ref);
#endif
	rcu_read_unlock();
	if (o) {
		BUG_ON(o->id != 1);
		kref_put(&o->ref, release);
	}
	xa_for_each(&objs, i, o)
		BUG_ON(i != 1);
	return NULL;
}

static void *remover(void *arg)
{
	struct obj *o = xa_erase(&objs, 1);

	if (o)
		kref_put(&o->ref, release);
	return NULL;
}

static void *id_user(void *arg)
{
	int id;

	spin_lock(&ids_lock);
	id = idr_alloc(&ids, arg, 0, 0, GFP_ATOMIC);
	spin_unlock(&ids_lock);
	BUG_ON(id < 0);
	spin_lock(&ids_lock);
	idr_remove(&ids, id);
	spin_unlock(&ids_lock);
	return NULL;
}

int main(void)
{
	pthread_t a, b, c, d;
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	kref_init(&o->ref);
	BUG_ON(xa_alloc(&objs, &o->id, o, xa_limit_32b, GFP_KERNEL) != 0);
	pthread_create(&a, NULL, user, NULL);
	pthread_create(&b, NULL, remover, NULL);
	pthread_create(&c, NULL, id_user, &a);
	pthread_create(&d, NULL, id_user, &b);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	pthread_join(d, NULL);
	rcu_barrier();
	return 0;
}
