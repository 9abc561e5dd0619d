/* SPDX-License-Identifier: GPL-2.0 */
/* kcheck: a kernel thread's task_struct references (include/linux/sched/task.h). */
#ifndef _LINUX_SCHED_TASK_H
#define _LINUX_SCHED_TASK_H

#include <linux/sched.h>

extern struct task_struct *get_task_struct(struct task_struct *t);
extern void put_task_struct(struct task_struct *t);

#endif
