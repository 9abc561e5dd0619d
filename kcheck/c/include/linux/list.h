/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: struct list_head (include/linux/list.h).  The operations that write
 * the list are kcheck.kernel's (one step each in a trace); the walks are the
 * kernel's macros over the pointers.
 */
#ifndef _LINUX_LIST_H
#define _LINUX_LIST_H

#include <linux/types.h>
#include <linux/container_of.h>
#include <linux/compiler.h>

#define POISON_POINTER_DELTA	0xdead000000000000UL
#define LIST_POISON1		((void *) 0x100 + POISON_POINTER_DELTA)
#define LIST_POISON2		((void *) 0x122 + POISON_POINTER_DELTA)

#define LIST_HEAD_INIT(name)	{ &(name), &(name) }
#define LIST_HEAD(name)		struct list_head name = LIST_HEAD_INIT(name)

extern void INIT_LIST_HEAD(struct list_head *list);
extern void list_add(struct list_head *new, struct list_head *head);
extern void list_add_tail(struct list_head *new, struct list_head *head);
extern void list_del(struct list_head *entry);
extern void list_del_init(struct list_head *entry);
extern void list_del_init_careful(struct list_head *entry);
extern void list_move(struct list_head *list, struct list_head *head);
extern void list_move_tail(struct list_head *list, struct list_head *head);
extern void list_splice(const struct list_head *list, struct list_head *head);
extern void list_splice_init(struct list_head *list, struct list_head *head);
extern void list_splice_tail(struct list_head *list, struct list_head *head);
extern void list_splice_tail_init(struct list_head *list, struct list_head *head);
/* old's neighbours now point at new; old is left as it was (_init: made empty) */
extern void list_replace(struct list_head *old, struct list_head *new);
extern void list_replace_init(struct list_head *old, struct list_head *new);
extern int list_empty(const struct list_head *head);
extern int list_empty_careful(const struct list_head *head);
extern int list_is_singular(const struct list_head *head);

#define list_entry(ptr, type, member)		container_of(ptr, type, member)
#define list_first_entry(ptr, type, member)	list_entry((ptr)->next, type, member)
#define list_last_entry(ptr, type, member)	list_entry((ptr)->prev, type, member)
#define list_first_entry_or_null(ptr, type, member) ({			\
	struct list_head *head__ = (ptr);				\
	struct list_head *pos__ = READ_ONCE(head__->next);		\
	pos__ != head__ ? list_entry(pos__, type, member) : NULL;	\
})
#define list_next_entry(pos, member)	list_entry((pos)->member.next, typeof(*(pos)), member)
#define list_prev_entry(pos, member)	list_entry((pos)->member.prev, typeof(*(pos)), member)
#define list_entry_is_head(pos, head, member)	(&pos->member == (head))
#define list_is_head(list, head)	((list) == (head))
#define list_is_last(list, head)	((list)->next == (head))

#define list_for_each(pos, head)					\
	for (pos = (head)->next; !list_is_head(pos, (head)); pos = pos->next)
#define list_for_each_safe(pos, n, head)				\
	for (pos = (head)->next, n = pos->next; !list_is_head(pos, (head)); pos = n, n = pos->next)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_first_entry(head, typeof(*pos), member);	\
	     !list_entry_is_head(pos, head, member);			\
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_reverse(pos, head, member)			\
	for (pos = list_last_entry(head, typeof(*pos), member);		\
	     !list_entry_is_head(pos, head, member);			\
	     pos = list_prev_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_first_entry(head, typeof(*pos), member),	\
		n = list_next_entry(pos, member);			\
	     !list_entry_is_head(pos, head, member);			\
	     pos = n, n = list_next_entry(n, member))

#define list_for_each_prev(pos, head)					\
	for (pos = (head)->prev; !list_is_head(pos, (head)); pos = pos->prev)
#define list_for_each_prev_safe(pos, n, head)				\
	for (pos = (head)->prev, n = pos->prev; !list_is_head(pos, (head)); pos = n, n = pos->prev)
/* from the entry after pos (pos itself for _from) to the end */
#define list_for_each_entry_continue(pos, head, member)			\
	for (pos = list_next_entry(pos, member);			\
	     !list_entry_is_head(pos, head, member);			\
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_continue_reverse(pos, head, member)		\
	for (pos = list_prev_entry(pos, member);			\
	     !list_entry_is_head(pos, head, member);			\
	     pos = list_prev_entry(pos, member))
#define list_for_each_entry_from(pos, head, member)			\
	for (pos = (pos); !list_entry_is_head(pos, head, member);	\
	     pos = list_next_entry(pos, member))
#define list_for_each_entry_from_reverse(pos, head, member)		\
	for (pos = (pos); !list_entry_is_head(pos, head, member);	\
	     pos = list_prev_entry(pos, member))
#define list_for_each_entry_safe_continue(pos, n, head, member)		\
	for (pos = list_next_entry(pos, member),			\
		n = list_next_entry(pos, member);			\
	     !list_entry_is_head(pos, head, member);			\
	     pos = n, n = list_next_entry(n, member))
#define list_for_each_entry_safe_from(pos, n, head, member)		\
	for (n = list_next_entry(pos, member);				\
	     !list_entry_is_head(pos, head, member);			\
	     pos = n, n = list_next_entry(n, member))
#define list_for_each_entry_safe_reverse(pos, n, head, member)		\
	for (pos = list_last_entry(head, typeof(*pos), member),		\
		n = list_prev_entry(pos, member);			\
	     !list_entry_is_head(pos, head, member);			\
	     pos = n, n = list_prev_entry(n, member))

/* the entries of the list, counted by a walk (plain loads, as the kernel's) */
static inline size_t list_count_nodes(struct list_head *head)
{
	struct list_head *pos;
	size_t count = 0;

	list_for_each(pos, head)
		count++;
	return count;
}

/* hlist: a head with one pointer, nodes with next and pprev (the pointer pointing at them) */
#define HLIST_HEAD_INIT		{ .first = NULL }
#define HLIST_HEAD(name)	struct hlist_head name = { .first = NULL }

extern void INIT_HLIST_HEAD(struct hlist_head *h);
extern void INIT_HLIST_NODE(struct hlist_node *n);
extern int hlist_unhashed(const struct hlist_node *n);
extern int hlist_empty(const struct hlist_head *h);
extern void hlist_add_head(struct hlist_node *n, struct hlist_head *h);
extern void hlist_del(struct hlist_node *n);
extern void hlist_del_init(struct hlist_node *n);

#define hlist_entry(ptr, type, member)	container_of(ptr, type, member)
#define hlist_entry_safe(ptr, type, member) \
	({ typeof(ptr) ____ptr = (ptr); ____ptr ? hlist_entry(____ptr, type, member) : NULL; })
#define hlist_for_each_entry(pos, head, member)				\
	for (pos = hlist_entry_safe((head)->first, typeof(*(pos)), member); \
	     pos;							\
	     pos = hlist_entry_safe((pos)->member.next, typeof(*(pos)), member))
#define hlist_for_each_entry_continue(pos, member)			\
	for (pos = hlist_entry_safe((pos)->member.next, typeof(*(pos)), member); \
	     pos;							\
	     pos = hlist_entry_safe((pos)->member.next, typeof(*(pos)), member))
#define hlist_for_each_entry_from(pos, member)				\
	for (pos = (pos); pos;						\
	     pos = hlist_entry_safe((pos)->member.next, typeof(*(pos)), member))
#define hlist_for_each_entry_safe(pos, n, head, member)			\
	for (pos = hlist_entry_safe((head)->first, typeof(*pos), member); \
	     pos && ({ n = pos->member.next; 1; });			\
	     pos = hlist_entry_safe(n, typeof(*pos), member))

#endif
