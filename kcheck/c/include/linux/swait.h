/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcheck: simple wait queues (include/linux/swait.h, kernel/sched/swait.c as
 * of v6.6), written out as the kernel has them, over kcheck's raw spinlock,
 * list and task primitives.
 *
 * Every waiter is exclusive and waits in FIFO order.  swake_up_one() wakes
 * the *first* queued waiter and dequeues it whether or not it was asleep: a
 * waiter that has already seen its condition and is between
 * __set_current_state(TASK_RUNNING) and finish_swait() takes that wake-up and
 * the waiter behind it stays asleep (a wait_queue_head's wake_up() would
 * pass it on).  swait_active() reads the list without a barrier, as
 * waitqueue_active() does; swq_has_sleeper() adds the smp_mb().
 */
#ifndef _LINUX_SWAIT_H
#define _LINUX_SWAIT_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>		/* ___wait_cond_timeout() */

struct swait_queue_head {
	raw_spinlock_t		lock;
	struct list_head	task_list;
};

struct swait_queue {
	struct task_struct	*task;
	struct list_head	task_list;
};

#define __SWAITQUEUE_INITIALIZER(name) {				\
	.task		= current,					\
	.task_list	= LIST_HEAD_INIT((name).task_list),		\
}

#define DECLARE_SWAITQUEUE(name)					\
	struct swait_queue name = __SWAITQUEUE_INITIALIZER(name)

#define __SWAIT_QUEUE_HEAD_INITIALIZER(name) {				\
	.lock		= __RAW_SPIN_LOCK_UNLOCKED(name.lock),		\
	.task_list	= LIST_HEAD_INIT((name).task_list),		\
}

#define DECLARE_SWAIT_QUEUE_HEAD(name)					\
	struct swait_queue_head name = __SWAIT_QUEUE_HEAD_INITIALIZER(name)

static inline void init_swait_queue_head(struct swait_queue_head *q)
{
	raw_spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->task_list);
}

/* lockless: the caller orders its condition store before this load, or not */
static inline int swait_active(struct swait_queue_head *wq)
{
	return !list_empty(&wq->task_list);
}

static inline bool swq_has_sleeper(struct swait_queue_head *wq)
{
	/* pairs with set_current_state() in prepare_to_swait_*() */
	smp_mb();
	return swait_active(wq);
}

/* the first waiter, asleep or not; the return of try_to_wake_up() is ignored */
static inline void swake_up_locked(struct swait_queue_head *q, int wake_flags)
{
	struct swait_queue *curr;

	if (list_empty(&q->task_list))
		return;

	curr = list_first_entry(&q->task_list, typeof(*curr), task_list);
	wake_up_process(curr->task);
	list_del_init(&curr->task_list);
}

static inline void swake_up_all_locked(struct swait_queue_head *q)
{
	while (!list_empty(&q->task_list))
		swake_up_locked(q, 0);
}

static inline void swake_up_one(struct swait_queue_head *q)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&q->lock, flags);
	swake_up_locked(q, 0);
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

/*
 * The waiters queued when it is called, each woken with the lock dropped and
 * retaken in between (a waiter queued meanwhile is not woken); not from a
 * context with interrupts off.
 */
static inline void swake_up_all(struct swait_queue_head *q)
{
	struct swait_queue *curr;
	LIST_HEAD(tmp);

	raw_spin_lock_irq(&q->lock);
	list_splice_init(&q->task_list, &tmp);
	while (!list_empty(&tmp)) {
		curr = list_first_entry(&tmp, typeof(*curr), task_list);

		wake_up_state(curr->task, TASK_NORMAL);
		list_del_init(&curr->task_list);

		if (list_empty(&tmp))
			break;

		raw_spin_unlock_irq(&q->lock);
		raw_spin_lock_irq(&q->lock);
	}
	raw_spin_unlock_irq(&q->lock);
}

static inline void __prepare_to_swait(struct swait_queue_head *q, struct swait_queue *wait)
{
	wait->task = current;
	if (list_empty(&wait->task_list))
		list_add_tail(&wait->task_list, &q->task_list);
}

static inline void prepare_to_swait_exclusive(struct swait_queue_head *q,
					      struct swait_queue *wait, int state)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&q->lock, flags);
	__prepare_to_swait(q, wait);
	set_current_state(state);
	raw_spin_unlock_irqrestore(&q->lock, flags);
}

static inline long prepare_to_swait_event(struct swait_queue_head *q,
					  struct swait_queue *wait, int state)
{
	unsigned long flags;
	long ret = 0;

	raw_spin_lock_irqsave(&q->lock, flags);
	if (signal_pending_state(state, current)) {
		/* a later swake_up_one() must not pick us */
		list_del_init(&wait->task_list);
		ret = -ERESTARTSYS;
	} else {
		__prepare_to_swait(q, wait);
		set_current_state(state);
	}
	raw_spin_unlock_irqrestore(&q->lock, flags);

	return ret;
}

static inline void __finish_swait(struct swait_queue_head *q, struct swait_queue *wait)
{
	__set_current_state(TASK_RUNNING);
	if (!list_empty(&wait->task_list))
		list_del_init(&wait->task_list);
}

static inline void finish_swait(struct swait_queue_head *q, struct swait_queue *wait)
{
	unsigned long flags;

	__set_current_state(TASK_RUNNING);

	if (!list_empty_careful(&wait->task_list)) {
		raw_spin_lock_irqsave(&q->lock, flags);
		list_del_init(&wait->task_list);
		raw_spin_unlock_irqrestore(&q->lock, flags);
	}
}

/* the kernel's: a state with TASK_INTERRUPTIBLE (kcheck models no TASK_WAKEKILL) */
#define ___swait_is_interruptible(state)	((state) & TASK_INTERRUPTIBLE)

#define ___swait_event(wq, condition, state, ret, cmd) ({		\
	struct swait_queue __wait;					\
	long __ret = ret;						\
	long __int;							\
	int __done = 0;							\
									\
	INIT_LIST_HEAD(&__wait.task_list);				\
	for (;;) {							\
		__int = prepare_to_swait_event(&(wq), &__wait, state);	\
		if (condition)						\
			break;						\
		if (___swait_is_interruptible(state) && __int) {	\
			__ret = __int;					\
			__done = 1;					\
			break;						\
		}							\
		cmd;							\
	}								\
	if (!__done)							\
		finish_swait(&(wq), &__wait);				\
	__ret;								\
})

#define __swait_event(wq, condition)					\
	(void)___swait_event(wq, condition, TASK_UNINTERRUPTIBLE, 0, schedule())

#define swait_event_exclusive(wq, condition)				\
do {									\
	if (condition)							\
		break;							\
	__swait_event(wq, condition);					\
} while (0)

#define __swait_event_timeout(wq, condition, timeout)			\
	___swait_event(wq, ___wait_cond_timeout(condition),		\
		       TASK_UNINTERRUPTIBLE, timeout,			\
		       __ret = schedule_timeout(__ret))

#define swait_event_timeout_exclusive(wq, condition, timeout) ({	\
	long __ret = timeout;						\
	if (!___wait_cond_timeout(condition))				\
		__ret = __swait_event_timeout(wq, condition, timeout);	\
	__ret;								\
})

#define __swait_event_interruptible(wq, condition)			\
	___swait_event(wq, condition, TASK_INTERRUPTIBLE, 0, schedule())

#define swait_event_interruptible_exclusive(wq, condition) ({		\
	int __ret = 0;							\
	if (!(condition))						\
		__ret = __swait_event_interruptible(wq, condition);	\
	__ret;								\
})

#define __swait_event_interruptible_timeout(wq, condition, timeout)	\
	___swait_event(wq, ___wait_cond_timeout(condition),		\
		       TASK_INTERRUPTIBLE, timeout,			\
		       __ret = schedule_timeout(__ret))

#define swait_event_interruptible_timeout_exclusive(wq, condition, timeout) ({ \
	long __ret = timeout;						\
	if (!___wait_cond_timeout(condition))				\
		__ret = __swait_event_interruptible_timeout(wq,		\
						condition, timeout);	\
	__ret;								\
})

#define __swait_event_idle(wq, condition)				\
	(void)___swait_event(wq, condition, TASK_IDLE, 0, schedule())

#define swait_event_idle_exclusive(wq, condition)			\
do {									\
	if (condition)							\
		break;							\
	__swait_event_idle(wq, condition);				\
} while (0)

#define __swait_event_idle_timeout(wq, condition, timeout)		\
	___swait_event(wq, ___wait_cond_timeout(condition),		\
		       TASK_IDLE, timeout,				\
		       __ret = schedule_timeout(__ret))

#define swait_event_idle_timeout_exclusive(wq, condition, timeout) ({	\
	long __ret = timeout;						\
	if (!___wait_cond_timeout(condition))				\
		__ret = __swait_event_idle_timeout(wq,			\
						   condition, timeout);	\
	__ret;								\
})

#endif
