/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: spinlock_t (include/linux/spinlock.h).  Taking a lock is an acquire
 * RMW that blocks while the lock is held; releasing it a release store.  The
 * _bh/_irq/_irqsave forms take the same lock (interrupts are not modelled).
 */
#ifndef __LINUX_SPINLOCK_H
#define __LINUX_SPINLOCK_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/rwlock.h>

typedef struct spinlock {
	int rlock;
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED(lockname)	{ 0 }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define spin_lock_init(lock)	do { (lock)->rlock = 0; } while (0)

extern void spin_lock(spinlock_t *lock);
extern void spin_unlock(spinlock_t *lock);
extern int spin_trylock(spinlock_t *lock);
extern int spin_is_locked(spinlock_t *lock);

#define spin_lock_bh(lock)		spin_lock(lock)
#define spin_unlock_bh(lock)		spin_unlock(lock)
#define spin_lock_irq(lock)		spin_lock(lock)
#define spin_unlock_irq(lock)		spin_unlock(lock)
#define spin_lock_irqsave(lock, flags)	do { (flags) = 0; spin_lock(lock); } while (0)
#define spin_unlock_irqrestore(lock, flags) do { (void)(flags); spin_unlock(lock); } while (0)
#define raw_spin_lock(lock)		spin_lock(lock)
#define raw_spin_unlock(lock)		spin_unlock(lock)
#define assert_spin_locked(lock)	lockdep_assert_held(lock)

#include <linux/lockdep.h>

#endif
