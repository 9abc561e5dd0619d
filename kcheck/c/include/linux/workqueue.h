/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: workqueues (include/linux/workqueue.h).  alloc_workqueue() (from
 * main(), before any task) gives the queue worker tasks; queue_work() on a
 * pending item does nothing and returns false; flush_workqueue() waits for
 * what was queued before it; flush_work() and cancel_work_sync() wait for the
 * item's function to return.
 */
#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H

#include <linux/types.h>
/* what the kernel's workqueue.h includes, as far as kcheck has it */
#include <linux/bitops.h>
#include <linux/lockdep.h>
#include <linux/atomic.h>
#include <linux/rcupdate.h>

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	atomic_long_t data;
	struct list_head entry;
	work_func_t func;
};

struct workqueue_struct;

#define WQ_UNBOUND		(1 << 1)
#define WQ_FREEZABLE		(1 << 2)
#define WQ_MEM_RECLAIM		(1 << 3)
#define WQ_HIGHPRI		(1 << 4)

extern void INIT_WORK(struct work_struct *work, work_func_t func);
extern bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
extern bool flush_work(struct work_struct *work);
extern bool cancel_work_sync(struct work_struct *work);
extern bool cancel_work(struct work_struct *work);
extern bool work_pending(struct work_struct *work);
extern void flush_workqueue(struct workqueue_struct *wq);
extern void destroy_workqueue(struct workqueue_struct *wq);
extern struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
						int max_active, ...);
#define alloc_ordered_workqueue(fmt, flags, args...) alloc_workqueue(fmt, (flags) | WQ_UNBOUND, 1)

#endif
