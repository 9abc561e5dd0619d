/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: kernel threads (include/linux/kthread.h), kcheck.kernel's.
 * kthread_stop() sets the thread's should-stop flag, wakes it and waits for
 * it to exit; the thread's task_struct is freed by the last put, and the
 * thread drops its own reference when it exits.  Thread names are the
 * format string up to its first conversion.
 */
#ifndef _LINUX_KTHREAD_H
#define _LINUX_KTHREAD_H

#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

extern struct task_struct *kthread_create(int (*threadfn)(void *data), void *data,
					  const char namefmt[], ...);
extern struct task_struct *kthread_run(int (*threadfn)(void *data), void *data,
				       const char namefmt[], ...);
extern bool kthread_should_stop(void);
extern int kthread_stop(struct task_struct *k);
extern int kthread_stop_put(struct task_struct *k);

#endif
