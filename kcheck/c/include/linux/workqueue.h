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

#include <linux/kernel.h>
#include <linux/types.h>
/* what the kernel's workqueue.h includes, as far as kcheck has it */
#include <linux/bitops.h>
#include <linux/lockdep.h>
#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/timer.h>

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

/*
 * Delayed work: time is not modelled, so the delay is none - the item is
 * queued at once and a worker may take it at any later point (every one is
 * explored).  The system workqueues are reached through schedule_work() and
 * schedule_delayed_work(): each item queued there runs in a worker of its own.
 */
struct delayed_work {
	struct work_struct work;
	struct timer_list timer;
	struct workqueue_struct *wq;
	int cpu;
};

#define INIT_DELAYED_WORK(dw, fn)		INIT_WORK(&(dw)->work, (fn))
#define to_delayed_work(w)			container_of(w, struct delayed_work, work)
#define queue_work_on(cpu, wq, work)	queue_work((wq), (work))
#define queue_delayed_work(wq, dw, delay)	queue_work((wq), &(dw)->work)
#define schedule_delayed_work(dw, delay)	schedule_work(&(dw)->work)
#define mod_delayed_work(wq, dw, delay)		(!queue_work((wq), &(dw)->work))
#define cancel_delayed_work(dw)			cancel_work(&(dw)->work)
#define cancel_delayed_work_sync(dw)		cancel_work_sync(&(dw)->work)
#define flush_delayed_work(dw)			flush_work(&(dw)->work)
#define delayed_work_pending(dw)		work_pending(&(dw)->work)

extern void INIT_WORK(struct work_struct *work, work_func_t func);
/* A work item on the stack: its function must be done before the frame goes
 * (flush_work() or cancel_work_sync()); kcheck checks that as a
 * use-after-free of the local (the kernel's debugobjects check it too). */
#define INIT_WORK_ONSTACK(work, fn)		INIT_WORK((work), (fn))
#define INIT_DELAYED_WORK_ONSTACK(dw, fn)	INIT_WORK(&(dw)->work, (fn))
static inline void destroy_work_on_stack(struct work_struct *work) { }
static inline void destroy_delayed_work_on_stack(struct delayed_work *dw) { }
extern bool schedule_work(struct work_struct *work);
extern bool queue_work(struct workqueue_struct *wq, struct work_struct *work);
extern bool flush_work(struct work_struct *work);
extern bool cancel_work_sync(struct work_struct *work);
extern bool cancel_work(struct work_struct *work);
extern bool work_pending(struct work_struct *work);
extern void flush_workqueue(struct workqueue_struct *wq);
extern void drain_workqueue(struct workqueue_struct *wq);
extern void destroy_workqueue(struct workqueue_struct *wq);
extern struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
						int max_active, ...);
#define alloc_ordered_workqueue(fmt, flags, args...) alloc_workqueue(fmt, (flags) | WQ_UNBOUND, 1)

#endif
