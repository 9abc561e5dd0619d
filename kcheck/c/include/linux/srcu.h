/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: sleepable RCU (include/linux/srcu.h), per srcu_struct domain, kcheck.kernel's. */
#ifndef _LINUX_SRCU_H
#define _LINUX_SRCU_H

#include <linux/kernel.h>
#include <linux/rcupdate.h>

struct srcu_struct {
	int __kcheck_srcu;		/* the domain's word; readers are kcheck's */
};

#define DEFINE_SRCU(name)		struct srcu_struct name = { 0 }
#define DEFINE_STATIC_SRCU(name)	static struct srcu_struct name = { 0 }

extern int init_srcu_struct(struct srcu_struct *ssp);
extern void cleanup_srcu_struct(struct srcu_struct *ssp);
extern int srcu_read_lock(struct srcu_struct *ssp);
extern void srcu_read_unlock(struct srcu_struct *ssp, int idx);
extern int srcu_down_read(struct srcu_struct *ssp);
/* the other kinds of reader; an srcu_struct's readers must all be of one kind */
struct srcu_ctr;
extern struct srcu_ctr *srcu_read_lock_fast(struct srcu_struct *ssp);
extern void srcu_read_unlock_fast(struct srcu_struct *ssp, struct srcu_ctr *scp);
extern int srcu_read_lock_lite(struct srcu_struct *ssp);
extern void srcu_read_unlock_lite(struct srcu_struct *ssp, int idx);
extern int srcu_read_lock_nmisafe(struct srcu_struct *ssp);
extern void srcu_read_unlock_nmisafe(struct srcu_struct *ssp, int idx);
extern void srcu_up_read(struct srcu_struct *ssp, int idx);
extern int srcu_read_lock_held(const struct srcu_struct *ssp);
extern void synchronize_srcu(struct srcu_struct *ssp);
extern void synchronize_srcu_expedited(struct srcu_struct *ssp);
extern void call_srcu(struct srcu_struct *ssp, struct rcu_head *head,
		      void (*func)(struct rcu_head *head));
extern void srcu_barrier(struct srcu_struct *ssp);
extern void smp_mb__after_srcu_read_unlock(void);

#define srcu_dereference_check(p, ssp, c)					\
	((typeof(p))__kcheck_pyloc(&(p), "srcu_dereference_check", ssp, !!(c)))
#define srcu_dereference(p, ssp)	((typeof(p))__kcheck_pyloc(&(p), "srcu_dereference", ssp))

extern void __kcheck_list_check_srcu(long cond);
#define list_for_each_entry_srcu(pos, head, member, cond)		\
	for (__kcheck_list_check_srcu(!!(cond)),			\
	     pos = list_entry_rcu((head)->next, typeof(*pos), member);	\
		&pos->member != (head);					\
		pos = list_entry_rcu(pos->member.next, typeof(*pos), member))

#endif
