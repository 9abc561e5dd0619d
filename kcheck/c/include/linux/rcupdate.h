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
#include <linux/compiler.h>
#include <linux/lockdep.h>
#include <asm/barrier.h>

extern void rcu_read_lock(void);
extern void rcu_read_unlock(void);
extern int rcu_read_lock_held(void);
extern void synchronize_rcu(void);
extern void call_rcu(struct rcu_head *head, rcu_callback_t func);
extern void rcu_barrier(void);
extern void __kcheck_lockdep(long cond, const char *msg);

#define rcu_read_lock_bh()		rcu_read_lock()
#define rcu_read_unlock_bh()		rcu_read_unlock()
#define rcu_read_lock_sched()		rcu_read_lock()
#define rcu_read_unlock_sched()		rcu_read_unlock()
#define rcu_read_lock_bh_held()		rcu_read_lock_held()
#define rcu_read_lock_sched_held()	rcu_read_lock_held()
#define synchronize_rcu_expedited()	synchronize_rcu()

#define rcu_dereference(p)	((typeof(p))__kcheck_load(&(p), __KC_ONCE, "rcu_dereference"))
#define rcu_dereference_raw(p)	((typeof(p))__kcheck_load(&(p), __KC_ONCE, "rcu_dereference_raw"))
#define rcu_dereference_check(p, c)	rcu_dereference(p)
#define rcu_dereference_bh(p)		rcu_dereference(p)
#define rcu_dereference_sched(p)	rcu_dereference(p)
#define rcu_dereference_protected(p, c) ({					\
	__kcheck_lockdep(!!(c), "rcu_dereference_protected(): the protecting condition is false"); \
	((typeof(p))__kcheck_load(&(p), __KC_PLAIN, "rcu_dereference_protected")); })
#define rcu_access_pointer(p)	((typeof(p))__kcheck_load(&(p), __KC_ONCE, "rcu_access_pointer"))

#define rcu_assign_pointer(p, v)						\
	do { typeof(p) __v = (v); __kcheck_store(&(p), __KC_REL, "rcu_assign_pointer", __v); } while (0)
#define RCU_INIT_POINTER(p, v)							\
	do { typeof(p) __v = (v); __kcheck_store(&(p), __KC_ONCE, "RCU_INIT_POINTER", __v); } while (0)
#define RCU_POINTER_INITIALIZER(p, v)	.p = (v)

#endif
