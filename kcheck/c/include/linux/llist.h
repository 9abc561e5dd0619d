/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: lock-less NULL-terminated lists (include/linux/llist.h), kcheck.kernel's. */
#ifndef LLIST_H
#define LLIST_H

#include <linux/container_of.h>
#include <linux/compiler.h>

struct llist_head {
	struct llist_node *first;
};

struct llist_node {
	struct llist_node *next;
};

#define LLIST_HEAD_INIT(name)	{ NULL }
#define LLIST_HEAD(name)	struct llist_head name = LLIST_HEAD_INIT(name)

extern void init_llist_head(struct llist_head *list);
extern bool llist_empty(const struct llist_head *head);
extern bool llist_add_batch(struct llist_node *new_first, struct llist_node *new_last,
			    struct llist_head *head);
extern bool llist_add(struct llist_node *new, struct llist_head *head);
extern struct llist_node *llist_del_all(struct llist_head *head);
extern struct llist_node *llist_del_first(struct llist_head *head);
extern struct llist_node *llist_next(struct llist_node *node);
extern struct llist_node *llist_reverse_order(struct llist_node *head);

#define llist_entry(ptr, type, member)	container_of(ptr, type, member)
#define member_address_is_nonnull(ptr, member)	((uintptr_t)(ptr) + offsetof(typeof(*(ptr)), member) != 0)
#define llist_for_each_entry(pos, node, member)				\
	for ((pos) = llist_entry((node), typeof(*(pos)), member);	\
	     member_address_is_nonnull(pos, member);			\
	     (pos) = llist_entry((pos)->member.next, typeof(*(pos)), member))
#define llist_for_each_entry_safe(pos, n, node, member)			\
	for (pos = llist_entry((node), typeof(*pos), member);		\
	     member_address_is_nonnull(pos, member) &&			\
		(n = llist_entry(pos->member.next, typeof(*n), member), true); \
	     pos = n)

#endif
