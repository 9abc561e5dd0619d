/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: struct lockref (include/linux/lockref.h), as kcheck.kernel.lockref
 * keeps it: each operation changes the count with the lock held (the
 * kernel's cmpxchg fast path happens only while the lock is free).
 */
#ifndef __LINUX_LOCKREF_H
#define __LINUX_LOCKREF_H

#include <linux/spinlock.h>

struct lockref {
	spinlock_t lock;
	int count;
};

extern void lockref_get(struct lockref *lockref);
extern int lockref_put_return(struct lockref *lockref);
extern bool lockref_get_not_zero(struct lockref *lockref);
extern bool lockref_put_not_zero(struct lockref *lockref);
extern bool lockref_put_or_lock(struct lockref *lockref);
extern void lockref_mark_dead(struct lockref *lockref);
extern bool lockref_get_not_dead(struct lockref *lockref);
extern bool __lockref_is_dead(const struct lockref *l);

#endif
