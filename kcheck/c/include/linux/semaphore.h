/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: counting semaphores (include/linux/semaphore.h), as
 * kcheck.kernel.semaphore keeps them: no owner, not tracked by lockdep;
 * down_trylock() returns 0 when it took the semaphore.
 */
#ifndef __LINUX_SEMAPHORE_H
#define __LINUX_SEMAPHORE_H

#include <linux/kernel.h>

struct semaphore {
	int count;
};

#define __SEMAPHORE_INITIALIZER(name, n)	{ .count = (n) }
#define DEFINE_SEMAPHORE(_name, _n)	struct semaphore _name = __SEMAPHORE_INITIALIZER(_name, _n)

extern void sema_init(struct semaphore *sem, int val);
extern void down(struct semaphore *sem);
extern int down_interruptible(struct semaphore *sem);
extern int down_killable(struct semaphore *sem);
extern int down_trylock(struct semaphore *sem);
extern int down_timeout(struct semaphore *sem, long timeout);
extern void up(struct semaphore *sem);

#endif
