/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: kernel threads (include/linux/kthread.h), kcheck.kernel's.
 * kthread_stop() sets the thread's should-stop flag, wakes it and waits for
 * it to exit; the thread's task_struct is freed by the last put, and the
 * thread drops its own reference when it exits.  Thread names are the
 * format string up to its first conversion.
 *
 * Parking (kernel/kthread.c): kthread_park() sets KTHREAD_SHOULD_PARK, wakes
 * the thread and waits on its parked completion, which kthread_parkme()
 * completes before sleeping in TASK_PARKED; kthread_unpark() clears the bit
 * and wake_up_state(k, TASK_PARKED)s it; kthread_stop() unparks first.
 */
#ifndef _LINUX_KTHREAD_H
#define _LINUX_KTHREAD_H

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/completion.h>

extern struct task_struct *kthread_create(int (*threadfn)(void *data), void *data,
					  const char namefmt[], ...);
extern struct task_struct *kthread_run(int (*threadfn)(void *data), void *data,
				       const char namefmt[], ...);
extern bool kthread_should_stop(void);
extern int kthread_stop(struct task_struct *k);
extern int kthread_stop_put(struct task_struct *k);
extern bool kthread_should_park(void);
extern bool __kthread_should_park(struct task_struct *k);
extern void kthread_parkme(void);
extern int kthread_park(struct task_struct *k);
extern void kthread_unpark(struct task_struct *k);
/* end the current kthread with code as its result (after complete(comp) if comp) */
extern void kthread_exit(long code) __attribute__((noreturn));
extern void kthread_complete_and_exit(struct completion *comp, long code)
	__attribute__((noreturn));

#endif
