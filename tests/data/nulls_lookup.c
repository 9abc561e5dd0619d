/*
 * A lookup on hlist_nulls chains in a SLAB_TYPESAFE_BY_RCU cache
 * (Documentation/RCU/rculist_nulls.rst): the object the reader stands on is
 * freed and allocated again on the other chain, so its next leads the reader
 * there and it ends without seeing the key that is on its own chain.  FIXED
 * checks the marker it ended on and starts again.
 */
#include <linux/rculist_nulls.h>
#include <linux/slab.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <asm/processor.h>
#include <pthread.h>

struct sock { struct hlist_nulls_node node; refcount_t ref; int key; };
static struct kmem_cache *cache;
static struct hlist_nulls_head chain[2];
static DEFINE_SPINLOCK(lock);
static struct sock *x;

static struct sock *lookup(int key)
{
	struct hlist_nulls_node *pos;
	struct sock *s;

	rcu_read_lock();
begin:
	hlist_nulls_for_each_entry_rcu(s, pos, &chain[0], node) {
		if (READ_ONCE(s->key) != key)
			continue;
		if (!refcount_inc_not_zero(&s->ref))
			goto begin;
		if (READ_ONCE(s->key) != key) {
			refcount_dec(&s->ref);
			goto begin;
		}
		rcu_read_unlock();
		return s;
	}
#if FIXED
	if (get_nulls_value(pos) != 0) {	/* ended on another chain */
		cpu_relax();			/* (kcheck: a retry is a busy-wait) */
		goto begin;
	}
#endif
	rcu_read_unlock();
	return NULL;
}

static void put(struct sock *s)
{
	if (refcount_dec_and_test(&s->ref))
		kmem_cache_free(cache, s);
}

static void *reader(void *arg)
{
	struct sock *s = lookup(7);

	BUG_ON(!s);			/* key 7 is never removed */
	put(s);
	return NULL;
}

static void *mover(void *arg)
{
	struct sock *y;

	spin_lock(&lock);
	hlist_nulls_del_init_rcu(&x->node);
	spin_unlock(&lock);
	put(x);
	y = kmem_cache_alloc(cache, GFP_KERNEL);
	WRITE_ONCE(y->key, 8);		/* hashes to chain 1 */
	refcount_set(&y->ref, 1);
	spin_lock(&lock);
	hlist_nulls_add_head_rcu(&y->node, &chain[1]);
	spin_unlock(&lock);
	return NULL;
}

int main(void)
{
	pthread_t a, b;
	struct sock *k;

	cache = kmem_cache_create("sock", sizeof(struct sock), 0, SLAB_TYPESAFE_BY_RCU, NULL);
	INIT_HLIST_NULLS_HEAD(&chain[0], 0);
	INIT_HLIST_NULLS_HEAD(&chain[1], 1);
	k = kmem_cache_alloc(cache, GFP_KERNEL);
	k->key = 7;
	refcount_set(&k->ref, 1);
	hlist_nulls_add_head_rcu(&k->node, &chain[0]);
	x = kmem_cache_alloc(cache, GFP_KERNEL);
	x->key = 3;
	refcount_set(&x->ref, 1);
	hlist_nulls_add_head_rcu(&x->node, &chain[0]);	/* chain 0: x, k */
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, mover, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	return 0;
}
