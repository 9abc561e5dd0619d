/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: lockdep's assertions (include/linux/lockdep.h).  They take any lock
 * (spinlock_t, rwlock_t, struct mutex); a failed assertion is a bug of kind
 * lockdep.
 */
#ifndef __LINUX_LOCKDEP_H
#define __LINUX_LOCKDEP_H

#include <linux/types.h>
#include <linux/bug.h>

extern void lockdep_assert_held(const void *lock);
extern void lockdep_assert_held_read(const void *lock);
extern void lockdep_assert_held_write(const void *lock);
extern void lockdep_assert_not_held(const void *lock);
extern int lockdep_is_held(const void *lock);
#define lockdep_assert_held_once(l)	lockdep_assert_held(l)
#define lockdep_assert(cond)		do { WARN_ON(!(cond)); } while (0)
#define lockdep_is_held_type(l, r)	lockdep_is_held(l)
/* lockdep's WARN_ON_ONCE()s on the hardirq state (kcheck's per-task one) */
extern int irqs_disabled(void);
#define lockdep_assert_irqs_enabled()	do { WARN_ON_ONCE(irqs_disabled()); } while (0)
#define lockdep_assert_irqs_disabled()	do { WARN_ON_ONCE(!irqs_disabled()); } while (0)
extern void might_sleep(void);
extern void might_sleep_if(int cond);
/* a path that may take the lock: a lockdep dependency on every lock held, no
 * acquisition (a cycle through one is "possible circular locking dependency") */
extern void might_lock(const void *lock);
extern void might_lock_read(const void *lock);
extern void might_lock_nested(const void *lock, int subclass);

#endif
