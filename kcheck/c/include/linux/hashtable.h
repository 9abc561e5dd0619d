/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: the kernel's hashtables (include/linux/hashtable.h): an array of
 * hlist_heads, and the kernel's macros over the hlist operations.
 */
#ifndef _LINUX_HASHTABLE_H
#define _LINUX_HASHTABLE_H

#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/hash.h>
#include <linux/kernel.h>

#define DEFINE_HASHTABLE(name, bits)						\
	struct hlist_head name[1 << (bits)] = { [0 ... ((1 << (bits)) - 1)] = HLIST_HEAD_INIT }
#define DECLARE_HASHTABLE(name, bits)	struct hlist_head name[1 << (bits)]
#define DEFINE_READ_MOSTLY_HASHTABLE(name, bits)				\
	struct hlist_head name[1 << (bits)] __read_mostly =			\
		{ [0 ... ((1 << (bits)) - 1)] = HLIST_HEAD_INIT }

#define HASH_SIZE(name)		(ARRAY_SIZE(name))
#define HASH_BITS(name)		__kcheck_ilog2(HASH_SIZE(name))

static inline int __kcheck_ilog2(unsigned long n)
{
	int b = 0;

	while (n > 1) {
		n >>= 1;
		b++;
	}
	return b;
}

/* Use hash_32 when possible to allow for fast 32bit hashing in 64bit kernels. */
#define hash_min(val, bits)	(sizeof(val) <= 4 ? hash_32(val, bits) : hash_long(val, bits))

#define hash_init(hashtable)							\
	do {									\
		unsigned int __i;						\
		for (__i = 0; __i < HASH_SIZE(hashtable); __i++)		\
			INIT_HLIST_HEAD(&(hashtable)[__i]);			\
	} while (0)

#define hash_add(hashtable, node, key)						\
	hlist_add_head(node, &hashtable[hash_min(key, HASH_BITS(hashtable))])
#define hash_add_rcu(hashtable, node, key)					\
	hlist_add_head_rcu(node, &hashtable[hash_min(key, HASH_BITS(hashtable))])
#define hash_del(node)		hlist_del_init(node)
#define hash_del_rcu(node)	hlist_del_init_rcu(node)

#define hash_empty(hashtable) ({						\
	bool __empty = true;							\
	unsigned int __i;							\
	for (__i = 0; __i < HASH_SIZE(hashtable); __i++)			\
		if (!hlist_empty(&(hashtable)[__i]))				\
			__empty = false;					\
	__empty;								\
})

#define hash_for_each(name, bkt, obj, member)					\
	for ((bkt) = 0, obj = NULL; obj == NULL && (bkt) < HASH_SIZE(name); (bkt)++) \
		hlist_for_each_entry(obj, &name[bkt], member)
#define hash_for_each_rcu(name, bkt, obj, member)				\
	for ((bkt) = 0, obj = NULL; obj == NULL && (bkt) < HASH_SIZE(name); (bkt)++) \
		hlist_for_each_entry_rcu(obj, &name[bkt], member)
#define hash_for_each_safe(name, bkt, tmp, obj, member)				\
	for ((bkt) = 0, obj = NULL; obj == NULL && (bkt) < HASH_SIZE(name); (bkt)++) \
		hlist_for_each_entry_safe(obj, tmp, &name[bkt], member)
#define hash_for_each_possible(name, obj, member, key)				\
	hlist_for_each_entry(obj, &name[hash_min(key, HASH_BITS(name))], member)
#define hash_for_each_possible_rcu(name, obj, member, key, cond...)		\
	hlist_for_each_entry_rcu(obj, &name[hash_min(key, HASH_BITS(name))], member)
#define hash_for_each_possible_safe(name, obj, tmp, member, key)		\
	hlist_for_each_entry_safe(obj, tmp, &name[hash_min(key, HASH_BITS(name))], member)

#endif
