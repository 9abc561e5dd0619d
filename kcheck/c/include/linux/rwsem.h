/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: struct rw_semaphore (include/linux/rwsem.h): an rwlock whose waiters sleep. */
#ifndef _LINUX_RWSEM_H
#define _LINUX_RWSEM_H

#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/cleanup.h>

struct rw_semaphore {
	atomic_long_t count;
};

#define __RWSEM_INITIALIZER(name)	{ .count = ATOMIC_LONG_INIT(0) }
#define DECLARE_RWSEM(name)	struct rw_semaphore name = __RWSEM_INITIALIZER(name)

extern void init_rwsem(struct rw_semaphore *sem);
extern void down_read(struct rw_semaphore *sem);
extern int down_read_killable(struct rw_semaphore *sem);
extern void down_read_nested(struct rw_semaphore *sem, int subclass);
extern void down_write_nested(struct rw_semaphore *sem, int subclass);
extern int down_read_interruptible(struct rw_semaphore *sem);
extern int down_read_trylock(struct rw_semaphore *sem);
extern void up_read(struct rw_semaphore *sem);
extern void down_write(struct rw_semaphore *sem);
extern int down_write_killable(struct rw_semaphore *sem);
extern int down_write_trylock(struct rw_semaphore *sem);
extern void up_write(struct rw_semaphore *sem);

DEFINE_GUARD(rwsem_read, struct rw_semaphore *, down_read(_T), up_read(_T))
DEFINE_GUARD(rwsem_write, struct rw_semaphore *, down_write(_T), up_write(_T))
extern void downgrade_write(struct rw_semaphore *sem);

#endif
