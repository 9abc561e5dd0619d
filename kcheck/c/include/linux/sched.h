/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: the scheduler as a model sees it.  need_resched() is a choice the
 * explorer makes both ways; cond_resched() adds nothing (every interleaving
 * is explored anyway).
 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/types.h>
#include <linux/rwlock.h>
#include <asm/barrier.h>

extern bool need_resched(void);
extern int cond_resched(void);
extern int cond_resched_rwlock_read(rwlock_t *lock);
extern int cond_resched_rwlock_write(rwlock_t *lock);

#endif
