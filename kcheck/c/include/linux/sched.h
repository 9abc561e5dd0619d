/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: the scheduler as a model sees it.  need_resched() is a choice the
 * explorer makes both ways; cond_resched() adds nothing (every interleaving
 * is explored anyway).
 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/rwlock.h>
#include <asm/barrier.h>

#include <linux/preempt.h>
#include <linux/jiffies.h>	/* schedule_timeout() callers count in jiffies */
#include <linux/lockdep.h>

struct spinlock;

extern bool need_resched(void);
extern int cond_resched(void);
extern int cond_resched_lock(struct spinlock *lock);
extern int cond_resched_rwlock_read(rwlock_t *lock);
extern int cond_resched_rwlock_write(rwlock_t *lock);

/* tasks: current is the running task; a task's state word is what wake-ups test */
struct task_struct;
extern struct task_struct *get_current(void);
#define current			get_current()

#define TASK_RUNNING		0x0000
#define TASK_INTERRUPTIBLE	0x0001
#define TASK_UNINTERRUPTIBLE	0x0002
#define TASK_PARKED		0x0040
#define TASK_NOLOAD		0x0400
#define TASK_NORMAL		(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)
#define TASK_IDLE		(TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#define TASK_KILLABLE		TASK_UNINTERRUPTIBLE
#define MAX_SCHEDULE_TIMEOUT	LONG_MAX

extern void set_current_state(int state);
extern void __set_current_state(int state);
extern int get_current_state(void);
extern void schedule(void);
extern void io_schedule(void);
extern long schedule_timeout(long timeout);
#define schedule_timeout_interruptible(t)	({ set_current_state(TASK_INTERRUPTIBLE); schedule_timeout(t); })
#define schedule_timeout_uninterruptible(t)	({ set_current_state(TASK_UNINTERRUPTIBLE); schedule_timeout(t); })
/* yield(): TASK_RUNNING, then give the CPU away and come back - in a loop, a polling one */
#define yield()	do { set_current_state(TASK_RUNNING); schedule(); } while (0)
extern int wake_up_process(struct task_struct *p);
extern int wake_up_state(struct task_struct *p, unsigned int state);

#endif
