/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: waiting on a bit (include/linux/wait_bit.h), kcheck.kernel's.
 * wake_up_bit() looks at the hashed queue without its lock: clear the bit and
 * order it first (smp_mb__after_atomic()), or use clear_and_wake_up_bit().
 */
#ifndef _LINUX_WAIT_BIT_H
#define _LINUX_WAIT_BIT_H

#include <linux/wait.h>
#include <linux/bitops.h>
#include <linux/sched.h>

extern int wait_on_bit(unsigned long *word, int bit, unsigned mode);
extern void wake_up_bit(unsigned long *word, int bit);
extern void clear_and_wake_up_bit(int bit, unsigned long *word);

#endif
