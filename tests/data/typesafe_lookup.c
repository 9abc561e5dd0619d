/*
 * A lookup in a SLAB_TYPESAFE_BY_RCU cache (Documentation/RCU/whatisRCU.rst,
 * "SLAB_TYPESAFE_BY_RCU"): the object a reader found may be freed and
 * allocated again as another object before the reader takes its reference.
 *   VARIANT 0: no check after the reference - the reader may hold another object;
 *   VARIANT 1: the key checked after refcount_inc_not_zero() - enough under SC,
 *              but the new owner's key store and its refcount_set() are not
 *              ordered, so under the LKMM the reader may see the new count
 *              and the old key;
 *   VARIANT 2: refcount_set_release() and refcount_inc_not_zero_acquire()
 *              (v6.15) order them.
 */
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <pthread.h>

struct sock { refcount_t ref; int key; };
static struct kmem_cache *cache;
static struct sock __rcu *table;

static void put(struct sock *s)
{
	if (refcount_dec_and_test(&s->ref))
		kmem_cache_free(cache, s);
}

static void *reader(void *arg)
{
	struct sock *s;

	rcu_read_lock();
	s = rcu_dereference(table);
#if VARIANT >= 2
	if (s && !refcount_inc_not_zero_acquire(&s->ref))
#else
	if (s && !refcount_inc_not_zero(&s->ref))
#endif
		s = NULL;
#if VARIANT >= 1
	if (s && READ_ONCE(s->key) != 1) {	/* reused meanwhile: not ours */
		put(s);
		s = NULL;
	}
#endif
	rcu_read_unlock();
	if (s) {
		BUG_ON(READ_ONCE(s->key) != 1);
		put(s);
	}
	return NULL;
}

static void *remover(void *arg)
{
	struct sock *s = rcu_dereference_protected(table, 1);

	rcu_assign_pointer(table, NULL);
	put(s);
	return NULL;
}

static void *other(void *arg)
{
	struct sock *n = kmem_cache_alloc(cache, GFP_KERNEL);

	WRITE_ONCE(n->key, 2);
#if VARIANT >= 2
	refcount_set_release(&n->ref, 1);
#else
	refcount_set(&n->ref, 1);
#endif
	put(n);
	return NULL;
}

int main(void)
{
	pthread_t a, b, c;
	struct sock *s;

	cache = kmem_cache_create("sock", sizeof(struct sock), 0, SLAB_TYPESAFE_BY_RCU, NULL);
	s = kmem_cache_alloc(cache, GFP_KERNEL);
	s->key = 1;
	refcount_set(&s->ref, 1);
	RCU_INIT_POINTER(table, s);
	pthread_create(&a, NULL, reader, NULL);
	pthread_create(&b, NULL, remover, NULL);
	pthread_create(&c, NULL, other, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	kmem_cache_destroy(cache);
	return 0;
}
