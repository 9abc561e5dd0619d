/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: signal_pending() (include/linux/sched/signal.h).  The one signal
 * kcheck models is kthread_stop()'s TIF_NOTIFY_SIGNAL (v6.1): true in a
 * kthread once kthread_stop() was called on it, false everywhere else. */
#ifndef _LINUX_SCHED_SIGNAL_H
#define _LINUX_SCHED_SIGNAL_H

#include <linux/sched.h>
#include <linux/errno.h>

extern bool signal_pending(struct task_struct *p);

/* whether a sleep in ``state`` would end at once: an interruptible one with a
 * signal pending (fatal signals, TASK_WAKEKILL, are not modelled) */
static inline int signal_pending_state(unsigned int state, struct task_struct *p)
{
	if (!(state & TASK_INTERRUPTIBLE))
		return 0;
	return signal_pending(p);
}

#endif
