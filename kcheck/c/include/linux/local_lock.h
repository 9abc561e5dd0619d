/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: local_lock_t (include/linux/local_lock.h) as without PREEMPT_RT:
 * taking it disables preemption or interrupts on this CPU (linux/percpu.h
 * says what that means for per-CPU data), nothing more.
 */
#ifndef _LINUX_LOCAL_LOCK_H
#define _LINUX_LOCAL_LOCK_H

#include <linux/percpu.h>

typedef struct {
	int __kcheck_unused;
} local_lock_t;

#define INIT_LOCAL_LOCK(lockname)	{ 0 }
#define local_lock_init(lock)		do { (void)(lock); } while (0)
#define local_lock(lock)		do { (void)(lock); preempt_disable(); } while (0)
#define local_unlock(lock)		do { (void)(lock); preempt_enable(); } while (0)
#define local_lock_irq(lock)		do { (void)(lock); local_irq_disable(); } while (0)
#define local_unlock_irq(lock)		do { (void)(lock); local_irq_enable(); } while (0)
#define local_lock_irqsave(lock, flags)	do { (void)(lock); local_irq_save(flags); } while (0)
#define local_unlock_irqrestore(lock, flags)	do { (void)(lock); local_irq_restore(flags); } while (0)

#endif
