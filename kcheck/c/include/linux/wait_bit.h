/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: waiting on a bit (include/linux/wait_bit.h), kcheck.kernel's.
 * wake_up_bit() looks at the hashed queue without its lock: clear the bit and
 * order it first (smp_mb__after_atomic()), or use clear_and_wake_up_bit().
 * wait_var_event() / wake_up_var() are the same on a variable.
 */
#ifndef _LINUX_WAIT_BIT_H
#define _LINUX_WAIT_BIT_H

#include <linux/wait.h>
#include <linux/bitops.h>
#include <linux/sched.h>

extern int wait_on_bit(unsigned long *word, int bit, unsigned mode);
extern void wake_up_bit(unsigned long *word, int bit);
/* take the bit as a lock, sleeping (exclusive) while it is set; 0 holding it */
extern int wait_on_bit_lock(unsigned long *word, int bit, unsigned mode);
extern void clear_and_wake_up_bit(int bit, unsigned long *word);

/*
 * Waiting on a variable: a queue of its own per variable (the kernel hashes
 * the address into a shared table; here no wake-up is spurious).  As the
 * kernel's, wake_up_var() looks at the queue without its lock: order the
 * store the condition reads before it (smp_mb(), or a fully ordered atomic).
 */
extern struct wait_queue_head *__var_waitqueue(void *p);
extern void wake_up_var(void *var);

#define wait_var_event(var, condition)						\
do {										\
	might_sleep();								\
	if (condition)								\
		break;								\
	(void)___wait_event(*__var_waitqueue(var), condition,			\
			    TASK_UNINTERRUPTIBLE, 0, 0, schedule());		\
} while (0)

/* the timeout firing before a wake-up is an explorer choice; 0 when it fired */
#define wait_var_event_timeout(var, condition, timeout) ({			\
	long __ret = timeout;							\
	might_sleep();								\
	if (!___wait_cond_timeout(condition))					\
		__ret = __wait_event_timeout(*__var_waitqueue(var), condition,	\
					     timeout, TASK_UNINTERRUPTIBLE);	\
	__ret;									\
})

/* 0, or -ERESTARTSYS in a kthread kthread_stop() interrupts */
#define wait_var_event_interruptible(var, condition) ({			\
	long __ret = 0;								\
	might_sleep();								\
	if (!(condition))							\
		__ret = ___wait_event(*__var_waitqueue(var), condition,		\
				      TASK_INTERRUPTIBLE, 0, 0, schedule());	\
	(int)__ret;								\
})

/* TASK_KILLABLE: fatal signals are not modelled */
#define wait_var_event_killable(var, condition) ({				\
	might_sleep();								\
	if (!(condition))							\
		(void)___wait_event(*__var_waitqueue(var), condition,		\
				    TASK_UNINTERRUPTIBLE, 0, 0, schedule());	\
	0;									\
})

#endif
