/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: RCU-safe hlist_nulls (include/linux/rculist_nulls.h), in C over
 * kcheck's memory: publication with rcu_assign_pointer(), walks with
 * rcu_dereference_raw(); a lookup in a SLAB_TYPESAFE_BY_RCU cache checks the
 * marker it ended on and starts again if it is not its own chain's.
 */
#ifndef _LINUX_RCULIST_NULLS_H
#define _LINUX_RCULIST_NULLS_H

#include <linux/list_nulls.h>
#include <linux/rcupdate.h>

#define hlist_nulls_first_rcu(head)	(*((struct hlist_nulls_node __rcu **)&(head)->first))
#define hlist_nulls_next_rcu(node)	(*((struct hlist_nulls_node __rcu **)&(node)->next))

static inline void hlist_nulls_del_init_rcu(struct hlist_nulls_node *n)
{
	if (!hlist_nulls_unhashed(n)) {
		__hlist_nulls_del(n);
		WRITE_ONCE(n->pprev, NULL);
	}
}

static inline void hlist_nulls_del_rcu(struct hlist_nulls_node *n)
{
	__hlist_nulls_del(n);
	WRITE_ONCE(n->pprev, LIST_POISON2);
}

static inline void hlist_nulls_add_head_rcu(struct hlist_nulls_node *n,
					    struct hlist_nulls_head *h)
{
	struct hlist_nulls_node *first = h->first;

	WRITE_ONCE(n->next, first);
	WRITE_ONCE(n->pprev, &h->first);
	rcu_assign_pointer(hlist_nulls_first_rcu(h), n);
	if (!is_a_nulls(first))
		WRITE_ONCE(first->pprev, &n->next);
}

#define hlist_nulls_for_each_entry_rcu(tpos, pos, head, member)		\
	for (pos = rcu_dereference_raw(hlist_nulls_first_rcu(head));		\
	     (!is_a_nulls(pos)) &&						\
		({ tpos = hlist_nulls_entry(pos, typeof(*tpos), member); 1; });	\
	     pos = rcu_dereference_raw(hlist_nulls_next_rcu(pos)))

#endif
