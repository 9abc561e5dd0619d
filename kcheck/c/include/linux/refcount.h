/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: refcount_t (include/linux/refcount.h): saturating, with the kernel's
 * WARNs ("refcount_t: underflow; use-after-free.") reported as bugs of kind
 * refcount-warn.  refcount_dec_not_one() is "decrement unless the value is 1".
 */
#ifndef _LINUX_REFCOUNT_H
#define _LINUX_REFCOUNT_H

#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>

typedef struct refcount_struct {
	atomic_t refs;
} refcount_t;

#define REFCOUNT_INIT(n)	{ .refs = ATOMIC_INIT(n), }
#define REFCOUNT_MAX		INT_MAX
#define REFCOUNT_SATURATED	(INT_MIN / 2)

extern void refcount_set(refcount_t *r, int n);
extern void refcount_set_release(refcount_t *r, int n);
extern unsigned int refcount_read(const refcount_t *r);
extern bool refcount_add_not_zero(int i, refcount_t *r);
extern bool refcount_inc_not_zero(refcount_t *r);
extern bool refcount_inc_not_zero_acquire(refcount_t *r);
extern bool refcount_add_not_zero_acquire(int i, refcount_t *r);
extern void refcount_add(int i, refcount_t *r);
extern void refcount_inc(refcount_t *r);
extern bool refcount_sub_and_test(int i, refcount_t *r);
extern bool refcount_dec_and_test(refcount_t *r);
extern void refcount_dec(refcount_t *r);
extern bool refcount_dec_not_one(refcount_t *r);
extern bool refcount_dec_if_one(refcount_t *r);
extern bool refcount_dec_and_lock(refcount_t *r, spinlock_t *lock);
extern bool refcount_dec_and_mutex_lock(refcount_t *r, struct mutex *lock);

/* lib/refcount.c: decrement, taking the lock (interrupts off) if the count
 * would reach 0; true, holding it, when it did */
static inline bool refcount_dec_and_lock_irqsave(refcount_t *r, spinlock_t *lock,
						 unsigned long *flags)
{
	if (refcount_dec_not_one(r))
		return false;
	spin_lock_irqsave(lock, *flags);
	if (!refcount_dec_and_test(r)) {
		spin_unlock_irqrestore(lock, *flags);
		return false;
	}
	return true;
}


#endif
