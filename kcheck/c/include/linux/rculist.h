/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: RCU-protected lists (include/linux/rculist.h).  list_add_rcu()
 * publishes with a release store, list_del_rcu() leaves the entry's next
 * pointer for readers standing on it; readers load next with READ_ONCE.
 */
#ifndef _LINUX_RCULIST_H
#define _LINUX_RCULIST_H

#include <linux/list.h>
#include <linux/rcupdate.h>

extern void list_add_rcu(struct list_head *new, struct list_head *head);
extern void list_add_tail_rcu(struct list_head *new, struct list_head *head);
extern void list_del_rcu(struct list_head *entry);
extern void list_replace_rcu(struct list_head *old, struct list_head *new);
extern void hlist_add_head_rcu(struct hlist_node *n, struct hlist_head *h);
extern void hlist_del_rcu(struct hlist_node *n);
extern void hlist_del_init_rcu(struct hlist_node *n);

#define hlist_first_rcu(head)	(*((struct hlist_node __rcu **)(&(head)->first)))
#define hlist_next_rcu(node)	(*((struct hlist_node __rcu **)(&(node)->next)))
#define hlist_for_each_entry_rcu(pos, head, member, cond...)		\
	for (__list_check_rcu("hlist_for_each_entry_rcu", ## cond, 0),	\
	     pos = hlist_entry_safe(READ_ONCE(hlist_first_rcu(head)),	\
			typeof(*(pos)), member);			\
		pos;							\
		pos = hlist_entry_safe(READ_ONCE(hlist_next_rcu(&(pos)->member)), \
			typeof(*(pos)), member))

#define list_next_rcu(list)	(*((struct list_head __rcu **)(&(list)->next)))
#define list_entry_rcu(ptr, type, member)	container_of(READ_ONCE(ptr), type, member)

#define list_first_or_null_rcu(ptr, type, member) ({			\
	struct list_head *__ptr = (ptr);				\
	struct list_head *__next = READ_ONCE(__ptr->next);		\
	likely(__ptr != __next) ? list_entry_rcu(__next, type, member) : NULL; \
})

#define list_next_or_null_rcu(head, ptr, type, member) ({		\
	struct list_head *__head = (head);				\
	struct list_head *__ptr = (ptr);				\
	struct list_head *__next = READ_ONCE(__ptr->next);		\
	likely(__next != __head) ? list_entry_rcu(__next, type, member) : NULL; \
})

/* lockdep: outside an RCU reader the optional condition must hold (kcheck.kernel's check) */
extern void __kcheck_list_check_rcu(long cond, const char *what);
#define __list_check_rcu(what, cond, extra...)	__kcheck_list_check_rcu(!!(cond), what)

#define list_for_each_entry_rcu(pos, head, member, cond...)		\
	for (__list_check_rcu("list_for_each_entry_rcu", ## cond, 0),	\
	     pos = list_entry_rcu((head)->next, typeof(*pos), member);	\
		&pos->member != (head);					\
		pos = list_entry_rcu(pos->member.next, typeof(*pos), member))

#endif
