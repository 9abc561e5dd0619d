/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kcheck: workqueues (include/linux/workqueue.h).  alloc_workqueue() (from
 * main(), before any task) with max_active 0 (the kernel's default) or more
 * than 2 gives each queuing a worker context of its own; with 1 or 2
 * (alloc_ordered_workqueue() is 1) that many worker tasks; queue_work() on a
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

/* the kernel's own queues (kcheck.kernel's system_wq ...) */
extern struct workqueue_struct *__kcheck_system_wq(int which);
#define system_wq			__kcheck_system_wq(0)
#define system_highpri_wq		__kcheck_system_wq(1)
#define system_long_wq			__kcheck_system_wq(2)
#define system_unbound_wq		__kcheck_system_wq(3)
#define system_freezable_wq		__kcheck_system_wq(4)
#define system_power_efficient_wq	__kcheck_system_wq(5)

#define WQ_UNBOUND		(1 << 1)
#define WQ_FREEZABLE		(1 << 2)
#define WQ_MEM_RECLAIM		(1 << 3)
#define WQ_HIGHPRI		(1 << 4)

/*
 * Delayed work: a work item and a timer that queues it.  Time is not modelled:
 * a delay of 0 queues at once, any other arms the timer, which fires at any
 * later point and only then puts the item on its queue - until then it is
 * pending but on no queue: flush_work() and flush/drain/destroy_workqueue()
 * do not wait for it (flush_delayed_work() fires the timer first), and
 * cancel_delayed_work*() take it back with del_timer().  The system
 * workqueues (system_wq ..., and schedule_work(), schedule_delayed_work(),
 * which queue there): each item queued there runs in a worker of its own.
 */
struct delayed_work {
	struct work_struct work;
	struct timer_list timer;
	struct workqueue_struct *wq;
	int cpu;
};

#define to_delayed_work(w)			container_of(w, struct delayed_work, work)
#define queue_work_on(cpu, wq, work)	queue_work((wq), (work))
extern void INIT_DELAYED_WORK(struct delayed_work *dwork, work_func_t func);
extern bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork,
			       unsigned long delay);
extern bool schedule_delayed_work(struct delayed_work *dwork, unsigned long delay);
extern bool mod_delayed_work(struct workqueue_struct *wq, struct delayed_work *dwork,
			     unsigned long delay);
extern bool cancel_delayed_work(struct delayed_work *dwork);
extern bool cancel_delayed_work_sync(struct delayed_work *dwork);
extern bool flush_delayed_work(struct delayed_work *dwork);
extern bool disable_delayed_work(struct delayed_work *dwork);
extern bool disable_delayed_work_sync(struct delayed_work *dwork);
extern bool enable_delayed_work(struct delayed_work *dwork);
extern bool delayed_work_pending(struct delayed_work *dwork);

/*
 * rcu_work: a work item queued after a grace period.  queue_rcu_work() sets
 * its pending bit and call_rcu()s the queuing; until the grace period has
 * ended it is pending on no queue (flush_work() and flush/destroy_workqueue()
 * do not wait for it, flush_rcu_work() does).
 */
struct rcu_work {
	struct work_struct work;
	struct rcu_head rcu;
	struct workqueue_struct *wq;
};

#define to_rcu_work(w)				container_of(w, struct rcu_work, work)
#define INIT_RCU_WORK(rwork, func)		INIT_WORK(&(rwork)->work, (func))
#define INIT_RCU_WORK_ONSTACK(rwork, func)	INIT_WORK(&(rwork)->work, (func))
extern bool queue_rcu_work(struct workqueue_struct *wq, struct rcu_work *rwork);
extern bool flush_rcu_work(struct rcu_work *rwork);

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
/* v6.10: cancel and keep off until as many enable_work()s; queuing meanwhile fails */
extern bool disable_work(struct work_struct *work);
extern bool disable_work_sync(struct work_struct *work);
extern bool enable_work(struct work_struct *work);
extern bool work_pending(struct work_struct *work);
extern void flush_workqueue(struct workqueue_struct *wq);
/* flush system_wq (deprecated in the kernel): every queuing on it made before */
extern void flush_scheduled_work(void);
extern void drain_workqueue(struct workqueue_struct *wq);
extern void destroy_workqueue(struct workqueue_struct *wq);
extern struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,
						int max_active, ...);
#define alloc_ordered_workqueue(fmt, flags, args...) alloc_workqueue(fmt, (flags) | WQ_UNBOUND, 1)
#define create_singlethread_workqueue(name)	alloc_ordered_workqueue("%s", WQ_MEM_RECLAIM, name)
#define create_workqueue(name)			alloc_workqueue("%s", WQ_MEM_RECLAIM, 1, (name))

#endif
