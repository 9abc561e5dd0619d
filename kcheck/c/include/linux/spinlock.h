/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: spinlock_t (include/linux/spinlock.h).  Taking a lock is an acquire
 * RMW that blocks while the lock is held; releasing it a release store.  The
 * _bh/_irq/_irqsave forms take the same lock (interrupts are not modelled).
 */
#ifndef __LINUX_SPINLOCK_H
#define __LINUX_SPINLOCK_H

#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/cleanup.h>
#include <linux/rwlock.h>
#include <linux/atomic.h>	/* as the kernel's spinlock.h pulls it in */
#include <linux/preempt.h>	/* local_irq_save() for spin_trylock_irqsave() */

typedef struct spinlock {
	int rlock;
} spinlock_t;

typedef spinlock_t raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(lockname)	{ 0 }
#define __RAW_SPIN_LOCK_UNLOCKED(lockname)	{ 0 }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x)	raw_spinlock_t x = __RAW_SPIN_LOCK_UNLOCKED(x)

extern void spin_lock_init(spinlock_t *lock);
/* lib/dec_and_lock.c: true, holding lock, when the count reached 0 */
extern bool atomic_dec_and_lock(atomic_t *v, spinlock_t *lock);
extern void spin_lock(spinlock_t *lock);
/* lockdep's subclass annotation: taken as spin_lock() (kcheck's lockdep is per lock) */
extern void spin_lock_nested(spinlock_t *lock, int subclass);
#define SINGLE_DEPTH_NESTING	1
extern void spin_unlock(spinlock_t *lock);
extern int spin_trylock(spinlock_t *lock);
extern int spin_is_locked(spinlock_t *lock);
extern void spin_lock_bh(spinlock_t *lock);
extern void spin_unlock_bh(spinlock_t *lock);

DEFINE_GUARD(spinlock, spinlock_t *, spin_lock(_T), spin_unlock(_T))
DEFINE_GUARD_COND(spinlock, _try, spin_trylock(_T))
DEFINE_GUARD(spinlock_bh, spinlock_t *, spin_lock_bh(_T), spin_unlock_bh(_T))
extern int spin_trylock_bh(spinlock_t *lock);
extern void spin_lock_irq(spinlock_t *lock);
extern void spin_unlock_irq(spinlock_t *lock);
DEFINE_GUARD(spinlock_irq, spinlock_t *, spin_lock_irq(_T), spin_unlock_irq(_T))
extern unsigned long _spin_lock_irqsave(spinlock_t *lock);
extern void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
#define spin_lock_irqsave(lock, flags)	do { (flags) = _spin_lock_irqsave(lock); } while (0)
#define spin_lock_irqsave_nested(lock, flags, subclass)	spin_lock_irqsave(lock, flags)
/* the kernel's macro: interrupts restored at once if the lock was not taken */
#define spin_trylock_irqsave(lock, flags)					\
	({ local_irq_save(flags); spin_trylock(lock) ? 1 : ({ local_irq_restore(flags); 0; }); })

/* guard(spinlock_irqsave)(&l): the lock and the flags it saved */
typedef struct { spinlock_t *lock; unsigned long flags; } class_spinlock_irqsave_t;
static inline void class_spinlock_irqsave_destructor(class_spinlock_irqsave_t *_T)
{
	if (_T->lock)
		spin_unlock_irqrestore(_T->lock, _T->flags);
}
static inline class_spinlock_irqsave_t class_spinlock_irqsave_constructor(spinlock_t *l)
{
	class_spinlock_irqsave_t t = { .lock = l };

	spin_lock_irqsave(l, t.flags);
	return t;
}

#define raw_spin_lock_init(lock)	spin_lock_init(lock)
extern void raw_spin_lock(raw_spinlock_t *lock);
extern void raw_spin_unlock(raw_spinlock_t *lock);
DEFINE_GUARD(raw_spinlock, raw_spinlock_t *, raw_spin_lock(_T), raw_spin_unlock(_T))
extern int raw_spin_trylock(raw_spinlock_t *lock);
extern void raw_spin_lock_irq(raw_spinlock_t *lock);
extern void raw_spin_unlock_irq(raw_spinlock_t *lock);
extern unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock);
extern void raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags);
#define raw_spin_lock_irqsave(lock, flags)	do { (flags) = _raw_spin_lock_irqsave(lock); } while (0)
#define raw_spin_trylock_irqsave(lock, flags)					\
	({ local_irq_save(flags); raw_spin_trylock(lock) ? 1 : ({ local_irq_restore(flags); 0; }); })

#define assert_spin_locked(lock)	lockdep_assert_held(lock)

#include <linux/lockdep.h>
#endif
