/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: bit spinlocks (include/linux/bit_spinlock.h), kcheck.kernel's:
 * preemption off, then an ACQUIRE set of the bit that waits while it is set;
 * the unlock a RELEASE clear (BUG_ON if the bit was clear), preemption on.
 */
#ifndef __LINUX_BIT_SPINLOCK_H
#define __LINUX_BIT_SPINLOCK_H

#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/bitops.h>

extern void bit_spin_lock(int bitnum, unsigned long *addr);
extern int bit_spin_trylock(int bitnum, unsigned long *addr);
extern void bit_spin_unlock(int bitnum, unsigned long *addr);
extern void __bit_spin_unlock(int bitnum, unsigned long *addr);
extern int bit_spin_is_locked(int bitnum, unsigned long *addr);

#endif
