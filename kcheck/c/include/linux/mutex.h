/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: struct mutex (include/linux/mutex.h): a sleeping lock, as spinlock_t. */
#ifndef __LINUX_MUTEX_H
#define __LINUX_MUTEX_H

#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/lockdep.h>
#include <linux/cleanup.h>
#include <linux/spinlock.h>	/* the kernel's pulls in spinlock_types.h */

struct mutex {
	atomic_long_t owner;
};

#define __MUTEX_INITIALIZER(lockname)	{ .owner = ATOMIC_LONG_INIT(0) }
#define DEFINE_MUTEX(mutexname)	struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)
#define mutex_init(lock)	do { (lock)->owner.counter = 0; } while (0)
#define mutex_destroy(lock)	do { } while (0)

extern void mutex_lock(struct mutex *lock);
extern void mutex_lock_nested(struct mutex *lock, unsigned int subclass);
extern void mutex_unlock(struct mutex *lock);
extern int atomic_dec_and_mutex_lock(atomic_t *cnt, struct mutex *lock);
extern int mutex_trylock(struct mutex *lock);
extern bool mutex_is_locked(struct mutex *lock);
extern int mutex_lock_interruptible(struct mutex *lock);
extern int mutex_lock_killable(struct mutex *lock);
extern void mutex_lock_io(struct mutex *lock);


DEFINE_GUARD(mutex, struct mutex *, mutex_lock(_T), mutex_unlock(_T))
DEFINE_GUARD_COND(mutex, _try, mutex_trylock(_T))
DEFINE_GUARD_COND(mutex, _intr, mutex_lock_interruptible(_T) == 0)

#endif
