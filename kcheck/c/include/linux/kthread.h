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

/*
 * kthread_worker (kernel/kthread.c): kcheck.kernel's kthread_queue_work(),
 * kthread_worker_fn(), the flushes and the cancel, the kernel's code over
 * kcheck's raw spinlock, list and completion; creating and destroying a
 * worker is the kernel's code here.  Since v6.13 kthread_create_worker()
 * leaves the thread asleep until the first wake-up (kthread_run_worker(),
 * or the first queuing); a worker idle at the end of a run is no lost
 * wake-up.  The worker does not touch an item after its function returned
 * (a work may free itself); an item freed while it is queued or runs, or
 * queued on a worker after kthread_destroy_worker(), is a use-after-free.
 */
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <linux/bug.h>

struct kthread_work;
typedef void (*kthread_work_func_t)(struct kthread_work *work);

struct kthread_worker {
	unsigned int		flags;
	raw_spinlock_t		lock;
	struct list_head	work_list;
	struct list_head	delayed_work_list;
	struct task_struct	*task;
	struct kthread_work	*current_work;
};

struct kthread_work {
	struct list_head	node;
	kthread_work_func_t	func;
	struct kthread_worker	*worker;
	int			canceling;
};

#define KTW_FREEZABLE		(1 << 0)

#define KTHREAD_WORK_INIT(work, fn)	{				\
	.node = LIST_HEAD_INIT((work).node),				\
	.func = (fn),							\
	}
#define DEFINE_KTHREAD_WORK(work, fn)					\
	struct kthread_work work = KTHREAD_WORK_INIT(work, fn)

extern void kthread_init_worker(struct kthread_worker *worker);
extern void kthread_init_work(struct kthread_work *work, kthread_work_func_t fn);
extern int kthread_worker_fn(void *worker_ptr);
extern bool kthread_queue_work(struct kthread_worker *worker, struct kthread_work *work);
extern void kthread_flush_work(struct kthread_work *work);
extern void kthread_flush_worker(struct kthread_worker *worker);
extern bool kthread_cancel_work_sync(struct kthread_work *work);

#define kthread_create_worker(kw_flags, namefmt, ...) ({			\
	struct kthread_worker *__kw = kzalloc(sizeof(*__kw), GFP_KERNEL);	\
										\
	kthread_init_worker(__kw);						\
	__kw->flags = (kw_flags);						\
	__kw->task = kthread_create(kthread_worker_fn, __kw, namefmt, ## __VA_ARGS__); \
	__kw;									\
})
#define kthread_run_worker(kw_flags, namefmt, ...) ({				\
	struct kthread_worker *__kw = kthread_create_worker(kw_flags, namefmt, ## __VA_ARGS__); \
										\
	if (!IS_ERR(__kw))							\
		wake_up_process(__kw->task);					\
	__kw;									\
})

static inline void kthread_destroy_worker(struct kthread_worker *worker)
{
	struct task_struct *task = worker->task;

	if (WARN_ON(!task))
		return;
	kthread_flush_worker(worker);
	kthread_stop(task);
	WARN_ON(!list_empty(&worker->delayed_work_list));
	WARN_ON(!list_empty(&worker->work_list));
	kfree(worker);
}

#endif
