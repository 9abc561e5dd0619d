/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: RCU (include/linux/rcupdate.h).  rcu_dereference() is a marked load
 * (the LKMM orders what the loaded pointer addresses after it: an address
 * dependency, which kcheck derives from the C data flow); rcu_assign_pointer()
 * a release store.  call_rcu() runs its callback in a context of its own
 * after a grace period.
 */
#ifndef __LINUX_RCUPDATE_H
#define __LINUX_RCUPDATE_H

#include <linux/types.h>
#include <linux/container_of.h>
#include <linux/compiler.h>
#include <linux/lockdep.h>
#include <linux/cleanup.h>
#include <asm/barrier.h>

extern void rcu_read_lock(void);
extern void rcu_read_unlock(void);
extern void rcu_read_lock_bh(void);
extern void rcu_read_unlock_bh(void);
extern void rcu_read_lock_sched(void);
extern void rcu_read_unlock_sched(void);

DEFINE_LOCK_GUARD_0(rcu, rcu_read_lock(), rcu_read_unlock())
extern int rcu_read_lock_held(void);
extern int rcu_read_lock_bh_held(void);
extern int rcu_read_lock_sched_held(void);
extern int rcu_read_lock_any_held(void);
/* lockdep's "suspicious RCU usage" when c holds */
extern void RCU_LOCKDEP_WARN(int c, const char *s);
extern void synchronize_rcu(void);
/* linux/netdevice.h's, net/core/dev.c: an expedited synchronize_rcu() under RTNL */
extern void synchronize_net(void);
extern void synchronize_rcu_expedited(void);
extern void call_rcu(struct rcu_head *head, rcu_callback_t func);

/*
 * Polled grace periods: a cookie names a grace period that starts after the
 * call; poll_state_synchronize_rcu() is true only if it has ended (whether
 * it has by then is the explorer's choice, as the kernel's timing), and
 * always after a synchronize_rcu() of the caller's own since the cookie.
 */
#define RCU_GET_STATE_COMPLETED	0x1
extern unsigned long get_state_synchronize_rcu(void);
extern unsigned long start_poll_synchronize_rcu(void);
extern unsigned long get_completed_synchronize_rcu(void);
extern bool poll_state_synchronize_rcu(unsigned long oldstate);
extern void cond_synchronize_rcu(unsigned long oldstate);
static inline bool same_state_synchronize_rcu(unsigned long oldstate1, unsigned long oldstate2)
{
	return oldstate1 == oldstate2;
}
#define call_rcu_hurry(head, func)	call_rcu((head), (func))
extern void rcu_barrier(void);
extern void kvfree_rcu_barrier(void);	/* v6.12: kfree_rcu()s queued before (kmem_cache_destroy() calls it) */

/* kcheck.kernel's, on the location p names: lockdep's "suspicious RCU usage" included */
#define rcu_dereference(p)		((typeof(p))__kcheck_pyloc(&(p), "rcu_dereference"))
#define rcu_dereference_check(p, c)	((typeof(p))__kcheck_pyloc(&(p), "rcu_dereference_check", !!(c)))
#define rcu_dereference_bh(p)		((typeof(p))__kcheck_pyloc(&(p), "rcu_dereference_bh"))
#define rcu_dereference_bh_check(p, c)	((typeof(p))__kcheck_pyloc(&(p), "rcu_dereference_bh_check", !!(c)))
#define rcu_dereference_sched(p)	((typeof(p))__kcheck_pyloc(&(p), "rcu_dereference_sched"))
#define rcu_dereference_sched_check(p, c) ((typeof(p))__kcheck_pyloc(&(p), "rcu_dereference_sched_check", !!(c)))
#define rcu_dereference_raw(p)		((typeof(p))__kcheck_pyloc(&(p), "rcu_dereference_raw"))
#define rcu_dereference_protected(p, c)	((typeof(p))__kcheck_pyloc(&(p), "rcu_dereference_protected", !!(c)))
#define rcu_access_pointer(p)		((typeof(p))__kcheck_pyloc(&(p), "rcu_access_pointer"))
#define rcu_assign_pointer(p, v)						\
	do { typeof(p) __v = (v); (void)__kcheck_pyloc(&(p), "rcu_assign_pointer", __v); } while (0)
#define rcu_replace_pointer(rcu_ptr, ptr, c)					\
	((typeof(ptr))__kcheck_pyloc(&(rcu_ptr), "rcu_replace_pointer", (ptr), !!(c)))
#define RCU_INIT_POINTER(p, v)							\
	do { typeof(p) __v = (v); (void)__kcheck_pyloc(&(p), "RCU_INIT_POINTER", __v); } while (0)
#define RCU_POINTER_INITIALIZER(p, v)	.p = (v)

#endif
