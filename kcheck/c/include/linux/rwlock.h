/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: rwlock_t (include/linux/rwlock.h).  Readers never conflict with each
 * other (each has its own reader word), a writer excludes everyone.
 */
#ifndef __LINUX_RWLOCK_H
#define __LINUX_RWLOCK_H

#include <linux/types.h>

typedef struct {
	int cnts;
	int wait_lock;
} rwlock_t;

#define __RW_LOCK_UNLOCKED(lockname)	{ 0, 0 }
#define DEFINE_RWLOCK(x)	rwlock_t x = __RW_LOCK_UNLOCKED(x)
#define rwlock_init(lock)	do { (lock)->cnts = 0; } while (0)

extern void read_lock(rwlock_t *lock);
extern void read_unlock(rwlock_t *lock);
extern void write_lock(rwlock_t *lock);
extern void write_unlock(rwlock_t *lock);
extern int read_trylock(rwlock_t *lock);
extern int write_trylock(rwlock_t *lock);
extern int rwlock_needbreak(rwlock_t *lock);

#define read_lock_bh(lock)		read_lock(lock)
#define read_unlock_bh(lock)		read_unlock(lock)
#define write_lock_bh(lock)		write_lock(lock)
#define write_unlock_bh(lock)		write_unlock(lock)
#define read_lock_irq(lock)		read_lock(lock)
#define read_unlock_irq(lock)		read_unlock(lock)
#define write_lock_irq(lock)		write_lock(lock)
#define write_unlock_irq(lock)		write_unlock(lock)

#endif
