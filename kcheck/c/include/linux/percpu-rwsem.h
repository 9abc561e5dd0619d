/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: struct percpu_rw_semaphore (include/linux/percpu-rwsem.h), as
 * kcheck.kernel.locking keeps it: an rw_semaphore, the writer's grace period
 * a sleep.
 */
#ifndef _LINUX_PERCPU_RWSEM_H
#define _LINUX_PERCPU_RWSEM_H

#include <linux/rwsem.h>

struct percpu_rw_semaphore {
	struct rw_semaphore rw_sem;
};

#define DEFINE_PERCPU_RWSEM(name)	\
	struct percpu_rw_semaphore name = { .rw_sem = __RWSEM_INITIALIZER(name.rw_sem) }
#define DEFINE_STATIC_PERCPU_RWSEM(name)	static DEFINE_PERCPU_RWSEM(name)

extern int percpu_init_rwsem(struct percpu_rw_semaphore *sem);
extern void percpu_free_rwsem(struct percpu_rw_semaphore *sem);
extern void percpu_down_read(struct percpu_rw_semaphore *sem);
extern bool percpu_down_read_trylock(struct percpu_rw_semaphore *sem);
extern void percpu_up_read(struct percpu_rw_semaphore *sem);
extern void percpu_down_write(struct percpu_rw_semaphore *sem);
extern void percpu_up_write(struct percpu_rw_semaphore *sem);
extern void percpu_rwsem_assert_held(struct percpu_rw_semaphore *sem);

#endif
