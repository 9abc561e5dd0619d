/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: rwlock_t (include/linux/rwlock.h).  Readers never conflict with each
 * other (each has its own reader word), a writer excludes everyone.
 */
#ifndef __LINUX_RWLOCK_H
#define __LINUX_RWLOCK_H

#include <linux/types.h>
#include <linux/cleanup.h>

typedef struct {
	s64 raw_lock;		/* one word: its writer (kcheck keeps a reader word per task) */
} rwlock_t;

#define __RW_LOCK_UNLOCKED(lockname)	{ 0 }
#define DEFINE_RWLOCK(x)	rwlock_t x = __RW_LOCK_UNLOCKED(x)
#define rwlock_init(lock)	do { (lock)->raw_lock = 0; } while (0)

extern void read_lock(rwlock_t *lock);
extern void read_unlock(rwlock_t *lock);
extern void write_lock(rwlock_t *lock);
extern void write_unlock(rwlock_t *lock);

DEFINE_GUARD(read_lock, rwlock_t *, read_lock(_T), read_unlock(_T))
DEFINE_GUARD(write_lock, rwlock_t *, write_lock(_T), write_unlock(_T))
extern int read_trylock(rwlock_t *lock);
extern int write_trylock(rwlock_t *lock);
extern int rwlock_needbreak(rwlock_t *lock);

extern void read_lock_bh(rwlock_t *lock);
extern void read_unlock_bh(rwlock_t *lock);
extern void write_lock_bh(rwlock_t *lock);
extern void write_unlock_bh(rwlock_t *lock);
extern void read_lock_irq(rwlock_t *lock);
extern void read_unlock_irq(rwlock_t *lock);
extern void write_lock_irq(rwlock_t *lock);
extern void write_unlock_irq(rwlock_t *lock);
extern unsigned long _read_lock_irqsave(rwlock_t *lock);
extern unsigned long _write_lock_irqsave(rwlock_t *lock);
extern void read_unlock_irqrestore(rwlock_t *lock, unsigned long flags);
extern void write_unlock_irqrestore(rwlock_t *lock, unsigned long flags);
#define read_lock_irqsave(lock, flags)	do { (flags) = _read_lock_irqsave(lock); } while (0)
#define write_lock_irqsave(lock, flags)	do { (flags) = _write_lock_irqsave(lock); } while (0)

#endif
