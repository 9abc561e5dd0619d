"""SLAB_TYPESAFE_BY_RCU from C: a freed object may be reused at once, inside
a reader's grace period, so a lookup must take its reference and then look
at the key again - and under the LKMM the initialiser must publish the key
before the count (refcount_set_release()) and the get must order the second
look (refcount_inc_not_zero_acquire()), the pair v6.15 added for this."""

import pytest

import kcheck
import kcheck.c


# a lookup races with the object's last put and its reuse for another key
TYPESAFE = r"""#include <linux/slab.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/bug.h>
#include <pthread.h>

struct obj {
	struct list_head node;
	refcount_t ref;
	int key;
};

/* ACQ: the lookup's get orders its re-check of the key (v6.15's _acquire) */
#ifdef ACQ
#define INC refcount_inc_not_zero_acquire
#else
#define INC refcount_inc_not_zero
#endif
static struct kmem_cache *cache;
static LIST_HEAD(head);
static DEFINE_SPINLOCK(lock);

static struct obj *lookup(int key)
{
	struct obj *o;

	rcu_read_lock();
	list_for_each_entry_rcu(o, &head, node) {
		if (READ_ONCE(o->key) == key) {
			if (!INC(&o->ref))
				continue;
#ifndef BUGGY		/* BUGGY: no second look at the key after the get */
			if (READ_ONCE(o->key) != key) {	/* recycled under us */
				if (refcount_dec_and_test(&o->ref))
					kmem_cache_free(cache, o);
				continue;
			}
#endif
			rcu_read_unlock();
			return o;
		}
	}
	rcu_read_unlock();
	return NULL;
}

static void put(struct obj *o)
{
	if (refcount_dec_and_test(&o->ref)) {
		spin_lock(&lock);
		list_del_rcu(&o->node);
		spin_unlock(&lock);
		kmem_cache_free(cache, o);
	}
}

static void *reader(void *arg)
{
	struct obj *o = lookup(1);

	if (o) {
		BUG_ON(READ_ONCE(o->key) != 1);
		put(o);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;
	struct obj *a, *b;

	cache = kmem_cache_create("obj", sizeof(struct obj), 0, SLAB_TYPESAFE_BY_RCU, NULL);
	a = kmem_cache_alloc(cache, GFP_KERNEL);
	refcount_set(&a->ref, 1);
	WRITE_ONCE(a->key, 1);
	list_add_rcu(&a->node, &head);
	pthread_create(&t, NULL, reader, NULL);
	put(a);				/* a is freed; its memory may be reused at once */
	b = kmem_cache_alloc(cache, GFP_KERNEL);
	WRITE_ONCE(b->key, 2);
#ifdef RELEASE		/* the key is set before the count says the object is live */
	refcount_set_release(&b->ref, 1);
#else
	refcount_set(&b->ref, 1);
#endif
	spin_lock(&lock);
	list_add_rcu(&b->node, &head);
	spin_unlock(&lock);
	pthread_join(t, NULL);
	put(b);
	kmem_cache_destroy(cache);
	return 0;
}
"""


@pytest.mark.parametrize("mm,defines,clean", [
    ("sc", (), True),                           # the second look is enough under SC
    ("sc", ("BUGGY",), False),                  # no second look: the recycled object
    ("lkmm", ("RELEASE", "ACQ"), True),         # both orderings: clean
    ("lkmm", ("ACQ",), False),                  # count set before the key is visible
    ("lkmm", ("RELEASE",), False),              # the second look not ordered after the get
    ("lkmm", ("BUGGY", "RELEASE", "ACQ"), False),
])
def test_a_lookup_of_a_typesafe_object_looks_again_after_its_get(tmp_path, mm, defines, clean):
    f = tmp_path / "typesafe.c"
    f.write_text(TYPESAFE)
    prog = kcheck.c.load(str(f), defines=defines)
    res = kcheck.check(prog.entry, memory_model=mm)
    if clean:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
    else:
        assert res.bug is not None and res.bug.kind == "bug-on", res.format()
        again = kcheck.replay(prog.entry, res.bug.schedule, memory_model=mm)
        assert again.bug is not None and again.bug.kind == "bug-on"
