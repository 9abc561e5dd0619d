/* SPDX-License-Identifier: GPL-2.0-only */
/* kcheck: struct completion (include/linux/completion.h), kcheck.kernel's. */
#ifndef __LINUX_COMPLETION_H
#define __LINUX_COMPLETION_H

#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/sched.h>

struct completion {
	unsigned int done;
	spinlock_t lock;		/* the wait queue's; kcheck keeps the waiters itself */
	unsigned long __kcheck_waiters;
};

#define COMPLETION_INITIALIZER(work)	{ 0, __SPIN_LOCK_UNLOCKED(work.lock), 0 }
#define DECLARE_COMPLETION(work)	struct completion work = COMPLETION_INITIALIZER(work)
#define DECLARE_COMPLETION_ONSTACK(work)	DECLARE_COMPLETION(work)

extern void init_completion(struct completion *x);
extern void reinit_completion(struct completion *x);
extern void complete(struct completion *x);
extern void complete_all(struct completion *x);
extern void wait_for_completion(struct completion *x);
extern unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout);
extern void wait_for_completion_io(struct completion *x);
extern unsigned long wait_for_completion_io_timeout(struct completion *x, unsigned long timeout);
extern int wait_for_completion_interruptible(struct completion *x);
extern int wait_for_completion_killable(struct completion *x);
/* signals are not modelled (kcheck_stop aside): the timeout forms' return, 0 on timeout */
#define wait_for_completion_interruptible_timeout(x, t)	((long)wait_for_completion_timeout((x), (t)))
#define wait_for_completion_killable_timeout(x, t)	((long)wait_for_completion_timeout((x), (t)))
extern bool try_wait_for_completion(struct completion *x);
extern bool completion_done(struct completion *x);

#endif
